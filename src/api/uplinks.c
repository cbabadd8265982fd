/*
 * /v1/uplinks: switch ports that lead to hypervisors, routers and
 * firewalls, declared by the system (docs/vm-connectivity.md).  Ingot
 * keeps each a trunk of the tenant VLANs with members behind it
 * (src/conductor/uplink.c).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

static json_t *
find_uplink(const char *id)
{
	if (util_is_uuid(id))
		return store_get(store_thread(), &model_uplink, "uuid", id);
	return util_is_valid_name(id) ?
	    store_get(store_thread(), &model_uplink, "name", id) : NULL;
}

static json_t *
find_net(const char *id)
{
	return store_get(store_thread(), &model_network, util_is_uuid(id) ? "uuid" :
	    "name", id);
}

/* One span entry: a network the uplink may carry; its UUID into out. */
static bool
span_one(struct resp *r, json_t *u, json_t *id, json_t *out)
{
	json_t *net = json_is_string(id) ? find_net(json_string_value(id)) : NULL;
	const char *purpose = jstr(net, "purpose");
	json_int_t v = json_integer_value(json_object_get(net, "vlan_id"));
	bool ok = false;

	if (net == NULL)
		api_error(r, 400, "span: network %s could not be found.",
		    json_is_string(id) ? json_string_value(id) : "(not a string)");
	else if (strcmp(purpose, "tenant") != 0 && !uplink_carry_provisioning())
		api_error(r, 400, "span: %s is the %s network; uplinks carry tenant "
		    "networks only ([network] uplinks_carry_provisioning).",
		    jstr(net, "name"), purpose);
	else if (!uplink_vlan_allowed(jstr(u, "allowed_vlans"), (int)v))
		api_error(r, 400, "span: VLAN %lld of network %s is outside the uplink's "
		    "allowed_vlans (%s).", (long long)v, jstr(net, "name"),
		    jstr(u, "allowed_vlans"));
	else
		ok = json_array_append(out, json_object_get(net, "uuid")) == 0;
	json_decref(net);
	return ok;
}

/* span: network names or UUIDs, stored as UUIDs. */
static bool
check_span(struct resp *r, json_t *u)
{
	json_t *span = json_object_get(u, "span"), *out, *id;
	size_t i;

	if (span == NULL || json_is_null(span))
		return json_object_set_new(u, "span", json_array()) == 0;
	if (!json_is_array(span) || json_array_size(span) > 1024) {
		api_error(r, 400, "span must be a list of at most 1024 networks.");
		return false;
	}
	out = json_array();
	json_array_foreach(span, i, id) {
		if (!span_one(r, u, id, out)) {
			json_decref(out);
			return false;
		}
	}
	json_object_set_new(u, "span", out);
	return true;
}

/* Every member behind the uplink's hypervisor is on a VLAN it allows. */
static bool
members_fit(struct resp *r, json_t *u)
{
	struct store_query sq = { .nfilters = 1 };
	json_t *hv = json_object_get(u, "hypervisor"), *list, *m, *net;
	char err[128];
	bool ok = true;
	size_t i;

	if (!json_is_string(hv) || jstr(u, "allowed_vlans") == NULL)
		return true;
	sq.filters[0].field = "hypervisor";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = hv;
	list = store_list(store_thread(), &model_member, &sq, err, sizeof(err));
	json_array_foreach(list, i, m) {
		net = store_get(store_thread(), &model_network, "uuid", jstr(m, "network_uuid"));
		if (ok && net != NULL && !uplink_vlan_allowed(jstr(u, "allowed_vlans"),
		    (int)json_integer_value(json_object_get(net, "vlan_id")))) {
			api_error(r, 409, "Hypervisor %s has a member on VLAN %lld, outside "
			    "allowed_vlans %s.", json_string_value(hv), (long long)
			    json_integer_value(json_object_get(net, "vlan_id")),
			    jstr(u, "allowed_vlans"));
			ok = false;
		}
		json_decref(net);
	}
	json_decref(list);
	return ok;
}

static bool
valid_name(struct resp *r, json_t *u, const char *field, bool required)
{
	json_t *v = json_object_get(u, field);

	if ((v == NULL || json_is_null(v)) && !required)
		return true;
	if (!json_is_string(v) || !util_is_valid_name(json_string_value(v)) ||
	    util_is_uuid(json_string_value(v))) {
		api_error(r, 400, "%s must be a name (letters, digits, - . _ ~), not a "
		    "UUID.", field);
		return false;
	}
	return true;
}

static bool
validate(struct resp *r, json_t *u)
{
	json_t *av = json_object_get(u, "allowed_vlans");
	struct ierr e = { 0 };

	if (!valid_name(r, u, "name", true) || !valid_name(r, u, "hypervisor", false) ||
	    !valid_name(r, u, "physical_network", false))
		return false;
	if (av != NULL && !json_is_null(av) && !uplink_ranges_valid(json_string_value(av))) {
		api_error(r, 400, "allowed_vlans must be FIRST:LAST[,...] with VLANs "
		    "from 1 to 4094.");
		return false;
	}
	if (!check_span(r, u) || !members_fit(r, u))
		return false;
	if (cond_uplink_check(u, &e) != 0) {
		api_ierr(r, &e);
		return false;
	}
	return true;
}

