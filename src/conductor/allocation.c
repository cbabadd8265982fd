/*
 * Allocations (Ironic 1.52): a request for a node by resource class,
 * traits, candidate nodes and owner, answered within the request.
 *
 * The candidates are read without locks, then each is taken in turn
 * under its node lock (one atomic UPDATE ... WHERE reservation IS NULL),
 * checked afresh and claimed in one transaction: the allocation gets
 * node_uuid (unique) and the node instance_uuid (unique) and
 * allocation_uuid.  Two allocations never get one node: the second finds
 * instance_uuid set once it holds the lock, and the database refuses a
 * second row for either unique column.  A candidate locked by someone
 * else is tried again for a bounded time, so that concurrent requests
 * for fewer nodes than requests fail only when the nodes are gone.
 */
#include "allocation.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conductor.h"
#include "log.h"
#include "node.h"
#include "store.h"
#include "util.h"

#define RETRY_INTERVAL_MS	50
#define RETRY_ROUNDS		100	/* 5 s at most for nodes others lock */

enum try { TRY_CLAIMED, TRY_UNFIT, TRY_LOCKED };

static bool
has_all(json_t *have, json_t *want)
{
	json_t *w, *h;
	size_t i, j;
	bool found;

	json_array_foreach(want, i, w) {
		found = false;
		json_array_foreach(have, j, h)
			if (json_equal(h, w))
				found = true;
		if (!found)
			return false;
	}
	return true;
}

static bool
in_list(json_t *list, const char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x)
		if (json_string_value(x) && strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The node still fits the allocation (read under its lock). */
static bool
fits(json_t *node, json_t *alloc)
{
	return !node_in_maintenance(node) && node_get(node, "instance_uuid") == NULL &&
	    node_get(node, "allocation_uuid") == NULL &&
	    same(node_get(node, "provision_state"), "available") &&
	    node_get(node, "power_state") != NULL &&
	    same(node_get(node, "resource_class"), node_get(alloc, "resource_class")) &&
	    has_all(json_object_get(node, "traits"), json_object_get(alloc, "traits"));
}

static void
stamp(json_t *o)
{
	char now[40];

	util_now_iso(now);
	json_object_set_new(o, "updated_at", json_string(now));
}

/* Gives node to alloc in one transaction (node lock held); 0 or -1. */
static int
claim(json_t *node, json_t *alloc)
{
	struct store *s = store_thread();
	json_t *ii = json_object_get(node, "instance_info");
	struct ierr ne = { 0 };
	char err[256];

	json_object_set(alloc, "node_uuid", json_object_get(node, "uuid"));
	json_object_set_new(alloc, "state", json_string("active"));
	json_object_set_new(alloc, "last_error", json_null());
	stamp(alloc);
	json_object_set(node, "instance_uuid", json_object_get(alloc, "uuid"));
	json_object_set(node, "allocation_uuid", json_object_get(alloc, "uuid"));
	if (json_is_object(ii))
		json_object_set(ii, "traits", json_object_get(alloc, "traits"));
	if (store_begin(s) != 0)
		goto fail;
	if (store_update(s, &model_allocation, alloc, err, sizeof(err)) != STORE_OK ||
	    node_save(node, &ne) != 0 || store_commit(s) != 0) {
		store_rollback(s);
		goto fail;
	}
	log_info("node %s allocated to allocation %s", node_get(node, "uuid"),
	    node_get(alloc, "uuid"));
	return 0;
fail:
	json_object_set_new(alloc, "node_uuid", json_null());
	json_object_set_new(alloc, "state", json_string("allocating"));
	return -1;
}

static enum try
try_node(const char *uuid, json_t *alloc)
{
	struct ierr e = { 0 };
	json_t *node = node_lock_reload(uuid, &e);
	enum try rc = TRY_UNFIT;

	if (node == NULL)
		return e.code == IG_ELOCKED ? TRY_LOCKED : TRY_UNFIT;
	if (fits(node, alloc) && claim(node, alloc) == 0)
		rc = TRY_CLAIMED;
	node_unlock(uuid);
	json_decref(node);
	return rc;
}

/* Fisher-Yates: requests for the same class spread over the nodes. */
static void
shuffle(json_t *list)
{
	size_t n = json_array_size(list);
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)list;

	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)rand_r(&seed) % i;
		json_t *a = json_incref(json_array_get(list, i - 1));
		json_array_set(list, i - 1, json_array_get(list, j));
		json_array_set_new(list, j, a);
	}
}

