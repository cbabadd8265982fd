/*
 * The redfish driver's parsing of what a BMC sends (src/hw/redfish/
 * rf_parse.c: errors, power, tasks, inventory, sensors, BIOS attributes;
 * rf_info.c: the links it gives) and of driver_info (rf_target_from),
 * and the kernel arguments a virtual-media ISO gets from a node's
 * network_data (vmedia_net_args: an owner's input put on a command line).
 *
 * Input: one JSON document, used as every kind of answer; its members
 * "P", "M", "N", "D" as the processor, memory, NIC and drive lists, and
 * its string members as links.  Oracles: messages are bounded, printable
 * lines; a taken path is below /redfish/v1/ without "..", "?" or "#".
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "redfish.h"
#include "vmedia.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("/dev/null", LOG_LVL_DEBUG);
	return 0;
}

static void
line_ok(const char *s, size_t cap)
{
	if (strnlen(s, cap) == cap)
		abort();
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			abort();
}

static void
paths(json_t *j)
{
	const char *k;
	json_t *v;
	char out[300];

	json_object_foreach(j, k, v) {
		if (!json_is_string(v) || rf_path_take("https://bmc", json_string_value(v),
		    out, sizeof(out)) != 0)
			continue;
		if (strncmp(out, "/redfish/v1/", 12) != 0 || strstr(out, "/../") ||
		    strchr(out, '?') || strchr(out, '#') || strstr(out, "//"))
			abort();
	}
}

static void
documents(json_t *j)
{
	char err[256];
	enum hw_power st;
	json_t *inv, *props = json_object(), *s, *b;

	rf_error_text(400, j, err, sizeof(err));
	line_ok(err, sizeof(err));
	if (rf_task_state(202, j, err, sizeof(err)) == -1)
		line_ok(err, sizeof(err));
	if (rf_power_of(j, &st) == 0 && st == HW_POWER_UNKNOWN)
		abort();
	inv = rf_inventory(j, json_object_get(j, "P"), json_object_get(j, "M"),
	    json_object_get(j, "N"), json_object_get(j, "D"));
	if (inv == NULL)
		abort();
	rf_inventory_properties(inv, props);
	s = rf_sensors(j, j);
	b = rf_bios_attributes(j);
	if (s == NULL || b == NULL || json_array_size(s) > 1024)
		abort();
	json_decref(inv);
	json_decref(props);
	json_decref(s);
	json_decref(b);
}

/* "ip=A::G:M:ingot-ramdisk::off[ BOOTIF=01-MAC]": one word or two, of
 * address, MAC and fixed characters only, or nothing. */
static void
net_args(json_t *j)
{
	char out[400], err[256];

	if (vmedia_net_args(j, out, sizeof(out), err, sizeof(err)) != 0) {
		line_ok(err, sizeof(err));
		return;
	}
	if (out[0] == '\0')
		return;
	if (strncmp(out, "ip=", 3) != 0 || strspn(out, "0123456789abcdefgiklmnoprstBOTIF.:=- ") !=
	    strlen(out) || strchr(out, ' ') != strrchr(out, ' '))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rf_target t;
	char err[512];
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *node;

	if (j == NULL)
		return -1;
	documents(j);
	paths(j);
	net_args(j);
	node = json_pack("{s:O}", "driver_info", j);
	err[0] = '\0';
	if (rf_target_from(node, &t, err, sizeof(err)) == 0) {
		if (strncmp(t.base, "http", 4) != 0 || (t.system[0] != '\0' &&
		    strncmp(t.system, "/redfish/v1/Systems/", 20) != 0))
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	json_decref(node);
	json_decref(j);
	return 0;
}
