/*
 * DHCP per network, the pattern of Neutron's DHCP agent: for each network
 * with a CIDR and a DHCP range, an OVS internal port tagged with the
 * network's VLAN is moved into a namespace named after the network, and a
 * dnsmasq, child of ingotd, serves it.  Only known MACs are answered: each
 * node port gets a host entry (a fixed address) in the network's
 * dhcp-hostsdir.  On the provisioning network dnsmasq also serves TFTP
 * (iPXE binaries) and sends iPXE clients to ingotd's HTTP.
 */
#ifndef INGOT_DHCP_H
#define INGOT_DHCP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct dhcp_conf {
	bool		 enabled;
	const char	*ovsdb;		/* ovs-vsctl --db= value */
	const char	*bridge;	/* OVS bridge of the internal ports */
	const char	*dnsmasq;	/* program */
	const char	*state_dir;	/* configs, hosts, leases, logs */
	const char	*tftp_root;	/* holds undionly.kpxe, ipxe.efi */
	int		 http_port;	/* ingotd's port for iPXE and agents */
	bool		 tls;		/* that port serves HTTPS */
	bool		 discovery;	/* provisioning: answer unknown MACs too */
	bool		 tenant_sanboot; /* tenant iPXE clients: /sanboot.ipxe */
};

int	dhcp_init(const struct dhcp_conf *c, char *err, size_t len);
void	dhcp_shutdown(void);
bool	dhcp_enabled(void);
/* Starts, restarts or stops the network's server to match the record. */
int	dhcp_network_sync(json_t *network, bool deleted, char *err, size_t len);
/* The network's host entries (the database's dhcp_hosts) rendered into the
 * hostsdir of its server, if this ingotd runs it (removed ones: a reload). */
void	dhcp_hosts_render(json_t *network);
/* The VLANs whose servers this ingotd runs (up to max; how many), and
 * stopping one of them (its network is gone or served elsewhere). */
int	dhcp_served_vlans(int *out, int max);
void	dhcp_vlan_stop(int vlan);
/* Whether this ingotd runs the network's server. */
bool	dhcp_serves(json_t *network);
/* Host entries (in the database, shared by every conductor): a fixed address for mac on the network; ip may be NULL. */
int	dhcp_host_add(json_t *network, const char *mac, char *ip, size_t iplen,
	    char *err, size_t len);
/* The same with a fixed address want (NULL: a free one of the range);
 * -1 when another host entry holds want. */
int	dhcp_host_add_ip(json_t *network, const char *mac, const char *want,
	    char *ip, size_t iplen, char *err, size_t len);
int	dhcp_host_remove(json_t *network, const char *mac);
/* Ends mac's lease of ip on the network now (dnsmasq's dhcp_release),
 * so that the address can go to another MAC at once. */
int	dhcp_lease_release(json_t *network, const char *mac, const char *ip);
/* The fixed address mac's host entry holds on the network; -1: none. */
int	dhcp_host_ip(json_t *network, const char *mac, char *ip, size_t iplen);
/* The MAC whose host entry on the network holds ip (normalised); -1: none. */
int	dhcp_host_mac(json_t *network, const char *ip, char *mac, size_t maclen);
/* The server's own address on a network (for URLs), or NULL. */
const char *dhcp_server_ip(json_t *network, char *buf, size_t len);
/* The network namespace of a network's DHCP server. */
void	dhcp_netns_name(json_t *network, char *buf, size_t len);

#endif
