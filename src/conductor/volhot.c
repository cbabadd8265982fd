/*
 * Volumes of an active node (conductor.h): a target other than the boot
 * volume, added to or removed from a node that is active with the iscsi
 * storage interface, is attached or detached at once, under the node's
 * lock (ACL + CHAP for the node's initiator, as at deploy).  The node's
 * OS reads the connections from its tenant network's listener
 * (GET /volumes, sanboot.c), as it reads its sanboot script.
 */
#include <stdio.h>
#include <string.h>

#include "conductor.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "node.h"
#include "store.h"
#include "volpool.h"

bool
cond_volume_hot(json_t *node, json_t *target)
{
	const char *ps = node_provision_state(node), *si = node_storage_interface(node);

	return ps != NULL && strcmp(ps, "active") == 0 && si != NULL &&
	    strcmp(si, "iscsi") == 0 && vtarget_boot_index(target) != 0;
}

int
cond_volume_hotplug(const char *uuid, const char *target_uuid, bool attach,
    struct ierr *e)
{
	json_t *node = node_lock_reload(uuid, e), *t = NULL;
	char err[512] = "";
	int rc = -1;

	if (node == NULL)
		return -1;
	t = store_get(store_thread(), &model_volume_target, "uuid", target_uuid);
	if (t == NULL || !cond_volume_hot(node, t))
		ierr_set(e, IG_ECONFLICT, "Node %s is no longer active with the iscsi "
		    "storage interface; the volume target was not %s.", uuid,
		    attach ? "attached" : "detached");
	else if ((attach ? storage_attach_target(node, t, err, sizeof(err)) :
	    storage_detach_target(node, t, err, sizeof(err))) != 0)
		ierr_set(e, attach ? IG_ECONFLICT : IG_EUNAVAIL, "Cannot %s volume target "
		    "%s: %s", attach ? "attach" : "detach", target_uuid, err);
	else {
		log_info("volume target %s %s while the node is active", target_uuid,
		    attach ? "attached" : "detached");
		rc = 0;
	}
	node_unlock(uuid);
	json_decref(t);
	json_decref(node);
	return rc;
}
