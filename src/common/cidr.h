/*
 * IPv4 addresses and networks, in host byte order: the one parser of
 * "a.b.c.d/n" and "FIRST,LAST" ranges for the API's validation and the
 * DHCP servers' configuration.
 */
#ifndef INGOT_CIDR_H
#define INGOT_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t	addr;		/* as written, host bits included */
	int		bits;		/* prefix length, 0 to 32 */
};

/* "a.b.c.d" (exactly, as inet_pton reads it); false on anything else. */
bool		ip4_parse(const char *s, uint32_t *out);
/* Dotted quad into buf (at least 16 bytes). */
void		ip4_str(uint32_t addr, char *buf, size_t len);
/* "FIRST,LAST": two addresses, lo <= hi. */
bool		ip4_range_parse(const char *s, uint32_t *lo, uint32_t *hi);

/* "a.b.c.d/n" with n from min_bits to max_bits. */
bool		cidr_parse(const char *s, int min_bits, int max_bits,
		    struct cidr *out);
uint32_t	cidr_mask(const struct cidr *c);
uint32_t	cidr_network(const struct cidr *c);
uint32_t	cidr_broadcast(const struct cidr *c);
/* No host bits set: the CIDR names a network, not an interface address. */
bool		cidr_is_network(const struct cidr *c);
bool		cidr_contains(const struct cidr *c, uint32_t addr);
/* In the network and neither its network nor its broadcast address. */
bool		cidr_is_host(const struct cidr *c, uint32_t addr);
/* The n-th address of the network (1: the first host); false past its end. */
bool		cidr_nth(const struct cidr *c, uint32_t n, uint32_t *out);

#endif
