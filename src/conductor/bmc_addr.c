/*
 * BMC addresses from discovery (bmc_addr.h).
 */
#include <stdio.h>
#include <string.h>

#include "bmc_addr.h"
#include "cidr.h"

#define MAX_NETWORKS	64

static const struct cidr never[] = {
	{ 0x00000000, 8 },	/* "this network" */
	{ 0x7f000000, 8 },	/* loopback */
	{ 0xa9fe0000, 16 },	/* link-local */
	{ 0xe0000000, 4 },	/* multicast */
	{ 0xf0000000, 4 },	/* reserved, broadcast */
};

/* The comma-separated networks into nets; their count, or -1. */
static int
parse_networks(const char *s, struct cidr *nets, int max)
{
	char buf[32];
	int n = 0;

	while (*s != '\0') {
		size_t l = strcspn(s, ",");
		while (*s == ' ' && l > 0)
			s++, l--;
		while (l > 0 && s[l - 1] == ' ')
			l--;
		if (l == 0 || l >= sizeof(buf) || n == max)
			return -1;
		memcpy(buf, s, l);
		buf[l] = '\0';
		if (!cidr_parse(buf, 0, 32, &nets[n++]))
			return -1;
		s += strcspn(s, ",");
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	return n;
}

int
bmc_networks_check(const char *networks, char *err, size_t len)
{
	struct cidr nets[MAX_NETWORKS];

	if (networks == NULL || parse_networks(networks, nets, MAX_NETWORKS) >= 0)
		return 0;
	snprintf(err, len, "[inspection] discovery_bmc_networks '%.200s' is not a "
	    "comma-separated list of at most %d a.b.c.d/n networks", networks,
	    MAX_NETWORKS);
	return -1;
}

bool
bmc_addr_allowed(const char *ip, const char *networks, char *why, size_t len)
{
	struct cidr nets[MAX_NETWORKS];
	uint32_t a;
	int n = parse_networks(networks ? networks : "", nets, MAX_NETWORKS);

	if (ip == NULL || !ip4_parse(ip, &a)) {
		snprintf(why, len, "not an IPv4 address");
		return false;
	}
	if (a == 0 || a == 0xffffffffu) {
		snprintf(why, len, "an unspecified or broadcast address");
		return false;
	}
	for (int i = 0; i < n; i++)
		if (cidr_contains(&nets[i], a))
			return true;
	if (n != 0) {
		snprintf(why, len, "outside [inspection] discovery_bmc_networks");
		return false;
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (cidr_contains(&never[i], a)) {
			snprintf(why, len, "a loopback, link-local, multicast or "
			    "reserved address");
			return false;
		}
	return true;
}