/*
 * The UUIDs of the nodes that may serve alloc, shuffled, a node named
 * like the allocation first (Ironic 1.79); NULL with why set when none.
 */
static json_t *
candidates(json_t *alloc, char *why, size_t len)
{
	struct store_query sq = { .nfilters = 5 };
	json_t *v[4], *list, *out, *n, *named = NULL;
	json_t *want = json_object_get(alloc, "candidate_nodes");
	const char *owner = node_get(alloc, "owner");
	size_t i;

	v[0] = json_string(node_get(alloc, "resource_class"));
	v[1] = json_string("available");
	v[2] = json_false();
	sq.filters[0] = (struct store_filter){ "resource_class", SO_EQ, v[0], NULL, NULL };
	sq.filters[1] = (struct store_filter){ "provision_state", SO_EQ, v[1], NULL, NULL };
	sq.filters[2] = (struct store_filter){ "maintenance", SO_EQ, v[2], NULL, NULL };
	sq.filters[3] = (struct store_filter){ "instance_uuid", SO_NULL, NULL, NULL, NULL };
	sq.filters[4] = (struct store_filter){ "power_state", SO_NOTNULL, NULL, NULL, NULL };
	v[3] = owner ? json_string(owner) : NULL;
	if (owner != NULL)	/* a project's allocation: its nodes, owned or leased */
		sq.filters[sq.nfilters++] = (struct store_filter){ "owner", SO_EQ_EITHER,
		    v[3], "lessee", NULL };
	list = store_list(store_thread(), &model_node, &sq, why, len);
	for (i = 0; i < 4; i++)
		json_decref(v[i]);
	out = json_array();
	json_array_foreach(list, i, n) {
		if (json_array_size(want) > 0 && !in_list(want, node_get(n, "uuid")))
			continue;
		if (!has_all(json_object_get(n, "traits"), json_object_get(alloc, "traits")))
			continue;
		if (same(node_get(n, "name"), node_get(alloc, "name")))
			named = json_string(node_get(n, "uuid"));
		else
			json_array_append_new(out, json_string(node_get(n, "uuid")));
	}
	json_decref(list);
	shuffle(out);
	if (named != NULL)
		json_array_insert_new(out, 0, named);
	if (json_array_size(out) > 0)
		return out;
	json_decref(out);
	snprintf(why, len, json_array_size(want) > 0 ? "none of the requested nodes are "
	    "available and match the resource class %s and traits" : "no available "
	    "nodes match the resource class %s and traits",
	    node_get(alloc, "resource_class"));
	return NULL;
}

/* Takes one of the candidates; 0, or -1 with why. */
static int
allocate(json_t *alloc, json_t *cands, char *why, size_t len)
{
	json_t *pending = json_deep_copy(cands), *next, *u;
	size_t i;

	for (int round = 0; round < RETRY_ROUNDS && json_array_size(pending) > 0; round++) {
		next = json_array();
		json_array_foreach(pending, i, u) {
			enum try t = try_node(json_string_value(u), alloc);
			if (t == TRY_CLAIMED) {
				json_decref(next);
				json_decref(pending);
				return 0;
			}
			if (t == TRY_LOCKED)
				json_array_append(next, u);
		}
		json_decref(pending);
		pending = next;
		if (json_array_size(pending) > 0)
			usleep(RETRY_INTERVAL_MS * 1000);
	}
	if (json_array_size(pending) > 0)
		snprintf(why, len, "could not reserve any of %zu suitable nodes (locked)",
		    json_array_size(pending));
	else
		snprintf(why, len, "all %zu suitable nodes were taken by other allocations "
		    "or changed during reservation", json_array_size(cands));
	json_decref(pending);
	return -1;
}

