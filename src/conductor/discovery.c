/*
 * Discovery (discovery.h).  With [inspection] discovery on, an unknown
 * machine that PXE-boots on the provisioning network gets the deploy
 * ramdisk (src/net/dhcp_conf.c answers any MAC there, boot_ipxe.c gives
 * unknown MACs the discovery script); its agent posts its inventory, and
 * here it becomes a node in "enroll":
 *
 *   - refused (the one 404) when any MAC of the inventory is known: a
 *     known node is never enrolled twice, and a machine cannot add itself
 *     to another node;
 *   - bounded: at most [inspection] discovery_rate new nodes a minute
 *     (a token bucket) and none while discovery_max_enroll nodes sit in
 *     enroll (503 either way), so a flood of made-up inventories from
 *     the provisioning network can create only so many rows;
 *   - exactly once: the node and one port per MAC are created in one
 *     transaction, under a process-wide mutex; ports' addresses are
 *     unique in the database, so a concurrent post (or another conductor)
 *     that created any of them first makes this one roll back;
 *   - then, locked, a worker applies the data as inspection does
 *     (properties, pxe_enabled, local_link_connection from LLDP, the
 *     inspection rules) and takes the BMC address the agent read, when it
 *     is an IPv4 address [inspection] discovery_bmc_networks allows
 *     (bmc_addr.c), no other node's driver_info names, and nobody (an
 *     inspection rule) has set driver_info.ipmi_address already.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bmc_addr.h"
#include "cidr.h"
#include "conductor.h"
#include "discovery.h"
#include "inspect_agent.h"
#include "jsonutil.h"
#include "log.h"
#include "node.h"
#include "store.h"
#include "util.h"
#include "worker.h"

static struct {
	pthread_mutex_t		 mtx;
	struct discovery_conf	 c;
	double			 tokens;	/* the rate's bucket */
	double			 last;		/* when it was last filled */
} dv = { .mtx = PTHREAD_MUTEX_INITIALIZER };

void
discovery_configure(const struct discovery_conf *c)
{
	pthread_mutex_lock(&dv.mtx);
	dv.c = *c;
	if (dv.c.driver == NULL || dv.c.driver[0] == '\0')
		dv.c.driver = "fake-hardware";
	dv.tokens = dv.c.per_minute;
	dv.last = util_mono_now();
	pthread_mutex_unlock(&dv.mtx);
}

bool
discovery_enabled(void)
{
	return dv.c.enabled;
}

bool
discovery_unknown(json_t *inv)
{
	char mac[18];
	json_t *nic, *o;
	size_t i;

	json_array_foreach(json_object_get(inv, "interfaces"), i, nic) {
		if (!util_normalize_mac(jstr(nic, "mac_address"), mac))
			return false;
		if ((o = store_get(store_thread(), &model_port, "address", mac)) == NULL)
			o = store_get(store_thread(), &model_member, "address", mac);
		json_decref(o);
		if (o != NULL)
			return false;
	}
	return json_array_size(json_object_get(inv, "interfaces")) > 0;
}

/* One token of the bucket (refilled at per_minute a minute), mutex held. */
static bool
take_token(void)
{
	double now = util_mono_now();

	dv.tokens += (now - dv.last) * dv.c.per_minute / 60.0;
	dv.last = now;
	if (dv.tokens > dv.c.per_minute)
		dv.tokens = dv.c.per_minute;
	if (dv.tokens < 1.0)
		return false;
	dv.tokens -= 1.0;
	return true;
}

static bool
enroll_full(void)
{
	struct store_query q = { .nfilters = 1 };
	json_t *st = json_string("enroll");
	long n;

	q.filters[0].field = "provision_state";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = st;
	n = store_count(store_thread(), &model_node, &q);
	json_decref(st);
	return n < 0 || n >= dv.c.max_enroll;
}

/* The new node, reserved by this conductor (the worker releases it). */
static json_t *
new_node(const char *uuid, struct ierr *e)
{
	char now[40];
	json_t *n;

	util_now_iso(now);
	n = json_pack("{s:s, s:s, s:s, s:s, s:{s:b}, s:s}", "uuid", uuid, "driver",
	    dv.c.driver, "provision_state", "enroll", "created_at", now, "extra",
	    "auto_discovered", 1, "reservation", cond_host_name);
	if (cond_resolve_interfaces(n, false, e) != 0) {
		json_decref(n);
		return NULL;
	}
	model_apply_defaults(&model_node, n);
	return n;
}

