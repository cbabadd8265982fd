/* In-band inspection data: checks and the properties it gives (inspect_data.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "inspect_data.h"
#include "jsonutil.h"
#include "lldp.h"
#include "util.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@-"
#define GIB		(1024ULL * 1024 * 1024)

/* v is absent or null (when optional) or a string of 1..max characters
 * (all of chars when given; printable ASCII otherwise). */
static int
str_ok(json_t *v, size_t max, const char *chars, int optional)
{
	const char *s = json_string_value(v);
	size_t n;

	if (v == NULL || json_is_null(v))
		return optional;
	if (s == NULL || (n = json_string_length(v)) == 0 || n > max)
		return 0;
	if (chars != NULL)
		return strspn(s, chars) == n;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* v is absent/null (optional) or an integer in lo..hi. */
static int
int_ok(json_t *v, json_int_t lo, json_int_t hi, int optional)
{
	if (v == NULL || json_is_null(v))
		return optional;
	return json_is_integer(v) && json_integer_value(v) >= lo &&
	    json_integer_value(v) <= hi;
}

static int
check_nic(json_t *nic, size_t i, char *err, size_t len)
{
	struct lldp_info li;
	char mac[18], why[200];
	json_t *l = json_object_get(nic, "lldp");

	if (!json_is_object(nic) || !json_is_string(json_object_get(nic, "mac_address")) ||
	    !util_normalize_mac(jstr(nic, "mac_address"), mac)) {
		snprintf(err, len, "inventory.interfaces[%zu] needs a valid mac_address", i);
		return -1;
	}
	if (!str_ok(json_object_get(nic, "name"), 64, NAME_CHARS, 0) ||
	    !str_ok(json_object_get(nic, "ipv4_address"), 64, NULL, 1) ||
	    !str_ok(json_object_get(nic, "ipv6_address"), 64, NULL, 1)) {
		snprintf(err, len, "inventory.interfaces[%zu]: name must be 1-64 characters of "
		    "[A-Za-z0-9._:@-], addresses at most 64 printable characters", i);
		return -1;
	}
	if (l != NULL && !json_is_null(l) && lldp_decode_ipa(l, &li, why, sizeof(why)) != 0) {
		snprintf(err, len, "inventory.interfaces[%zu]: %s", i, why);
		return -1;
	}
	return 0;
}

static int
check_nics(json_t *inv, const struct inspect_limits *l, char *err, size_t len)
{
	json_t *a = json_object_get(inv, "interfaces"), *nic;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > (size_t)l->max_interfaces) {
		snprintf(err, len, "inventory.interfaces must be a list of 1 to %d interfaces",
		    l->max_interfaces);
		return -1;
	}
	json_array_foreach(a, i, nic)
		if (check_nic(nic, i, err, len) != 0)
			return -1;
	return 0;
}

static int
check_disks(json_t *inv, const struct inspect_limits *l, char *err, size_t len)
{
	static const char *const strs[] = { "model", "vendor", "serial", "wwn", "hctl",
	    "by_path", NULL };
	json_t *a = json_object_get(inv, "disks"), *d;
	size_t i;

	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a) || json_array_size(a) > (size_t)l->max_disks) {
		snprintf(err, len, "inventory.disks must be a list of at most %d disks",
		    l->max_disks);
		return -1;
	}
	json_array_foreach(a, i, d) {
		int ok = json_is_object(d) && str_ok(json_object_get(d, "name"), 63, NULL, 0) &&
		    int_ok(json_object_get(d, "size"), 0, 1LL << 60, 0);
		for (int k = 0; ok && strs[k] != NULL; k++)
			ok = json_object_get(d, strs[k]) == NULL ||
			    json_is_null(json_object_get(d, strs[k])) ||
			    (json_is_string(json_object_get(d, strs[k])) &&
			    json_string_length(json_object_get(d, strs[k])) < 128);
		if (!ok) {
			snprintf(err, len, "inventory.disks[%zu] needs a name (at most 63 "
			    "characters) and a size in bytes; its strings at most 127", i);
			return -1;
		}
	}
	return 0;
}

/* cpu, memory, boot: each optional, each within its range when present. */
static int
check_machine(json_t *inv, char *err, size_t len)
{
	json_t *cpu = json_object_get(inv, "cpu"), *mem = json_object_get(inv, "memory");
	json_t *boot = json_object_get(inv, "boot");
	const char *mode = jstr(boot, "current_boot_mode");
	char mac[18];

	if ((cpu != NULL && (!json_is_object(cpu) ||
	    !int_ok(json_object_get(cpu, "count"), 1, 1 << 20, 1) ||
	    !str_ok(json_object_get(cpu, "architecture"), 32,
	    "abcdefghijklmnopqrstuvwxyz0123456789_", 1))) ||
	    (mem != NULL && (!json_is_object(mem) ||
	    !int_ok(json_object_get(mem, "physical_mb"), 1, 1LL << 32, 1)))) {
		snprintf(err, len, "inventory.cpu needs count 1..%d and an architecture of "
		    "[a-z0-9_]; inventory.memory physical_mb 1..2^32", 1 << 20);
		return -1;
	}
	if (boot != NULL && (!json_is_object(boot) || (mode != NULL &&
	    strcmp(mode, "bios") != 0 && strcmp(mode, "uefi") != 0) ||
	    (jstr(boot, "pxe_interface") != NULL &&
	    !util_normalize_mac(jstr(boot, "pxe_interface"), mac)))) {
		snprintf(err, len, "inventory.boot: current_boot_mode is bios or uefi, "
		    "pxe_interface a MAC address");
		return -1;
	}
	return 0;
}

