/*
 * Ingot's additions beside Ironic's resources: VLAN networks
 * (/v1/networks) and node attachments through Ironic's VIF API
 * (/v1/nodes/{node}/vifs), where a VIF id names an Ingot network.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "api.h"
#include "auth.h"
#include "cidr.h"
#include "conductor.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* [network] tenant_vlan_ranges and max_networks_per_project. */
#define MAX_RANGES	64
static struct { int lo, hi; } ranges[MAX_RANGES];
static int nranges;
static int max_per_project = 5;
/* Quota count, VLAN choice and insert of a project's network, as one. */
static pthread_mutex_t create_mtx = PTHREAD_MUTEX_INITIALIZER;

int
api_networks_configure(const char *spec, int max, char *err, size_t len)
{
	char buf[1024], *save = NULL, *t;
	long lo, hi;

	nranges = 0;
	max_per_project = max;
	if (spec == NULL)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, len, "[network] tenant_vlan_ranges is too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (t = strtok_r(buf, ", \t", &save); t != NULL; t = strtok_r(NULL, ", \t", &save)) {
		char *colon = strchr(t, ':');
		if (colon != NULL)
			*colon = '\0';
		if (!util_parse_int(t, 1, 4094, &lo) ||
		    !util_parse_int(colon ? colon + 1 : t, 1, 4094, &hi) || lo > hi ||
		    nranges == MAX_RANGES) {
			snprintf(err, len, "[network] tenant_vlan_ranges: '%s%s%s' is not "
			    "FIRST:LAST with 1 <= FIRST <= LAST <= 4094 (at most %d ranges)",
			    t, colon ? ":" : "", colon ? colon + 1 : "", MAX_RANGES);
			nranges = 0;
			return -1;
		}
		ranges[nranges].lo = (int)lo;
		ranges[nranges++].hi = (int)hi;
	}
	return 0;
}

static bool
vlan_in_ranges(long long v)
{
	for (int i = 0; i < nranges; i++)
		if (v >= ranges[i].lo && v <= ranges[i].hi)
			return true;
	return false;
}

static void
ranges_text(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < nranges && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%d-%d", i ? ", " : "",
		    ranges[i].lo, ranges[i].hi);
}

/* The lowest VLAN of the ranges no network uses; 0 when none is left. */
static int
free_vlan(void)
{
	static const struct store_query all = { 0 };
	unsigned char used[4095] = { 0 };
	json_t *list, *n;
	char err[128];
	size_t i;

	if ((list = store_list(store_thread(), &model_network, &all, err, sizeof(err))) == NULL)
		return 0;
	json_array_foreach(list, i, n) {
		json_int_t v = json_integer_value(json_object_get(n, "vlan_id"));
		if (v >= 1 && v <= 4094)
			used[v] = 1;
	}
	json_decref(list);
	for (int k = 0; k < nranges; k++)
		for (int v = ranges[k].lo; v <= ranges[k].hi; v++)
			if (!used[v])
				return v;
	return 0;
}

/* Networks the caller's project owns (by its ID, or keystone's name). */
static long
project_networks(void)
{
	const struct ident *id = auth_current();
	const char *names[2] = { id->project, id->project_name };
	long c = 0;

	for (int i = 0; i < 2; i++) {
		struct store_query sq = { .nfilters = 1 };
		json_t *v;
		if (names[i][0] == '\0' || (i == 1 && strcmp(names[0], names[1]) == 0))
			continue;
		v = json_string(names[i]);
		sq.filters[0].field = "project";
		sq.filters[0].op = SO_EQ;
		sq.filters[0].value = v;
		c += store_count(store_thread(), &model_network, &sq);
		json_decref(v);
	}
	return c;
}

/* A tenant network the caller may see: its project's, or shared. */
static bool
visible(json_t *net)
{
	return !auth_project_scoped() || json_is_true(json_object_get(net, "shared")) ||
	    auth_is_my_project(jstr(net, "project"));
}

/* A host address of the network (neither its network nor broadcast). */
static bool
addr_in(const char *ip, const struct cidr *c, uint32_t *out)
{
	uint32_t h;

	if (!ip4_parse(ip, &h) || !cidr_is_host(c, h))
		return false;
	if (out != NULL)
		*out = h;
	return true;
}

