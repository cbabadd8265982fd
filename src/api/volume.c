/*
 * Ironic's volume API (1.32): /v1/volume/connectors and /v1/volume/targets,
 * and a node's own at /v1/nodes/{node}/volume/....  As in Ironic: a
 * connector's type and connector_id name one initiator in the whole
 * deployment; a node has at most one target per boot_index; a connector or
 * target is changed or deleted only while its node is powered off and not
 * locked (400 / 409).  System-scoped only, as Ironic's defaults are for
 * changes; a project reads its nodes' through the node routes.  Ingot's
 * addition: a target (not the boot volume) created on, or deleted from, a
 * node that is active with the iscsi storage interface is attached or
 * detached at once (conductor/volhot.c).
 */
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "util.h"

/* Ironic's connector types (its cinder storage interface's list). */
static const char *const connector_types[] = { "iqn", "ip", "mac", "wwnn", "wwpn",
    "port", "portgroup", NULL };

static bool
is_conn(const struct resource *res)
{
	return res == &model_volume_connector;
}

static const char *
title(const struct resource *res)
{
	return is_conn(res) ? "Volume connector" : "Volume target";
}

/* A non-empty string of at most max characters, without control bytes. */
static bool
text_ok(struct resp *r, json_t *o, const char *field, size_t max)
{
	const char *v = jstr(o, field);

	if (v == NULL || v[0] == '\0' || strlen(v) > max) {
		api_error(r, 400, "Invalid input for field/attribute %s: a string of 1 "
		    "to %zu characters is required.", field, max);
		return false;
	}
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			api_error(r, 400, "Invalid input for field/attribute %s: control "
			    "characters are not allowed.", field);
			return false;
		}
	return true;
}

static bool
check_connector(struct resp *r, json_t *c)
{
	const char *t = jstr(c, "type");
	int i;

	for (i = 0; t != NULL && connector_types[i] != NULL &&
	    strcmp(connector_types[i], t) != 0; i++)
		;
	if (t == NULL || connector_types[i] == NULL) {
		api_error(r, 400, "Invalid input for field/attribute type. Value: %.64s. "
		    "Must be one of iqn, ip, mac, wwnn, wwpn, port, portgroup.",
		    t ? t : "(missing)");
		return false;
	}
	return text_ok(r, c, "connector_id", 255);
}

static bool
check_target(struct resp *r, json_t *t)
{
	json_t *bi = json_object_get(t, "boot_index");

	if (!json_is_integer(bi) || json_integer_value(bi) < 0 ||
	    json_integer_value(bi) > 1024) {
		api_error(r, 400, "Invalid input for field/attribute boot_index: an "
		    "integer from 0 to 1024 is required.");
		return false;
	}
	return text_ok(r, t, "volume_type", 64) && text_ok(r, t, "volume_id", 36);
}

/* The node named by obj's node_uuid (a UUID or a name), its UUID put back
 * into obj; NULL with 400 (Ironic's InvalidInput). */
static json_t *
node_of(struct resp *r, json_t *obj)
{
	const char *id = jstr(obj, "node_uuid");
	json_t *n = NULL;

	if (id != NULL)
		n = util_is_uuid(id) ? store_get(store_thread(), &model_node, "uuid", id) :
		    store_get(store_thread(), &model_node, "name", id);
	if (n == NULL) {
		api_error(r, 400, "Invalid input for field/attribute node_uuid. Value: "
		    "%.64s.", id ? id : "(missing)");
		return NULL;
	}
	json_object_set(obj, "node_uuid", json_object_get(n, "uuid"));
	return n;
}

/* Ironic changes a node's connectors and targets only while it is
 * powered off and no one holds it. */
static bool
node_changeable(struct resp *r, const struct resource *res, const char *uuid,
    const char *action)
{
	json_t *n = store_get(store_thread(), &model_node, "uuid", uuid);
	const char *ps = n ? node_power_state(n) : NULL;
	bool ok = false;

	if (n == NULL)
		api_error(r, 400, "Invalid input for field/attribute node_uuid. Value: "
		    "%.64s.", uuid);
	else if (node_reservation(n) != NULL)
		api_error(r, 409, "Node %s is locked by host %s, please retry after "
		    "the current operation is completed.", uuid, node_reservation(n));
	else if (ps == NULL || strcmp(ps, "power off") != 0)
		api_error(r, 400, "The requested action \"%s %s\" can not be performed "
		    "on node \"%s\" while it is in state \"%s\".", title(res), action,
		    uuid, ps ? ps : "None");
	else
		ok = true;
	json_decref(n);
	return ok;
}

static bool
check(struct resp *r, const struct resource *res, json_t *o)
{
	return is_conn(res) ? check_connector(r, o) : check_target(r, o);
}

