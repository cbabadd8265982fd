/* /v1/ports and /v1/portgroups: one set of handlers over two resources. */
#include <string.h>

#include "jsonutil.h"
#include "api.h"
#include "log.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

/* Finds a port or portgroup by UUID, or by name/address where allowed. */
static json_t *
find(struct req *q, struct resp *r, const struct resource *res, const char *ident)
{
	json_t *o = NULL;
	char mac[18];

	if (util_is_uuid(ident))
		o = store_get(store_thread(), res, "uuid", ident);
	else if (res == &model_portgroup && util_is_valid_name(ident))
		o = store_get(store_thread(), res, "name", ident);
	else if (res == &model_port && util_normalize_mac(ident, mac))
		o = store_get(store_thread(), res, "address", mac);
	if (o == NULL)
		api_error(r, 404, "%s %s could not be found.",
		    res == &model_port ? "Port" : "Portgroup", ident);
	return o;
}

static bool
valid_switch_id(const char *s)
{
	char mac[18];
	size_t n;

	if (s == NULL)
		return false;
	if (util_normalize_mac(s, mac))
		return true;
	/* An OpenFlow datapath id: 16 hex digits. */
	n = strlen(s);
	if (n == 16) {
		for (size_t i = 0; i < n; i++)
			if (!strchr("0123456789abcdefABCDEF", s[i]))
				return false;
		return true;
	}
	return false;
}

