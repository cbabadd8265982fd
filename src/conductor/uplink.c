/* Uplinks (hypervisor, router ports as trunks) and VM members (uplink.h). */
#include "uplink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "jsonutil.h"
#include "log.h"
#include "portctl.h"
#include "store.h"
#include "util.h"

static struct {
	bool		 carry_provisioning;
	int		 max_members;
	/* One trunk computation and change at a time: two members coming
	 * at once must not leave the older VLAN set on the switch. */
	pthread_mutex_t	 mtx;
} up = { .max_members = 256, .mtx = PTHREAD_MUTEX_INITIALIZER };

void
uplink_configure(bool carry_provisioning, int max_members)
{
	up.carry_provisioning = carry_provisioning;
	up.max_members = max_members;
}

bool
uplink_carry_provisioning(void)
{
	return up.carry_provisioning;
}

int
uplink_max_members(void)
{
	return up.max_members;
}

/* Walks "A:B,C" calling fn(lo, hi); false on a malformed item. */
static bool
ranges_each(const char *spec, bool (*fn)(long, long, void *), void *ctx)
{
	char buf[1024], *save = NULL;
	long lo, hi;

	if (strlen(spec) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		char *colon = strchr(t, ':');
		if (colon != NULL)
			*colon = '\0';
		if (!util_parse_int(t, 1, 4094, &lo) ||
		    !util_parse_int(colon ? colon + 1 : t, 1, 4094, &hi) || lo > hi)
			return false;
		if (fn(lo, hi, ctx))
			return true;
	}
	return true;
}

static bool
never(long lo, long hi, void *ctx)
{
	(void)lo, (void)hi, (void)ctx;
	return false;
}

static bool
holds(long lo, long hi, void *ctx)
{
	int *v = ctx;

	if (*v >= lo && *v <= hi)
		*v = 0;		/* found */
	return *v == 0;
}

bool
uplink_ranges_valid(const char *spec)
{
	return spec != NULL && strspn(spec, "0123456789:, ") == strlen(spec) &&
	    ranges_each(spec, never, NULL);
}

bool
uplink_vlan_allowed(const char *spec, int vlan)
{
	int v = vlan;

	if (spec == NULL || *spec == '\0')
		return true;
	return ranges_each(spec, holds, &v) && v == 0;
}

static json_t *
list_eq(const struct resource *res, const char *field, const char *value)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(value), *list;
	char err[128];

	q.filters[0].field = field;
	q.filters[0].op = SO_EQ;
	q.filters[0].value = v;
	list = store_list(store_thread(), res, &q, err, sizeof(err));
	json_decref(v);
	return list;
}

/* --- what an uplink carries ------------------------------------------ */

/* Marks the network's VLAN if the uplink may carry it. */
static void
mark_network(json_t *uplink, const char *net_uuid, unsigned char *vlans)
{
	json_t *net = store_get(store_thread(), &model_network, "uuid", net_uuid);
	const char *purpose = jstr(net, "purpose");
	int v = (int)json_integer_value(json_object_get(net, "vlan_id"));

	if (net == NULL || v < 1 || v > 4094)
		goto done;
	if (strcmp(purpose, "tenant") != 0 && !up.carry_provisioning) {
		log_warn("uplink %s: not carrying the %s network %s", jstr(uplink, "name"),
		    purpose, jstr(net, "name"));
		goto done;
	}
	if (!uplink_vlan_allowed(jstr(uplink, "allowed_vlans"), v)) {
		log_warn("uplink %s: VLAN %d of network %s is outside its allowed_vlans",
		    jstr(uplink, "name"), v, jstr(net, "name"));
		goto done;
	}
	vlans[v] = 1;
done:
	json_decref(net);
}

