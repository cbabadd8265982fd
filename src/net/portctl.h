/*
 * The conductor's view of the switches: put a switch port on VLANs.
 * switch_id and port_id come from a node port's local_link_connection.
 * A port with native_vlan 0 and no trunks is isolated; native_vlan 0 with
 * trunks is a tagged-only trunk (an uplink).  Implemented over
 * the switch drivers in src/net/switch when they are built in; without
 * them every call fails with a clear message.
 */
#ifndef INGOT_PORTCTL_H
#define INGOT_PORTCTL_H

#include <stdbool.h>
#include <stddef.h>

#define PORTCTL_MAX_VLANS 1024

int	portctl_set(const char *switch_id, const char *switch_info,
	    const char *port_id, int native_vlan, const int *trunks, int ntrunks,
	    char *err, size_t errlen);
/* Reads back the port; native_vlan 0 when isolated. */
int	portctl_get(const char *switch_id, const char *switch_info,
	    const char *port_id, int *native_vlan, int *trunks, int *ntrunks,
	    char *err, size_t errlen);
bool	portctl_available(void);
/* The name of the configured switch switch_id (else switch_info) names. */
const char *portctl_switch_name(const char *switch_id, const char *switch_info);
/* The port's switch is configured and Ingot may manage the port. */
int	portctl_check(const char *switch_id, const char *switch_info,
	    const char *port_id, char *err, size_t errlen);

#endif
