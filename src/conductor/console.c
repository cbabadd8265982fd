/*
 * Serial consoles (Ironic's set_console_mode / get_console_information):
 * the node's console_enabled, kept in the database, says whether its
 * session runs in the console server (src/console/); it is changed under
 * the node's lock and survives a restart (console_restore).
 */
#include "console.h"

#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "log.h"
#include "model.h"
#include "node.h"
#include "ring.h"
#include "scon.h"
#include "store.h"

/* The node's console row, or NULL with e (Ironic: 400). */
static const struct hw_console_ops *
console_ops(json_t *node, struct ierr *e)
{
	const char *impl = drv_iface(node, HW_IF_CONSOLE);
	const struct hw_console_ops *c = hw_console_find(impl);

	if (c == NULL)
		ierr_set(e, IG_EUNSUPPORTED, "Driver %s does not support console "
		    "(disabled or not implemented).", node_get(node, "driver"));
	return c;
}

static int
console_check(json_t *node, const struct hw_console_ops *c, struct ierr *e)
{
	char err[512] = "", msg[600];

	if (c->base.validate != NULL && c->base.validate(node, err, sizeof(err)) != 0) {
		hw_scrub_bmc(json_object_get(node, "driver_info"), err, msg, sizeof(msg));
		ierr_set(e, IG_EINVAL, "Failed to validate console interface: %s", msg);
		return -1;
	}
	if (!scon_enabled()) {
		ierr_set(e, IG_EUNAVAIL, "The console service is off on conductor %s "
		    "([console] raw_port and websocket_port are 0).", cond_host_name);
		return -1;
	}
	return 0;
}

static int
console_apply(json_t *node, const struct hw_console_ops *c, bool on, struct ierr *e)
{
	const char *uuid = node_uuid(node);
	char err[300];

	if (on && scon_session_open(uuid, c, node, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EUNAVAIL, "Failed to start the console: %s", err);
		return -1;
	}
	if (!on)
		scon_session_close(uuid);
	json_object_set_new(node, "console_enabled", json_boolean(on));
	json_object_set_new(node, "last_error", json_null());
	if (node_save(node, e) != 0) {
		if (on)
			scon_session_close(uuid);
		return -1;
	}
	node_history(node, "INFO", "console", on ? "console enabled" : "console disabled");
	return 0;
}

int
cond_console_set(json_t *in, bool on, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	const struct hw_console_ops *c;
	json_t *node;
	int rc = -1;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if ((c = console_ops(node, e)) != NULL && console_check(node, c, e) == 0) {
		if (json_is_true(json_object_get(node, "console_enabled")) == on)
			rc = 0;		/* as Ironic: nothing to do, still 202 */
		else
			rc = console_apply(node, c, on, e);
	}
	node_unlock(uuid);
	json_decref(node);
	return rc;
}

json_t *
cond_console_get(json_t *node, struct ierr *e)
{
	const struct hw_console_ops *c = console_ops(node, e);
	char err[300];
	json_t *info;

	if (c == NULL)
		return NULL;
	if (!json_is_true(json_object_get(node, "console_enabled")))
		return json_pack("{s:b, s:n}", "console_enabled", 0, "console_info");
	if ((info = scon_info(node_uuid(node), c->type, err, sizeof(err))) == NULL) {
		ierr_set(e, IG_EUNAVAIL, "Failed to get the console: %s", err);
		return NULL;
	}
	return json_pack("{s:b, s:o}", "console_enabled", 1, "console_info", info);
}

char *
cond_console_log(json_t *node, size_t *len, struct ierr *e)
{
	char *out = scon_log_read(node_uuid(node), len);

	if (out == NULL)
		ierr_set(e, IG_ENOTFOUND, "No console output was kept for node %s.",
		    node_uuid(node));
	return out;
}

/* Ours, in the hash ring of conductors (always when alone). */
static bool
console_mine(json_t *node)
{
	char owner[256];
	const char *g = node_get(node, "conductor_group");

	return !ring_owner(g ? g : "", node_uuid(node), owner, sizeof(owner)) ||
	    strcmp(owner, cond_host_name) == 0;
}

void
console_restore(void)
{
	struct store_query q = { .nfilters = 1 };
	char err[300];
	json_t *list, *n, *t = json_true();
	size_t i;

	q.filters[0] = (struct store_filter){ "console_enabled", SO_EQ, t, NULL, NULL };
	list = store_list(store_thread(), &model_node, &q, err, sizeof(err));
	json_decref(t);
	json_array_foreach(list, i, n) {
		const struct hw_console_ops *c = hw_console_find(drv_iface(n, HW_IF_CONSOLE));
		if (c == NULL || !console_mine(n))
			continue;
		if (scon_session_open(node_uuid(n), c, n, err, sizeof(err)) != 0)
			log_warn("console of node %s not restarted: %s", node_uuid(n), err);
		else
			log_info("console of node %s restarted", node_uuid(n));
	}
	json_decref(list);
}