/* The VLANs the uplink must carry, ascending; their count, -1 on error. */
static int
want_vlans(json_t *uplink, int *out, int max)
{
	unsigned char vlans[4095] = { 0 };
	json_t *seen = json_object(), *members, *m, *id;
	const char *hv = jstr(uplink, "hypervisor"), *k;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(uplink, "span"), i, id)
		if (json_is_string(id))
			json_object_set(seen, json_string_value(id), json_true());
	members = hv != NULL ? list_eq(&model_member, "hypervisor", hv) : json_array();
	if (members == NULL) {
		json_decref(seen);
		return -1;
	}
	json_array_foreach(members, i, m)
		json_object_set(seen, jstr(m, "network_uuid"), json_true());
	json_object_foreach(seen, k, id)
		mark_network(uplink, k, vlans);
	for (int v = 1; v <= 4094; v++)
		if (vlans[v] && n < max)
			out[n++] = v;
	json_decref(members);
	json_decref(seen);
	return n;
}

/* --- applying ------------------------------------------------------------ */

static void
record(json_t *uplink, const int *vlans, int n, const char *error)
{
	json_t *ii = json_object_get(uplink, "internal_info"), *tl = json_array();
	char now[40], err[256];

	if (!json_is_object(ii)) {
		ii = json_object();
		json_object_set_new(uplink, "internal_info", ii);
	}
	util_now_iso(now);
	if (error != NULL) {
		json_object_set_new(ii, "last_error", json_string(error));
	} else {
		for (int i = 0; i < n; i++)
			json_array_append_new(tl, json_integer(vlans[i]));
		json_object_set(ii, "ingot_trunks", tl);
		json_object_set_new(ii, "synced_at", json_string(now));
		json_object_del(ii, "last_error");
	}
	json_decref(tl);
	json_object_set_new(uplink, "updated_at", json_string(now));
	if (store_update(store_thread(), &model_uplink, uplink, err, sizeof(err)) != STORE_OK)
		log_error("cannot record uplink %s: %s", jstr(uplink, "name"), err);
}

static int
set_port(json_t *llc, const int *vlans, int n, char *err, size_t len)
{
	return portctl_set(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
	    jstr(llc, "port_id"), 0, vlans, n, err, len);
}

/* Under up.mtx: computes, sets, records. */
static int
sync_locked(json_t *uplink, struct ierr *e)
{
	static _Thread_local int vlans[PORTCTL_MAX_VLANS];
	json_t *llc = json_object_get(uplink, "local_link_connection");
	char err[700];
	int n = want_vlans(uplink, vlans, PORTCTL_MAX_VLANS);

	if (n < 0) {
		ierr_set(e, IG_EINTERNAL, "could not read the members of uplink %s",
		    jstr(uplink, "name"));
		return -1;
	}
	if (set_port(llc, vlans, n, err, sizeof(err)) != 0) {
		record(uplink, NULL, 0, err);
		log_error("uplink %s: %s", jstr(uplink, "name"), err);
		ierr_set(e, IG_EUNAVAIL, "Could not set the trunk of uplink %s: %s",
		    jstr(uplink, "name"), err);
		return -1;
	}
	record(uplink, vlans, n, NULL);
	log_info("uplink %s (switch %s port %s): %d VLAN(s)", jstr(uplink, "name"),
	    jstr(llc, "switch_id"), jstr(llc, "port_id"), n);
	return 0;
}

int
cond_uplink_sync(json_t *uplink, struct ierr *e)
{
	int rc;

	pthread_mutex_lock(&up.mtx);
	rc = sync_locked(uplink, e);
	pthread_mutex_unlock(&up.mtx);
	return rc;
}

int
cond_uplinks_sync_hypervisor(const char *hv, struct ierr *e)
{
	json_t *list, *u;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&up.mtx);
	if ((list = list_eq(&model_uplink, "hypervisor", hv)) == NULL) {
		ierr_set(e, IG_EINTERNAL, "could not list the uplinks of %s", hv);
		rc = -1;
	}
	json_array_foreach(list, i, u)
		if (sync_locked(u, e) != 0)
			rc = -1;
	pthread_mutex_unlock(&up.mtx);
	json_decref(list);
	return rc;
}

int
cond_uplink_release(json_t *llc, struct ierr *e)
{
	char err[700];

	if (set_port(llc, NULL, 0, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EUNAVAIL, "Could not isolate switch port %s: %s",
		    jstr(llc, "port_id"), err);
		return -1;
	}
	return 0;
}

/* --- checks ------------------------------------------------------------- */

