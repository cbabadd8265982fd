/*
 * LLDP frames and TLVs (src/common/lldp.c) and the checks and properties
 * of in-band inspection data (src/conductor/inspect_data.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "inspect_data.h"
#include "lldp.h"

/* A frame as lldpd sends it: chassis MAC, port "swp1", TTL, system name
 * "leaf-7", port description, 802.1 PVID 100 and VLAN 200 "tenant2". */
static const uint8_t frame[] = {
	0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, 0x72, 0x36, 0xea, 0x72, 0xe0, 0x69, 0x88, 0xcc,
	0x02, 0x07, 0x04, 0x72, 0x36, 0xea, 0x72, 0xe0, 0x69,
	0x04, 0x05, 0x05, 's', 'w', 'p', '1',
	0x06, 0x02, 0x00, 0x78,
	0x0a, 0x06, 'l', 'e', 'a', 'f', '-', '7',
	0x08, 0x04, 'r', '3', 'n', '1',
	0xfe, 0x06, 0x00, 0x80, 0xc2, 0x01, 0x00, 0x64,
	0xfe, 0x0e, 0x00, 0x80, 0xc2, 0x03, 0x00, 0xc8, 0x07,
	't', 'e', 'n', 'a', 'n', 't', '2',
	0x00, 0x00,
};

static void
frame_round_trip(void **unused)
{
	struct lldp_info li;
	char err[200];
	json_t *l = lldp_frame_ipa(frame, sizeof(frame));

	(void)unused;
	assert_non_null(l);
	assert_int_equal(json_array_size(l), 7);
	assert_string_equal(json_string_value(json_array_get(json_array_get(l, 0), 1)),
	    "047236ea72e069");
	assert_int_equal(lldp_decode_ipa(l, &li, err, sizeof(err)), 0);
	assert_string_equal(li.chassis_id, "72:36:ea:72:e0:69");
	assert_int_equal(li.chassis_subtype, 4);
	assert_string_equal(li.port_id, "swp1");
	assert_string_equal(li.sys_name, "leaf-7");
	assert_string_equal(li.port_desc, "r3n1");
	assert_int_equal(li.pvid, 100);
	assert_int_equal(li.nvlans, 1);
	assert_int_equal(li.vlans[0].id, 200);
	assert_string_equal(li.vlans[0].name, "tenant2");
	json_decref(l);
}

static void
bad_frames(void **unused)
{
	uint8_t f[sizeof(frame)];
	json_t *l;
	char err[200];
	struct lldp_info li;

	(void)unused;
	memcpy(f, frame, sizeof(f));
	f[13] = 0x00;				/* not LLDP's ethertype */
	assert_null(lldp_frame_ipa(f, sizeof(f)));
	memcpy(f, frame, sizeof(f));
	f[15] = 0xff;				/* the chassis TLV runs past the end */
	assert_null(lldp_frame_ipa(f, 30));
	assert_null(lldp_frame_ipa(frame, 20));	/* no port ID or TTL */
	l = json_loads("[[1, \"0\"]]", 0, NULL);
	assert_int_equal(lldp_decode_ipa(l, &li, err, sizeof(err)), -1);
	json_decref(l);
	l = json_loads("[[200, \"00\"]]", 0, NULL);
	assert_int_equal(lldp_decode_ipa(l, &li, err, sizeof(err)), -1);
	json_decref(l);
	/* Control characters become '?', which no name accepts. */
	l = json_loads("[[2, \"0573770a31\"]]", 0, NULL);
	assert_int_equal(lldp_decode_ipa(l, &li, err, sizeof(err)), 0);
	assert_string_equal(li.port_id, "sw?1");
	assert_false(lldp_name_ok(li.port_id));
	assert_false(lldp_name_ok("Eth1/1;reload"));
	assert_true(lldp_name_ok("Ethernet1/12"));
	json_decref(l);
}

static const struct inspect_limits lim = { 4, 4, 4096 };

static json_t *
body(const char *extra_nic)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"inventory\": {\"interfaces\": [{\"name\": \"eth0\", "
	    "\"mac_address\": \"52:54:00:00:00:01\"}%s], \"cpu\": {\"count\": 8, "
	    "\"architecture\": \"x86_64\"}, \"memory\": {\"physical_mb\": 4096}, "
	    "\"disks\": [{\"name\": \"/dev/sda\", \"size\": 2000000000000, \"serial\": \"S1\"}, "
	    "{\"name\": \"/dev/sdb\", \"size\": 107374182400, \"serial\": \"S2\"}], "
	    "\"boot\": {\"current_boot_mode\": \"uefi\"}}}", extra_nic);
	return json_loads(buf, 0, NULL);
}

static void
data_checks(void **unused)
{
	char err[300];
	json_t *b = body("");

	(void)unused;
	assert_int_equal(inspect_data_check(b, &lim, err, sizeof(err)), 0);
	json_decref(b);
	b = body(", {\"name\": \"e1\", \"mac_address\": \"52:54:00:00:00:02\"}, "
	    "{\"name\": \"e2\", \"mac_address\": \"52:54:00:00:00:03\"}, "
	    "{\"name\": \"e3\", \"mac_address\": \"52:54:00:00:00:04\"}, "
	    "{\"name\": \"e4\", \"mac_address\": \"52:54:00:00:00:05\"}");
	assert_int_equal(inspect_data_check(b, &lim, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1 to 4"));
	json_decref(b);
	b = body(", {\"name\": \"e$(x)\", \"mac_address\": \"52:54:00:00:00:02\"}");
	assert_int_equal(inspect_data_check(b, &lim, err, sizeof(err)), -1);
	json_decref(b);
}

static void
properties(void **unused)
{
	char err[300];
	json_t *b = body(""), *props = json_pack("{s:s}", "capabilities",
	    "boot_mode:bios,foo:bar"), *root = NULL;
	json_t *inv = json_object_get(b, "inventory");

	(void)unused;
	assert_int_equal(inspect_data_properties(props, inv, &root, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(props, "cpus")), 8);
	assert_int_equal(json_integer_value(json_object_get(props, "memory_mb")), 4096);
	assert_int_equal(json_integer_value(json_object_get(props, "local_gb")), 99);
	assert_string_equal(json_string_value(json_object_get(props, "capabilities")),
	    "foo:bar,boot_mode:uefi");
	assert_string_equal(json_string_value(json_object_get(root, "name")), "/dev/sdb");
	json_decref(root);
	/* Hints choose the big disk; hints that match nothing fail. */
	json_object_set_new(props, "root_device", json_pack("{s:s}", "serial", "S1"));
	assert_int_equal(inspect_data_properties(props, inv, &root, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(props, "local_gb")), 1861);
	json_decref(root);
	json_object_set_new(props, "root_device", json_pack("{s:s}", "serial", "nope"));
	assert_int_equal(inspect_data_properties(props, inv, &root, err, sizeof(err)), -1);
	assert_null(root);
	json_decref(props);
	json_decref(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_round_trip),
		cmocka_unit_test(bad_frames),
		cmocka_unit_test(data_checks),
		cmocka_unit_test(properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
