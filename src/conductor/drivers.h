/* The node's drivers: its hardware type's interfaces, and power actions. */
#ifndef INGOT_DRIVERS_H
#define INGOT_DRIVERS_H

#include <jansson.h>

#include "hw.h"

/* The node's implementation name of interface i ("ipmi", "no-console"). */
const char *drv_iface(json_t *node, enum hw_iface i);
const struct hw_power_ops *drv_power(json_t *node);
const struct hw_mgmt_ops *drv_mgmt(json_t *node);
const struct hw_generic_ops *drv_generic(json_t *node, enum hw_iface which);
const char *drv_power_name(enum hw_power ps);
/* Runs a power action and records power_state (timeout 0: the default). */
int	 drv_do_power(json_t *node, enum hw_power_action act, int timeout,
	    char *err, size_t len);

/* Adds this layer's drivers (ipxe boot, direct deploy) to the registry. */
int	 drv_register_all(char *err, size_t len);

#endif
