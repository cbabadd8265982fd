/* Root-device hints: which disk ingot-agent writes the image to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "disk.h"

#define GiB (1ULL << 30)

static const struct disk disks[] = {
	{ .name = "/dev/sda", .model = "PERC H730", .vendor = "DELL", .serial = "S1",
	  .wwn = "0x5000c500a1b2c3d4", .hctl = "0:0:0:0", .size = 500 * GiB, .rotational = true },
	{ .name = "/dev/sdb", .model = "Samsung SSD 860", .vendor = "ATA", .serial = "S2",
	  .wwn = "0x5002538e40000001", .hctl = "1:0:0:0", .size = 240 * GiB },
	{ .name = "/dev/nvme0n1", .model = "INTEL SSDPE2KX010T8", .vendor = "", .serial = "PHLJ9",
	  .size = 1000 * GiB },
	{ .name = "/dev/sdc", .model = "USB Flash", .vendor = "Kingston", .serial = "S4",
	  .size = 2 * GiB, .rotational = false },
};
#define N ((int)(sizeof(disks) / sizeof(disks[0])))

static int
pick(const char *hints)
{
	char err[256];
	json_t *h = hints ? json_loads(hints, 0, NULL) : NULL;
	int i;

	if (hints != NULL)
		assert_non_null(h);
	i = disk_root_device(disks, N, h, err, sizeof(err));
	json_decref(h);
	return i;
}

static void
default_is_smallest_of_4gib(void **s)
{
	(void)s;
	assert_int_equal(pick(NULL), 1);		/* 240 GiB; the 2 GiB stick is too small */
	assert_int_equal(pick("{}"), 1);
}

static void
exact_strings(void **s)
{
	(void)s;
	assert_int_equal(pick("{\"serial\": \"PHLJ9\"}"), 2);
	assert_int_equal(pick("{\"wwn\": \"0x5000c500a1b2c3d4\"}"), 0);
	assert_int_equal(pick("{\"model\": \"samsung ssd 860\"}"), 1);	/* case-insensitive */
	assert_int_equal(pick("{\"name\": \"/dev/sdc\"}"), 3);
	assert_int_equal(pick("{\"name\": \"sdb\"}"), 1);		/* without /dev/ */
	assert_int_equal(pick("{\"vendor\": \"DELL\", \"hctl\": \"0:0:0:0\"}"), 0);
}

static void
operators(void **s)
{
	(void)s;
	assert_int_equal(pick("{\"size\": 240}"), 1);
	assert_int_equal(pick("{\"size\": \">= 600\"}"), 2);
	assert_int_equal(pick("{\"size\": \"< 100\"}"), 3);
	assert_int_equal(pick("{\"size\": \"!= 500\", \"rotational\": false, \"vendor\": \"ATA\"}"), 1);
	assert_int_equal(pick("{\"model\": \"<in> INTEL\"}"), 2);
	assert_int_equal(pick("{\"serial\": \"<or> S9 <or> S4\"}"), 3);
	assert_int_equal(pick("{\"model\": \"s== PERC H730\"}"), 0);
	assert_int_equal(pick("{\"rotational\": true}"), 0);
	assert_int_equal(pick("{\"rotational\": \"true\"}"), 0);
}

static void
no_match_and_bad_hints(void **s)
{
	(void)s;
	assert_int_equal(pick("{\"serial\": \"nope\"}"), -1);
	assert_int_equal(pick("{\"size\": \"big\"}"), -1);
	assert_int_equal(pick("{\"size\": \"~= 5\"}"), -1);
	assert_int_equal(pick("{\"colour\": \"blue\"}"), -1);
	assert_int_equal(pick("{\"serial\": 5}"), -1);
	/* all conditions must hold */
	assert_int_equal(pick("{\"serial\": \"S1\", \"rotational\": false}"), -1);

	char err[256];
	json_t *arr = json_array();
	assert_int_equal(disk_root_device(disks, N, arr, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "object"));
	json_decref(arr);
	assert_int_equal(disk_root_device(disks, 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(disk_root_device(disks + 3, 1, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "4 GiB"));
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(default_is_smallest_of_4gib),
		cmocka_unit_test(exact_strings),
		cmocka_unit_test(operators),
		cmocka_unit_test(no_match_and_bad_hints),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
