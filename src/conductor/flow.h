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

/*
 * The worker handlers (args: the request's extra members, e.g.
 * clean_steps).  Each moves the node on (done, wait or fail, the failure
 * recorded in last_error) and returns 0; -1 with e only when it could not
 * record that (cond_transition failed), which the worker logs.
 */
typedef int flow_fn(json_t *node, json_t *args, struct ierr *e);
flow_fn	 flow_verify, flow_adopt, flow_clean, flow_deploy, flow_tear_down,
	 flow_inspect, flow_rescue, flow_unrescue, flow_recover, flow_service;
/* service.c: checks a service verb's service_steps against the node's
 * interfaces and keeps them for flow_service; -1 with e (IG_EINVAL). */
int	 service_plan(json_t *node, json_t *steps, struct ierr *e);

/* Shared by the flows. */
int	 flow_validate(json_t *node, bool deploy, char *err, size_t len);
void	 flow_clear_instance(json_t *node);
/* NULL for HW_STEP_DONE, else fail_fmt with err (thread-local buffer). */
const char *flow_step_result(json_t *node, enum hw_step r, const char *err,
	    const char *fail_fmt);
/* Fails the node with msg, its switch ports isolated (as cond_transition). */
IG_MUST_CHECK int flow_fail_isolated(json_t *node, const char *msg, struct ierr *e);
bool	 flow_automated_clean(json_t *node);
/* bios_steps.c: the bios interface's clean steps (apply_configuration).
 * check: 0, or -1 with err for a malformed one.  run: applies them (the
 * node rebooted, the settings read back) and gives the other steps in
 * *rest (NULL for NULL steps: automated cleaning); -1 with err. */
int	 bios_steps_check(json_t *steps, char *err, size_t len);
int	 bios_steps_run(json_t *node, json_t *steps, json_t **rest, char *err,
	    size_t len);
/* Runs cleaning for a node in state "cleaning"; fires done/wait/fail. */
IG_MUST_CHECK int flow_run_cleaning(json_t *node, json_t *steps, struct ierr *e);

#endif