static bool
validate_network(struct resp *r, json_t *n)
{
	static const char *const purposes[] = { "provisioning", "cleaning", "rescuing",
	    "tenant", "storage", NULL };
	const char *name = jstr(n, "name"), *purpose = jstr(n, "purpose");
	json_t *vlan = json_object_get(n, "vlan_id"), *dns;
	struct cidr net = { 0, 32 };
	uint32_t lo, hi;
	bool ok = false;
	size_t i;

	if (name == NULL || !util_is_valid_name(name) || util_is_uuid(name)) {
		api_error(r, 400, "A network needs a logical name; got %s.", name ? name : "none");
		return false;
	}
	if (!json_is_integer(vlan) || json_integer_value(vlan) < 1 ||
	    json_integer_value(vlan) > 4094) {
		api_error(r, 400, "vlan_id must be an integer from 1 to 4094.");
		return false;
	}
	for (i = 0; purposes[i] != NULL; i++)
		if (purpose != NULL && strcmp(purpose, purposes[i]) == 0)
			ok = true;
	if (!ok) {
		api_error(r, 400, "purpose must be provisioning, cleaning, rescuing, "
		    "tenant or storage.");
		return false;
	}
	if (jstr(n, "cidr") != NULL && (!cidr_parse(jstr(n, "cidr"), 8, 30, &net) ||
	    !cidr_is_network(&net))) {
		api_error(r, 400, "Invalid cidr '%s': expected an IPv4 network such as "
		    "10.200.0.0/24 (prefix 8 to 30, no host bits).", jstr(n, "cidr"));
		return false;
	}
	if ((jstr(n, "gateway") || jstr(n, "dhcp_range")) && jstr(n, "cidr") == NULL) {
		api_error(r, 400, "gateway and dhcp_range need a cidr.");
		return false;
	}
	if (jstr(n, "gateway") != NULL && !addr_in(jstr(n, "gateway"), &net, NULL)) {
		api_error(r, 400, "gateway %s is not a host address in %s.",
		    jstr(n, "gateway"), jstr(n, "cidr"));
		return false;
	}
	if (jstr(n, "dhcp_range") != NULL) {
		if (!ip4_range_parse(jstr(n, "dhcp_range"), &lo, &hi) ||
		    !cidr_is_host(&net, lo) || !cidr_is_host(&net, hi)) {
			api_error(r, 400, "dhcp_range must be \"FIRST,LAST\", two host "
			    "addresses of %s in order.", jstr(n, "cidr"));
			return false;
		}
	}
	/* extra.dhcp_server_ip overrides the DHCP server's address (dhcp.c):
	 * a host address of the network, or nothing. */
	json_t *sip = json_object_get(json_object_get(n, "extra"), "dhcp_server_ip");
	if (sip != NULL && (jstr(n, "cidr") == NULL ||
	    !addr_in(json_string_value(sip), &net, NULL))) {
		api_error(r, 400, "extra.dhcp_server_ip must be a host address of the "
		    "network's cidr.");
		return false;
	}
	dns = json_object_get(n, "dns_servers");
	json_t *d;
	json_array_foreach(dns, i, d) {
		uint32_t a;
		if (!json_is_string(d) || !ip4_parse(json_string_value(d), &a)) {
			api_error(r, 400, "dns_servers must be a list of IPv4 addresses.");
			return false;
		}
	}
	return true;
}

/* At most one provisioning, one cleaning and one rescuing network; any
 * number of tenant and storage networks (one storage VLAN per tenant keeps
 * the tenants' data paths apart, docs/storage.md). */
static bool
purpose_free(struct resp *r, json_t *n)
{
	const char *purpose = jstr(n, "purpose");
	struct store_query q = { .nfilters = 1 };
	json_t *list, *other;
	char err[128];
	size_t i;
	bool ok = true;

	if (strcmp(purpose, "tenant") == 0 || strcmp(purpose, "storage") == 0)
		return true;
	q.filters[0].field = "purpose";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = json_object_get(n, "purpose");
	list = store_list(store_thread(), &model_network, &q, err, sizeof(err));
	json_array_foreach(list, i, other) {
		if (strcmp(jstr(other, "uuid"), jstr(n, "uuid")) != 0) {
			api_error(r, 409, "There is already a %s network (%s).", purpose,
			    jstr(other, "name"));
			ok = false;
		}
	}
	json_decref(list);
	return ok;
}

static json_t *
find_network(struct req *q, struct resp *r, const char *ident, int status)
{
	json_t *n = util_is_uuid(ident) ?
	    store_get(store_thread(), &model_network, "uuid", ident) :
	    store_get(store_thread(), &model_network, "name", ident);

	(void)q;
	if (n == NULL)
		api_error(r, status, "Network %s could not be found.", ident);
	return n;
}

