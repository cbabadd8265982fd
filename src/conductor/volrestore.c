/*
 * Re-applies the pool's exports when ingotd starts (volpool.h): tgtd
 * keeps its targets, LUNs, accounts and ACLs in memory only, so after a
 * restart of tgtd (or of the host) the nodes' volumes would be gone while
 * the records say they are attached.  Every attachment of an in-use
 * volume (a multiattach one has several) whose target id tgtd does not
 * know is exported again from its record: the same target
 * name, LUN, initiator ACL and CHAP account, so a running node's
 * initiator logs in again as before.
 */
#include <stdio.h>

#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "tgt.h"
#include "volpool_int.h"

/* 1: exported again, 0: tgtd had it, -1: failed (logged). */
static int
restore_one(json_t *vol, const char *node, json_t *ii)
{
	int tid = (int)json_integer_value(json_object_get(ii, "tid"));
	char path[600], err[256];
	int have = tid > 0 ? tgt_target_exists(tid) : -1;

	if (have == 1)
		return 0;
	if (have < 0 || volpool_path(volume_uuid(vol), path, sizeof(path)) != 0 ||
	    tgt_export(tid, jstr(ii, "target_iqn"), path, jstr(ii, "initiator"),
	    jstr(ii, "auth_username"), jstr(ii, "auth_password"), err, sizeof(err)) != 0) {
		log_error("volume %s (attached to node %s): cannot export it again: %s",
		    volume_uuid(vol), node, have < 0 ?
		    "tgtd does not answer, or no target id" : err);
		return -1;
	}
	log_info("volume %s exported again as target %d for node %s", volume_uuid(vol),
	    tid, node);
	return 1;
}

void
volpool_restore_exports(void)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string("in-use"), *l, *vol;
	int n = 0, bad = 0, r;
	char err[128];
	size_t i;

	if (!vp.on) {
		json_decref(v);
		return;
	}
	q.filters[0] = (struct store_filter){ "status", SO_EQ, v, NULL, NULL };
	l = store_list(store_thread(), &model_volume, &q, err, sizeof(err));
	json_decref(v);
	pthread_mutex_lock(&vp.mtx);
	json_array_foreach(l, i, vol) {
		const char *node;
		json_t *ii;
		if (json_array_size(volume_attachments(vol)) != volattach_count(vol)) {
			volattach_sync(vol);	/* a record from before multi-attach */
			(void)store_update(store_thread(), &model_volume, vol, err,
			    sizeof(err));
		}
		json_object_foreach(volattach_all(vol), node, ii) {	/* each node's */
			if ((r = restore_one(vol, node, ii)) > 0)
				n++;
			else if (r < 0)
				bad++;
		}
	}
	pthread_mutex_unlock(&vp.mtx);
	if (n > 0 || bad > 0)
		log_info("volume pool: %d export(s) re-applied, %d failed", n, bad);
	json_decref(l);
}
