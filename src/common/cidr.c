/* IPv4 addresses and networks in host byte order (see cidr.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "util.h"

bool
ip4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

void
ip4_str(uint32_t addr, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(addr) };

	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL && len > 0)
		buf[0] = '\0';
}

/* Splits "x<sep>y" into two NUL-terminated copies in buf. */
static bool
split(const char *s, int sep, char *buf, size_t len, char **second)
{
	char *p;

	if (s == NULL || strlen(s) >= len)
		return false;
	memcpy(buf, s, strlen(s) + 1);
	if ((p = strchr(buf, sep)) == NULL)
		return false;
	*p = '\0';
	*second = p + 1;
	return true;
}

bool
ip4_range_parse(const char *s, uint32_t *lo, uint32_t *hi)
{
	char buf[64], *last;

	if (!split(s, ',', buf, sizeof(buf), &last))
		return false;
	return ip4_parse(buf, lo) && ip4_parse(last, hi) && *lo <= *hi;
}

bool
cidr_parse(const char *s, int min_bits, int max_bits, struct cidr *out)
{
	char buf[64], *len;
	long bits;

	if (min_bits < 0 || max_bits > 32 || !split(s, '/', buf, sizeof(buf), &len))
		return false;
	if (!ip4_parse(buf, &out->addr) || !util_parse_int(len, min_bits, max_bits, &bits))
		return false;
	out->bits = (int)bits;
	return true;
}

uint32_t
cidr_mask(const struct cidr *c)
{
	return c->bits == 0 ? 0 : 0xffffffffu << (32 - c->bits);
}

uint32_t
cidr_network(const struct cidr *c)
{
	return c->addr & cidr_mask(c);
}

uint32_t
cidr_broadcast(const struct cidr *c)
{
	return cidr_network(c) | ~cidr_mask(c);
}

bool
cidr_is_network(const struct cidr *c)
{
	return c->addr == cidr_network(c);
}

bool
cidr_contains(const struct cidr *c, uint32_t addr)
{
	return (addr & cidr_mask(c)) == cidr_network(c);
}

bool
cidr_is_host(const struct cidr *c, uint32_t addr)
{
	return cidr_contains(c, addr) && addr != cidr_network(c) &&
	    addr != cidr_broadcast(c);
}

bool
cidr_nth(const struct cidr *c, uint32_t n, uint32_t *out)
{
	if (n > (uint32_t)~cidr_mask(c))
		return false;
	*out = cidr_network(c) + n;
	return true;
}
