/* ingotd's configuration: defaults, the example file, errors with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char tmpl[] = "/tmp/ingot-unit-conf.XXXXXX";

static void
write_file(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
example_round_trip(void **unused)
{
	char p[300], err[512];
	FILE *fp;

	(void)unused;
	snprintf(p, sizeof(p), "%s/example.conf", tmpl);
	config_defaults();
	fp = fopen(p, "w");
	config_print_example(fp);
	fclose(fp);
	/* The example shows defaults as comments: uncomment them all. */
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "sed -i 's/^#\\([a-z_]* = \\)/\\1/' %s", p);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(config_load(p, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:6385");
	assert_int_equal(cfg.workers, 8);
	assert_true(cfg.automated_clean);
	assert_false(cfg.dhcp_enabled);
	config_free();
}

static void
values_and_errors(void **unused)
{
	char p[300], err[512];

	(void)unused;
	snprintf(p, sizeof(p), "%s/c.conf", tmpl);
	config_defaults();
	write_file(p, "[api]\nlisten = 127.0.0.1:7000\n[conductor]\nworkers = 3\n"
	    "automated_clean = no\n");
	assert_int_equal(config_load(p, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:7000");
	assert_int_equal(cfg.workers, 3);
	assert_false(cfg.automated_clean);
	write_file(p, "[api]\nthreads = 4\n\n[conductor]\nworkers = 0\n");
	assert_int_not_equal(config_load(p, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, ":5:"));
	assert_non_null(strstr(err, "workers"));
	write_file(p, "[nope]\nx = 1\n");
	assert_int_not_equal(config_load(p, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown option [nope] x"));
	write_file(p, "[conductor]\nautomated_clean = maybe\n");
	assert_int_not_equal(config_load(p, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "true or false"));
	write_file(p, "this is not ini\n");
	assert_int_not_equal(config_load(p, NULL, err, sizeof(err)), 0);
	config_free();
}

static int seen;

static int
switch_hook(const char *name, const char *key, const char *value, char *err, size_t len)
{
	(void)err; (void)len;
	if (strcmp(name, "sw1") == 0 && strcmp(key, "driver") == 0 &&
	    strcmp(value, "ovsdb") == 0)
		seen++;
	return 0;
}

static void
switch_sections(void **unused)
{
	char p[300], err[512];

	(void)unused;
	snprintf(p, sizeof(p), "%s/s.conf", tmpl);
	config_defaults();
	write_file(p, "[switch:sw1]\ndriver = ovsdb\n");
	assert_int_equal(config_load(p, switch_hook, err, sizeof(err)), 0);
	assert_int_equal(seen, 1);
	config_free();
}

static void
shipped_example_is_current(void **unused)
{
	const char *src = getenv("INGOT_SRC");
	char p[600], shipped[600], cmd[1400];
	FILE *fp;

	(void)unused;
	if (src == NULL)
		skip();
	snprintf(shipped, sizeof(shipped), "%s/etc/ingotd.conf.example", src);
	snprintf(p, sizeof(p), "%s/now.conf", tmpl);
	config_defaults();
	fp = fopen(p, "w");
	config_print_example(fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", shipped, p);
	assert_int_equal(system(cmd), 0);
	config_free();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_round_trip),
		cmocka_unit_test(values_and_errors),
		cmocka_unit_test(switch_sections),
		cmocka_unit_test(shipped_example_is_current),
	};
	char cmd[300];
	int rc;

	if (mkdtemp(tmpl) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
