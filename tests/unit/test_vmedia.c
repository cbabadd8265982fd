/*
 * Virtual media's pure parts: the kernel arguments of a node's
 * network_data (vmedia_net_args) and the ISO writer (vmedia_iso_write):
 * an ISO9660 volume with an El Torito catalog, the size bound (no file
 * left when it is passed), a missing boot file refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "vmedia.h"

static json_t *
nd(const char *ip, const char *mask, const char *gw, const char *mac)
{
	return json_pack("{s:[{s:s, s:s?}], s:[{s:s, s:s, s:s?, s:s?, s:[{s:s, s:s?}]}]}",
	    "links", "id", "p0", "ethernet_mac_address", mac,
	    "networks", "link", "p0", "type", "ipv4", "ip_address", ip, "netmask", mask,
	    "routes", "network", "0.0.0.0", "gateway", gw);
}

static void
net_args(void **state)
{
	char out[400], err[256];
	json_t *j;

	(void)state;
	j = nd("10.9.0.50", "255.255.255.0", "10.9.0.1", "52:54:00:0E:00:01");
	assert_int_equal(vmedia_net_args(j, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "ip=10.9.0.50::10.9.0.1:255.255.255.0:ingot-ramdisk::off "
	    "BOOTIF=01-52-54-00-0e-00-01");
	json_decref(j);
	j = nd("10.9.0.50", "255.255.0.0", NULL, NULL);
	assert_int_equal(vmedia_net_args(j, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "ip=10.9.0.50:::255.255.0.0:ingot-ramdisk::off");
	json_decref(j);
	/* no network_data, or no ipv4 network: DHCP (nothing) */
	j = json_object();
	assert_int_equal(vmedia_net_args(j, out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "");
	json_decref(j);
	/* words that would add kernel arguments, bad numbers, a bad MAC */
	static const char *const bad[][4] = {
		{ "10.0.0.1 init=/bin/sh", "255.255.255.0", NULL, NULL },
		{ " 10.0.0.1", "255.255.255.0", NULL, NULL },
		{ "+10.0.0.1", "255.255.255.0", NULL, NULL },
		{ "10.0.0.256", "255.255.255.0", NULL, NULL },
		{ "10.0.0.1", "255.255.255.0 x", NULL, NULL },
		{ "10.0.0.1", "255.255.255.0", "10.0.0.1:x", NULL },
		{ "10.0.0.1", "255.255.255.0", NULL, "52:54:00:0e:00:01 y=1" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = nd(bad[i][0], bad[i][1], bad[i][2], bad[i][3]);
		assert_int_equal(vmedia_net_args(j, out, sizeof(out), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "network_data"));
		json_decref(j);
	}
}

static char dir[] = "/tmp/test_vmedia.XXXXXX";

static void
file(const char *name, size_t n, char *path, size_t len)
{
	FILE *fp;

	snprintf(path, len, "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "w"));
	for (size_t i = 0; i < n; i++)
		fputc((int)(i * 7 % 251), fp);
	fclose(fp);
}

static void
iso_write(void **state)
{
	char k[300], r[300], bin[300], ldl[300], iso[300], err[256], buf[2048];
	struct vmedia_iso_spec s = { .node_uuid = "n1", .cmdline = "ipa-api-url=http://x" };
	struct stat st;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	file("kernel", 300001, k, sizeof(k));
	file("ramdisk", 70000, r, sizeof(r));
	file("isolinux.bin", 4096, bin, sizeof(bin));
	file("ldlinux.c32", 1000, ldl, sizeof(ldl));
	s.kernel = k;
	s.ramdisk = r;
	s.isolinux_bin = bin;
	s.ldlinux_c32 = ldl;
	snprintf(iso, sizeof(iso), "%s/a.iso", dir);
	assert_int_equal(vmedia_iso_write(&s, iso, 100 << 20, err, sizeof(err)), 0);
	assert_int_equal(stat(iso, &st), 0);
	assert_int_equal(st.st_size % 2048, 0);
	assert_true(st.st_size > 370000);
	assert_non_null(fp = fopen(iso, "r"));
	assert_int_equal(fseek(fp, 16 * 2048, SEEK_SET), 0);	/* primary descriptor */
	assert_int_equal(fread(buf, 1, 2048, fp), 2048);
	assert_memory_equal(buf + 1, "CD001", 5);
	assert_int_equal(fread(buf, 1, 2048, fp), 2048);	/* boot record: El Torito */
	assert_int_equal(buf[0], 0);
	assert_memory_equal(buf + 7, "EL TORITO SPECIFICATION", 23);
	fclose(fp);
	/* past the bound: -1, and no file */
	snprintf(iso, sizeof(iso), "%s/b.iso", dir);
	assert_int_equal(vmedia_iso_write(&s, iso, 200000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "max_size"));
	assert_int_not_equal(stat(iso, &st), 0);
	/* an existing file is never overwritten */
	snprintf(iso, sizeof(iso), "%s/a.iso", dir);
	assert_int_equal(vmedia_iso_write(&s, iso, 100 << 20, err, sizeof(err)), -1);
	/* a missing boot file */
	s.isolinux_bin = "/nonexistent/isolinux.bin";
	snprintf(iso, sizeof(iso), "%s/c.iso", dir);
	assert_int_equal(vmedia_iso_write(&s, iso, 100 << 20, err, sizeof(err)), -1);
	assert_int_not_equal(stat(iso, &st), 0);
	for (const char *const *n = (const char *const[]){ "kernel", "ramdisk",
	    "isolinux.bin", "ldlinux.c32", "a.iso", NULL }; *n != NULL; n++) {
		snprintf(iso, sizeof(iso), "%s/%s", dir, *n);
		unlink(iso);
	}
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(net_args),
		cmocka_unit_test(iso_write),
	};
	log_init("/dev/null", LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
