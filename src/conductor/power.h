/* Power and management actions on a node (API side and the worker's). */
#ifndef INGOT_POWER_H
#define INGOT_POWER_H

#include <jansson.h>

#include "ierr.h"

/* The worker's half of PUT /states/power (lock held). */
/* The power task (args: target, timeout); 0, or -1 with e when the
 * outcome could not be recorded. */
int	 power_work(json_t *node, json_t *args, struct ierr *e);

#endif
