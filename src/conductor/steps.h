/* Deploy steps: deploy templates (1.55) and user deploy_steps (1.69). */
#ifndef INGOT_STEPS_H
#define INGOT_STEPS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ierr.h"

#define STEPS_MAX	50	/* steps in one template or request */

/* Whether steps is a list of well-formed steps; err says what is wrong. */
int	 steps_check(json_t *steps, const char *what, char *err, size_t len);
/*
 * The optional deploy steps a deploy of node will run, highest priority
 * first: those of the deploy templates named by the instance's traits,
 * then the user's (user overrides a template's step of the same interface
 * and name; priority 0 disables it).  IG_EINVAL (400) for a step the node's
 * interfaces do not offer or a priority Ingot cannot honour; IG_EVERSION
 * for deploy_steps below 1.69.  NULL with e set.
 */
json_t	*steps_plan(json_t *node, json_t *user, int minor, struct ierr *e);
/* Runs the planned steps (driver_internal_info.deploy_steps_plan) in
 * order, recording each in deploy_step and the node's history; -1 with err
 * naming the step that failed. */
int	 steps_run(json_t *node, char *err, size_t len);
/* Whether the node's interface offers the step (an out-of-band step of its
 * hw_generic_ops row), and one step run: 0, or -1 with err. */
bool	 steps_offered(json_t *node, json_t *step);
int	 steps_run_one(json_t *node, json_t *step, char *err, size_t len);

#endif
