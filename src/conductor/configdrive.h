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

/* A JSON form already checked (its keys) built into the gzip+base64 ISO
 * string, or NULL with e set. */
json_t	*configdrive_build(json_t *cd, json_t *node, struct ierr *e);

/*
 * The volumes' part (configdrive_vol.c).  At the deploy verb, a JSON form
 * given for a node with a storage interface is kept (driver_internal_info,
 * masked in answers) until the storage interface has attached; then the
 * drive is built again with the node's attached data volumes (portal,
 * target IQN, LUN, CHAP) in vendor_data2.json under "ingot", and the form
 * dropped.  A string (a pre-built ISO) is left as it is.  0, or -1 with
 * err (the drive too big with them).
 */
void	configdrive_keep_form(json_t *node, json_t *cd);
int	configdrive_add_volumes(json_t *node, char *err, size_t len);

#endif
