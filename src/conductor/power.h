/* Power and management actions on a node (API side and the worker's). */
#ifndef INGOT_POWER_H
#define INGOT_POWER_H

#include <jansson.h>

/* The worker's half of PUT /states/power (lock held). */
void	 power_work(json_t *node, json_t *args);

#endif
