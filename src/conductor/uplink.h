/*
 * Uplinks and VM members (docs/vm-connectivity.md).
 *
 * An uplink is a switch port that leads to infrastructure: a hypervisor's
 * virtual switch, a router, a firewall.  Ingot keeps it a tagged-only
 * trunk carrying exactly
 *
 *   the VLANs of the tenant networks with a member (a VM's port) on the
 *   uplink's hypervisor, and the networks the uplink spans,
 *
 * never the provisioning or cleaning VLAN unless [network]
 * uplinks_carry_provisioning is set, never a VLAN outside the uplink's
 * allowed_vlans.  With nothing to carry the port is isolated.  Members
 * get a DHCP host entry on their network like attached node ports.
 */
#ifndef INGOT_UPLINK_H
#define INGOT_UPLINK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ierr.h"

/* [network] uplinks_carry_provisioning and max_members_per_network. */
void	uplink_configure(bool carry_provisioning, int max_members);
bool	uplink_carry_provisioning(void);
int	uplink_max_members(void);

/* VLAN lists "FIRST:LAST[,...]" (allowed_vlans): well formed? */
bool	uplink_ranges_valid(const char *spec);
/* vlan is in spec (NULL or "": every VLAN). */
bool	uplink_vlan_allowed(const char *spec, int vlan);

/*
 * An uplink may be stored: its switch is configured and its port one
 * Ingot may manage, and no node port or other uplink is wired there.
 */
int	cond_uplink_check(json_t *uplink, struct ierr *e);
/* The uplink wired to the switch port llc names (a reference), or NULL. */
json_t	*cond_uplink_at(json_t *llc);
/* Sets the uplink's port to what it must carry, records it in
 * internal_info (saved).  IG_EUNAVAIL when the switch fails. */
int	cond_uplink_sync(json_t *uplink, struct ierr *e);
/* The same for every uplink that leads to hypervisor. */
int	cond_uplinks_sync_hypervisor(const char *hypervisor, struct ierr *e);
/* Isolates a port an uplink no longer uses (deleted, or moved). */
int	cond_uplink_release(json_t *llc, struct ierr *e);

/*
 * A VM member joins (already checked by the API, not yet stored) or
 * leaves its network: the record, its DHCP host entry (a fixed
 * ip_address, else a free one; ip_address is filled in) and the trunks
 * of its hypervisor's uplinks change together, or nothing does.
 */
int	cond_member_add(json_t *member, json_t *network, struct ierr *e);
int	cond_member_remove(json_t *member, json_t *network, struct ierr *e);

/* Reads every uplink back and corrects it (start, periodic); fixes. */
int	uplink_reconcile_all(void);

#endif
