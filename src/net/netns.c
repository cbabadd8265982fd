/* A DHCP server's namespace, OVS internal port and addresses (netns.h). */
#include <stdio.h>
#include <unistd.h>

#include "netns.h"
#include "priv.h"

void
netns_name(int vlan, char *buf, size_t len)
{
	snprintf(buf, len, "ingot-net%d", vlan);
}

void
netns_ifname(int vlan, char *buf, size_t len)
{
	snprintf(buf, len, "ingot%d", vlan);
}

/* OVS creates the internal port's link a moment after add-port returns. */
static void
wait_link(const char *ns, const char *ifn)
{
	for (int i = 0; i < 50 && priv_link_find(NULL, ifn) != 0 &&
	    priv_link_find(ns, ifn) != 0; i++)
		usleep(20000);
}

int
netns_plumb(int vlan, const char *addr, const char *net, char *err, size_t len)
{
	char ns[32], ifn[32], ula[64];

	netns_name(vlan, ns, sizeof(ns));
	netns_ifname(vlan, ifn, sizeof(ifn));
	snprintf(ula, sizeof(ula), "fd00:%x::1/64", vlan);
	priv_netns_add(ns);
	if (priv_ovs_port_add(ifn, vlan) != 0) {
		snprintf(err, len, "network %s: cannot add OVS internal port %s to "
		    "the bridge", net, ifn);
		return -1;
	}
	/* The tag may have changed with the network's VLAN. */
	priv_ovs_port_tag(ifn, vlan);
	wait_link(ns, ifn);
	priv_link_move(ifn, ns);
	priv_link_up(ns, "lo");
	priv_addr_flush(ns, ifn);
	if (priv_addr_add(ns, ifn, addr) != 0 || priv_link_up(ns, ifn) != 0) {
		snprintf(err, len, "network %s: cannot configure %s in namespace %s",
		    net, ifn, ns);
		return -1;
	}
	priv_addr_add(ns, ifn, ula);
	/* The userspace switch does not fix up offloaded checksums. */
	priv_offload_off(ns, ifn);
	return 0;
}

void
netns_unplumb(int vlan)
{
	char ns[32], ifn[32];

	netns_name(vlan, ns, sizeof(ns));
	netns_ifname(vlan, ifn, sizeof(ifn));
	priv_ovs_port_del(ifn);
	priv_netns_del(ns);
}
