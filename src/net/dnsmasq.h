/*
 * The dnsmasq processes, one per network (named by its VLAN), children of
 * ingotd.  A supervisor thread sleeps in epoll_wait on their pidfds and
 * wakes only when one exits: it logs the death and restarts the server,
 * unless it died more than five times in a row within 5 s of its start.
 * Processes are started, signalled and reaped through priv.h.
 */
#ifndef INGOT_DNSMASQ_H
#define INGOT_DNSMASQ_H

#include <stdbool.h>
#include <stddef.h>

int	dnsmasq_init(void);
/* Stops the supervisor; servers still running are left to the caller. */
void	dnsmasq_shutdown(void);
/* Whether a server for vlan runs or one more could start. */
bool	dnsmasq_has_room(int vlan);
/*
 * Starts (or restarts) the server of vlan, in namespace ns, with the
 * configuration file conf; name is the network's, for messages.
 */
int	dnsmasq_start(int vlan, const char *name, const char *ns, const char *conf,
	    char *err, size_t len);
/* SIGTERM, SIGKILL after 2 s; forgets the server.  1 if there was one. */
int	dnsmasq_stop(int vlan);
/* Whether this ingotd runs (or restarts) a server for vlan. */
bool	dnsmasq_serves(int vlan);
/* The VLANs of the servers this ingotd runs: up to max, returns how many. */
int	dnsmasq_vlans(int *out, int max);
/* SIGHUP: dnsmasq rereads its hostsdir (needed for removed entries). */
void	dnsmasq_reload(int vlan);
/* A server whose network is name but whose VLAN is not vlan; else 0. */
int	dnsmasq_stale(const char *name, int vlan);
/* The VLAN of any server, 0 if none is left. */
int	dnsmasq_any(void);

#endif
