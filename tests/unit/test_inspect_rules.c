/* Inspection rules: what inspect_rule_check takes and refuses
 * (src/conductor/inspect_rules.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "inspect_rules.h"

static int
check(const char *text)
{
	json_t *r = json_loads(text, 0, NULL);
	char err[512] = "";
	int rc;

	assert_non_null(r);
	rc = inspect_rule_check(r, err, sizeof(err));
	if (rc != 0)
		assert_true(err[0] != '\0');
	json_decref(r);
	return rc;
}

#define A "\"actions\":[{\"op\":\"add-trait\",\"args\":[\"CUSTOM_X\"]}]"

static void
takes(void **unused)
{
	(void)unused;
	assert_int_equal(check("{" A "}"), 0);
	assert_int_equal(check("{\"priority\":9999,\"phase\":\"main\",\"sensitive\":true,"
	    "\"description\":null,\"conditions\":null," A "}"), 0);
	assert_int_equal(check("{\"conditions\":[{\"op\":\"!eq\",\"args\":{\"values\":"
	    "[\"{inventory[cpu][count]}\",4],\"force_strings\":true}},"
	    "{\"op\":\"in-net\",\"args\":[\"{inventory[bmc_address]}\",\"10.0.0.0/8\"]},"
	    "{\"op\":\"matches\",\"args\":[\"x\",\"^a[0-9]+$\"],\"loop\":[]},"
	    "{\"op\":\"one-of\",\"args\":[\"x\",[\"x\",\"y\"]]}],"
	    "\"actions\":[{\"op\":\"set-attribute\",\"args\":[\"/properties/a/b\",1]},"
	    "{\"op\":\"set-attribute\",\"args\":{\"path\":\"resource_class\",\"value\":\"x\"}},"
	    "{\"op\":\"extend-attribute\",\"args\":[\"/extra/l\",1,true]},"
	    "{\"op\":\"del-attribute\",\"args\":[\"/driver_info/ipmi_port\"]},"
	    "{\"op\":\"set-capability\",\"args\":[\"boot_mode\",\"uefi\"]},"
	    "{\"op\":\"log\",\"args\":[\"hello\",\"warning\"]},"
	    "{\"op\":\"set-plugin-data\",\"args\":[\"a.b\",{}]}]}"), 0);
}

static void
refuses(void **unused)
{
	static const char *const bad[] = {
		"{}", "{\"actions\":[]}", "[]",
		"{\"priority\":-1," A "}", "{\"priority\":10000," A "}",
		"{\"phase\":\"x\"," A "}", "{\"sensitive\":1," A "}",
		"{\"conditions\":{}," A "}",
		"{\"conditions\":[{\"op\":\"nope\",\"args\":[]}]," A "}",
		"{\"conditions\":[{\"op\":\"eq\"}]," A "}",
		"{\"conditions\":[{\"op\":\"eq\",\"args\":[1]}]," A "}",
		"{\"conditions\":[{\"op\":\"eq\",\"args\":[[1],true,3]}]," A "}",
		"{\"conditions\":[{\"op\":\"matches\",\"args\":[\"x\",\"[\"]}]," A "}",
		"{\"conditions\":[{\"op\":\"contains\",\"args\":[\"x\",\"(a)\\\\1\"]}]," A "}",
		"{\"conditions\":[{\"op\":\"is-true\",\"args\":[1],\"loop\":[1]}]," A "}",
		"{\"conditions\":[{\"op\":\"is-true\",\"args\":[1],\"x\":1}]," A "}",
		"{\"actions\":[{\"op\":\"api-call\",\"args\":[\"http://x/\"]}]}",
		"{\"actions\":[{\"op\":\"set-attribute\",\"args\":[\"/driver\",\"ipmi\"]}]}",
		"{\"actions\":[{\"op\":\"set-attribute\",\"args\":[\"/properties\",{}]}]}",
		"{\"actions\":[{\"op\":\"set-attribute\",\"args\":[\"/resource_class/x\",1]}]}",
		"{\"actions\":[{\"op\":\"set-attribute\",\"args\":[\"/extra/a;b\",1]}]}",
		"{\"actions\":[{\"op\":\"add-trait\",\"args\":[\"custom_x\"]}]}",
		"{\"actions\":[{\"op\":\"log\",\"args\":[\"x\",\"verbose\"]}]}",
		"{\"actions\":[{\"op\":\"unset-plugin-data\",\"args\":[\".a\"]}]}",
		"{\"actions\":[{\"op\":\"fail\",\"args\":[\"\"]}]}",
		NULL,
	};

	(void)unused;
	for (int i = 0; bad[i] != NULL; i++) {
		if (check(bad[i]) != -1)
			fail_msg("taken: %s", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes),
		cmocka_unit_test(refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