static void
network_dup(struct resp *r, const char *field, json_t *n)
{
	/* A project is not told what other projects' networks are called or on. */
	if (auth_project_scoped() && strcmp(field, "vlan_id") == 0)
		api_error(r, 409, "VLAN %lld is not available.",
		    (long long)json_integer_value(json_object_get(n, "vlan_id")));
	else if (auth_project_scoped())
		api_error(r, 409, "The %s %s is not available.", field,
		    jstr(n, field) ? jstr(n, field) : "");
	else if (strcmp(field, "vlan_id") == 0)
		api_error(r, 409, "VLAN %lld is already used by another network.",
		    (long long)json_integer_value(json_object_get(n, "vlan_id")));
	else
		api_error(r, 409, "A network with %s %s already exists.", field,
		    jstr(n, field) ? jstr(n, field) : "");
}

/*
 * A project creates tenant networks of its own, on a VLAN from the
 * operator's ranges (the lowest free one when it gives none), up to its
 * quota.  auth.c refused other projects, purposes and shared already.
 */
static bool
project_may_create(struct resp *r, json_t *body)
{
	json_t *vlan = json_object_get(body, "vlan_id");
	char buf[512];

	if (!auth_is_my_project(jstr(body, "project")) ||
	    strcmp(jstr(body, "purpose") ? jstr(body, "purpose") : "", "tenant") != 0 ||
	    !json_is_false(json_object_get(body, "shared"))) {
		api_error(r, 403, "A project creates unshared tenant networks of its own only.");
		return false;
	}
	if (nranges == 0) {
		api_error(r, 403, "Projects cannot create networks here: no tenant VLAN "
		    "range is configured; ask the operator.");
		return false;
	}
	if (project_networks() >= max_per_project) {
		/* Neutron's OverQuota is a 409 Conflict too. */
		api_error(r, 409, "Quota exceeded for resources: ['network']: a project "
		    "may have %d networks.", max_per_project);
		return false;
	}
	if (!json_is_null(vlan) && (!json_is_integer(vlan) ||
	    !vlan_in_ranges(json_integer_value(vlan)))) {
		ranges_text(buf, sizeof(buf));
		api_error(r, 400, "vlan_id must be a VLAN of the tenant ranges (%s), or "
		    "omitted to get a free one.", buf);
		return false;
	}
	return true;
}

void
h_network_create(struct req *q, struct resp *r)
{
	json_t *body = q->json;
	char now[40], err[256];
	bool locked = false;
	int rc;

	if (!api_check_create(q, r, &model_network, body))
		return;
	if (!api_give_uuid(r, body))
		return;
	util_now_iso(now);
	json_object_set_new(body, "created_at", json_string(now));
	if (auth_project_scoped() && jstr(body, "project") == NULL)
		json_object_set_new(body, "project", json_string(auth_current()->project));
	model_apply_defaults(&model_network, body);
	pthread_mutex_lock(&create_mtx);
	locked = true;
	if (auth_project_scoped() && !project_may_create(r, body))
		goto done;
	if (json_is_null(json_object_get(body, "vlan_id")) && nranges > 0) {
		int v = free_vlan();
		if (v == 0) {
			api_error(r, 409, "No VLAN is left in the tenant VLAN ranges.");
			goto done;
		}
		json_object_set_new(body, "vlan_id", json_integer(v));
	}
	if (!validate_network(r, body) || !purpose_free(r, body))
		goto done;
	rc = store_create(store_thread(), &model_network, body, err, sizeof(err));
	if (rc == STORE_DUP) {
		network_dup(r, err, body);
		goto done;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the network: %s", err);
		goto done;
	}
	pthread_mutex_unlock(&create_mtx);
	locked = false;
	log_info("network %s created (VLAN %lld, %s)", jstr(body, "name"),
	    (long long)json_integer_value(json_object_get(body, "vlan_id")),
	    jstr(body, "purpose"));
	cond_network_changed(body, false);
	snprintf(r->location, sizeof(r->location), "%.300s/v1/networks/%s", q->base,
	    jstr(body, "uuid"));
	api_json(r, 201, api_render(q, &model_network, body, NULL, true));
done:
	if (locked)
		pthread_mutex_unlock(&create_mtx);
}

