/* HTTP byte ranges of served files (src/api/range.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "range.h"

static enum range_kind
p(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	return range_parse(h, NULL, size, off, len);
}

static void
single(void **unused)
{
	uint64_t o, l;
	char cr[64];

	(void)unused;
	assert_int_equal(p("bytes=0-99", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 0 && l == 100);
	range_content_range(RANGE_PARTIAL, o, l, 1000, cr, sizeof(cr));
	assert_string_equal(cr, "bytes 0-99/1000");
	assert_int_equal(p("bytes=990-", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 990 && l == 10);
	assert_int_equal(p("bytes=-10", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 990 && l == 10);
	assert_int_equal(p("bytes=-5000", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 0 && l == 1000);
	assert_int_equal(p("bytes=500-99999", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 500 && l == 500);
	assert_int_equal(p("Bytes = 999-999 ", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 999 && l == 1);
	/* a last byte past 2^64 saturates and is clamped to the file */
	assert_int_equal(p("bytes=1-99999999999999999999999999", 1000, &o, &l), RANGE_PARTIAL);
	assert_true(o == 1 && l == 999);
}

static void
unsatisfiable(void **unused)
{
	uint64_t o, l;
	char cr[64];

	(void)unused;
	assert_int_equal(p("bytes=1000-", 1000, &o, &l), RANGE_UNSATISFIABLE);
	assert_true(o == 0 && l == 1000);
	range_content_range(RANGE_UNSATISFIABLE, o, l, 1000, cr, sizeof(cr));
	assert_string_equal(cr, "bytes */1000");
	assert_int_equal(p("bytes=99999999999999999999999-", 1000, &o, &l), RANGE_UNSATISFIABLE);
	assert_int_equal(p("bytes=-0", 1000, &o, &l), RANGE_UNSATISFIABLE);
	assert_int_equal(p("bytes=0-", 0, &o, &l), RANGE_UNSATISFIABLE);
	assert_int_equal(p("bytes=-1", 0, &o, &l), RANGE_UNSATISFIABLE);
}

/* Anything else is the whole file (RFC 9110 lets a server ignore Range). */
static void
ignored(void **unused)
{
	static const char *const h[] = { "bytes=", "bytes=-", "bytes=5-1",
	    "bytes=-5-10", "bytes=--5", "bytes=a-b", "bytes=0-1x", "bytes 0-1",
	    "items=0-1", "bytes=0-1,5-9", "bytes=0-0,0-0,0-0", "bytes=0-1 2",
	    "bytes=+1-2", "bytes=0x10-", "", NULL };
	uint64_t o, l;

	(void)unused;
	for (int i = 0; h[i] != NULL; i++) {
		assert_int_equal(p(h[i], 1000, &o, &l), RANGE_NONE);
		assert_true(o == 0 && l == 1000);
	}
	assert_int_equal(p(NULL, 1000, &o, &l), RANGE_NONE);
	assert_int_equal(range_parse("bytes=0-1", "\"x\"", 1000, &o, &l), RANGE_NONE);
	assert_true(o == 0 && l == 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single),
		cmocka_unit_test(unsatisfiable),
		cmocka_unit_test(ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