static bool
check_llc(struct resp *r, json_t *llc)
{
	static const char *const keys[] = { "switch_id", "port_id", "switch_info",
	    "network_type", "hostname", NULL };
	const char *k;
	json_t *v;

	if (!json_is_object(llc) || json_object_size(llc) == 0)
		return true;
	json_object_foreach(llc, k, v) {
		bool ok = false;
		for (size_t i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				ok = true;
		if (!ok || !json_is_string(v)) {
			api_error(r, 400, "Invalid local_link_connection: key '%s' is not "
			    "allowed or its value is not a string.", k);
			return false;
		}
	}
	if (jstr(llc, "network_type") && strcmp(jstr(llc, "network_type"), "unmanaged") == 0)
		return true;
	if (jstr(llc, "port_id") == NULL ||
	    (jstr(llc, "switch_id") == NULL && jstr(llc, "hostname") == NULL)) {
		api_error(r, 400, "Invalid local_link_connection: it needs port_id and "
		    "switch_id (or hostname).");
		return false;
	}
	if (jstr(llc, "switch_id") && !valid_switch_id(jstr(llc, "switch_id"))) {
		api_error(r, 400, "Invalid local_link_connection: switch_id %s is "
		    "neither a MAC address nor an OpenFlow datapath ID.",
		    jstr(llc, "switch_id"));
		return false;
	}
	return true;
}

/* A node port is neither a VM's MAC nor wired to an uplink's switch port. */
static bool
not_vm_or_uplink(struct resp *r, json_t *port)
{
	json_t *m = store_get(store_thread(), &model_member, "address", jstr(port, "address"));
	json_t *u = m ? NULL : cond_uplink_at(json_object_get(port, "local_link_connection"));

	if (m != NULL)
		api_error(r, 409, "A port with MAC address %s already exists.",
		    jstr(port, "address"));
	else if (u != NULL)
		api_error(r, 409, "Switch port %s is uplink %s's.", jstr(json_object_get(port,
		    "local_link_connection"), "port_id"), jstr(u, "name"));
	json_decref(m);
	json_decref(u);
	return m == NULL && u == NULL;
}

/* A port's name (1.88): a logical name that is neither UUID- nor
 * MAC-shaped, so that a port's identifier always names one port. */
static bool
check_port_name(struct resp *r, const char *name)
{
	char mac[18];

	if (name == NULL)
		return true;
	if (strlen(name) > 255 || !util_is_valid_name(name) || util_is_uuid(name) ||
	    util_normalize_mac(name, mac)) {
		api_error(r, 400, "Expected a logical name but received %.255s.", name);
		return false;
	}
	return true;
}

/* Resolves node_uuid (which may be a name) and checks references. */
static bool
check_refs(struct req *q, struct resp *r, const struct resource *res, json_t *obj)
{
	const char *node = jstr(obj, "node_uuid");
	json_t *n, *pg;
	char mac[18];

	if (node == NULL) {
		api_error(r, 400, "Mandatory field missing: node_uuid");
		return false;
	}
	n = util_is_uuid(node) ? store_get(store_thread(), &model_node, "uuid", node) :
	    store_get(store_thread(), &model_node, "name", node);
	if (n == NULL) {
		api_error(r, 400, "Node %s could not be found.", node);
		return false;
	}
	json_object_set(obj, "node_uuid", json_object_get(n, "uuid"));
	json_decref(n);
	if (jstr(obj, "address") != NULL) {
		if (!util_normalize_mac(jstr(obj, "address"), mac)) {
			api_error(r, 400, "Expected a MAC address but received %s.",
			    jstr(obj, "address"));
			return false;
		}
		json_object_set_new(obj, "address", json_string(mac));
	} else if (res == &model_port) {
		api_error(r, 400, "Mandatory field missing: address");
		return false;
	}
	if (res == &model_portgroup) {
		const char *name = jstr(obj, "name");
		if (name != NULL && (!util_is_valid_name(name) || util_is_uuid(name))) {
			api_error(r, 400, "Expected a logical name but received %s.", name);
			return false;
		}
		return true;
	}
	if (!check_port_name(r, jstr(obj, "name")) ||
	    !check_llc(r, json_object_get(obj, "local_link_connection")) ||
	    !not_vm_or_uplink(r, obj))
		return false;
	if (jstr(obj, "portgroup_uuid") != NULL) {
		pg = store_get(store_thread(), &model_portgroup, "uuid",
		    jstr(obj, "portgroup_uuid"));
		if (pg == NULL) {
			api_error(r, 400, "Portgroup %s could not be found.",
			    jstr(obj, "portgroup_uuid"));
			return false;
		}
		if (strcmp(jstr(pg, "node_uuid"), jstr(obj, "node_uuid")) != 0) {
			json_decref(pg);
			api_error(r, 400, "Port can not be added to a portgroup of "
			    "another node.");
			return false;
		}
		json_decref(pg);
	}
	(void)q;
	return true;
}

static void
dup_error(struct resp *r, const struct resource *res, const char *field, json_t *obj)
{
	const char *v = jstr(obj, field);

	if (strcmp(field, "address") == 0)
		api_error(r, 409, "A %s with MAC address %s already exists.",
		    res->kind, v ? v : "");
	else
		api_error(r, 409, "A %s with %s %s already exists.", res->kind, field,
		    v ? v : "");
}

static void
create(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *body = q->json;
	char now[40], err[256];
	int rc;

	if (!api_check_create(q, r, res, body) || !check_refs(q, r, res, body))
		return;
	if (!api_give_uuid(r, body))
		return;
	util_now_iso(now);
	json_object_set_new(body, "created_at", json_string(now));
	model_apply_defaults(res, body);
	rc = store_create(store_thread(), res, body, err, sizeof(err));
	if (rc == STORE_DUP) {
		dup_error(r, res, err, body);
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the %s: %s", res->kind, err);
		return;
	}
	log_set_node(jstr(body, "node_uuid"));
	log_info("%s %s created", res->kind, jstr(body, "uuid"));
	snprintf(r->location, sizeof(r->location), "%.300s/v1/%s/%s", q->base,
	    res->plural, jstr(body, "uuid"));
	api_json(r, 201, api_render(q, res, body, NULL, true));
}

static void
filter_eq(struct store_query *sq, const char *field, json_t *value)
{
	sq->filters[sq->nfilters].field = field;
	sq->filters[sq->nfilters].op = SO_EQ;
	sq->filters[sq->nfilters++].value = value;
}

/*
 * The UUID of the node (field node_uuid) or portgroup named by the
 * route's object (owner) or else by the query (?node= or ?node_uuid=,
 * ?portgroup=); NULL with nothing to filter or *bad with r filled.
 */
static json_t *
owner_uuid(struct req *q, struct resp *r, const struct resource *res, json_t *owner,
    bool *bad)
{
	const char *id = api_query(q, res == &model_node ? "node" : "portgroup");
	json_t *o, *uuid;

	if (owner != NULL)
		return json_incref(json_object_get(owner, "uuid"));
	if (id == NULL && res == &model_node)
		id = api_query(q, "node_uuid");
	if (id == NULL)
		return NULL;
	if (res == &model_node) {
		o = util_is_uuid(id) ? store_get(store_thread(), res, "uuid", id) :
		    store_get(store_thread(), res, "name", id);
		if (o == NULL)
			api_error(r, 400, "Node %s could not be found.", id);
	} else {
		o = find(q, r, res, id);
	}
	*bad = o == NULL;
	uuid = json_incref(json_object_get(o, "uuid"));
	json_decref(o);
	return uuid;
}

/* A list of ports or portgroups, those of node or pg when given (the
 * route's object). */
static void
list(struct req *q, struct resp *r, const struct resource *res, bool detail,
    json_t *node, json_t *pg)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	bool given, bad = false;
	json_t *vals[5] = { NULL };
	const char *addr = api_query(q, "address");
	char mac[18], path[300];
	int dq, nv = 0;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, res, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &dq))
		return;
	if (dq == 1)
		detail = true;
	if (res == &model_port) {	/* ?shard= (1.82): ports of the shards' nodes */
		if (!api_shard_query(q, r, &vals[nv]))
			return;
		if (vals[nv] != NULL)
			sq.filters[sq.nfilters++] = (struct store_filter){ .field = "node_uuid",
			    .op = SO_IN_NODES, .value = vals[nv++], .field2 = "shard" };
	}
	if ((vals[nv] = owner_uuid(q, r, &model_node, node, &bad)) != NULL)
		filter_eq(&sq, "node_uuid", vals[nv++]);
	if (bad)
		goto out;
	if (addr != NULL) {
		vals[nv] = json_string(util_normalize_mac(addr, mac) ? mac : addr);
		filter_eq(&sq, "address", vals[nv++]);
	}
	if (res == &model_port &&
	    (vals[nv] = owner_uuid(q, r, &model_portgroup, pg, &bad)) != NULL)
		filter_eq(&sq, "portgroup_uuid", vals[nv++]);
	if (bad)
		goto out;
	snprintf(path, sizeof(path), "v1/%s%s", res->plural, detail ? "/detail" : "");
	api_list_text(q, r, res, &sq, given ? &fs : NULL, detail, path);
