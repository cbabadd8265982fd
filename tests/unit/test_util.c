/* MAC, UUID and name validation; JSON string escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "strbuf.h"
#include "util.h"

static void
macs(void **unused)
{
	char out[18];

	(void)unused;
	assert_true(util_normalize_mac("52:54:00:AB:cd:01", out));
	assert_string_equal(out, "52:54:00:ab:cd:01");
	assert_true(util_normalize_mac("52-54-00-ab-cd-02", out));
	assert_string_equal(out, "52:54:00:ab:cd:02");
	assert_false(util_normalize_mac("52:54:00:ab:cd", out));
	assert_false(util_normalize_mac("52:54:00:ab:cd:0g", out));
	assert_false(util_normalize_mac("52:54-00:ab:cd:01", out));
	assert_false(util_normalize_mac("525400abcd01", out));
	assert_false(util_normalize_mac("00:00:00:00:00:00", out));
	assert_false(util_normalize_mac("01:00:5e:00:00:01", out));	/* multicast */
	assert_false(util_normalize_mac("ff:ff:ff:ff:ff:ff", out));
	assert_false(util_normalize_mac("", out));
	assert_false(util_normalize_mac(NULL, out));
	assert_false(util_normalize_mac("52:54:00:ab:cd:01:02", out));
}

static void
uuids(void **unused)
{
	char u[UUID_STR_LEN];

	(void)unused;
	util_uuid_new(u);
	assert_true(util_is_uuid(u));
	assert_true(util_is_uuid("11111111-2222-3333-4444-555555555555"));
	assert_false(util_is_uuid("11111111-2222-3333-4444-55555555555"));
	assert_false(util_is_uuid("11111111x2222-3333-4444-555555555555"));
	assert_false(util_is_uuid("node-1"));
	assert_false(util_is_uuid(NULL));
}

static void
names(void **unused)
{
	char longname[300];

	(void)unused;
	assert_true(util_is_valid_name("node-1.rack_2~a"));
	assert_false(util_is_valid_name("bad name"));
	assert_false(util_is_valid_name("a/b"));
	assert_false(util_is_valid_name(""));
	assert_false(util_is_valid_name(NULL));
	memset(longname, 'a', 255);
	longname[255] = '\0';
	assert_true(util_is_valid_name(longname));
	longname[255] = 'a';
	longname[256] = '\0';
	assert_false(util_is_valid_name(longname));
}

static void
ints(void **unused)
{
	long v;

	(void)unused;
	assert_true(util_parse_int("42", 0, 100, &v));
	assert_int_equal(v, 42);
	assert_false(util_parse_int("101", 0, 100, &v));
	assert_false(util_parse_int("4x", 0, 100, &v));
	assert_false(util_parse_int("", 0, 100, &v));
}

static void
json_strings(void **unused)
{
	struct strbuf b;
	json_t *j;

	(void)unused;
	sb_init(&b, 8);
	sb_json_str(&b, "a\"b\\c\n\x01 é");
	j = json_loads(b.buf, JSON_DECODE_ANY, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "a\"b\\c\n\x01 é");
	json_decref(j);
	sb_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macs),
		cmocka_unit_test(uuids),
		cmocka_unit_test(names),
		cmocka_unit_test(ints),
		cmocka_unit_test(json_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