static void
dup_error(struct resp *r, const struct resource *res, const char *field, json_t *o)
{
	if (strcmp(field, "uuid") == 0)
		api_error(r, 409, "A %s with UUID %s already exists.", is_conn(res) ?
		    "volume connector" : "volume target", jstr(o, "uuid"));
	else if (is_conn(res))
		api_error(r, 409, "A volume connector with type %s and connector ID "
		    "%s already exists.", jstr(o, "type"), jstr(o, "connector_id"));
	else
		api_error(r, 409, "A volume target with boot index '%lld' for the same "
		    "node already exists.", (long long)json_integer_value(
		    json_object_get(o, "boot_index")));
}

/* The node of target t, if t is to be attached or detached at once. */
static bool
hot(json_t *t)
{
	json_t *n = store_get(store_thread(), &model_node, "uuid", jstr(t, "node_uuid"));
	bool h = n != NULL && cond_volume_hot(n, t);

	json_decref(n);
	return h;
}

/* A new target of an active node: attached now (its row and properties
 * read back into t), or removed again with the error answered. */
static bool
attach_now(struct resp *r, json_t *t)
{
	struct ierr e = { 0 };
	json_t *fresh;

	if (!hot(t))
		return true;
	if (cond_volume_hotplug(jstr(t, "node_uuid"), jstr(t, "uuid"), true, &e) != 0) {
		(void)store_delete(store_thread(), &model_volume_target, jstr(t, "uuid"));
		api_ierr(r, &e);
		return false;
	}
	fresh = store_get(store_thread(), &model_volume_target, "uuid", jstr(t, "uuid"));
	if (fresh != NULL)
		json_object_update(t, fresh);
	json_decref(fresh);
	return true;
}

/* Deleting a target of an active node detaches it first. */
static bool
detach_now(struct resp *r, json_t *t, bool *done)
{
	struct ierr e = { 0 };

	*done = hot(t);
	if (*done && cond_volume_hotplug(jstr(t, "node_uuid"), jstr(t, "uuid"), false,
	    &e) != 0) {
		api_ierr(r, &e);
		return false;
	}
	return true;
}

static void
create(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *b = q->json, *n;
	char now[40], err[256];
	int rc;

	if (!api_check_create(q, r, res, b) || (n = node_of(r, b)) == NULL)
		return;
	json_decref(n);
	if (!check(r, res, b))
		return;
	if (!api_give_uuid(r, b))
		return;
	util_now_iso(now);
	json_object_set_new(b, "created_at", json_string(now));
	model_apply_defaults(res, b);
	rc = store_create(store_thread(), res, b, err, sizeof(err));
	if (rc == STORE_DUP) {
		dup_error(r, res, err, b);
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the %s: %s", res->kind, err);
		return;
	}
	log_set_node(jstr(b, "node_uuid"));
	log_info("%s %s created", res->kind, jstr(b, "uuid"));
	if (!is_conn(res) && !attach_now(r, b))
		return;
	snprintf(r->location, sizeof(r->location), "%.300s/v1/volume/%s/%s", q->base,
	    is_conn(res) ? "connectors" : "targets", jstr(b, "uuid"));
	api_json(r, 201, api_render(q, res, b, NULL, true));
}

/* A list, of one node's when node is given (the route's object) or asked
 * for with ?node=. */
static void
list(struct req *q, struct resp *r, const struct resource *res, json_t *node,
    bool detail)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	json_t *nuuid = NULL, *f;
	const char *ident = api_query(q, "node");
	char path[300];
	bool given;
	int dq;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, res, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &dq))
		return;
	if (dq == 1 && given) {
		api_error(r, 400, "Can not specify ?detail=True and fields in the same "
		    "request.");
		return;
	}
	if (node == NULL && ident != NULL) {
		f = json_pack("{s:s}", "node_uuid", ident);
		node = node_of(r, f);
		json_decref(f);
		if (node == NULL)
			return;
	} else {
		json_incref(node);
	}
	if (node != NULL) {
		nuuid = json_incref(json_object_get(node, "uuid"));
		sq.filters[sq.nfilters++] = (struct store_filter){ "node_uuid", SO_EQ,
		    nuuid, NULL, NULL };
	}
	snprintf(path, sizeof(path), "v1/volume/%s", is_conn(res) ? "connectors" :
	    "targets");
	api_list_text(q, r, res, &sq, given ? &fs : NULL, detail || dq == 1, path);
	json_decref(nuuid);
	json_decref(node);
}

/* The connector or target of the route's '*' (by UUID), or 404. */
static json_t *
find(struct req *q, struct resp *r, const struct resource *res)
{
	const char *id = q->args[0];
	json_t *o = NULL;

	if (id != NULL && util_is_uuid(id))
		o = store_get(store_thread(), res, "uuid", id);
	if (o == NULL)
		api_error(r, 404, "%s %.64s could not be found.", title(res), id ? id : "");
	return o;
}