static void
failed(json_t *alloc, const char *why)
{
	char msg[700], err[256];

	snprintf(msg, sizeof(msg), "Failed to process allocation %s: %s.",
	    node_get(alloc, "uuid"), why);
	json_object_set_new(alloc, "state", json_string("error"));
	json_object_set_new(alloc, "node_uuid", json_null());
	json_object_set_new(alloc, "last_error", json_string(msg));
	stamp(alloc);
	if (store_update(store_thread(), &model_allocation, alloc, err, sizeof(err)) != STORE_OK)
		log_error("cannot save failed allocation %s: %s", node_get(alloc, "uuid"), err);
	log_info("%s", msg);
}

/* Why node cannot be backfilled into alloc ("" when it can). */
static void
backfill_errors(json_t *node, json_t *alloc, char *why, size_t len)
{
	const char *rc = node_get(alloc, "resource_class");
	json_t *want = json_object_get(alloc, "candidate_nodes");

	why[0] = '\0';
	if (!same(node_get(node, "provision_state"), "active"))
		snprintf(why, len, "the node must be in the \"active\" state, but the "
		    "current state is \"%s\"", node_get(node, "provision_state"));
	else if (rc != NULL && !same(rc, node_get(node, "resource_class")))
		snprintf(why, len, "resource class %s does not match the requested "
		    "resource class %s", node_get(node, "resource_class") ?
		    node_get(node, "resource_class") : "(none)", rc);
	else if (!has_all(json_object_get(node, "traits"), json_object_get(alloc, "traits")))
		snprintf(why, len, "the node's traits do not include the requested ones");
	else if (json_array_size(want) > 0 && !in_list(want, node_get(node, "uuid")))
		snprintf(why, len, "candidate nodes must be empty or contain the target node");
}

static int
backfill(json_t *alloc, const char *node_uuid, struct ierr *e)
{
	json_t *node = node_lock_reload(node_uuid, e);
	const char *inst;
	char why[400];
	int rc = -1;

	if (node == NULL)
		return -1;
	inst = node_get(node, "instance_uuid");
	backfill_errors(node, alloc, why, sizeof(why));
	if (why[0] != '\0') {
		ierr_set(e, IG_EINVAL, "Cannot backfill an allocation for node %s: %s",
		    node_uuid, why);
	} else if ((inst != NULL && !same(inst, node_get(alloc, "uuid"))) ||
	    node_get(node, "allocation_uuid") != NULL) {
		ierr_set(e, IG_ECONFLICT, "Node %s is associated with instance %s.",
		    node_uuid, inst ? inst : node_get(node, "allocation_uuid"));
	} else if (claim(node, alloc) != 0) {
		ierr_set(e, IG_ECONFLICT, "Instance %s is already associated with a node, "
		    "it cannot be associated with this other node %s",
		    node_get(alloc, "uuid"), node_uuid);
	} else {
		rc = 0;
	}
	node_unlock(node_uuid);
	json_decref(node);
	return rc;
}

int
cond_allocation_create(json_t *alloc, const char *node_uuid, struct ierr *e)
{
	char now[40], err[256], why[400];
	json_t *cands;
	int rc;

	util_now_iso(now);
	json_object_set_new(alloc, "created_at", json_string(now));
	json_object_set_new(alloc, "state", json_string("allocating"));
	model_apply_defaults(&model_allocation, alloc);
	rc = store_create(store_thread(), &model_allocation, alloc, err, sizeof(err));
	if (rc == STORE_DUP) {
		ierr_set(e, IG_ECONFLICT, "An allocation with %s %s already exists.", err,
		    node_get(alloc, err) ? node_get(alloc, err) : "");
		return -1;
	}
	if (rc != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not create the allocation: %s", err);
		return -1;
	}
	if (node_uuid != NULL) {
		if (backfill(alloc, node_uuid, e) == 0)
			return 0;
		failed(alloc, e->msg);
		return -1;
	}
	if ((cands = candidates(alloc, why, sizeof(why))) == NULL) {
		failed(alloc, why);
		return 0;
	}
	if (allocate(alloc, cands, why, sizeof(why)) != 0)
		failed(alloc, why);
	json_decref(cands);
	return 0;
}

