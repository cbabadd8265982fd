/*
 * The "agent" inspect interface (inspect_agent.c): Ironic's in-band
 * inspection with the deploy ramdisk, and what the agent's
 * POST /v1/continue_inspection does.
 */
#ifndef INGOT_INSPECT_AGENT_H
#define INGOT_INSPECT_AGENT_H

#include <jansson.h>
#include <stdbool.h>

#include "hw.h"
#include "ierr.h"
#include "inspect_data.h"

extern const struct hw_generic_ops inspect_agent_ops;
void	 inspect_agent_configure(const struct inspect_limits *l);
/* The node inspects through its agent (timeouts apply in inspect wait). */
bool	 inspect_agent_used(json_t *node);

/*
 * Applies stored inspection data (a node_inventories row) to a locked
 * node: properties, ports (created for new NICs), LLDP, then the
 * inspection rules; the row's plugin data gains root_disk, parsed_lldp,
 * lldp_mismatch and is stored.  0, or -1 with err (the caller fails the
 * node; the node is not saved here).
 */
int	 inspect_agent_apply_data(json_t *node, json_t *row, char *err, size_t len);

/* Every refused post gets this 404: unknown MACs, nodes in other states
 * and UUIDs that do not match the MACs are not told apart. */
#define INSPECT_NOT_FOUND	"No node awaiting inspection data matches the inventory."

#endif
