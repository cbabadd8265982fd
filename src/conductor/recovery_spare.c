/*
 * The spare half of recovery (see recovery.h): pick a spare, claim it
 * under its node lock, move the instance in one transaction, deploy it.
 *
 * A spare is an available node, not in maintenance, without instance,
 * allocation, VIFs or volume targets, with the failed node's resource
 * class, conductor group and owner, every trait the instance asked for
 * (instance_info.traits, else the failed node's traits), the spare trait
 * when one is configured, and, when the failed node's switch ports are
 * managed, a wired port on a switch Ingot manages.  It is taken with one
 * atomic UPDATE (the node lock) and checked afresh under it; the unique
 * instance_uuid column refuses a second node for one instance, so two
 * recoveries never share a spare and an instance is never on two nodes.
 */
#include "recovery.h"

#include <stdio.h>
#include <string.h>

#include "dhcp.h"
#include "flow.h"
#include "jsonutil.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "portctl.h"
#include "store.h"
#include "util.h"
#include "worker.h"

static json_t *
rows(const struct resource *res, const char *field, json_t *value)
{
	struct store_query q = { .nfilters = 1 };
	char err[128];
	json_t *l;

	q.filters[0].field = field;
	q.filters[0].op = SO_EQ;
	q.filters[0].value = value;
	l = store_list(store_thread(), res, &q, err, sizeof(err));
	return l != NULL ? l : json_array();
}

static size_t
count_rows(const struct resource *res, json_t *node)
{
	json_t *l = rows(res, "node_uuid", json_object_get(node, "uuid"));
	size_t n = json_array_size(l);

	json_decref(l);
	return n;
}

static bool
has_all(json_t *have, json_t *want)
{
	json_t *w, *h;
	size_t i, j;

	json_array_foreach(want, i, w) {
		bool found = false;
		json_array_foreach(have, j, h)
			found = found || json_equal(h, w);
		if (!found)
			return false;
	}
	return true;
}

/* The traits the instance needs: what it asked for, else the failed node's. */
static json_t *
wanted_traits(json_t *failed)
{
	json_t *t = json_object_get(node_instance_info(failed), "traits");

	return json_is_array(t) ? t : json_object_get(failed, "traits");
}

/* The spare's first port wired to a switch Ingot manages (borrowed from
 * ports, which the caller keeps), or NULL. */
static json_t *
managed_port(json_t *ports)
{
	json_t *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		json_t *llc = json_object_get(p, "local_link_connection");
		char err[256];
		if (jstr(llc, "switch_id") != NULL && jstr(llc, "port_id") != NULL &&
		    portctl_check(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
		    jstr(llc, "port_id"), err, sizeof(err)) == 0)
			return p;
	}
	return NULL;
}

/* What the spare's instance ports are: its managed port, else its first. */
static json_t *
spare_port(json_t *spare)
{
	json_t *ports = rows(&model_port, "node_uuid", json_object_get(spare, "uuid"));
	json_t *p = managed_port(ports);

	if (p == NULL)
		p = json_array_get(ports, 0);
	p = json_incref(p);
	json_decref(ports);
	return p;
}

static bool
switch_fits(json_t *failed, json_t *spare)
{
	json_t *ports;
	bool ok;

	if (!netflow_managed(failed))
		return true;
	if (!netflow_managed(spare))
		return false;
	ports = rows(&model_port, "node_uuid", json_object_get(spare, "uuid"));
	ok = managed_port(ports) != NULL;
	json_decref(ports);
	return ok;
}