/* Ironic: an allocation stays while its node is active or busy, unless
 * the node is in maintenance. */
static bool
may_free(json_t *node, json_t *alloc, struct ierr *e)
{
	static const char *const busy_ok[] = { "deploy failed", "inspecting",
	    "inspect failed", "inspect wait", "clean failed", "error", "verifying",
	    "adopt failed", "rescue failed", "unrescue failed", NULL };
	const char *ps = node_get(node, "provision_state");
	bool ok = false;

	if (node_in_maintenance(node))
		return true;
	if (same(ps, "active")) {
		ierr_set(e, IG_ECONFLICT, "Cannot remove allocation %s for node %s, because "
		    "the node is active (and maintenance mode is off)",
		    node_get(alloc, "uuid"), node_get(node, "uuid"));
		return false;
	}
	if (node_get(node, "target_provision_state") == NULL)
		return true;
	for (int i = 0; busy_ok[i] != NULL; i++)
		ok = ok || same(ps, busy_ok[i]);
	if (!ok)
		ierr_set(e, IG_ECONFLICT, "Cannot remove allocation %s for node %s, because "
		    "the node is in state %s where updates are not allowed (and "
		    "maintenance mode is off)", node_get(alloc, "uuid"),
		    node_get(node, "uuid"), ps);
	return ok;
}

int
cond_allocation_delete(json_t *alloc, struct ierr *e)
{
	const char *uuid = node_get(alloc, "uuid"), *nu = node_get(alloc, "node_uuid");
	struct store *s = store_thread();
	json_t *node;
	int rc = -1;

	if (nu == NULL || (node = node_lock_reload(nu, e)) == NULL) {
		if (nu != NULL && e->code != IG_ENOTFOUND)
			return -1;	/* locked */
		if (store_delete(s, &model_allocation, uuid) != STORE_OK) {
			ierr_set(e, IG_ENOTFOUND, "Allocation %s could not be found.", uuid);
			return -1;
		}
		return 0;
	}
	if (may_free(node, alloc, e)) {
		if (same(node_get(node, "instance_uuid"), uuid))
			node_set(node, "instance_uuid", NULL);
		node_set(node, "allocation_uuid", NULL);
		if (store_begin(s) == 0 && store_delete(s, &model_allocation, uuid) == STORE_OK &&
		    node_save(node, e) == 0 && store_commit(s) == 0) {
			log_info("allocation %s of node %s deleted", uuid, nu);
			rc = 0;
		} else {
			store_rollback(s);
			ierr_set(e, IG_EINTERNAL, "could not delete allocation %s", uuid);
		}
	}
	node_unlock(nu);
	json_decref(node);
	return rc;
}

void
allocation_release_node(json_t *node)
{
	const char *a = node_get(node, "allocation_uuid");

	if (a == NULL)
		return;
	if (store_delete(store_thread(), &model_allocation, a) == STORE_OK)
		log_info("allocation %s freed with its node's instance", a);
	node_set(node, "allocation_uuid", NULL);
}

static void
delete_where(const char *field, const char *value, const char *state)
{
	struct store_query sq = { .nfilters = 1 };
	json_t *v = json_string(value), *list, *a;
	char err[128];
	size_t i;

	sq.filters[0] = (struct store_filter){ field, SO_EQ, v, NULL, NULL };
	list = store_list(store_thread(), &model_allocation, &sq, err, sizeof(err));
	json_array_foreach(list, i, a) {
		if (state != NULL) {
			failed(a, "the conductor stopped while it was being processed");
			continue;
		}
		store_delete(store_thread(), &model_allocation, node_get(a, "uuid"));
	}
	json_decref(list);
	json_decref(v);
}

void
allocation_forget_node(const char *node_uuid)
{
	delete_where("node_uuid", node_uuid, NULL);
}

void
allocation_recover(void)
{
	delete_where("state", "allocating", "error");
}
