/*
 * The conductor's flows: one handler per active state (fsm.def's "work"
 * column), run by a worker with the node's lock held, and what they share.
 */
#ifndef INGOT_FLOW_H
#define INGOT_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "drivers.h"
#include "hw.h"
#include "node.h"

/* The worker handlers (args: the request's extra members, e.g. clean_steps). */
void	 flow_verify(json_t *node, json_t *args);
void	 flow_adopt(json_t *node, json_t *args);
void	 flow_clean(json_t *node, json_t *args);
void	 flow_deploy(json_t *node, json_t *args);
void	 flow_tear_down(json_t *node, json_t *args);
void	 flow_inspect(json_t *node, json_t *args);
void	 flow_rescue(json_t *node, json_t *args);
void	 flow_unrescue(json_t *node, json_t *args);

/* Shared by the flows. */
int	 flow_validate(json_t *node, bool deploy, char *err, size_t len);
void	 flow_clear_instance(json_t *node);
/* NULL for HW_STEP_DONE, else fail_fmt with err (thread-local buffer). */
const char *flow_step_result(json_t *node, enum hw_step r, const char *err,
	    const char *fail_fmt);
void	 flow_fail_isolated(json_t *node, const char *msg);
bool	 flow_automated_clean(json_t *node);
/* Runs cleaning for a node in state "cleaning"; fires done/wait/fail. */
void	 flow_run_cleaning(json_t *node, json_t *steps);

#endif
