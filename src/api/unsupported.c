/*
 * Ironic routes for what Ingot's drivers cannot do yet, answered as
 * Ironic answers for a node whose interface does not do it (the no-*
 * interfaces, every node's defaults here): 400 "does not support",
 * never a silent success.  Vendor passthru and RAID are the
 * drivers' (a row here each until one can); BIOS, NMI, boot mode and
 * secure boot are node_bmc.c's; events are accepted as Ironic's noop
 * network interface accepts them.
 */
#include <string.h>

#include "api.h"
#include "jsonutil.h"

static void
unsupported(struct req *q, struct resp *r, const char *what)
{
	const char *drv = jstr(q->obj, "driver");

	api_error(r, 400, "Driver %s does not support %s (disabled or not "
	    "implemented).", drv ? drv : q->args[0] ? q->args[0] : "", what);
}

void h_node_raid_set(struct req *q, struct resp *r) { unsupported(q, r, "raid"); }
void h_node_vendor(struct req *q, struct resp *r) { unsupported(q, r, "vendor"); }
void h_driver_vendor(struct req *q, struct resp *r) { unsupported(q, r, "vendor"); }
void h_driver_raid_props(struct req *q, struct resp *r) { unsupported(q, r, "raid"); }

/* POST /v1/events {"events": [{"event": "network.bind_port", ...}]}:
 * checked as Ironic checks them, then nothing to do (Ingot's network
 * interfaces take their ports from its own networks, not Neutron's). */
void
h_events(struct req *q, struct resp *r)
{
	static const char *const known[] = { "network.bind_port",
	    "network.unbind_port", "network.delete_port", NULL };
	json_t *ev = json_object_get(q->json, "events"), *e;
	size_t i;

	if (!json_is_array(ev) || json_array_size(ev) == 0 || json_object_size(q->json) != 1) {
		api_error(r, 400, "Invalid events: {\"events\": [...]} with at least one "
		    "event is expected.");
		return;
	}
	json_array_foreach(ev, i, e) {
		const char *name = jstr(e, "event");
		int k;
		for (k = 0; name != NULL && known[k] != NULL && strcmp(known[k], name) != 0; k++)
			;
		if (name == NULL || known[k] == NULL) {
			api_error(r, 400, "Invalid event: \"event\" must be one of "
			    "network.bind_port, network.unbind_port, network.delete_port.");
			return;
		}
	}
	api_json(r, 204, NULL);
}

void h_node_indicators(struct req *q, struct resp *r) { unsupported(q, r, "indicators"); }

/*
 * Deploy templates (1.55): Ingot has none yet (the deploy-steps work brings
 * them), so the list is empty, every one is not found, and creating one is
 * refused (400) rather than stored and ignored.
 */
