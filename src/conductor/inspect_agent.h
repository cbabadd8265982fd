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

/* Every refused post gets this 404: unknown MACs, nodes in other states
 * and UUIDs that do not match the MACs are not told apart. */
#define INSPECT_NOT_FOUND	"No node awaiting inspection data matches the inventory."

#endif
