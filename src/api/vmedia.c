/*
 * /v1/nodes/{id}/vmedia (Ironic API 1.89: attach, detach; 1.93: list).
 * The conductor checks the device, the URL (the BMC fetches it) and the
 * node's state under its lock (vmedia_attach.c).
 */
#include <ctype.h>
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "jsonutil.h"

/* A device type as Ironic spells it in any case ("CDROM", "cdrom"). */
static const char *
lower(const char *in, char *buf, size_t len)
{
	size_t i;

	if (in == NULL)
		return NULL;
	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)in[i]);
	buf[i] = '\0';
	return in[i] == '\0' ? buf : "(too long)";
}

void
h_node_vmedia_attach(struct req *q, struct resp *r)
{
	static const char *const keys[] = { "device_type", "image_url",
	    "image_download_source", NULL };
	struct ierr e = { 0 };
	char dev[16];
	const char *k;
	json_t *v;

	json_object_foreach(q->json, k, v) {
		size_t i;
		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL || !json_is_string(v)) {
			api_error(r, 400, "Invalid request: %.64s is %s", k, keys[i] == NULL ?
			    "not a known field (device_type, image_url, "
			    "image_download_source)" : "not a string");
			return;
		}
	}
	if (jstr(q->json, "device_type") == NULL || jstr(q->json, "image_url") == NULL) {
		api_error(r, 400, "Invalid request: device_type and image_url are required");
		return;
	}
	if (cond_vmedia_attach(q->obj, lower(jstr(q->json, "device_type"), dev, sizeof(dev)),
	    jstr(q->json, "image_url"), jstr(q->json, "image_download_source"), &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

void
h_node_vmedia_detach(struct req *q, struct resp *r)
{
	const char *d = api_query(q, "device_types");
	struct ierr e = { 0 };
	char dev[16];

	if (d != NULL && strchr(d, ',') != NULL) {
		api_error(r, 400, "Invalid device_types: give one device type (cdrom, "
		    "floppy, usb) or none for all");
		return;
	}
	if (cond_vmedia_detach(q->obj, lower(d, dev, sizeof(dev)), &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

void
h_node_vmedia_get(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *list = cond_vmedia_get(q->obj, &e);

	if (list == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, json_pack("{s:o}", "vmedia", list));
}
