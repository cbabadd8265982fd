/*
 * Which BMC addresses a discovered machine may give itself (bmc_addr.c).
 * The address comes from the machine's agent, so from whoever controls
 * the machine; ingotd will send IPMI (and, once an operator adds them,
 * the BMC credentials) to it.  Only a dotted-quad IPv4 address is taken,
 * and by default never one of 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16,
 * 224.0.0.0/4 or 240.0.0.0/4; [inspection] discovery_bmc_networks, when
 * set, lists the only networks allowed (and may allow one of those, as the
 * lab's 127.0.0.0/8).
 */
#ifndef INGOT_BMC_ADDR_H
#define INGOT_BMC_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* networks: "" or comma-separated a.b.c.d/n; -1 and why when malformed. */
int	bmc_networks_check(const char *networks, char *err, size_t len);
/* ip may be a discovered node's BMC address; else false and why. */
bool	bmc_addr_allowed(const char *ip, const char *networks, char *why,
	    size_t len);

#endif
