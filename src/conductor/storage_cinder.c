/*
 * Storage interface "cinder": a node's volume targets attached through
 * Cinder (cinder_api.h), as Ironic's cinder storage interface does.  At
 * deploy each target's volume_id gets a Cinder attachment for the node's
 * connector (its iqn, ip and the node as host); the connection info goes
 * into the target's properties (secret-named members masked in answers,
 * sealed at rest), the attachment ids into the node's
 * driver_internal_info "cinder_attachments" {target uuid: {attachment_id,
 * volume_id, keys}}.  A failure part-way deletes the attachments already
 * made; undeploy and every failed deploy delete them all.
 */
#include <stdio.h>
#include <string.h>

#include "cinder_api.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "util.h"
#include "volpool.h"

#define ATTACHMENTS	"cinder_attachments"

static json_t *
rows(const struct resource *res, const char *node)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(node), *l;
	char err[128];

	q.filters[0] = (struct store_filter){ "node_uuid", SO_EQ, v, NULL, NULL };
	l = store_list(store_thread(), res, &q, err, sizeof(err));
	json_decref(v);
	return l ? l : json_array();
}

/* Ironic's connector for the node: initiator (iqn), ip, host; NULL when
 * the node has no iqn connector. */
static json_t *
connector(json_t *node)
{
	json_t *l = rows(&model_volume_connector, node_uuid(node)), *c, *out;
	const char *iqn = NULL, *ip = NULL;
	size_t i;

	json_array_foreach(l, i, c) {
		if (strcmp(vconn_type(c), "iqn") == 0 && iqn == NULL)
			iqn = vconn_connector_id(c);
		if (strcmp(vconn_type(c), "ip") == 0 && ip == NULL)
			ip = vconn_connector_id(c);
	}
	out = iqn == NULL ? NULL : json_pack("{s:s, s:s, s:b, s:s, s:s}", "initiator",
	    iqn, "host", node_uuid(node), "multipath", 0, "platform", "x86_64",
	    "os_type", "linux");
	if (out != NULL && ip != NULL)
		json_object_set_new(out, "ip", json_string(ip));
	json_decref(l);
	return out;
}

static json_t *
attachments(json_t *node)
{
	json_t *dii = node_driver_internal_info(node), *a = json_object_get(dii, ATTACHMENTS);

	if (!json_is_object(a)) {
		a = json_object();
		json_object_set_new(dii, ATTACHMENTS, a);
	}
	return a;
}

static void
save_target(json_t *t)
{
	char e2[128];

	if (store_update(store_thread(), &model_volume_target, t, e2, sizeof(e2)) != STORE_OK)
		log_error("cinder: volume target %s not saved: %s", vtarget_uuid(t), e2);
}

/* The target's properties lose what the attachment put there. */
static void
clear_props(const char *target_uuid, json_t *keys)
{
	json_t *t = store_get(store_thread(), &model_volume_target, "uuid", target_uuid), *k;
	size_t i;

	if (t == NULL)
		return;
	json_array_foreach(keys, i, k)
		json_object_del(vtarget_properties(t), json_string_value(k));
	save_target(t);
	json_decref(t);
}

/* Deletes every attachment the node holds; -1 if one remains (err). */
static int
detach_all(json_t *node, char *err, size_t len)
{
	json_t *a = attachments(node), *rec;
	const char *tu;
	void *tmp;
	int rc = 0;

	json_object_foreach_safe(a, tmp, tu, rec) {
		if (cinder_detach(jstr(rec, "attachment_id"), err, len) != 0) {
			rc = -1;
			continue;
		}
		clear_props(tu, json_object_get(rec, "keys"));
		json_object_del(a, tu);
	}
	if (rc == 0)
		json_object_del(node_driver_internal_info(node), ATTACHMENTS);
	json_object_del(node_driver_internal_info(node), "boot_from_volume");
	return rc;
}

