/*
 * The BMC's LAN configuration as the agent reads it through the IPMI
 * device (src/agent/bmc_lan.c: answers parsed, channels walked as
 * ipmitool and IPA do) and the addresses discovery takes from it
 * (src/conductor/bmc_addr.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "bmc_addr.h"
#include "bmc_lan.h"

static void
parsers(void **state)
{
	const uint8_t lan[] = { 0x00, 0x01, 0x04, 0x01, 0x80, 0xf2, 0x1b, 0x00, 0, 0 };
	const uint8_t lan_other[] = { 0x00, 0x02, 0x06, 0x01 };
	const uint8_t ipmb[] = { 0x00, 0x00, 0x01, 0x01 };
	const uint8_t failed[] = { 0xcc, 0x01, 0x04, 0x01 };
	const uint8_t ip[] = { 0x00, 0x11, 192, 0, 2, 45 };
	const uint8_t zero_ip[] = { 0x00, 0x11, 0, 0, 0, 0 };
	const uint8_t mac[] = { 0x00, 0x11, 0x52, 0x54, 0x00, 0xbe, 0xef, 0x01 };
	const uint8_t src_static[] = { 0x00, 0x11, 0x01 }, src_dhcp[] = { 0x00, 0x11, 0x02 };
	const uint8_t src_none[] = { 0x00, 0x11, 0x00 }, src_bad[] = { 0x00, 0x11, 0x0f };
	char out[18];

	(void)state;
	assert_true(bmc_lan_is_lan(lan, sizeof(lan)));
	assert_true(bmc_lan_is_lan(lan_other, sizeof(lan_other)));
	assert_false(bmc_lan_is_lan(ipmb, sizeof(ipmb)));
	assert_false(bmc_lan_is_lan(failed, sizeof(failed)));
	assert_false(bmc_lan_is_lan(lan, 2));			/* short */
	assert_true(bmc_lan_parse_ip(ip, sizeof(ip), out));
	assert_string_equal(out, "192.0.2.45");
	assert_false(bmc_lan_parse_ip(zero_ip, sizeof(zero_ip), out));
	assert_string_equal(out, "");
	assert_false(bmc_lan_parse_ip(ip, sizeof(ip) - 1, out));	/* short */
	assert_false(bmc_lan_parse_ip((const uint8_t[]){ 0xc1, 0x11, 1, 2, 3, 4 }, 6, out));
	assert_true(bmc_lan_parse_mac(mac, sizeof(mac), out));
	assert_string_equal(out, "52:54:00:be:ef:01");
	assert_false(bmc_lan_parse_mac(mac, sizeof(mac) - 1, out));
	assert_true(bmc_lan_parse_source(src_static, 3, out));
	assert_string_equal(out, "static");
	assert_true(bmc_lan_parse_source(src_dhcp, 3, out));
	assert_string_equal(out, "dhcp");
	assert_false(bmc_lan_parse_source(src_none, 3, out));
	assert_false(bmc_lan_parse_source(src_bad, 3, out));
	assert_false(bmc_lan_parse_source(src_static, 2, out));
}

/* A BMC: channel 1 IPMB, 2 LAN at 0.0.0.0, 3 LAN at 10.1.2.3; or silent. */
struct fake {
	int	requests;
	int	silent_after;	/* requests answered before it stops (0: never) */
	bool	short_ip;	/* channel 3's address answer is cut short */
};

