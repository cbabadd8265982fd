/*
 * /v1/networks/{network}/members: VM ports on tenant networks (see
 * docs/vm-connectivity.md).  The router has loaded the network and
 * applied the network rules: a project reaches only its own networks and
 * shared ones (404 otherwise).  On a shared network of another project a
 * project sees and removes only the members it registered.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cidr.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

/* The caller may see this member of network net. */
static bool
member_visible(json_t *net, json_t *m)
{
	return !auth_project_scoped() || auth_is_my_project(jstr(net, "project")) ||
	    auth_is_my_project(jstr(m, "project"));
}

static json_t *
render(struct req *q, json_t *net, json_t *m, bool detail)
{
	json_t *out = api_render(q, &model_member, m, NULL, detail);
	char self[1024], book[1024];

	snprintf(self, sizeof(self), "%s/v1/networks/%s/members/%s", q->base,
	    jstr(net, "uuid"), jstr(m, "uuid"));
	snprintf(book, sizeof(book), "%s/networks/%s/members/%s", q->base,
	    jstr(net, "uuid"), jstr(m, "uuid"));
	json_object_set_new(out, "links", json_pack("[{s:s, s:s}, {s:s, s:s}]", "href",
	    self, "rel", "self", "href", book, "rel", "bookmark"));
	return out;
}

/* By UUID or MAC, on this network, seen by the caller; else 404. */
static json_t *
find_member(struct resp *r, json_t *net, const char *id)
{
	char mac[18];
	json_t *m = NULL;

	if (util_is_uuid(id))
		m = store_get(store_thread(), &model_member, "uuid", id);
	else if (util_normalize_mac(id, mac))
		m = store_get(store_thread(), &model_member, "address", mac);
	if (m != NULL && (strcmp(jstr(m, "network_uuid"), jstr(net, "uuid")) != 0 ||
	    !member_visible(net, m))) {
		json_decref(m);
		m = NULL;
	}
	if (m == NULL)
		api_error(r, 404, "Member %s could not be found.", id);
	return m;
}

void
h_members_list(struct req *q, struct resp *r)
{
	struct store_query sq = { .nfilters = 1 };
	json_t *net = q->obj, *list, *out, *m;
	char err[256];
	int detail;
	size_t i;

	if (!api_paging(q, r, &sq) || !api_query_bool(q, r, "detail", &detail))
		return;
	sq.filters[0].field = "network_uuid";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = json_object_get(net, "uuid");
	if ((list = store_list(store_thread(), &model_member, &sq, err, sizeof(err))) == NULL) {
		api_error(r, 400, "%s", err);
		return;
	}
	out = json_array();
	json_array_foreach(list, i, m)
		if (member_visible(net, m))
			json_array_append_new(out, render(q, net, m, detail == 1));
	json_decref(list);
	api_json(r, 200, json_pack("{s:o}", "members", out));
}

void
h_member_show(struct req *q, struct resp *r)
{
	json_t *m = find_member(r, q->obj, q->args[1]);

	if (m != NULL)
		api_json(r, 200, render(q, q->obj, m, true));
	json_decref(m);
}

/* --- registration -------------------------------------------------------- */

/* Some uplink leads to hv, and all that do may carry the network's VLAN. */
static bool
hypervisor_carries(struct resp *r, const char *hv, json_t *net)
{
	struct store_query sq = { .nfilters = 1 };
	json_int_t v = json_integer_value(json_object_get(net, "vlan_id"));
	json_t *hvj = json_string(hv), *list, *u;
	char err[128];
	bool ok = true;
	size_t i;

	sq.filters[0].field = "hypervisor";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = hvj;
	list = store_list(store_thread(), &model_uplink, &sq, err, sizeof(err));
	if (json_array_size(list) == 0) {
		api_error(r, 400, "Unknown hypervisor %s: no uplink leads to it.", hv);
		ok = false;
	}
	json_array_foreach(list, i, u) {
		if (ok && !uplink_vlan_allowed(jstr(u, "allowed_vlans"), (int)v)) {
			api_error(r, 400, "VLAN %lld of network %s is outside the VLANs "
			    "hypervisor %s's uplinks may carry.", (long long)v,
			    jstr(net, "name"), hv);
			ok = false;
		}
	}
	json_decref(list);
	json_decref(hvj);
	return ok;
}

/* No other member of the network has the address (with DHCP, the host
 * entries of node ports are checked too, dhcp.c). */
static bool
ip_free(struct resp *r, json_t *m, json_t *net)
{
	struct store_query sq = { .nfilters = 2 };

	sq.filters[0].field = "network_uuid";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = json_object_get(net, "uuid");
	sq.filters[1].field = "ip_address";
	sq.filters[1].op = SO_EQ;
	sq.filters[1].value = json_object_get(m, "ip_address");
	if (store_count(store_thread(), &model_member, &sq) > 0) {
		api_error(r, 409, "ip_address %s is already in use on network %s.",
		    jstr(m, "ip_address"), jstr(net, "name"));
		return false;
	}
	return true;
}

/* ip_address: a host address of the network, not its server's (dhcp.c's
 * choice: extra.dhcp_server_ip, else the first host address unless the
 * gateway has it) nor the gateway's. */