/* The fields that make a node a spare for failed (cheap: no other rows). */
static bool
prefit(json_t *failed, json_t *s)
{
	const char *trait = cconf.recovery.spare_trait;
	json_t *tr = json_object_get(s, "traits");

	if (strcmp(node_uuid(s), node_uuid(failed)) == 0 || node_in_maintenance(s) ||
	    node_instance_uuid(s) != NULL || node_allocation_uuid(s) != NULL ||
	    strcmp(node_provision_state(s), "available") != 0)
		return false;
	if (!node_same_str(failed, s, "resource_class") ||
	    !node_same_str(failed, s, "conductor_group") ||
	    !node_same_str(failed, s, "owner"))
		return false;
	if (trait != NULL && *trait != '\0') {
		json_t *want = json_pack("[s]", trait);
		bool ok = has_all(tr, want);
		json_decref(want);
		if (!ok)
			return false;
	}
	return has_all(tr, wanted_traits(failed));
}

/* The whole check, under the spare's lock. */
static bool
fits(json_t *failed, json_t *s)
{
	if (!prefit(failed, s) || !switch_fits(failed, s))
		return false;
	if (count_rows(&model_vif, s) > 0 || count_rows(&model_volume_target, s) > 0)
		return false;
	if (count_rows(&model_volume_target, failed) > 0 &&
	    !node_same_str(failed, s, "storage_interface"))
		return false;
	return true;
}

/* Takes the first fitting spare under its lock; NULL with why.  The
 * available nodes are read a page at a time, and no further than the
 * spare (all of them only to say why there is none). */
static json_t *
claim_spare(json_t *failed, char *why, size_t len)
{
	long long last = 0;
	struct store_query q = { .nfilters = 2, .limit = 500, .last_id = &last };
	json_t *st = json_string("available"), *page, *c, *got = NULL;
	int fit = 0, busy = 0;
	size_t i, n, total = 0;
	char err[256];

	q.filters[0] = (struct store_filter){ "provision_state", SO_EQ, st, NULL, NULL };
	q.filters[1] = (struct store_filter){ "maintenance", SO_EQ, json_false(), NULL, NULL };
	do {
		q.after_id = last;
		if ((page = store_list(store_thread(), &model_node, &q, err, sizeof(err))) == NULL)
			break;
		n = json_array_size(page);
		total += n;
		json_array_foreach(page, i, c) {
			if (got != NULL || !prefit(failed, c))
				continue;
			fit++;
			if (store_node_reserve(store_thread(), node_uuid(c), cond_host_name) != STORE_OK) {
				busy++;
				continue;
			}
			got = store_get(store_thread(), &model_node, "uuid", node_uuid(c));
			if (got != NULL && fits(failed, got))
				break;
			json_decref(got);
			got = NULL;
			node_unlock(node_uuid(c));
		}
		json_decref(page);
	} while (got == NULL && n == (size_t)q.limit);
	if (got == NULL)
		snprintf(why, len, "no spare node: %zu available node(s), %d with resource "
		    "class %s, owner and traits of the instance%s, %d of them busy, none "
		    "free of VIFs and volumes on a managed switch", total, fit,
		    node_resource_class(failed) ? node_resource_class(failed) : "(none)",
		    *cconf.recovery.spare_trait ? " and the spare trait" : "", busy);
	json_decref(st);
	return got;
}

/* What the instance's DHCP reservations become: [{network, from, to, ip}]. */
static json_t *
dhcp_moves(json_t *vifs, json_t *port)
{
	json_t *moves = json_array(), *v;
	size_t i;

	json_array_foreach(vifs, i, v) {
		json_t *old = vif_port_uuid(v) ? store_get(store_thread(), &model_port,
		    "uuid", vif_port_uuid(v)) : NULL;
		json_t *net = store_get(store_thread(), &model_network, "uuid",
		    vif_network_uuid(v));
		char ip[64] = "";

		if (old != NULL && net != NULL && port != NULL) {
			(void)dhcp_host_ip(net, port_address(old), ip, sizeof(ip));
			json_array_append_new(moves, json_pack("{s:s, s:s, s:s, s:s}",
			    "network", vif_network_uuid(v), "from", port_address(old),
			    "to", port_address(port), "ip", ip));
		}
		json_decref(old);
		json_decref(net);
	}
	return moves;
}