/* Attaches one target and records it; 0 or -1 (err). */
static int
attach_one(json_t *node, json_t *t, json_t *conn, char *err, size_t len)
{
	const char *inst = node_instance_uuid(node) ? node_instance_uuid(node) :
	    node_uuid(node);
	const char *tenant = node_lessee(node) ? node_lessee(node) : node_owner(node);
	json_t *ci = NULL, *props, *keys, *v;
	char id[64], e2[400];
	const char *k;

	if (strcmp(vtarget_volume_type(t), "iscsi") != 0) {
		snprintf(err, len, "volume target %s: the cinder storage interface "
		    "attaches volume_type iscsi only", vtarget_uuid(t));
		return -1;
	}
	if (cinder_volume_check(vtarget_volume_id(t), tenant, e2, sizeof(e2)) != 0 ||
	    cinder_attach(vtarget_volume_id(t), inst, conn, id, sizeof(id), &ci, e2,
	    sizeof(e2)) != 0) {
		snprintf(err, len, "volume %.40s: %s", vtarget_volume_id(t), e2);
		return -1;
	}
	props = cinder_connection_props(ci);
	json_decref(ci);
	keys = json_array();
	json_object_foreach(props, k, v) {
		json_object_set(vtarget_properties(t), k, v);
		json_array_append_new(keys, json_string(k));
	}
	json_decref(props);
	json_object_set_new(attachments(node), vtarget_uuid(t), json_pack("{s:s,s:s,s:o}",
	    "attachment_id", id, "volume_id", vtarget_volume_id(t), "keys", keys));
	save_target(t);
	if (vtarget_boot_index(t) == 0)
		json_object_set_new(node_driver_internal_info(node), "boot_from_volume",
		    json_string(vtarget_uuid(t)));
	return 0;
}

static enum hw_step
cinder_attach_all(json_t *node, char *err, size_t len)
{
	json_t *ts = rows(&model_volume_target, node_uuid(node)), *t;
	json_t *conn = json_array_size(ts) > 0 ? connector(node) : NULL;
	char e2[256];
	size_t i;
	int rc = 0;

	if (json_array_size(ts) > 0 && conn == NULL) {
		snprintf(err, len, "the node has volume targets but no iqn volume connector");
		rc = -1;
	}
	json_array_foreach(ts, i, t) {
		if (rc != 0)
			break;
		if (json_object_get(attachments(node), vtarget_uuid(t)) == NULL)
			rc = attach_one(node, t, conn, err, len);
	}
	json_decref(ts);
	json_decref(conn);
	if (rc == 0)
		return HW_STEP_DONE;
	if (detach_all(node, e2, sizeof(e2)) != 0)	/* nothing half-attached */
		log_error("node %s: Cinder attachments left after a failed attach: %s",
		    node_uuid(node), e2);
	return HW_STEP_FAIL;
}

static enum hw_step
cinder_detach_op(json_t *node, char *err, size_t len)
{
	char e2[400];

	if (detach_all(node, e2, sizeof(e2)) == 0)
		return HW_STEP_DONE;
	snprintf(err, len, "cannot detach the node's Cinder volumes: %s", e2);
	return HW_STEP_FAIL;
}

static int
cinder_validate(json_t *node, char *err, size_t len)
{
	json_t *ts = rows(&model_volume_target, node_uuid(node)), *c = NULL;
	int rc = 0;

	if (json_array_size(ts) > 0 && (c = connector(node)) == NULL) {
		snprintf(err, len, "the node has volume targets but no iqn volume connector");
		rc = -1;
	} else if (json_array_size(ts) > 0 && !cinder_enabled()) {
		snprintf(err, len, "the cinder storage interface is not configured "
		    "([cinder] auth_url)");
		rc = -1;
	}
	json_decref(c);
	json_decref(ts);
	return rc;
}

const struct hw_generic_ops storage_cinder_ops = {
	.name = "cinder",
	.validate = cinder_validate,
	.deploy = cinder_attach_all,
	.tear_down = cinder_detach_op,
};