void
h_networks_list(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	bool given;
	json_t *list, *out, *n, *vals[2] = { NULL };
	char err[256];
	int detail, nv = 0;
	size_t i;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_network, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &detail))
		return;
	if (sq.marker != NULL && auth_project_scoped()) {
		json_t *m = store_get(store_thread(), &model_network, "uuid", sq.marker);
		bool seen = m != NULL && (json_is_true(json_object_get(m, "shared")) ||
		    auth_is_my_project(jstr(m, "project")));
		json_decref(m);
		if (!seen) {	/* as for a marker that does not exist */
			api_error(r, 400, "Marker %s could not be found.", sq.marker);
			return;
		}
	}
	static const char *const filters[] = { "purpose", "project", NULL };
	for (int k = 0; filters[k] != NULL; k++) {
		const char *v = api_query(q, filters[k]);
		if (v == NULL)
			continue;
		vals[nv] = json_string(v);
		sq.filters[sq.nfilters].field = filters[k];
		sq.filters[sq.nfilters].op = SO_EQ;
		sq.filters[sq.nfilters++].value = vals[nv++];
	}
	list = store_list(store_thread(), &model_network, &sq, err, sizeof(err));
	if (list == NULL) {
		api_error(r, 400, "%s", err);
	} else {
		out = json_array();
		json_array_foreach(list, i, n) {
			/* A project sees its own networks and the shared ones. */
			if (auth_project_scoped() && !json_is_true(json_object_get(n, "shared")) &&
			    !auth_is_my_project(jstr(n, "project")))
				continue;
			json_array_append_new(out, api_render(q, &model_network, n,
			    given ? &fs : NULL, detail == 1));
		}
		api_json(r, 200, json_pack("{s:o}", "networks", out));
		json_decref(list);
	}
	for (int k = 0; k < nv; k++)
		json_decref(vals[k]);
}

void
h_network_show(struct req *q, struct resp *r)
{
	api_json(r, 200, api_render(q, &model_network, q->obj, NULL, true));
}

static long
attachments(const char *network_uuid)
{
	struct store_query sq = { .nfilters = 1 };
	json_t *v = json_string(network_uuid);
	long c;

	sq.filters[0].field = "network_uuid";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = v;
	c = store_count(store_thread(), &model_vif, &sq);
	c += store_count(store_thread(), &model_member, &sq);	/* VMs */
	json_decref(v);
	return c;
}

/* The name of an uplink whose span names the network, or NULL. */
static char *
spanned_by(const char *network_uuid)
{
	static const struct store_query all = { 0 };
	json_t *list, *u, *id;
	char err[128], *name = NULL;
	size_t i, k;

	list = store_list(store_thread(), &model_uplink, &all, err, sizeof(err));
	json_array_foreach(list, i, u)
		json_array_foreach(json_object_get(u, "span"), k, id)
			if (name == NULL && json_is_string(id) &&
			    strcmp(json_string_value(id), network_uuid) == 0)
				name = util_strdup(jstr(u, "name"));
	json_decref(list);
	return name;
}

/* Fields that decide who is on a network's VLAN. */
static bool
placement_changed(json_t *a, json_t *b)
{
	static const char *const keys[] = { "vlan_id", "purpose", "project", "shared", NULL };

	for (int i = 0; keys[i] != NULL; i++) {
		json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
		if ((x == NULL || json_is_null(x)) != (y == NULL || json_is_null(y)) ||
		    (x != NULL && y != NULL && !json_is_null(x) && !json_equal(x, y)))
			return true;
	}
	return false;
}

void
h_network_patch(struct req *q, struct resp *r)
{
	json_t *n = q->obj, *upd;
	char err[512], now[40], *up = NULL;
	int rc;

	/* what a project may change: auth_patch_field, operation by operation */
	if ((upd = api_patch(q, r, &model_network, n, q->json)) == NULL)
		return;
	if (!validate_network(r, upd) || !purpose_free(r, upd))
		goto done;
	/* Nodes on the network would land on another VLAN or project. */
	if (placement_changed(n, upd) && attachments(jstr(n, "uuid")) > 0) {
		api_error(r, 409, "Network %s has nodes attached; its VLAN, purpose, "
		    "project and sharing cannot change. Detach them first.", jstr(n, "name"));
		goto done;
	}
	if (placement_changed(n, upd) && (up = spanned_by(jstr(n, "uuid"))) != NULL) {
		api_error(r, 409, "Network %s is in an uplink's span; its VLAN, purpose, "
		    "project and sharing cannot change.", jstr(n, "name"));
		goto done;
	}
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	rc = store_update(store_thread(), &model_network, upd, err, sizeof(err));
	if (rc == STORE_DUP) {
		network_dup(r, err, upd);
		goto done;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not update the network: %s", err);
		goto done;
	}
	cond_network_changed(upd, false);
	api_json(r, 200, api_render(q, &model_network, upd, NULL, true));
done:
	free(up);
	json_decref(upd);
}

