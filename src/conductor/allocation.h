/*
 * Allocations inside the conductor (the API's door is conductor.h): what
 * the flows call when a node's instance goes away.
 */
#ifndef INGOT_ALLOCATION_H
#define INGOT_ALLOCATION_H

#include <jansson.h>

/* The node (its lock held) loses its allocation, if any: the row is
 * deleted and allocation_uuid cleared; the caller saves the node. */
void	allocation_release_node(json_t *node);
/* Deletes every allocation of a node being deleted. */
void	allocation_forget_node(const char *node_uuid);
/* At start: allocations a crash left "allocating" become "error". */
void	allocation_recover(void);

#endif