static const char *
instance_of(json_t *n)
{
	return node_instance_uuid(n) != NULL ? node_instance_uuid(n) : "(no instance_uuid)";
}

/* The failed node's side of the move (fields only; saved by the caller). */
static void
give_up_instance(json_t *f, json_t *s, char *msg, size_t len)
{
	json_t *rec = json_object_get(node_driver_internal_info(f), "recovery");

	snprintf(msg, len, "Hardware failure: instance %s recovered onto spare node %s "
	    "(%s); this node returns to service only through cleaning",
	    instance_of(f), node_name(s) ? node_name(s) : node_uuid(s),
	    node_uuid(s));
	if (json_is_object(rec)) {
		json_object_set_new(rec, "spare", json_string(node_uuid(s)));
		json_object_set_new(rec, "phase", json_string("moved"));
	}
	json_object_set_new(f, "instance_info", json_object());
	node_set_instance_uuid(f, NULL);
	node_set(f, "allocation_uuid", NULL);
	json_object_set_new(f, "maintenance", json_true());
	node_set(f, "fault", "hardware failure");
	node_set(f, "maintenance_reason", msg);
}

/* The spare's side: the instance, its lessee, allocation and the marks a
 * restart resumes from. */
static void
take_instance(json_t *s, json_t *f, json_t *moves)
{
	json_t *dii = node_driver_internal_info(s), *fdii = node_driver_internal_info(f);

	json_object_set(s, "instance_uuid", json_object_get(f, "instance_uuid"));
	json_object_set_new(s, "instance_info", json_deep_copy(node_instance_info(f)));
	json_object_set(s, "lessee", json_object_get(f, "lessee"));
	json_object_set(s, "allocation_uuid", json_object_get(f, "allocation_uuid"));
	json_object_set_new(dii, "recovery_of", json_string(node_uuid(f)));
	json_object_set_new(dii, "recovery_pending", json_true());
	json_object_set(dii, "recovery_dhcp", moves);
	json_object_set(dii, "deploy_file_images", json_object_get(fdii, "deploy_file_images"));
	if (json_object_get(fdii, "user_deploy_steps"))
		json_object_set(dii, "user_deploy_steps",
		    json_object_get(fdii, "user_deploy_steps"));
}

/* Re-points the instance's rows (VIFs, volume targets, allocation). */
static int
move_rows(json_t *f, json_t *s, json_t *vifs, json_t *port)
{
	json_t *tgts = rows(&model_volume_target, "node_uuid", json_object_get(f, "uuid"));
	json_t *v, *alloc = NULL;
	char err[256];
	size_t i;
	int rc = 0;

	json_array_foreach(vifs, i, v) {
		json_object_set(v, "node_uuid", json_object_get(s, "uuid"));
		json_object_set(v, "port_uuid", port ? json_object_get(port, "uuid") : json_null());
		rc |= store_update(store_thread(), &model_vif, v, err, sizeof(err));
	}
	json_array_foreach(tgts, i, v) {
		json_object_set(v, "node_uuid", json_object_get(s, "uuid"));
		rc |= store_update(store_thread(), &model_volume_target, v, err, sizeof(err));
	}
	if (node_allocation_uuid(s) != NULL)
		alloc = store_get(store_thread(), &model_allocation, "uuid",
		    node_allocation_uuid(s));
	if (alloc != NULL) {
		json_object_set(alloc, "node_uuid", json_object_get(s, "uuid"));
		rc |= store_update(store_thread(), &model_allocation, alloc, err, sizeof(err));
	}
	json_decref(alloc);
	json_decref(tgts);
	return rc == 0 ? 0 : -1;
}

/* The move, in one transaction: the failed node ends manageable in
 * maintenance, the spare starts deploying with the instance. */