void
h_network_delete(struct req *q, struct resp *r)
{
	json_t *n = q->obj;
	long c;

	char *up = NULL;

	if ((c = attachments(jstr(n, "uuid"))) > 0) {
		api_error(r, 409, "Network %s has %ld node attachment(s) or VM member(s); "
		    "detach them first.", jstr(n, "name"), c);
	} else if ((up = spanned_by(jstr(n, "uuid"))) != NULL) {
		/* a project is not told the infrastructure's names */
		api_error(r, 409, "Network %s is in the span of %s%s; take it out first.",
		    jstr(n, "name"), auth_project_scoped() ? "an uplink" : "uplink ",
		    auth_project_scoped() ? "" : up);
	} else if (store_delete(store_thread(), &model_network, jstr(n, "uuid")) != STORE_OK) {
		api_error(r, 500, "Could not delete network %s", jstr(n, "name"));
	} else {
		log_info("network %s deleted", jstr(n, "name"));
		cond_network_changed(n, true);
		api_json(r, 204, NULL);
	}
	free(up);
}

/* --- VIFs ------------------------------------------------------------- */

void
h_node_vifs_list(struct req *q, struct resp *r)
{
	struct store_query sq = { .nfilters = 1 };
	json_t *list, *out, *v;
	char err[128];
	size_t i;

	sq.filters[0].field = "node_uuid";
	sq.filters[0].op = SO_EQ;
	sq.filters[0].value = json_object_get(q->obj, "uuid");
	list = store_list(store_thread(), &model_vif, &sq, err, sizeof(err));
	out = json_array();
	json_array_foreach(list, i, v)
		json_array_append_new(out, json_pack("{s:O}", "id",
		    json_object_get(v, "network_uuid")));
	json_decref(list);
	api_json(r, 200, json_pack("{s:o}", "vifs", out));
}

void
h_node_vif_attach(struct req *q, struct resp *r)
{
	json_t *body = q->json, *node = q->obj, *net = NULL;
	struct ierr e = { 0 };

	if (jstr(body, "id") == NULL) {
		api_error(r, 400, "Invalid request: \"id\" (a network UUID or name) is required");
		return;
	}
	/*
	 * The caller must see the network (its project's, or shared; a network
	 * of no project is the system's): one it may not see does not exist.
	 */
	if ((net = find_network(q, r, jstr(body, "id"), 404)) == NULL)
		goto done;
	if (!visible(net)) {
		api_error(r, 404, "Network %s could not be found.", jstr(body, "id"));
		goto done;
	}
	if (strcmp(jstr(net, "purpose"), "tenant") != 0 &&
	    strcmp(jstr(net, "purpose"), "storage") != 0) {
		api_error(r, 400, "Network %s is a %s network; nodes attach to tenant "
		    "and storage networks only.", jstr(net, "name"), jstr(net, "purpose"));
		goto done;
	}
	/*
	 * And the network must be the project's that uses the node (its lessee,
	 * else its owner), unless shared: an owner may not put a node it leases
	 * out on its own network, nor lease it and then attach the lessee's.
	 */
	if (!cond_vif_allowed(node, net)) {
		api_error(r, 403, "Network %s belongs to another project than the one "
		    "using node %s (its lessee, else its owner).", jstr(net, "name"),
		    jstr(node, "uuid"));
		goto done;
	}
	if (cond_vif_attach(node, net, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
done:
	json_decref(net);
}

void
h_node_vif_detach(struct req *q, struct resp *r)
{
	json_t *node = q->obj, *net = find_network(q, r, q->args[1], 404);
	struct ierr e = { 0 };

	if (net != NULL) {
		json_decref(r->body);
		r->body = NULL;
		/* An owner may detach its lessee's networks; the messages name
		 * the VIF as the caller did (not another project's UUID). */
		if (cond_vif_detach(node, net, &e) != 0 && e.code == IG_ENOTFOUND)
			api_error(r, 404, "Unable to detach VIF %s from node %s: it is not "
			    "attached.", q->args[1], jstr(node, "uuid"));
		else if (e.code != IG_OK)
			api_ierr(r, &e);
		else
			api_json(r, 204, NULL);
	} else {
		api_error(r, 404, "Unable to detach VIF %s from node %s: it is not "
		    "attached.", q->args[1], jstr(node, "uuid"));
	}
	json_decref(net);
}
