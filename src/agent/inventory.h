/* The machine's inventory in IPA's shape (inventory.c). */
#ifndef INGOT_AGENT_INVENTORY_H
#define INGOT_AGENT_INVENTORY_H

#include <jansson.h>

/* test_disk: the --disk file; macs: the NICs to list (none: every NIC). */
json_t	*inventory_json(const char *test_disk, const char **macs, int nmacs);
/* Fills each interface's lldp from {ifname: IPA's lldp list}. */
void	 inventory_set_lldp(json_t *inv, json_t *by_ifname);

#endif
