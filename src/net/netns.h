/*
 * The network side of a network's DHCP server: a namespace, an OVS
 * internal port tagged with the network's VLAN moved into it, and the
 * server's addresses on that port.  Everything is named after the VLAN:
 * namespace ingot-net<VLAN>, port ingot<VLAN>.  Root actions go through
 * priv.h.
 */
#ifndef INGOT_NETNS_H
#define INGOT_NETNS_H

#include <stddef.h>

void	netns_name(int vlan, char *buf, size_t len);
void	netns_ifname(int vlan, char *buf, size_t len);
/*
 * Namespace, tagged internal port, addr ("a.b.c.d/n") and an IPv6 ULA
 * fd00:<vlan hex>::1/64 for router advertisements.  net names the network
 * in messages.  0, or -1 with a message in err.
 */
int	netns_plumb(int vlan, const char *addr, const char *net, char *err,
	    size_t len);
/* Removes the port and the namespace (with whatever runs in it). */
void	netns_unplumb(int vlan);

#endif