static int
new_port(const char *node, const char *mac, const char *boot, char *err, size_t len)
{
	char uuid[UUID_STR_LEN], now[40];
	json_t *p;
	int rc;

	util_uuid_new(uuid);
	util_now_iso(now);
	p = json_pack("{s:s, s:s, s:s, s:s, s:b}", "uuid", uuid, "address", mac,
	    "node_uuid", node, "created_at", now, "pxe_enabled", strcmp(mac, boot) == 0);
	model_apply_defaults(&model_port, p);
	rc = store_create(store_thread(), &model_port, p, err, len);
	json_decref(p);
	return rc;
}

static int
new_inventory(const char *node, json_t *body, char *err, size_t len)
{
	json_t *plugin = json_deep_copy(body), *row;
	char now[40];
	int rc;

	json_object_del(plugin, "inventory");
	json_object_set_new(plugin, "auto_discovered", json_true());
	util_now_iso(now);
	row = json_pack("{s:s, s:O, s:o, s:s, s:s}", "uuid", node, "inventory",
	    json_object_get(body, "inventory"), "plugin_data", plugin, "created_at", now,
	    "updated_at", now);
	rc = store_create(store_thread(), &model_inventory, row, err, len);
	json_decref(row);
	return rc;
}

/* The MAC the machine booted from ("" when it did not say). */
static void
boot_mac(json_t *body, char mac[18])
{
	const char *b = jstr(json_object_get(json_object_get(body, "inventory"), "boot"),
	    "pxe_interface");

	if (b == NULL)
		b = jstr(body, "boot_interface");
	if (b == NULL || !util_normalize_mac(b, mac))
		mac[0] = '\0';
}

/* Node, ports and inventory in one transaction; STORE_OK or why not. */
static int
create_all(json_t *node, json_t *body, char *err, size_t len)
{
	struct store *s = store_thread();
	char mac[18], boot[18];
	json_t *nic;
	size_t i;
	int rc;

	boot_mac(body, boot);
	if (store_begin(s) != 0)
		return STORE_ERR;
	rc = store_create(s, &model_node, node, err, len);
	json_array_foreach(json_object_get(json_object_get(body, "inventory"),
	    "interfaces"), i, nic) {
		if (rc != STORE_OK || !util_normalize_mac(jstr(nic, "mac_address"), mac))
			break;
		rc = new_port(node_uuid(node), mac, boot, err, len);
	}
	if (rc == STORE_OK)
		rc = new_inventory(node_uuid(node), body, err, len);
	if (rc == STORE_OK && store_commit(s) == 0)
		return STORE_OK;
	store_rollback(s);
	return rc == STORE_OK ? STORE_ERR : rc;
}

/* Under the mutex: still unknown, within the bounds, created. */
static json_t *
enrol_locked(json_t *body, struct ierr *e)
{
	char uuid[UUID_STR_LEN], err[256];
	json_t *node;
	int rc;

	if (!discovery_unknown(json_object_get(body, "inventory"))) {
		ierr_set(e, IG_ENOTFOUND, INSPECT_NOT_FOUND);
		return NULL;
	}
	if (enroll_full() || !take_token()) {
		ierr_set(e, IG_EUNAVAIL, "Discovery is busy (too many new or unmanaged "
		    "nodes); try again later.");
		return NULL;
	}
	util_uuid_new(uuid);
	if ((node = new_node(uuid, e)) == NULL)
		return NULL;
	if ((rc = create_all(node, body, err, sizeof(err))) != STORE_OK) {
		if (rc == STORE_DUP)
			ierr_set(e, IG_ENOTFOUND, INSPECT_NOT_FOUND);
		else
			ierr_set(e, IG_EINTERNAL, "cannot enrol the machine: %s", err);
		json_decref(node);
		return NULL;
	}
	return node;
}

task_fn discovery_apply;

