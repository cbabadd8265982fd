/*
 * The layer below the conductor's flows: a node's fields, saving, history,
 * transitions and the node lock.  Everything that changes a node goes
 * through here; nothing here calls up into the flows.
 */
#ifndef INGOT_NODE_H
#define INGOT_NODE_H

#include <jansson.h>
#include <stdbool.h>

#include "cond_conf.h"
#include "ierr.h"
#include "model_access.h"

extern struct cond_conf cconf;		/* this conductor's settings */
extern char cond_host_name[256];	/* this conductor's name (locks) */

void	 node_set(json_t *node, const char *k, const char *v);
const char *node_get(json_t *node, const char *k);
bool	 node_in_maintenance(json_t *node);
bool	 node_same_str(json_t *a, json_t *b, const char *k);
/* Stores the node (last_error scrubbed of BMC addresses); 0, or -1 with
 * e (IG_EINTERNAL). */
IG_MUST_CHECK int node_save(json_t *node, struct ierr *e);
/* Adds a history event (scrubbed likewise). */
void	 node_history(json_t *node, const char *severity, const char *type,
	    const char *event);
/* Takes the node's lock (one atomic UPDATE); IG_ELOCKED, IG_ENOTFOUND. */
int	 node_lock(const char *uuid, struct ierr *e);
void	 node_unlock(const char *uuid);
/* Locks the node and reads it afresh; NULL with e set. */
json_t	*node_lock_reload(const char *uuid, struct ierr *e);
/* A provisioning verb was accepted: marks its start (metrics). */
void	 node_operation_start(json_t *node, const char *verb);
/*
 * Moves a node through the state machine and records it (lock held); 0,
 * or -1 with e: IG_ECONFLICT (no such transition from its state),
 * IG_EINTERNAL (not saved).  A flow that cannot record its outcome stops
 * and returns the error to the worker, which logs it.
 */
IG_MUST_CHECK int cond_transition(json_t *node, const char *event,
	    const char *last_error, struct ierr *e);

#endif