out:
	for (int j = 0; j < nv; j++)
		json_decref(vals[j]);
}

static void
show(struct req *q, struct resp *r, const struct resource *res)
{
	struct fieldset fs;
	bool given;

	if (api_fields(q, r, res, &fs, &given))
		api_json(r, 200, api_render(q, res, q->obj, given ? &fs : NULL, true));
}

static void
patch(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *upd;
	char err[512], now[40];
	int rc;

	if ((upd = api_patch(q, r, res, q->obj, q->json)) == NULL)
		return;
	if (!check_refs(q, r, res, upd))
		goto done;
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	rc = store_update(store_thread(), res, upd, err, sizeof(err));
	if (rc == STORE_DUP) {
		dup_error(r, res, err, upd);
		goto done;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not update the %s: %s", res->kind, err);
		goto done;
	}
	api_json(r, 200, api_render(q, res, upd, NULL, true));
done:
	json_decref(upd);
}

static void
destroy(struct req *q, struct resp *r, const struct resource *res)
{
	json_t *o = q->obj;

	if (res == &model_portgroup) {
		struct store_query sq = { .nfilters = 1 };
		sq.filters[0].field = "portgroup_uuid";
		sq.filters[0].op = SO_EQ;
		sq.filters[0].value = json_object_get(o, "uuid");
		if (store_count(store_thread(), &model_port, &sq) > 0) {
			api_error(r, 409, "Portgroup %s still has ports; remove them "
			    "first.", jstr(o, "uuid"));
			return;
		}
	}
	if (store_delete(store_thread(), res, jstr(o, "uuid")) != STORE_OK)
		api_error(r, 500, "Could not delete %s %s", res->kind, jstr(o, "uuid"));
	else
		api_json(r, 204, NULL);
}

/* The router checks each route's microversion (portgroups: 1.23). */
void h_ports_list(struct req *q, struct resp *r) { list(q, r, &model_port, false, NULL, NULL); }
void h_ports_detail(struct req *q, struct resp *r) { list(q, r, &model_port, true, NULL, NULL); }
void h_port_create(struct req *q, struct resp *r) { create(q, r, &model_port); }
void h_port_show(struct req *q, struct resp *r) { show(q, r, &model_port); }
void h_port_patch(struct req *q, struct resp *r) { patch(q, r, &model_port); }
void h_port_delete(struct req *q, struct resp *r) { destroy(q, r, &model_port); }
void h_portgroups_list(struct req *q, struct resp *r) { list(q, r, &model_portgroup, false, NULL, NULL); }
void h_portgroups_detail(struct req *q, struct resp *r) { list(q, r, &model_portgroup, true, NULL, NULL); }
void h_portgroup_create(struct req *q, struct resp *r) { create(q, r, &model_portgroup); }
void h_portgroup_show(struct req *q, struct resp *r) { show(q, r, &model_portgroup); }
void h_portgroup_patch(struct req *q, struct resp *r) { patch(q, r, &model_portgroup); }
void h_portgroup_delete(struct req *q, struct resp *r) { destroy(q, r, &model_portgroup); }
void h_portgroup_ports(struct req *q, struct resp *r) { list(q, r, &model_port, false, NULL, q->obj); }
void h_node_ports(struct req *q, struct resp *r) { list(q, r, &model_port, false, q->obj, NULL); }
void h_node_portgroups(struct req *q, struct resp *r) { list(q, r, &model_portgroup, false, q->obj, NULL); }
void h_portgroup_ports_detail(struct req *q, struct resp *r) { list(q, r, &model_port, true, NULL, q->obj); }
void h_node_ports_detail(struct req *q, struct resp *r) { list(q, r, &model_port, true, q->obj, NULL); }
void h_node_portgroups_detail(struct req *q, struct resp *r) { list(q, r, &model_portgroup, true, q->obj, NULL); }