/* The hypervisor keeps another uplink, or has no member left behind. */
static bool
not_orphaning(struct resp *r, json_t *old, json_t *upd)
{
	struct store_query sq = { .nfilters = 1 };
	const char *hv = jstr(old, "hypervisor");
	long members, uplinks;

	if (hv == NULL || (upd != NULL && jstr(upd, "hypervisor") != NULL &&
	    strcmp(jstr(upd, "hypervisor"), hv) == 0))
		return true;
	sq.filters[0].field = "hypervisor";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = json_object_get(old, "hypervisor");
	members = store_count(store_thread(), &model_member, &sq);
	uplinks = store_count(store_thread(), &model_uplink, &sq);
	if (members > 0 && uplinks <= 1) {
		api_error(r, 409, "Hypervisor %s has %ld member(s) and no other uplink; "
		    "remove them first.", hv, members);
		return false;
	}
	return true;
}

void
h_uplinks_list(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	json_t *list, *out, *u, *hv = NULL;
	char err[256];
	int detail;
	bool given;
	size_t i;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_uplink, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &detail))
		return;
	if (api_query(q, "hypervisor") != NULL) {
		hv = json_string(api_query(q, "hypervisor"));
		sq.filters[sq.nfilters].field = "hypervisor";
		sq.filters[sq.nfilters].op = SO_EQ;
		sq.filters[sq.nfilters++].value = hv;
	}
	if ((list = store_list(store_thread(), &model_uplink, &sq, err, sizeof(err))) == NULL) {
		api_error(r, 400, "%s", err);
	} else {
		out = json_array();
		json_array_foreach(list, i, u)
			json_array_append_new(out, api_render(q, &model_uplink, u,
			    given ? &fs : NULL, detail == 1));
		api_json(r, 200, json_pack("{s:o}", "uplinks", out));
	}
	json_decref(list);
	json_decref(hv);
}

void
h_uplink_create(struct req *q, struct resp *r)
{
	json_t *u = q->json;
	char now[40], err[256];
	struct ierr e = { 0 };
	int rc;

	if (!api_check_create(q, r, &model_uplink, u))
		return;
	if (!api_give_uuid(r, u))
		return;
	util_now_iso(now);
	json_object_set_new(u, "created_at", json_string(now));
	model_apply_defaults(&model_uplink, u);
	if (!validate(r, u))
		return;
	rc = store_create(store_thread(), &model_uplink, u, err, sizeof(err));
	if (rc != STORE_OK) {
		api_error(r, rc == STORE_DUP ? 409 : 500, rc == STORE_DUP ? "An uplink "
		    "with this %s already exists." : "Could not create the uplink: %s", err);
		return;
	}
	if (cond_uplink_sync(u, &e) != 0) {
		store_delete(store_thread(), &model_uplink, jstr(u, "uuid"));
		api_ierr(r, &e);
		return;
	}
	log_info("uplink %s created (hypervisor %s)", jstr(u, "name"),
	    jstr(u, "hypervisor") ? jstr(u, "hypervisor") : "none");
	snprintf(r->location, sizeof(r->location), "%.300s/v1/uplinks/%s", q->base,
	    jstr(u, "uuid"));
	api_json(r, 201, api_render(q, &model_uplink, u, NULL, true));
}

void
h_uplink_show(struct req *q, struct resp *r)
{
	json_t *u = find_uplink(q->args[0]);

	if (u == NULL)
		api_error(r, 404, "Uplink %s could not be found.", q->args[0]);
	else
		api_json(r, 200, api_render(q, &model_uplink, u, NULL, true));
	json_decref(u);
}

/* After a change: the new port as it must be, the old one isolated. */
static bool
apply_change(struct resp *r, json_t *old, json_t *upd)
{
	json_t *ol = json_object_get(old, "local_link_connection");
	char err[256];
	struct ierr e = { 0 };

	if (store_update(store_thread(), &model_uplink, upd, err, sizeof(err)) != STORE_OK) {
		api_error(r, 409, "Could not update the uplink: %s", err);
		return false;
	}
	if (cond_uplink_sync(upd, &e) != 0) {
		struct ierr e2;
		store_update(store_thread(), &model_uplink, old, err, sizeof(err));
		cond_uplink_sync(old, &e2);
		api_ierr(r, &e);
		return false;
	}
	if (!json_equal(ol, json_object_get(upd, "local_link_connection")) &&
	    cond_uplink_release(ol, &e) != 0)
		log_error("uplink %s: the port it left: %s", jstr(upd, "name"), e.msg);
	return true;
}

void
h_uplink_patch(struct req *q, struct resp *r)
{
	json_t *old = find_uplink(q->args[0]), *upd = NULL;
	char now[40];

	if (old == NULL) {
		api_error(r, 404, "Uplink %s could not be found.", q->args[0]);
		return;
	}
	if ((upd = api_patch(q, r, &model_uplink, old, q->json)) == NULL)
		goto done;
	if (!validate(r, upd) || !not_orphaning(r, old, upd))
		goto done;
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	if (apply_change(r, old, upd))
		api_json(r, 200, api_render(q, &model_uplink, upd, NULL, true));
done:
	json_decref(upd);
	json_decref(old);
}

void
h_uplink_delete(struct req *q, struct resp *r)
{
	json_t *u = find_uplink(q->args[0]);
	struct ierr e = { 0 };

	if (u == NULL) {
		api_error(r, 404, "Uplink %s could not be found.", q->args[0]);
	} else if (!not_orphaning(r, u, NULL)) {
		/* 409 set */
	} else if (cond_uplink_release(json_object_get(u, "local_link_connection"),
	    &e) != 0) {
		api_ierr(r, &e);	/* kept: the port still carries its VLANs */
	} else if (store_delete(store_thread(), &model_uplink, jstr(u, "uuid")) != STORE_OK) {
		api_error(r, 500, "Could not delete uplink %s.", q->args[0]);
	} else {
		log_info("uplink %s deleted; its port is isolated", jstr(u, "name"));
		api_json(r, 204, NULL);
	}
	json_decref(u);
}