json_t *
discovery_enrol(json_t *body, struct ierr *e)
{
	json_t *node, *out;

	pthread_mutex_lock(&dv.mtx);
	node = enrol_locked(body, e);
	pthread_mutex_unlock(&dv.mtx);
	if (node == NULL)
		return NULL;
	log_set_node(node_uuid(node));
	log_info("discovered: enrolled with driver %s", dv.c.driver);
	out = json_pack("{s:s, s:{s:s, s:s}, s:{s:i, s:b}}", "uuid", node_uuid(node),
	    "node", "uuid", node_uuid(node), "provision_state", "enroll", "config",
	    "heartbeat_timeout", cconf.heartbeat_timeout, "agent_token_required", 1);
	worker_submit(discovery_apply, node_uuid(node), NULL);	/* releases the lock */
	json_decref(node);
	return out;
}

/* --- applying (worker, lock held) ---------------------------------------- */

/* Another node's driver_info names this address already (read a page at a
 * time: a fleet's nodes as JSON at once would be a GiB at 100,000). */
static bool
bmc_taken(const char *self, const char *ip)
{
	long long last = 0;
	struct store_query q = { .limit = 1000, .last_id = &last };
	char err[128];
	json_t *page, *n;
	bool taken = false;
	size_t i, got;

	do {
		q.after_id = last;
		if ((page = store_list(store_thread(), &model_node, &q, err, sizeof(err))) == NULL)
			return true;	/* cannot tell: refuse it */
		got = json_array_size(page);
		json_array_foreach(page, i, n) {
			json_t *di = json_object_get(n, "driver_info");
			const char *a = jstr(di, "ipmi_address"), *r = jstr(di, "redfish_address");
			if (strcmp(jstr(n, "uuid"), self) != 0 && ((a && strcmp(a, ip) == 0) ||
			    (r && strstr(r, ip) != NULL)))
				taken = true;
		}
		json_decref(page);
	} while (!taken && got == (size_t)q.limit);
	return taken;
}

static void
bmc_refused(json_t *node, const char *ip, const char *why)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "Discovery: BMC address %s refused (%s); not used",
	    ip, why);
	node_history(node, "WARNING", "discovery", msg);
}

/* The agent's bmc_address, for an ipmi node, when it is usable. */
static void
take_bmc(json_t *node, json_t *inv)
{
	json_t *ipv = json_object_get(inv, "bmc_address");
	const char *ip = json_string_value(ipv);
	json_t *di = node_driver_info(node);
	char why[100];
	uint32_t a;

	if (ipv == NULL || json_is_null(ipv) || (ip != NULL && strcmp(ip, "0.0.0.0") == 0) ||
	    strcmp(node_driver(node), "ipmi") != 0 || jstr(di, "ipmi_address") != NULL)
		return;
	if (!bmc_addr_allowed(ip, dv.c.bmc_networks, why, sizeof(why))) {
		/* Only an address that parsed is repeated. */
		bmc_refused(node, ip != NULL && ip4_parse(ip, &a) ? ip : "(as sent)", why);
		return;
	}
	if (bmc_taken(node_uuid(node), ip)) {
		bmc_refused(node, ip, "another node's");
		return;
	}
	json_object_set_new(di, "ipmi_address", json_string(ip));
	node_history(node, "INFO", "discovery", "Discovery: driver_info.ipmi_address "
	    "from the BMC's LAN configuration read in band");
}

int
discovery_apply(json_t *node, json_t *args, struct ierr *e)
{
	json_t *row = store_get(store_thread(), &model_inventory, "uuid", node_uuid(node));
	char err[512] = "", now[40], msg[600];

	(void)args;
	if (row != NULL && inspect_agent_apply_data(node, row, err, sizeof(err)) == 0) {
		take_bmc(node, json_object_get(row, "inventory"));
		util_now_iso(now);
		node_set_inspection_finished_at(node, now);
		node_history(node, "INFO", "discovery", "Discovered: enrolled from its "
		    "inspection data");
	} else {
		snprintf(msg, sizeof(msg), "Discovery: %s", err[0] ? err :
		    "the inspection data is gone");
		node_set_last_error(node, msg);
		node_history(node, "ERROR", "discovery", msg);
	}
	json_decref(row);
	return node_save(node, e);
}