/* a and b (local_link_connections) name the same port of the same switch. */
static bool
same_port(json_t *a, json_t *b)
{
	const char *sa = portctl_switch_name(jstr(a, "switch_id"), jstr(a, "switch_info"));
	const char *sb = portctl_switch_name(jstr(b, "switch_id"), jstr(b, "switch_info"));

	return sa != NULL && sb != NULL && strcmp(sa, sb) == 0 &&
	    jstr(a, "port_id") != NULL && jstr(b, "port_id") != NULL &&
	    strcmp(jstr(a, "port_id"), jstr(b, "port_id")) == 0;
}

/* The first object of res (other than uuid) wired to llc's port, or NULL. */
static json_t *
wired_to(const struct resource *res, json_t *llc, const char *uuid)
{
	static const struct store_query all = { 0 };
	char err[128];
	json_t *list = store_list(store_thread(), res, &all, err, sizeof(err));
	json_t *o, *hit = NULL;
	size_t i;

	json_array_foreach(list, i, o) {
		if (uuid != NULL && jstr(o, "uuid") != NULL && strcmp(jstr(o, "uuid"), uuid) == 0)
			continue;
		if (same_port(json_object_get(o, "local_link_connection"), llc)) {
			hit = json_incref(o);
			break;
		}
	}
	json_decref(list);
	return hit;
}

json_t *
cond_uplink_at(json_t *llc)
{
	return jstr(llc, "port_id") != NULL ? wired_to(&model_uplink, llc, NULL) : NULL;
}

int
cond_uplink_check(json_t *uplink, struct ierr *e)
{
	json_t *llc = json_object_get(uplink, "local_link_connection"), *other;
	char err[512];

	if (jstr(llc, "port_id") == NULL ||
	    (jstr(llc, "switch_id") == NULL && jstr(llc, "switch_info") == NULL)) {
		ierr_set(e, IG_EINVAL, "local_link_connection needs port_id and switch_id "
		    "(or switch_info naming a configured switch).");
		return -1;
	}
	if (portctl_check(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
	    jstr(llc, "port_id"), err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "Invalid uplink port: %s.", err);
		return -1;
	}
	if ((other = wired_to(&model_port, llc, NULL)) != NULL) {
		ierr_set(e, IG_ECONFLICT, "Switch port %s is node port %s's; an uplink "
		    "cannot share it.", jstr(llc, "port_id"), jstr(other, "uuid"));
		json_decref(other);
		return -1;
	}
	if ((other = wired_to(&model_uplink, llc, jstr(uplink, "uuid"))) != NULL) {
		ierr_set(e, IG_ECONFLICT, "Switch port %s is already uplink %s.",
		    jstr(llc, "port_id"), jstr(other, "name"));
		json_decref(other);
		return -1;
	}
	return 0;
}

/* --- members ------------------------------------------------------------ */

/* The DHCP host entry; fills ip_address.  -1 with e. */
static int
member_host(json_t *m, json_t *net, struct ierr *e)
{
	const char *want = jstr(m, "ip_address");
	char ip[64] = "", err[512];

	if (dhcp_host_add_ip(net, jstr(m, "address"), want, ip, sizeof(ip), err,
	    sizeof(err)) != 0) {
		ierr_set(e, IG_ECONFLICT, "Cannot give %s an address: %s.",
		    jstr(m, "address"), err);
		return -1;
	}
	if (ip[0] != '\0')
		json_object_set_new(m, "ip_address", json_string(ip));
	return 0;
}

static void
member_undo(json_t *m, json_t *net, bool host)
{
	if (host)
		dhcp_host_remove(net, jstr(m, "address"));
	store_delete(store_thread(), &model_member, jstr(m, "uuid"));
}