static bool
check_ip(struct resp *r, json_t *m, json_t *net)
{
	const char *ip = jstr(m, "ip_address");
	const char *sip = jstr(json_object_get(net, "extra"), "dhcp_server_ip");
	json_t *given = json_object_get(m, "ip_address");
	uint32_t a, gw = 0, first = 0, srv = 0;
	struct cidr c;

	if (given == NULL || json_is_null(given))
		return true;
	if (ip == NULL || jstr(net, "cidr") == NULL || !cidr_parse(jstr(net, "cidr"), 8,
	    30, &c) || !ip4_parse(ip, &a) || !cidr_is_host(&c, a)) {
		api_error(r, 400, "ip_address must be a host address of network %s's "
		    "cidr.", jstr(net, "name"));
		return false;
	}
	if (jstr(net, "gateway") == NULL || !ip4_parse(jstr(net, "gateway"), &gw))
		gw = 0;
	cidr_nth(&c, 1, &first);
	if (sip == NULL || !ip4_parse(sip, &srv))
		cidr_nth(&c, gw == first ? 2 : 1, &srv);
	if (a == srv || a == gw) {
		api_error(r, 409, "ip_address %s is the network's DHCP server or gateway.", ip);
		return false;
	}
	return ip_free(r, m, net);
}

/* The member's MAC: well formed, normalised, on no node port. */
static bool
check_mac(struct resp *r, json_t *m)
{
	char mac[18];
	json_t *port;

	if (!util_normalize_mac(jstr(m, "address"), mac)) {
		api_error(r, 400, "address must be a MAC address.");
		return false;
	}
	json_object_set_new(m, "address", json_string(mac));
	if ((port = store_get(store_thread(), &model_port, "address", mac)) != NULL) {
		json_decref(port);
		api_error(r, 409, "A port with MAC address %s is already registered.", mac);
		return false;
	}
	return true;
}

/* Who the member belongs to: the caller's project, else the network's. */
static bool
set_project(struct resp *r, json_t *m, json_t *net)
{
	json_t *p = json_object_get(m, "project");

	if (auth_project_scoped()) {
		if (p != NULL && !json_is_null(p) && !auth_is_my_project(json_string_value(p))) {
			api_error(r, 403, "A project registers members of its own only.");
			return false;
		}
		json_object_set_new(m, "project", json_string(auth_current()->project));
	} else if (p == NULL || json_is_null(p)) {
		json_object_set(m, "project", json_object_get(net, "project"));
	}
	return true;
}

static bool
within_quota(struct resp *r, json_t *net)
{
	struct store_query sq = { .nfilters = 1 };
	long n;

	sq.filters[0].field = "network_uuid";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = json_object_get(net, "uuid");
	n = store_count(store_thread(), &model_member, &sq);
	if (n >= uplink_max_members()) {
		api_error(r, 409, "Quota exceeded for resources: ['port']: network %s may "
		    "have %d members.", jstr(net, "name"), uplink_max_members());
		return false;
	}
	return true;
}

static bool
validate(struct resp *r, json_t *m, json_t *net)
{
	const char *hv = jstr(m, "hypervisor"), *name = jstr(m, "name");

	if (strcmp(jstr(net, "purpose"), "tenant") != 0) {
		api_error(r, 400, "Network %s is a %s network; VMs join tenant networks "
		    "only.", jstr(net, "name"), jstr(net, "purpose"));
		return false;
	}
	if (hv == NULL || !util_is_valid_name(hv)) {
		api_error(r, 400, "hypervisor (the name of an uplink's hypervisor) is "
		    "required.");
		return false;
	}
	if (json_object_get(m, "name") != NULL && !json_is_null(json_object_get(m,
	    "name")) && (name == NULL || strlen(name) > 255)) {
		api_error(r, 400, "name must be a string of at most 255 characters.");
		return false;
	}
	return check_mac(r, m) && set_project(r, m, net) &&
	    hypervisor_carries(r, hv, net) && check_ip(r, m, net) && within_quota(r, net);
}

void
h_member_create(struct req *q, struct resp *r)
{
	json_t *m = q->json, *net = q->obj;
	char now[40];
	struct ierr e = { 0 };

	if (!api_check_create(q, r, &model_member, m))
		return;
	if (!api_give_uuid(r, m))
		return;
	util_now_iso(now);
	json_object_set_new(m, "created_at", json_string(now));
	json_object_set(m, "network_uuid", json_object_get(net, "uuid"));
	model_apply_defaults(&model_member, m);
	if (!validate(r, m, net))
		return;
	if (cond_member_add(m, net, &e) != 0) {
		api_ierr(r, &e);
		return;
	}
	snprintf(r->location, sizeof(r->location), "%.300s/v1/networks/%s/members/%s",
	    q->base, jstr(net, "uuid"), jstr(m, "uuid"));
	api_json(r, 201, render(q, net, m, true));
}

void
h_member_delete(struct req *q, struct resp *r)
{
	json_t *m = find_member(r, q->obj, q->args[1]);
	struct ierr e = { 0 };

	if (m == NULL)
		return;
	if (cond_member_remove(m, q->obj, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
	json_decref(m);
}
