/*
 * The config drive's volume part (configdrive.h): a local-disk node's
 * attached data volumes, published to its OS in vendor_data2.json as
 *
 *   {"ingot": {"volumes": [{"volume_id", "target_uuid", "boot_index",
 *    "driver_volume_type": "iscsi", "data": {"target_portal",
 *    "target_iqn", "target_lun", "auth_method", "auth_username",
 *    "auth_password"}}]}}
 *
 * Nova's vendor_data2.json is an object of providers; each volume is the
 * shape of Nova's connection_info (Cinder's os-initialize_connection
 * answer).  The attachments exist only once the storage interface has run
 * in the deploy flow, after the verb built the drive, so the verb keeps
 * the JSON form in driver_internal_info.configdrive (render.c masks that
 * member as it masks instance_info's) and the flow builds the drive again.
 */
#include <stdio.h>
#include <string.h>

#include "configdrive.h"
#include "jsonutil.h"
#include "model_access.h"
#include "store.h"
#include "volpool.h"

#define KEEP	"configdrive"	/* driver_internal_info's member */

void
configdrive_keep_form(json_t *node, json_t *cd)
{
	const char *si = node_storage_interface(node);
	json_t *dii = node_driver_internal_info(node);

	if (json_is_object(cd) && si != NULL && strcmp(si, "noop") != 0)
		json_object_set_new(dii, KEEP, json_deep_copy(cd));
	else
		json_object_del(dii, KEEP);
}

/* One attached data target's connection, or NULL. */
static json_t *
connection(json_t *t)
{
	static const char *const keys[] = { "target_portal", "target_iqn",
	    "target_lun", "auth_method", "auth_username", "auth_password", NULL };
	json_t *p = vtarget_properties(t), *d;

	if (vtarget_boot_index(t) == 0 || jstr(p, "target_iqn") == NULL ||
	    jstr(p, "target_portal") == NULL)
		return NULL;
	d = json_object();
	for (int i = 0; keys[i] != NULL; i++)
		if (json_object_get(p, keys[i]) != NULL)
			json_object_set(d, keys[i], json_object_get(p, keys[i]));
	return json_pack("{s:s, s:s, s:I, s:s, s:o}", "volume_id", vtarget_volume_id(t),
	    "target_uuid", vtarget_uuid(t), "boot_index", (json_int_t)vtarget_boot_index(t),
	    "driver_volume_type", "iscsi", "data", d);
}

/* The node's attached data volumes (a new array, possibly empty). */
static json_t *
connections(json_t *node)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(node_uuid(node)), *l, *t, *out = json_array(), *c;
	char err[128];
	size_t i;

	q.filters[0] = (struct store_filter){ "node_uuid", SO_EQ, v, NULL, NULL };
	l = store_list(store_thread(), &model_volume_target, &q, err, sizeof(err));
	json_decref(v);
	json_array_foreach(l, i, t)
		if ((c = connection(t)) != NULL)
			json_array_append_new(out, c);
	json_decref(l);
	return out;
}

int
configdrive_add_volumes(json_t *node, char *err, size_t len)
{
	json_t *dii = node_driver_internal_info(node);
	json_t *cd = json_incref(json_object_get(dii, KEEP)), *vols, *vd, *built;
	struct ierr e = { 0 };
	int rc = 0;

	json_object_del(dii, KEEP);
	/* A node booting from its volume gets no config drive; its OS reads
	 * its connections from its tenant listener (volhot.c). */
	vols = json_is_object(cd) && !storage_boot_from_volume(node) ?
	    connections(node) : NULL;
	if (json_array_size(vols) == 0) {
		json_decref(vols);
		json_decref(cd);
		return 0;
	}
	if (!json_is_object(vd = json_object_get(cd, "vendor_data")))
		json_object_set_new(cd, "vendor_data", (vd = json_object()));
	if (!json_is_object(json_object_get(vd, "ingot")))
		json_object_set_new(vd, "ingot", json_object());
	json_object_set_new(json_object_get(vd, "ingot"), "volumes", vols);
	if ((built = configdrive_build(cd, node, &e)) == NULL) {
		snprintf(err, len, "cannot add the volumes to the config drive: %s", e.msg);
		rc = -1;
	} else
		json_object_set_new(node_instance_info(node), "configdrive", built);
	json_decref(cd);
	return rc;
}