static int
move(json_t *f, json_t *s, char *why, size_t len)
{
	struct store *st = store_thread();
	json_t *vifs = rows(&model_vif, "node_uuid", json_object_get(f, "uuid"));
	json_t *port = spare_port(s), *moves = dhcp_moves(vifs, port);
	struct ierr e = { 0 };
	char msg[700], ev[700];
	int rc = -1;

	take_instance(s, f, moves);
	give_up_instance(f, s, msg, sizeof(msg));
	node_operation_start(s, "recover");
	snprintf(ev, sizeof(ev), "Spare for failed node %s (%s): took over instance %s",
	    node_name(f) ? node_name(f) : node_uuid(f), node_uuid(f), instance_of(s));
	if (store_begin(st) == 0 && cond_transition(f, "done", msg, &e) == 0 &&
	    cond_transition(s, "deploy", NULL, &e) == 0 &&
	    move_rows(f, s, vifs, port) == 0 && store_commit(st) == 0) {
		node_history(s, "INFO", "recovery", ev);
		rc = 0;
	} else {
		store_rollback(st);
		snprintf(why, len, "could not move the instance to %s: %s", node_uuid(s),
		    e.msg[0] ? e.msg : "database error");
	}
	json_decref(vifs);
	json_decref(port);
	json_decref(moves);
	return rc;
}

int
recovery_move_to_spare(json_t *failed, char *why, size_t len)
{
	json_t *spare = claim_spare(failed, why, len), *fresh;
	char uuid[UUID_STR_LEN];

	if (spare == NULL)
		return -1;
	snprintf(uuid, sizeof(uuid), "%s", node_uuid(spare));
	if (move(failed, spare, why, len) != 0) {
		node_unlock(uuid);
		json_decref(spare);
		/* the failed node's fields were changed in memory: read back */
		fresh = store_get(store_thread(), &model_node, "uuid", node_uuid(failed));
		if (fresh != NULL)
			json_object_update(failed, fresh);
		json_decref(fresh);
		return -1;
	}
	log_info("recovery: instance moved to spare %s", uuid);
	json_decref(spare);
	worker_submit(recovery_spare_deploy, uuid, NULL);	/* its lock goes along */
	return 0;
}

/* The instance's addresses follow it: each reservation of the failed
 * node's MAC is given to the spare's (idempotent, for a restart). */
static void
apply_dhcp(json_t *moves)
{
	json_t *m, *net;
	size_t i;

	json_array_foreach(moves, i, m) {
		const char *ip = jstr(m, "ip");
		char got[64] = "", err[256];

		if ((net = store_get(store_thread(), &model_network, "uuid",
		    jstr(m, "network"))) == NULL)
			continue;
		dhcp_host_remove(net, jstr(m, "from"));
		/* the dead node's lease must not keep the address from the spare */
		if (ip != NULL && *ip != '\0' && dhcp_lease_release(net, jstr(m, "from"), ip) != 0)
			log_warn("recovery: could not release %s's lease of %s", jstr(m, "from"), ip);
		if (dhcp_host_add_ip(net, jstr(m, "to"), ip && *ip ? ip : NULL, got,
		    sizeof(got), err, sizeof(err)) != 0)
			log_error("recovery: DHCP reservation of %s on %s: %s", jstr(m, "to"),
			    jstr(net, "name"), err);
		else if (got[0] != '\0')
			log_info("recovery: %s keeps %s on network %s", jstr(m, "to"), got,
			    jstr(net, "name"));
		json_decref(net);
	}
}

int
recovery_spare_deploy(json_t *spare, json_t *args, struct ierr *e)
{
	json_t *dii = node_driver_internal_info(spare);
	struct ierr se = { 0 };
	int rc;

	(void)args;
	apply_dhcp(json_object_get(dii, "recovery_dhcp"));
	rc = flow_deploy(spare, NULL, e);
	if (strcmp(node_provision_state(spare), "deploying") != 0) {
		/* the deploy ran its course (active, wait call-back or failed) */
		json_object_del(node_driver_internal_info(spare), "recovery_pending");
		if (node_save(spare, &se) != 0)
			log_error("%s", se.msg);
	}
	return rc;
}
