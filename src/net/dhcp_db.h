/*
 * DHCP host entries in the database (docs/scale-out.md, "DHCP with several
 * conductors"): table dhcp_hosts, one row per (network, MAC) and per
 * (network, address), written by whichever conductor attaches a port, read
 * by the conductor that serves the network, which renders them into its
 * dnsmasq's hostsdir.  Both unique keys hold across conductors, as the node
 * lock does.
 */
#ifndef INGOT_DHCP_DB_H
#define INGOT_DHCP_DB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* mac's address on the network (net: its UUID): 0, -1 when none. */
int	dhcp_db_ip(const char *net, const char *mac, char *ip, size_t len);
/* The MAC holding ip on the network: 0, -1 when none. */
int	dhcp_db_mac(const char *net, const char *ip, char *mac, size_t len);
/* 0: recorded; 1: another MAC holds ip (or mac has an entry); -1: error. */
int	dhcp_db_add(const char *net, const char *mac, const char *ip);
void	dhcp_db_remove(const char *net, const char *mac);
/* Marks the addresses lo..hi the network's entries hold (used[a - lo]). */
void	dhcp_db_mark(const char *net, uint32_t lo, uint32_t hi, unsigned char *used);
/* The network's host entries (rows: address, ip, ...); NULL when the
 * database failed. */
json_t	*dhcp_db_list(const char *net);

#endif
