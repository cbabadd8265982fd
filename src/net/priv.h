/*
 * priv: every action of ingotd that needs root, as a short list of named
 * operations.  Each takes only names, integers and CIDR strings, checks
 * them (interface and namespace names, VLAN ids, addresses, paths below
 * the DHCP state directory) and refuses anything else with -1 and errno
 * EINVAL; there is no way to run an arbitrary command.  Commands run
 * without a shell, with only stdin, stdout and stderr open (a dnsmasq
 * keeper also has its lifeline, dnsmasq_keeper.h).
 *
 * Today the operations run in ingotd's own process.  Because arguments
 * and results are plain values (a dnsmasq is named by an int handle), the
 * same list can become the messages to a separate privileged process
 * (see docs/architecture.md, "Privilege separation").
 */
#ifndef INGOT_PRIV_H
#define INGOT_PRIV_H

#include <stdbool.h>
#include <sys/types.h>

struct priv_conf {
	const char	*ovsdb;		/* ovs-vsctl --db= value; NULL or "": default */
	const char	*bridge;	/* the one bridge ports are added to */
	const char	*dnsmasq;	/* program */
	const char	*state_dir;	/* dnsmasq configurations lie below it */
};

/* Fixes the configuration; 0, or -1 if it is unusable. */
int	priv_init(const struct priv_conf *c);
/*
 * A child with a clean signal mask, std descriptors on /dev/null (stderr
 * kept unless quiet), no others but fd3 (>= 4) as its descriptor 3 when
 * fd3 >= 0.  path NULL: argv[0] looked up in PATH.  -1 (errno) or 0.
 */
int	priv_spawn(const char *path, const char *const argv[], bool quiet, int fd3,
	    pid_t *pid);

bool	priv_ifname_ok(const char *s);
bool	priv_netns_ok(const char *s);

int	priv_netns_add(const char *ns);
int	priv_netns_del(const char *ns);
/* An OVS internal port on the bridge, access port of vlan (1-4094). */
int	priv_ovs_port_add(const char *ifname, int vlan);
int	priv_ovs_port_tag(const char *ifname, int vlan);
int	priv_ovs_port_del(const char *ifname);
/* 0 if the link exists in ns (NULL: the host's namespace). */
int	priv_link_find(const char *ns, const char *ifname);
int	priv_link_move(const char *ifname, const char *ns);
int	priv_link_up(const char *ns, const char *ifname);
int	priv_addr_flush(const char *ns, const char *ifname);
/* cidr: an IPv4 "a.b.c.d/n" or an IPv6 "x::y/n" interface address. */
int	priv_addr_add(const char *ns, const char *ifname, const char *cidr);
/* Checksum and segmentation offloads off (the userspace switch needs it). */
int	priv_offload_off(const char *ns, const char *ifname);

/* dhcp_release in the namespace: the lease of mac on ip ends now. */
int	priv_dhcp_release(const char *ns, const char *ifname, const char *ip,
	    const char *mac);
/*
 * Starts dnsmasq in namespace ns with its configuration file conf (below
 * the state directory), under its keeper (dnsmasq_keeper.h), which stops
 * it when ingotd dies.  Returns a handle (today the keeper's pidfd:
 * readable once dnsmasq and its keeper have exited; signals sent through
 * it reach dnsmasq) and sets *pid (the keeper's), or -1.
 */
int	priv_dnsmasq_start(const char *ns, const char *conf, pid_t *pid);
/* SIGTERM, SIGKILL or SIGHUP to the dnsmasq of handle h. */
int	priv_dnsmasq_signal(int h, int sig);
/* Collects its exit: 1 with *status its exit code or minus the signal
 * that killed it; 0 if it still runs (and !block); -1. */
int	priv_dnsmasq_reap(int h, bool block, int *status);
/* Forgets the handle, once reaped. */
void	priv_dnsmasq_close(int h);

#endif
