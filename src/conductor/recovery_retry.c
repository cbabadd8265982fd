/*
 * Recovery retries by itself when a spare appears (docs/recovery.md).  A
 * node that waits in "recover wait" for want of a spare (fault "no spare")
 * is retried when power sync's pass finds an available node it did not
 * find the pass before: at most one waiting node per new available node,
 * at most [recovery] max_per_pass per pass (no thundering herd when a rack
 * of spares comes back), at most [recovery] auto_retries times per node
 * (a spare that never fits does not loop).  Nodes waiting for an operator
 * (manual policy, fault "awaiting recovery") are never retried: that wait
 * is the operator's decision.  The first pass after a start counts every
 * available node as new: a restart retries once more.
 */
#include "recovery.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "fsm.h"
#include "jsonutil.h"
#include "log.h"
#include "node.h"
#include "util.h"
#include "worker.h"

/* The available nodes of the previous pass. */
static struct {
	pthread_mutex_t	 mtx;
	json_t		*seen;		/* {uuid: true} */
} av = { .mtx = PTHREAD_MUTEX_INITIALIZER };

static bool
spare_like(json_t *n)
{
	const char *ps = node_provision_state(n);

	return ps != NULL && strcmp(ps, "available") == 0 && !node_in_maintenance(n) &&
	    !json_is_string(json_object_get(n, "instance_uuid"));
}

static bool
waiting(json_t *n)
{
	const char *ps = node_provision_state(n), *f = jstr(n, "fault");
	json_t *rec = json_object_get(node_driver_internal_info(n), "recovery");

	return ps != NULL && strcmp(ps, "recover wait") == 0 && f != NULL &&
	    strcmp(f, "no spare") == 0 &&
	    json_integer_value(json_object_get(rec, "retries")) < cconf.recovery.auto_retries;
}

/* One page of the pass: its available nodes go into the pass's set (the
 * first one not seen the pass before named in first, for the history, and
 * counted), its waiting nodes are kept for the end of the pass. */
void
recovery_retry_page(struct retry_pass *rp, json_t *page)
{
	json_t *n;
	size_t i;

	if (rp->now == NULL) {
		rp->now = json_object();
		rp->waiting = json_array();
	}
	pthread_mutex_lock(&av.mtx);
	json_array_foreach(page, i, n) {
		if (waiting(n))
			json_array_append(rp->waiting, n);
		if (!spare_like(n))
			continue;
		json_object_set_new(rp->now, node_uuid(n), json_true());
		if (av.seen != NULL && json_object_get(av.seen, node_uuid(n)) != NULL)
			continue;
		if (rp->fresh++ == 0)
			snprintf(rp->first, sizeof(rp->first), "%s", jstr(n, "name") ?
			    jstr(n, "name") : node_uuid(n));
	}
	pthread_mutex_unlock(&av.mtx);
}

/* Retries one waiting node under its lock; true when started. */
static bool
retry(json_t *seen, const char *spare)
{
	struct ierr e = { 0 };
	json_t *node, *rec;
	json_int_t k;
	char ev[512];

	if ((node = node_lock_reload(node_uuid(seen), &e)) == NULL)
		return false;
	log_set_node(node_uuid(node));
	rec = json_object_get(node_driver_internal_info(node), "recovery");
	if (!waiting(node) || !json_is_object(rec)) {
		node_unlock(node_uuid(node));
		json_decref(node);
		log_set_node(NULL);
		return false;
	}
	k = json_integer_value(json_object_get(rec, "retries")) + 1;
	json_object_set_new(rec, "retries", json_integer(k));
	snprintf(ev, sizeof(ev), "A new available node appeared (%.64s): recovery "
	    "retried by itself (retry %lld of %d)", spare, (long long)k,
	    cconf.recovery.auto_retries);
	node_history(node, "INFO", "recovery", ev);
	log_info("%s", ev);
	if (cond_transition(node, "recover", NULL, &e) != 0) {
		log_error("recovery: cannot retry: %s", e.msg);
		node_unlock(node_uuid(node));
	} else {
		worker_submit(flow_recover, node_uuid(node), json_pack("{s:b, s:b}",
		    "detected", !json_is_true(json_object_get(rec, "operator")),
		    "retry", 1));
	}
	json_decref(node);
	log_set_node(NULL);
	return true;
}

/* The end of the pass: its set of available nodes is the one the next
 * pass compares with; waiting nodes are retried, one per new node. */
void
recovery_retry_finish(struct retry_pass *rp)
{
	int budget = rp->fresh;
	json_t *n;
	size_t i;

	pthread_mutex_lock(&av.mtx);
	json_decref(av.seen);
	av.seen = rp->now != NULL ? rp->now : json_object();
	pthread_mutex_unlock(&av.mtx);
	rp->now = NULL;
	if (cconf.recovery.auto_retries > 0 && budget > 0) {
		if (budget > cconf.recovery.max_per_pass)
			budget = cconf.recovery.max_per_pass;
		json_array_foreach(rp->waiting, i, n) {
			if (budget == 0)
				break;
			if (retry(n, rp->first))
				budget--;
		}
	}
	json_decref(rp->waiting);
	rp->waiting = NULL;
}

/* A pass that did not read every page: nothing decided from it. */
void
recovery_retry_abandon(struct retry_pass *rp)
{
	json_decref(rp->now);
	json_decref(rp->waiting);
	rp->now = rp->waiting = NULL;
}

void
recovery_retry_waiting(json_t *all)
{
	struct retry_pass rp = { 0 };

	recovery_retry_page(&rp, all);
	recovery_retry_finish(&rp);
}
