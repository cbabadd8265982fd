/*
 * /v1/nodes/{id}/vmedia (API 1.89; GET 1.93): an image given by URL
 * attached to, or detached from, a node's virtual media devices, through
 * its management interface, under the node's lock.  The BMC, not ingotd,
 * fetches the URL: it is checked as image sources are (http or https
 * only, [deploy] image_allowed_hosts) and bounded, and refused while the
 * node's own virtual-media boot holds the CD.
 */
#include <stdio.h>
#include <string.h>

#include "conductor.h"
#include "drivers.h"
#include "fsm.h"
#include "images.h"
#include "jsonutil.h"
#include "node.h"
#include "vmedia.h"

#define VM_URL_MAX	2048

static const struct hw_mgmt_ops *
media_ops(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);

	if (m == NULL || m->insert_media == NULL || m->eject_media == NULL) {
		ierr_set(e, IG_EUNSUPPORTED, "The management interface of node %s does "
		    "not support virtual media.", node_uuid(node));
		return NULL;
	}
	return m;
}

static bool
device_ok(const char *d)
{
	return d != NULL && (strcmp(d, "cdrom") == 0 || strcmp(d, "floppy") == 0 ||
	    strcmp(d, "usb") == 0);
}

/* Refused while the node's deploy ramdisk boots from its own ISO. */
static int
not_busy(json_t *node, struct ierr *e)
{
	if (drv_generic(node, HW_IF_BOOT) == &boot_vmedia_ops &&
	    fsm_ramdisk(node_provision_state(node))) {
		ierr_set(e, IG_ECONFLICT, "Node %s boots its deploy ramdisk from virtual "
		    "media (provision state %s); try again when it is done.",
		    node_uuid(node), node_provision_state(node));
		return -1;
	}
	return 0;
}

static int
check_url(const char *url, struct ierr *e)
{
	char err[300];

	if (url == NULL || strlen(url) > VM_URL_MAX || (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0)) {
		ierr_set(e, IG_EINVAL, "image_url must be an http:// or https:// URL of "
		    "at most %d characters.", VM_URL_MAX);
		return -1;
	}
	for (const unsigned char *c = (const unsigned char *)url; *c; c++)
		if (*c <= ' ' || *c >= 0x7f) {
			ierr_set(e, IG_EINVAL, "image_url has a space or control character.");
			return -1;
		}
	if (images_check_source(url, true, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "Invalid image_url: %s", err);
		return -1;
	}
	return 0;
}

/* The BMC's failure, scrubbed of its address and user. */
static void
bmc_failed(json_t *node, const char *what, const char *err, struct ierr *e)
{
	char clean[512];

	hw_scrub_bmc(node_driver_info(node), err, clean, sizeof(clean));
	ierr_set(e, IG_EBMC, "Failed to %s: %s", what, clean);
}

int
cond_vmedia_attach(json_t *in, const char *device, const char *url,
    const char *source, struct ierr *e)
{
	const struct hw_mgmt_ops *m = media_ops(in, e);
	char err[512] = "";
	json_t *node;
	int rc = -1;

	if (m == NULL)
		return -1;
	if (!device_ok(device)) {
		ierr_set(e, IG_EINVAL, "Invalid device_type %s: cdrom, floppy or usb.",
		    device ? device : "(none)");
		return -1;
	}
	if (source != NULL && strcmp(source, "http") != 0) {
		ierr_set(e, IG_EINVAL, "image_download_source %s is not supported: the "
		    "BMC fetches image_url itself (http).", source);
		return -1;
	}
	if (check_url(url, e) != 0 || (node = node_lock_reload(node_uuid(in), e)) == NULL)
		return -1;
	if (not_busy(node, e) == 0) {
		if (m->insert_media(node, device, url, err, sizeof(err)) != 0)
			bmc_failed(node, "attach virtual media", err, e);
		else
			rc = 0;
	}
	node_unlock(node_uuid(in));
	json_decref(node);
	return rc;
}

int
cond_vmedia_detach(json_t *in, const char *device, struct ierr *e)
{
	const struct hw_mgmt_ops *m = media_ops(in, e);
	char err[512] = "";
	json_t *node;
	int rc = -1;

	if (m == NULL)
		return -1;
	if (device != NULL && !device_ok(device)) {
		ierr_set(e, IG_EINVAL, "Invalid device_type %s: cdrom, floppy or usb.",
		    device);
		return -1;
	}
	if ((node = node_lock_reload(node_uuid(in), e)) == NULL)
		return -1;
	if (not_busy(node, e) == 0) {
		if (m->eject_media(node, device, err, sizeof(err)) != 0)
			bmc_failed(node, "detach virtual media", err, e);
		else
			rc = 0;
	}
	node_unlock(node_uuid(in));
	json_decref(node);
	return rc;
}

json_t *
cond_vmedia_get(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);
	char err[512] = "";
	json_t *list;

	if (m == NULL || m->get_media == NULL) {
		ierr_set(e, IG_EUNSUPPORTED, "The management interface of node %s does "
		    "not support virtual media.", node_uuid(node));
		return NULL;
	}
	if ((list = m->get_media(node, err, sizeof(err))) == NULL)
		bmc_failed(node, "read virtual media", err, e);
	return list;
}