static int
fake_xfer(void *ctx, uint8_t netfn, uint8_t cmd, const uint8_t *d, size_t dlen,
    uint8_t *rsp, size_t rlen)
{
	struct fake *f = ctx;
	uint8_t a[16] = { 0 };
	int n = 2;

	assert_true(rlen >= 16);
	if (f->silent_after && f->requests++ >= f->silent_after)
		return -1;
	if (netfn == 0x06 && cmd == 0x42 && dlen == 1) {
		a[1] = d[0];
		a[2] = d[0] == 1 ? 0x01 : d[0] <= 3 ? 0x04 : 0x00;
		n = 9;
	} else if (netfn == 0x0c && cmd == 0x02 && dlen == 4 && d[1] == 3) {
		memcpy(a + 2, d[0] == 3 ? (uint8_t[]){ 10, 1, 2, 3 } :
		    (uint8_t[]){ 0, 0, 0, 0 }, 4);
		n = f->short_ip && d[0] == 3 ? 5 : 6;
	} else if (netfn == 0x0c && cmd == 0x02 && d[1] == 5) {
		memcpy(a + 2, (uint8_t[]){ 2, 0, 0, 0, 0, 9 }, 6);
		n = 8;
	} else if (netfn == 0x0c && cmd == 0x02 && d[1] == 4) {
		a[2] = 2;
		n = 3;
	} else
		a[0] = 0xc1;
	memcpy(rsp, a, (size_t)n);
	return n;
}

static void
walk(void **state)
{
	struct fake f = { 0 };
	struct bmc_lan b;

	(void)state;
	assert_true(bmc_lan_walk(fake_xfer, &f, &b));
	assert_int_equal(b.channel, 3);
	assert_string_equal(b.address, "10.1.2.3");
	assert_string_equal(b.mac, "02:00:00:00:00:09");
	assert_string_equal(b.source, "dhcp");
	/* A BMC that stops answering: nothing, and no more waiting. */
	f = (struct fake){ .silent_after = 3 };
	assert_false(bmc_lan_walk(fake_xfer, &f, &b));
	assert_int_equal(f.requests, 4);
	assert_string_equal(b.address, "");
	/* An answer cut short is no address. */
	f = (struct fake){ .short_ip = true };
	assert_false(bmc_lan_walk(fake_xfer, &f, &b));
	assert_int_equal(b.channel, 0);
}

static void
addresses(void **state)
{
	char why[100], err[300];

	(void)state;
	assert_true(bmc_addr_allowed("192.0.2.45", "", why, sizeof(why)));
	assert_true(bmc_addr_allowed("10.0.0.9", NULL, why, sizeof(why)));
	const char *bad[] = { "127.0.0.1", "169.254.1.1", "0.0.0.0", "0.1.2.3",
	    "224.0.0.1", "255.255.255.255", "240.0.0.1", "bmc.example.com",
	    "10.0.0.9:623", "http://10.0.0.9/", "10.0.0.9 ", "010.0.0.9", "::1", "",
	    NULL };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(bmc_addr_allowed(bad[i], "", why, sizeof(why)));
	/* Listed networks are the only ones, and may allow loopback. */
	assert_true(bmc_addr_allowed("127.0.0.1", "127.0.0.0/8", why, sizeof(why)));
	assert_true(bmc_addr_allowed("10.9.0.1", "127.0.0.0/8, 10.9.0.0/16", why,
	    sizeof(why)));
	assert_false(bmc_addr_allowed("192.0.2.45", "127.0.0.0/8", why, sizeof(why)));
	assert_string_equal(why, "outside [inspection] discovery_bmc_networks");
	assert_false(bmc_addr_allowed("0.0.0.0", "0.0.0.0/0", why, sizeof(why)));
	assert_int_equal(bmc_networks_check("", err, sizeof(err)), 0);
	assert_int_equal(bmc_networks_check("10.0.0.0/8,127.0.0.1/32", err, sizeof(err)), 0);
	assert_int_equal(bmc_networks_check("10.0.0.0/8,", err, sizeof(err)), -1);
	assert_int_equal(bmc_networks_check("10.0.0.0", err, sizeof(err)), -1);
	assert_int_equal(bmc_networks_check("bmc.example.com/8", err, sizeof(err)), -1);
	assert_int_equal(bmc_networks_check(",", err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parsers),
		cmocka_unit_test(walk),
		cmocka_unit_test(addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