int
cond_member_add(json_t *m, json_t *net, struct ierr *e)
{
	char err[512];
	int rc;

	/* The record first: its unique MAC claims the host entry. */
	rc = store_create(store_thread(), &model_member, m, err, sizeof(err));
	if (rc == STORE_DUP) {
		ierr_set(e, IG_ECONFLICT, "A port with MAC address %s is already "
		    "registered.", jstr(m, "address"));
		return -1;
	}
	if (rc != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not record the member: %s", err);
		return -1;
	}
	if (member_host(m, net, e) != 0) {
		member_undo(m, net, false);
		return -1;
	}
	if (store_update(store_thread(), &model_member, m, err, sizeof(err)) != STORE_OK ||
	    cond_uplinks_sync_hypervisor(jstr(m, "hypervisor"), e) != 0) {
		struct ierr e2;
		if (e->code == IG_OK)
			ierr_set(e, IG_EINTERNAL, "could not record the member: %s", err);
		member_undo(m, net, true);
		cond_uplinks_sync_hypervisor(jstr(m, "hypervisor"), &e2);
		return -1;
	}
	log_info("member %s (%s) joined network %s on hypervisor %s",
	    jstr(m, "address"), jstr(m, "ip_address") ? jstr(m, "ip_address") : "no address",
	    jstr(net, "name"), jstr(m, "hypervisor"));
	return 0;
}

/* Fail-safe: a trunk that could not lose the VLAN carries nothing. */
static void
isolate_hypervisor(const char *hv)
{
	json_t *list = list_eq(&model_uplink, "hypervisor", hv), *u;
	struct ierr e;
	size_t i;

	json_array_foreach(list, i, u)
		if (cond_uplink_release(json_object_get(u, "local_link_connection"), &e) != 0)
			log_error("uplink %s: %s", jstr(u, "name"), e.msg);
		else
			log_warn("uplink %s isolated until the reconciliation restores it",
			    jstr(u, "name"));
	json_decref(list);
}

int
cond_member_remove(json_t *m, json_t *net, struct ierr *e)
{
	if (store_delete(store_thread(), &model_member, jstr(m, "uuid")) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not remove the member");
		return -1;
	}
	dhcp_host_remove(net, jstr(m, "address"));
	if (cond_uplinks_sync_hypervisor(jstr(m, "hypervisor"), e) != 0) {
		isolate_hypervisor(jstr(m, "hypervisor"));
		return -1;
	}
	log_info("member %s left network %s", jstr(m, "address"), jstr(net, "name"));
	return 0;
}

/* --- reconciliation -------------------------------------------------------- */

static bool
same_set(const int *a, int na, const int *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++) {
		bool found = false;
		for (int j = 0; j < nb && !found; j++)
			found = a[i] == b[j];
		if (!found)
			return false;
	}
	return true;
}

/* Under up.mtx: 1 when corrected, 0 when right, -1 when unreadable. */
static int
reconcile_one(json_t *u)
{
	static _Thread_local int want[PORTCTL_MAX_VLANS], got[PORTCTL_MAX_VLANS];
	json_t *llc = json_object_get(u, "local_link_connection");
	int nw = want_vlans(u, want, PORTCTL_MAX_VLANS), native = 0, ng = 0;
	struct ierr e;
	char err[700];

	if (nw < 0 || portctl_get(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
	    jstr(llc, "port_id"), &native, got, &ng, err, sizeof(err)) != 0) {
		log_error("reconcile: uplink %s: cannot read back: %s", jstr(u, "name"),
		    nw < 0 ? "database" : err);
		return -1;
	}
	if (native == 0 && same_set(want, nw, got, ng))
		return 0;
	log_warn("reconcile: uplink %s (switch %s port %s) carries native VLAN %d and "
	    "%d trunk VLAN(s), not its %d: setting it", jstr(u, "name"),
	    jstr(llc, "switch_id"), jstr(llc, "port_id"), native, ng, nw);
	return sync_locked(u, &e) == 0 ? 1 : -1;
}

int
uplink_reconcile_all(void)
{
	static const struct store_query all = { 0 };
	json_t *list, *u;
	char err[128];
	size_t i;
	int fixed = 0;

	pthread_mutex_lock(&up.mtx);
	list = store_list(store_thread(), &model_uplink, &all, err, sizeof(err));
	json_array_foreach(list, i, u)
		if (reconcile_one(u) == 1)
			fixed++;
	pthread_mutex_unlock(&up.mtx);
	json_decref(list);
	return fixed;
}
