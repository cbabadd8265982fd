/*
 * Config drives (configdrive.c): what a deploy or rebuild may carry in its
 * "configdrive" field, checked, and the JSON form ({meta_data, user_data,
 * network_data, vendor_data}) built into the ISO9660 image Ironic builds
 * (volume "config-2", openstack/{2012-08-10,latest}/...), gzipped and
 * base64-encoded as the agent takes it.
 */
#ifndef INGOT_CONFIGDRIVE_H
#define INGOT_CONFIGDRIVE_H

#include <jansson.h>
#include <stddef.h>

#include "ierr.h"

#define CD_FILE_MAX	(512u << 10)	/* one file of the JSON form */
#define CD_JSON_MAX	(1u << 20)	/* all files of the JSON form */
#define CD_ISO_MAX	(64u << 20)	/* a decoded ISO (IPA's bound) */

/*
 * The configdrive of a deploy (or rebuild) of node at API 1.minor, ready
 * for instance_info: a JSON form built into a gzip+base64 ISO, a string
 * checked (base64 whose gzip holds at most CD_ISO_MAX bytes).  NULL with
 * e set (IG_EINVAL, IG_ETOOBIG) when it is refused.
 */
json_t	*configdrive_prepare(json_t *cd, json_t *node, int minor, struct ierr *e);

/* The JSON form (its keys checked) as an ISO image for node: malloc'd
 * bytes in *iso, or -1 with e set. */
int	 configdrive_iso(json_t *cd, json_t *node, unsigned char **iso, size_t *len,
	    struct ierr *e);

#endif