static void
show(struct req *q, struct resp *r, const struct resource *res)
{
	struct fieldset fs;
	bool given;
	json_t *o;

	if (!api_fields(q, r, res, &fs, &given) || (o = find(q, r, res)) == NULL)
		return;
	api_json(r, 200, api_render(q, res, o, given ? &fs : NULL, true));
	json_decref(o);
}

static void
patch(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *o, *upd = NULL, *n;
	char err[256], now[40];
	int rc;

	if ((o = find(q, r, res)) == NULL)
		return;
	if (!node_changeable(r, res, jstr(o, "node_uuid"), "update") ||
	    (upd = api_patch(q, r, res, o, q->json)) == NULL)
		goto out;
	if ((n = node_of(r, upd)) == NULL)
		goto out;
	json_decref(n);
	if (!check(r, res, upd) || (strcmp(jstr(o, "node_uuid"), jstr(upd, "node_uuid"))
	    != 0 && !node_changeable(r, res, jstr(upd, "node_uuid"), "update")))
		goto out;
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	rc = store_update(store_thread(), res, upd, err, sizeof(err));
	if (rc == STORE_DUP)
		dup_error(r, res, err, upd);
	else if (rc != STORE_OK)
		api_error(r, 500, "Could not update the %s: %s", res->kind, err);
	else
		api_json(r, 200, api_render(q, res, upd, NULL, true));
out:
	json_decref(upd);
	json_decref(o);
}

static void
destroy(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *o;
	bool detached = false;

	if ((o = find(q, r, res)) == NULL)
		return;
	if (!is_conn(res) && !detach_now(r, o, &detached)) {
		json_decref(o);
		return;
	}
	if (detached || node_changeable(r, res, jstr(o, "node_uuid"), "deletion")) {
		if (store_delete(store_thread(), res, jstr(o, "uuid")) != STORE_OK) {
			api_error(r, 500, "Could not delete %s %s", res->kind, jstr(o, "uuid"));
		} else {
			log_set_node(jstr(o, "node_uuid"));
			log_info("%s %s deleted", res->kind, jstr(o, "uuid"));
			api_json(r, 204, NULL);
		}
	}
	json_decref(o);
}

static json_t *
links(struct req *q, const char *path)
{
	char self[600], book[600];

	snprintf(self, sizeof(self), "%s/v1/%s", q->base, path);
	snprintf(book, sizeof(book), "%s/%s", q->base, path);
	return json_pack("[{s:s, s:s}, {s:s, s:s}]", "href", self, "rel", "self",
	    "href", book, "rel", "bookmark");
}

/* GET /v1/volume and /v1/nodes/{node}/volume: links to the two lists. */
void
h_volume_root(struct req *q, struct resp *r)
{
	char p[400];
	json_t *o = json_object();
	const char *node = q->obj ? jstr(q->obj, "uuid") : NULL;

	snprintf(p, sizeof(p), node ? "nodes/%s/volume" : "volume", node);
	json_object_set_new(o, "links", links(q, p));
	snprintf(p, sizeof(p), node ? "nodes/%s/volume/connectors" : "volume/connectors", node);
	json_object_set_new(o, "connectors", links(q, p));
	snprintf(p, sizeof(p), node ? "nodes/%s/volume/targets" : "volume/targets", node);
	json_object_set_new(o, "targets", links(q, p));
	api_json(r, 200, o);
}

#define C (&model_volume_connector)
#define T (&model_volume_target)
void h_vconn_list(struct req *q, struct resp *r) { list(q, r, C, NULL, false); }
void h_vconn_detail(struct req *q, struct resp *r) { list(q, r, C, NULL, true); }
void h_vconn_create(struct req *q, struct resp *r) { create(q, r, C); }
void h_vconn_show(struct req *q, struct resp *r) { show(q, r, C); }
void h_vconn_patch(struct req *q, struct resp *r) { patch(q, r, C); }
void h_vconn_delete(struct req *q, struct resp *r) { destroy(q, r, C); }
void h_vtarget_list(struct req *q, struct resp *r) { list(q, r, T, NULL, false); }
void h_vtarget_detail(struct req *q, struct resp *r) { list(q, r, T, NULL, true); }
void h_vtarget_create(struct req *q, struct resp *r) { create(q, r, T); }
void h_vtarget_show(struct req *q, struct resp *r) { show(q, r, T); }
void h_vtarget_patch(struct req *q, struct resp *r) { patch(q, r, T); }
void h_vtarget_delete(struct req *q, struct resp *r) { destroy(q, r, T); }
void h_node_vconns(struct req *q, struct resp *r) { list(q, r, C, q->obj, false); }
void h_node_vtargets(struct req *q, struct resp *r) { list(q, r, T, q->obj, false); }
#undef C
#undef T
