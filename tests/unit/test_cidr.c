/* The one IPv4 CIDR parser (src/common/cidr.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cidr.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
parse(void **unused)
{
	struct cidr c;

	(void)unused;
	assert_true(cidr_parse("10.200.0.0/24", 8, 30, &c));
	assert_int_equal(c.addr, A(10, 200, 0, 0));
	assert_int_equal(c.bits, 24);
	assert_true(cidr_is_network(&c));
	assert_true(cidr_parse("10.200.0.1/24", 0, 32, &c));
	assert_false(cidr_is_network(&c));
	assert_int_equal(cidr_network(&c), A(10, 200, 0, 0));
	assert_int_equal(cidr_broadcast(&c), A(10, 200, 0, 255));
	assert_int_equal(cidr_mask(&c), A(255, 255, 255, 0));
	assert_true(cidr_parse("0.0.0.0/0", 0, 32, &c));
	assert_int_equal(cidr_mask(&c), 0);
	assert_int_equal(cidr_broadcast(&c), 0xffffffffu);
	assert_true(cidr_parse("192.0.2.7/32", 0, 32, &c));
	assert_int_equal(cidr_mask(&c), 0xffffffffu);
}

static void
parse_rejects(void **unused)
{
	static const char *const bad[] = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/x",
	    "10.0.0.0/24x", "10.0.0/24", "10.0.0.256/24", "/24", "", "10.0.0.0/7",
	    "10.0.0.0/31", "10.0.0.0/24/1", "fd00::/64", "-1.0.0.0/8",
	    "10.0.0.0/24\nconf-file=/etc/shadow",
	    "10.000000000000000000000000000000000000000000000000000000.0.0/24", NULL };
	struct cidr c;

	(void)unused;
	for (int i = 0; bad[i] != NULL; i++)
		assert_false(cidr_parse(bad[i], 8, 30, &c));
	assert_false(cidr_parse(NULL, 8, 30, &c));
	assert_false(cidr_parse("10.0.0.0/33", 0, 32, &c));
	assert_false(cidr_parse("10.0.0.0/8", 0, 33, &c));
}

static void
membership(void **unused)
{
	struct cidr c;
	uint32_t h;

	(void)unused;
	assert_true(cidr_parse("10.30.0.0/24", 8, 30, &c));
	assert_true(cidr_contains(&c, A(10, 30, 0, 0)));
	assert_true(cidr_contains(&c, A(10, 30, 0, 255)));
	assert_false(cidr_contains(&c, A(10, 30, 1, 0)));
	assert_false(cidr_is_host(&c, A(10, 30, 0, 0)));
	assert_false(cidr_is_host(&c, A(10, 30, 0, 255)));
	assert_true(cidr_is_host(&c, A(10, 30, 0, 1)));
	assert_true(cidr_nth(&c, 1, &h));
	assert_int_equal(h, A(10, 30, 0, 1));
	assert_true(cidr_nth(&c, 255, &h));
	assert_int_equal(h, A(10, 30, 0, 255));
	assert_false(cidr_nth(&c, 256, &h));
}

static void
addresses(void **unused)
{
	char buf[16];
	uint32_t lo, hi;

	(void)unused;
	assert_true(ip4_parse("192.0.2.1", &lo));
	assert_int_equal(lo, A(192, 0, 2, 1));
	assert_false(ip4_parse("192.0.2", &lo));
	assert_false(ip4_parse(" 192.0.2.1", &lo));
	assert_false(ip4_parse(NULL, &lo));
	ip4_str(A(10, 200, 0, 100), buf, sizeof(buf));
	assert_string_equal(buf, "10.200.0.100");
	assert_true(ip4_range_parse("10.200.0.100,10.200.0.150", &lo, &hi));
	assert_int_equal(lo, A(10, 200, 0, 100));
	assert_int_equal(hi, A(10, 200, 0, 150));
	assert_true(ip4_range_parse("10.0.0.5,10.0.0.5", &lo, &hi));
	assert_false(ip4_range_parse("10.0.0.6,10.0.0.5", &lo, &hi));
	assert_false(ip4_range_parse("10.0.0.5", &lo, &hi));
	assert_false(ip4_range_parse("10.0.0.5,", &lo, &hi));
	assert_false(ip4_range_parse("10.0.0.5,10.0.0.6,10.0.0.7", &lo, &hi));
	assert_false(ip4_range_parse(NULL, &lo, &hi));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(membership),
		cmocka_unit_test(addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
