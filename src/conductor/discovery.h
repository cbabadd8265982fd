/*
 * Discovery of unknown machines (Ironic's auto discovery, MAAS's
 * enlistment): an inventory posted to POST /v1/continue_inspection from
 * MACs no port and no VM member has becomes a new node in "enroll", with
 * its ports, LLDP switch ports, properties and the inspection rules
 * applied (discovery.c).
 */
#ifndef INGOT_DISCOVERY_H
#define INGOT_DISCOVERY_H

#include <jansson.h>
#include <stdbool.h>

#include "ierr.h"

struct discovery_conf {
	bool		 enabled;
	const char	*driver;	/* hardware type of new nodes */
	int		 per_minute;	/* new nodes a minute, at most */
	int		 max_enroll;	/* none while this many are in enroll */
	const char	*bmc_networks;	/* BMC addresses allowed (bmc_addr.h) */
};

void	 discovery_configure(const struct discovery_conf *c);
bool	 discovery_enabled(void);
/* No MAC of the inventory is a port's or a VM member's. */
bool	 discovery_unknown(json_t *inventory);
/*
 * Enrols the machine of a checked inspection body: one node per unknown
 * machine, whatever the concurrency (the ports' MACs are unique in the
 * database: a second post of the same MACs finds them taken and gets the
 * same 404 as any refused post).  The 202 body, or NULL with e: 404, or
 * 503 when over [inspection] discovery_rate / discovery_max_enroll.
 */
json_t	*discovery_enrol(json_t *body, struct ierr *e);

#endif
