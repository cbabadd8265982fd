/*
 * DHCP duties with several conductors (docs/scale-out.md, "DHCP with
 * several conductors"): one live conductor with [dhcp] enabled serves each
 * network.  The serving conductor is recorded in dhcp_servers and keeps the
 * network while it is alive; a network without a live server goes to the
 * conductor the ring gives "network:UUID" among the live conductors with
 * [dhcp].  Every ring pass each conductor starts the servers of the
 * networks it now serves, renders their host entries from the database, and
 * stops the servers of networks it no longer serves (or that are gone).
 */
#ifndef INGOT_DHCP_OWNER_H
#define INGOT_DHCP_OWNER_H

#include <jansson.h>
#include <stdbool.h>

/* Whether this conductor serves the network; takes it over (recorded)
 * when it has no live server and the ring elects this conductor. */
bool	dhcp_owner_mine(json_t *network);
/* The pass over every network (at start and every ring pass). */
void	dhcp_owner_pass(void);

#endif
