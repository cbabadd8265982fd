/*
 * Virtual media over Redfish: the system's manager (Links.ManagedBy, else
 * the BMC's first manager), its VirtualMedia members, the one whose
 * MediaTypes fit the device, and its InsertMedia / EjectMedia actions
 * (PATCH of Image/Inserted for BMCs that name no action).  Every link is
 * taken through rf_path_take: the BMC cannot send ingotd elsewhere.
 */
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "redfish.h"

#define RF_MAX_MEDIA	16	/* members of a VirtualMedia collection read */

/* Redfish MediaTypes that serve a device of Ironic's API. */
static bool
media_fits(json_t *vm, const char *device)
{
	static const struct { const char *dev, *types[3]; } map[] = {
		{ "cdrom", { "CD", "DVD", NULL } },
		{ "floppy", { "Floppy", NULL } },
		{ "usb", { "USBStick", NULL } },
	};
	json_t *types = json_object_get(vm, "MediaTypes"), *t;
	size_t i;

	for (size_t m = 0; m < sizeof(map) / sizeof(map[0]); m++) {
		if (strcmp(map[m].dev, device) != 0)
			continue;
		json_array_foreach(types, i, t)
			for (int k = 0; map[m].types[k] != NULL; k++)
				if (json_is_string(t) && strcmp(json_string_value(t),
				    map[m].types[k]) == 0)
					return true;
	}
	return false;
}

/* The path of the system's manager's VirtualMedia collection. */
static int
collection_path(const struct rf_target *t, const char *sys, char *out, size_t len,
    char *err, size_t elen)
{
	json_t *doc = rf_get(t, sys, NULL, 0, err, elen), *mgr = NULL, *l;
	char path[300];
	int rc = -1;

	if (doc == NULL)
		return -1;
	l = json_object_get(json_object_get(doc, "Links"), "ManagedBy");
	if (rf_path_take(t->base, jstr(json_array_get(l, 0), "@odata.id"), path,
	    sizeof(path)) != 0)
		snprintf(path, sizeof(path), "/redfish/v1/Managers/BMC");
	if ((mgr = rf_get(t, path, NULL, 0, err, elen)) != NULL) {
		if (rf_path_take(t->base, rf_link(mgr, "VirtualMedia"), out, len) == 0)
			rc = 0;
		else
			snprintf(err, elen, "the BMC's manager has no VirtualMedia");
	}
	json_decref(doc);
	json_decref(mgr);
	return rc;
}

/* The members of the collection (documents, new reference) or NULL. */
static json_t *
media_list(const struct rf_target *t, const char *sys, char *err, size_t len)
{
	json_t *col, *out, *m;
	char path[300];
	size_t i;

	if (collection_path(t, sys, path, sizeof(path), err, len) != 0 ||
	    (col = rf_get(t, path, NULL, 0, err, len)) == NULL)
		return NULL;
	out = json_array();
	json_array_foreach(json_object_get(col, "Members"), i, m) {
		char p[300], e2[256];
		json_t *d;
		if (i >= RF_MAX_MEDIA)
			break;
		if (rf_path_take(t->base, jstr(m, "@odata.id"), p, sizeof(p)) != 0 ||
		    (d = rf_get(t, p, NULL, 0, e2, sizeof(e2))) == NULL)
			continue;
		json_object_set_new(d, "@ingot.path", json_string(p));
		json_array_append_new(out, d);
	}
	json_decref(col);
	return out;
}

/* The action's target, or "" for a PATCH of the member itself. */
static void
action_path(const struct rf_target *t, json_t *vm, const char *action, char *out,
    size_t len)
{
	json_t *a = json_object_get(json_object_get(vm, "Actions"), action);

	if (rf_path_take(t->base, jstr(a, "target"), out, len) != 0)
		out[0] = '\0';
}

static int
eject_one(const struct rf_target *t, json_t *vm, char *err, size_t len)
{
	char path[300];
	json_t *body;
	int rc;

	if (!json_is_true(json_object_get(vm, "Inserted")))
		return 0;
	action_path(t, vm, "#VirtualMedia.EjectMedia", path, sizeof(path));
	if (path[0] != '\0') {
		body = json_object();
		rc = rf_action(t, path, body, err, len);
	} else {
		body = json_pack("{s:b}", "Inserted", 0);
		rc = rf_patch(t, jstr(vm, "@ingot.path"), body, err, len);
	}
	json_decref(body);
	return rc;
}

static int
insert_one(const struct rf_target *t, json_t *vm, const char *url, char *err,
    size_t len)
{
	char path[300];
	json_t *body;
	int rc;

	if (eject_one(t, vm, err, len) != 0)
		return -1;
	action_path(t, vm, "#VirtualMedia.InsertMedia", path, sizeof(path));
	body = json_pack("{s:s, s:b, s:b}", "Image", url, "Inserted", 1,
	    "WriteProtected", 1);
	if (path[0] != '\0')
		rc = rf_action(t, path, body, err, len);
	else
		rc = rf_patch(t, jstr(vm, "@ingot.path"), body, err, len);
	json_decref(body);
	return rc;
}

int
rf_media_insert(const struct rf_target *t, const char *sys, const char *device,
    const char *url, char *err, size_t len)
{
	json_t *list = media_list(t, sys, err, len), *vm;
	size_t i;
	int rc = -1;

	if (list == NULL)
		return -1;
	snprintf(err, len, "the BMC has no virtual media device for %s", device);
	json_array_foreach(list, i, vm)
		if (media_fits(vm, device)) {
			rc = insert_one(t, vm, url, err, len);
			break;
		}
	json_decref(list);
	return rc;
}

int
rf_media_eject(const struct rf_target *t, const char *sys, const char *device,
    char *err, size_t len)
{
	json_t *list = media_list(t, sys, err, len), *vm;
	size_t i;
	int rc = 0;

	if (list == NULL)
		return -1;
	json_array_foreach(list, i, vm)
		if ((device == NULL || media_fits(vm, device)) &&
		    eject_one(t, vm, err, len) != 0)
			rc = -1;
	json_decref(list);
	return rc;
}

/* [{device_type, image_url, inserted}] as Ironic's GET .../vmedia. */
json_t *
rf_media_get(const struct rf_target *t, const char *sys, char *err, size_t len)
{
	static const char *const devs[] = { "cdrom", "floppy", "usb" };
	json_t *list = media_list(t, sys, err, len), *out, *vm;
	size_t i;

	if (list == NULL)
		return NULL;
	out = json_array();
	json_array_foreach(list, i, vm)
		for (size_t d = 0; d < sizeof(devs) / sizeof(devs[0]); d++) {
			const char *img = jstr(vm, "Image");
			if (!media_fits(vm, devs[d]))
				continue;
			json_array_append_new(out, json_pack("{s:s, s:s?, s:b}",
			    "device_type", devs[d], "image_url", img,
			    "inserted", json_is_true(json_object_get(vm, "Inserted"))));
			break;
		}
	json_decref(list);
	return out;
}