int
inspect_data_check(json_t *body, const struct inspect_limits *l, char *err, size_t len)
{
	json_t *inv = json_object_get(body, "inventory");
	size_t n = json_dumpb(body, NULL, 0, JSON_COMPACT);

	if (!json_is_object(body) || !json_is_object(inv)) {
		snprintf(err, len, "The body must be an object with an inventory object");
		return -1;
	}
	if (n == 0 || n > l->max_size) {
		snprintf(err, len, "Inspection data over %zu bytes", l->max_size);
		return -1;
	}
	if (json_object_get(body, "boot_interface") != NULL &&
	    !str_ok(json_object_get(body, "boot_interface"), 20, NULL, 1)) {
		snprintf(err, len, "boot_interface must be a MAC address");
		return -1;
	}
	return check_nics(inv, l, err, len) || check_disks(inv, l, err, len) ||
	    check_machine(inv, err, len) ? -1 : 0;
}

/* --- properties ---------------------------------------------------------- */

static void
copy_str(char *out, size_t n, json_t *o, const char *k)
{
	snprintf(out, n, "%s", jstr(o, k) ? jstr(o, k) : "");
}

/* The inventory's disks as the agent's struct disk; the count. */
static int
disks_of(json_t *inv, struct disk **out)
{
	json_t *a = json_object_get(inv, "disks"), *d;
	size_t i;
	struct disk *v = calloc(json_array_size(a) + 1, sizeof(*v));

	if (v == NULL)
		return 0;
	json_array_foreach(a, i, d) {
		copy_str(v[i].name, sizeof(v[i].name), d, "name");
		copy_str(v[i].model, sizeof(v[i].model), d, "model");
		copy_str(v[i].vendor, sizeof(v[i].vendor), d, "vendor");
		copy_str(v[i].serial, sizeof(v[i].serial), d, "serial");
		copy_str(v[i].wwn, sizeof(v[i].wwn), d, "wwn");
		copy_str(v[i].hctl, sizeof(v[i].hctl), d, "hctl");
		copy_str(v[i].by_path, sizeof(v[i].by_path), d, "by_path");
		v[i].size = (uint64_t)json_integer_value(json_object_get(d, "size"));
		v[i].rotational = json_is_true(json_object_get(d, "rotational"));
	}
	*out = v;
	return (int)json_array_size(a);
}

/* capabilities "k:v,..." with boot_mode set to mode. */
static void
set_boot_mode(json_t *props, const char *mode)
{
	const char *cur = jstr(props, "capabilities");
	char buf[1024] = "", *save = NULL, *copy = strdup(cur ? cur : "");
	size_t n = 0;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t != NULL;
	    t = strtok_r(NULL, ",", &save))
		if (strncmp(t, "boot_mode:", 10) != 0 && n < sizeof(buf))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s,", t);
	free(copy);
	if (n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, "boot_mode:%s", mode);
	json_object_set_new(props, "capabilities", json_string(buf));
}

int
inspect_data_properties(json_t *props, json_t *inv, json_t **root_disk, char *err,
    size_t len)
{
	json_t *hints = json_object_get(props, "root_device");
	json_t *cpu = json_object_get(inv, "cpu");
	json_int_t mb = json_integer_value(json_object_get(json_object_get(inv, "memory"),
	    "physical_mb"));
	struct disk *d = NULL;
	int n = disks_of(inv, &d), i;

	*root_disk = NULL;
	i = n > 0 ? disk_root_device(d, n, hints, err, len) : -1;
	if (i < 0 && json_object_size(hints) > 0) {
		if (n == 0)
			snprintf(err, len, "no disk matches the root device hints");
		free(d);
		return -1;
	}
	if (json_integer_value(json_object_get(cpu, "count")) > 0)
		json_object_set(props, "cpus", json_object_get(cpu, "count"));
	if (jstr(cpu, "architecture") != NULL)
		json_object_set(props, "cpu_arch", json_object_get(cpu, "architecture"));
	if (mb > 0)
		json_object_set_new(props, "memory_mb", json_integer(mb));
	json_object_set_new(props, "local_gb", json_integer(i < 0 || d[i].size < 2 * GIB ?
	    0 : (json_int_t)(d[i].size / GIB - 1)));
	if (i >= 0)
		*root_disk = json_incref(json_array_get(json_object_get(inv, "disks"),
		    (size_t)i));
	if (jstr(json_object_get(inv, "boot"), "current_boot_mode") != NULL)
		set_boot_mode(props, jstr(json_object_get(inv, "boot"), "current_boot_mode"));
	free(d);
	return 0;
}
