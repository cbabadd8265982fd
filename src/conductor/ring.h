/*
 * Conductors sharing one database: who is alive and which conductor owns
 * which node.  A conductor is alive while its heartbeat (conductors.
 * updated_at) is younger than [conductor] heartbeat_timeout.  Nodes map to
 * the live conductors of their conductor_group by a consistent hash ring
 * (RING_POINTS virtual points per conductor whose role is all or conductor,
 * none for API-only processes, which own no nodes; when one joins or
 * leaves, only its share of the nodes moves).  The membership is read from the
 * conductors table (ring_refresh, every heartbeat); the ring pass
 * (takeover.c) writes each node's owner into nodes.conductor.
 */
#ifndef INGOT_RING_H
#define INGOT_RING_H

#include <stdbool.h>
#include <stddef.h>

#define RING_POINTS	128

/* self: this conductor (always alive to itself); dead_after: seconds. */
void	ring_configure(const char *self, int dead_after);
int	ring_dead_after(void);
/* Reads the conductors table; -1 when it cannot be read (ring unchanged). */
int	ring_refresh(void);
/* The live conductor the ring gives the node to; false when its group has
 * no live conductor. */
bool	ring_owner(const char *group, const char *uuid, char *out, size_t len);
bool	ring_alive(const char *host);
/* The API URL a live conductor registered; false when unknown or dead. */
bool	ring_url(const char *host, char *out, size_t len);
/* DHCP (docs/scale-out.md): the live conductor with [dhcp] enabled that
 * the ring gives key ("network:UUID"), whatever its group; false: none. */
bool	ring_dhcp_owner(const char *key, char *out, size_t len);
/* Whether host is alive and may serve DHCP. */
bool	ring_serves_dhcp(const char *host);
/* Conductors registered but not alive (and not this one): up to max names,
 * each of len bytes; returns how many. */
int	ring_dead(char (*out)[128], int max);

#endif

/*
 * The ring pass (takeover.c), every heartbeat: refreshes the ring, releases
 * the node locks of dead conductors and writes this conductor into
 * nodes.conductor of the nodes of its group the ring gives it.  A node taken
 * from a dead conductor (or from none) is locked first and recovered as a
 * restart recovers its own (periodic_recover_node).
 */
void	takeover_pass(void);
