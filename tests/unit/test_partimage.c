/* Partition images (partimage.c): image_info's fields checked, IPA's layout
 * planned, and the table libfdisk writes on a sparse file read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "parttable.h"
#include "partimage.h"

/* The agent's settings live in its main.c; partimage.c logs through
 * logs.c, which reads them. */
struct agent_conf conf;
volatile sig_atomic_t agent_quit;

#define MIB	(1ull << 20)

static int
spec(const char *js, struct pi_spec *s, char *err, size_t len)
{
	json_t *ii = json_loads(js, 0, NULL);
	int rc;

	assert_non_null(ii);
	rc = pi_spec_json(ii, s, err, len);
	json_decref(ii);
	return rc;
}

static void
test_spec_refusals(void **state)
{
	static const char *const bad[] = {
		"{}", "{\"root_mb\": 0}", "{\"root_mb\": -5}", "{\"root_mb\": \"12x\"}",
		"{\"root_mb\": \"99999999999999999999999\"}", "{\"root_mb\": 4294967296}",
		"{\"root_mb\": 10, \"swap_mb\": true}", "{\"root_mb\": 10, \"deploy_boot_mode\": \"efi\"}",
		"{\"root_mb\": 10, \"disk_label\": \"bsd\"}",
		"{\"root_mb\": 10, \"ephemeral_mb\": 5, \"ephemeral_format\": \"ntfs\"}",
		"{\"root_mb\": 10, \"preserve_ephemeral\": true}",
		"{\"root_mb\": 10, \"boot_option\": \"kickstart\"}",
	};
	struct pi_spec s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(spec(bad[i], &s, err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(spec("{\"root_mb\": \"1024\", \"swap_mb\": null, "
	    "\"deploy_boot_mode\": \"uefi\"}", &s, err, sizeof(err)), 0);
	assert_int_equal(s.root_mb, 1024);
	assert_true(s.uefi && s.gpt && s.local);
	assert_string_equal(s.ephemeral_format, "ext4");
}

/* The roles, offsets (MiB) and sizes (MiB) planned for js on a disk. */
static void
plan(const char *js, uint64_t disk_mb, const char *want)
{
	struct pi_spec s;
	struct pi_layout l;
	char err[256], got[256] = "";

	assert_int_equal(spec(js, &s, err, sizeof(err)), 0);
	assert_int_equal(pi_plan(&s, disk_mb * MIB, &l, err, sizeof(err)), 0);
	for (int i = 0; i < l.n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d:%llu+%llu",
		    i ? " " : "", l.part[i].role, (unsigned long long)(l.part[i].offset / MIB),
		    (unsigned long long)(l.part[i].size / MIB));
	assert_string_equal(got, want);
}

static void
test_plan(void **state)
{
	struct pi_spec s;
	struct pi_layout l;
	char err[256];

	(void)state;
	/* roles: 0 ESP, 1 BIOS boot, 2 ephemeral, 3 swap, 4 root */
	plan("{\"root_mb\": 100, \"swap_mb\": 16, \"ephemeral_mb\": 64}", 600,
	    "2:1+64 3:65+16 4:81+100");
	plan("{\"root_mb\": 100, \"swap_mb\": 16, \"deploy_boot_mode\": \"uefi\"}", 600,
	    "0:1+200 3:201+16 4:217+100");
	plan("{\"root_mb\": 100, \"disk_label\": \"gpt\"}", 600, "1:1+1 4:2+100");
	plan("{\"root_mb\": 100, \"deploy_boot_mode\": \"uefi\", \"boot_option\": "
	    "\"netboot\"}", 600, "4:1+100");
	/* an MBR holds four partitions; the disk must hold them all */
	assert_int_equal(spec("{\"root_mb\": 10, \"swap_mb\": 1, \"ephemeral_mb\": 1, "
	    "\"deploy_boot_mode\": \"uefi\", \"disk_label\": \"msdos\"}", &s, err,
	    sizeof(err)), 0);
	assert_int_equal(pi_plan(&s, 600 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(spec("{\"root_mb\": 600}", &s, err, sizeof(err)), 0);
	assert_int_equal(pi_plan(&s, 600 * MIB, &l, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the disk has 600 MiB"));
	assert_int_equal(pi_plan(&s, 601 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(spec("{\"root_mb\": 4294967295, \"swap_mb\": 4294967295, "
	    "\"ephemeral_mb\": 4294967295}", &s, err, sizeof(err)), 0);
	assert_int_equal(pi_plan(&s, 600 * MIB, &l, err, sizeof(err)), -1);
	assert_int_equal(pi_plan(&s, 1, &l, err, sizeof(err)), -1);
}

/* libfdisk's table on a sparse file, read back by parttable.c. */
static void
table(const char *js, bool gpt, int n)
{
	char path[] = "/tmp/test_partimage.XXXXXX", err[512];
	int fd = mkstemp(path);
	struct pi_spec s;
	struct pi_layout l;
	struct pt t;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 700 * MIB), 0);
	close(fd);
	assert_int_equal(spec(js, &s, err, sizeof(err)), 0);
	assert_int_equal(pi_plan(&s, 700 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(pi_partition(path, &s, &l, err, sizeof(err)), 0);
	assert_int_equal(pt_read(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t.gpt, gpt);
	assert_int_equal(t.n, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(t.part[i].offset, l.part[i].offset);
		assert_string_equal(t.part[i].uuid, l.part[i].partuuid);
	}
	assert_string_equal(t.disk_id, l.disk_id);
	if (gpt)
		assert_true(t.part[0].esp);
	unlink(path);
}

static void
test_table(void **state)
{
	(void)state;
	table("{\"root_mb\": 100, \"swap_mb\": 16, \"ephemeral_mb\": 64}", false, 3);
	table("{\"root_mb\": 100, \"swap_mb\": 16, \"deploy_boot_mode\": \"uefi\"}", true, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_refusals),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
