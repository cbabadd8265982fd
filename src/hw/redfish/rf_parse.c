/*
 * Pure functions over Redfish documents (see redfish.h).  Every input is
 * the BMC's and untrusted: members may be missing, of the wrong type or
 * absurdly long; the results are bounded and well-formed regardless.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "redfish.h"
#include "util.h"

/* Appends s to out as one printable line (control characters dropped). */
static void
add_clean(char *out, size_t len, size_t *n, const char *s)
{
	for (; s != NULL && *s != '\0' && *n + 1 < len; s++)
		if (!iscntrl((unsigned char)*s))
			out[(*n)++] = *s;
	out[*n] = '\0';
}

static void
add_messages(json_t *infos, char *out, size_t len, size_t *n)
{
	size_t i, shown = 0;
	json_t *m;

	json_array_foreach(infos, i, m) {
		/* some BMCs (iLO) give only the MessageId */
		const char *s = jstr(m, "Message") ? jstr(m, "Message") : jstr(m, "MessageId");
		if (s == NULL || shown == 4)
			continue;
		if (shown++ > 0)
			add_clean(out, len, n, "; ");
		add_clean(out, len, n, s);
	}
}

void
rf_error_text(long status, json_t *body, char *out, size_t len)
{
	json_t *e = json_object_get(body, "error");
	char msg[400] = "";
	size_t n = 0;

	add_messages(json_object_get(e, "@Message.ExtendedInfo"), msg, sizeof(msg), &n);
	if (n == 0)
		add_messages(json_object_get(body, "@Message.ExtendedInfo"), msg,
		    sizeof(msg), &n);
	if (n == 0)
		add_clean(msg, sizeof(msg), &n, jstr(e, "message") ? jstr(e, "message") :
		    status == 401 ? "authentication failed" : status == 404 ?
		    "resource not found" : "no message");
	snprintf(out, len, "the BMC answered %ld: %s", status, msg);
}

int
rf_power_of(json_t *system, enum hw_power *st)
{
	const char *p = jstr(system, "PowerState");

	*st = HW_POWER_UNKNOWN;
	if (p == NULL)
		return -1;
	if (strcmp(p, "On") == 0 || strcmp(p, "PoweringOn") == 0 ||
	    strcmp(p, "Paused") == 0)
		*st = HW_POWER_ON;
	else if (strcmp(p, "Off") == 0 || strcmp(p, "PoweringOff") == 0)
		*st = HW_POWER_OFF;
	else
		return -1;
	return 0;
}

static const char *const boot_map[][2] = {
	{ "pxe", "Pxe" }, { "disk", "Hdd" }, { "cdrom", "Cd" }, { "bios", "BiosSetup" },
	{ "uefi http", "UefiHttp" }, { "usb", "Usb" }, { NULL, NULL },
};

const char *
rf_boot_target_of(const char *dev)
{
	for (size_t i = 0; dev != NULL && boot_map[i][0] != NULL; i++)
		if (strcmp(boot_map[i][0], dev) == 0)
			return boot_map[i][1];
	return NULL;
}

const char *
rf_boot_dev_of(const char *target)
{
	for (size_t i = 0; target != NULL && boot_map[i][0] != NULL; i++)
		if (strcmp(boot_map[i][1], target) == 0)
			return boot_map[i][0];
	return NULL;
}

int
rf_task_state(long status, json_t *task, char *err, size_t len)
{
	const char *s = jstr(task, "TaskState");

	if (status == 202 && (s == NULL || strcmp(s, "Completed") != 0))
		return 1;
	if (s == NULL || strcmp(s, "Completed") == 0) {
		if (jstr(task, "TaskStatus") == NULL ||
		    strcmp(jstr(task, "TaskStatus"), "Critical") != 0)
			return 0;
	} else if (strcmp(s, "New") == 0 || strcmp(s, "Starting") == 0 ||
	    strcmp(s, "Running") == 0 || strcmp(s, "Pending") == 0 ||
	    strcmp(s, "Stopping") == 0 || strcmp(s, "Suspended") == 0 ||
	    strcmp(s, "Service") == 0 || strcmp(s, "Interrupted") == 0) {
		return 1;
	}
	{
		size_t n = (size_t)snprintf(err, len, "the BMC's task ended %s: ",
		    s ? (strlen(s) < 32 ? s : "badly") : "Completed");
		if (n < len) {
			add_messages(json_object_get(task, "Messages"), err, len, &n);
			if (err[n - 1] == ' ')
				add_clean(err, len, &n, "no message");
		}
	}
	return -1;
}

const char *
rf_link(json_t *o, const char *member)
{
	return jstr(json_object_get(o, member), "@odata.id");
}

size_t
rf_members(json_t *collection)
{
	return json_array_size(json_object_get(collection, "Members"));
}

/* A number member as an integer, or -1. */
static json_int_t
jnum(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9.2e18)
		return (json_int_t)json_real_value(v);
	return -1;
}

static const char *
arch_of(json_t *procs)
{
	size_t i;
	json_t *p;

	json_array_foreach(procs, i, p) {
		const char *is = jstr(p, "InstructionSet"), *a = jstr(p, "ProcessorArchitecture");
		if (is != NULL && strcmp(is, "x86-64") == 0)
			return "x86_64";
		if (is != NULL && strcmp(is, "ARM-A64") == 0)
			return "aarch64";
		if (is != NULL && strcmp(is, "PowerISA") == 0)
			return "ppc64le";
		if (a != NULL && strcmp(a, "x86") == 0)
			return "x86_64";
		if (a != NULL && strcmp(a, "ARM") == 0)
			return "aarch64";
	}
	return NULL;
}

static json_t *
cpu_of(json_t *system, json_t *procs)
{
	json_t *sum = json_object_get(system, "ProcessorSummary"), *p, *first = NULL;
	json_int_t threads = 0, mhz = -1;
	size_t i;

	json_array_foreach(procs, i, p) {
		const char *type = jstr(p, "ProcessorType");
		if (type != NULL && strcmp(type, "CPU") != 0)
			continue;
		first = first ? first : p;
		if (jnum(p, "TotalThreads") > 0 && jnum(p, "TotalThreads") < 65536)
			threads += jnum(p, "TotalThreads");
		else if (jnum(p, "TotalCores") > 0 && jnum(p, "TotalCores") < 65536)
			threads += jnum(p, "TotalCores");
		if (jnum(p, "MaxSpeedMHz") > 0)
			mhz = jnum(p, "MaxSpeedMHz");
	}
	if (threads == 0 && jnum(sum, "LogicalProcessorCount") > 0)
		threads = jnum(sum, "LogicalProcessorCount");
	if (threads == 0 && jnum(sum, "Count") > 0)
		threads = jnum(sum, "Count");
	return json_pack("{s:I, s:s?, s:s?, s:o}", "count", (json_int_t)threads,
	    "architecture", arch_of(procs), "model_name", first && jstr(first, "Model") ?
	    jstr(first, "Model") : jstr(sum, "Model"), "frequency",
	    mhz > 0 ? json_sprintf("%lld", (long long)mhz) : json_null());
}

static json_t *
memory_of(json_t *system, json_t *mems)
{
	json_t *m, *sum = json_object_get(system, "MemorySummary");
	json_int_t mib = 0;
	size_t i;

	json_array_foreach(mems, i, m)
		if (jnum(m, "CapacityMiB") > 0 && jnum(m, "CapacityMiB") < (1LL << 40))
			mib += jnum(m, "CapacityMiB");
	if (mib == 0) {
		json_t *g = json_object_get(sum, "TotalSystemMemoryGiB");
		if (json_is_number(g) && json_number_value(g) > 0 &&
		    json_number_value(g) < (double)(1 << 30))
			mib = (json_int_t)(json_number_value(g) * 1024);
	}
	return json_pack("{s:I, s:I}", "physical_mb", mib, "total", mib * 1048576);
}

static json_t *
nics_of(json_t *nics)
{
	json_t *out = json_array(), *n;
	size_t i;

	json_array_foreach(nics, i, n) {
		const char *mac = jstr(n, "MACAddress") ? jstr(n, "MACAddress") :
		    jstr(n, "PermanentMACAddress");
		char norm[18];
		if (mac == NULL || !util_normalize_mac(mac, norm))
			continue;
		json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "name",
		    jstr(n, "Id") && strlen(jstr(n, "Id")) < 64 ? jstr(n, "Id") : "nic",
		    "mac_address", norm, "has_carrier", !jstr(n, "LinkStatus") ||
		    strcmp(jstr(n, "LinkStatus"), "LinkUp") == 0));
	}
	return out;
}

static json_t *
disks_of(json_t *drives)
{
	json_t *out = json_array(), *d;
	size_t i;

	json_array_foreach(drives, i, d) {
		json_int_t sz = jnum(d, "CapacityBytes");
		const char *media = jstr(d, "MediaType");
		if (sz <= 0)
			continue;
		json_array_append_new(out, json_pack("{s:s, s:I, s:s?, s:s?, s:b}", "name",
		    jstr(d, "Id") && strlen(jstr(d, "Id")) < 64 ? jstr(d, "Id") : "disk",
		    "size", sz, "model", jstr(d, "Model"), "serial", jstr(d, "SerialNumber"),
		    "rotational", media != NULL && strcmp(media, "HDD") == 0));
	}
	return out;
}

json_t *
rf_inventory(json_t *system, json_t *procs, json_t *mems, json_t *nics, json_t *drives)
{
	json_t *boot = json_object_get(system, "Boot");
	const char *mode = jstr(boot, "BootSourceOverrideMode");

	return json_pack("{s:o, s:o, s:o, s:o, s:{s:s?, s:s?, s:s?}, s:{s:s}}",
	    "cpu", cpu_of(system, procs), "memory", memory_of(system, mems),
	    "interfaces", nics_of(nics), "disks", disks_of(drives),
	    "system_vendor", "manufacturer", jstr(system, "Manufacturer"),
	    "product_name", jstr(system, "Model"), "serial_number",
	    jstr(system, "SerialNumber"), "boot", "current_boot_mode",
	    mode != NULL && strcmp(mode, "Legacy") == 0 ? "bios" : "uefi");
}

void
rf_inventory_properties(json_t *inv, json_t *props)
{
	json_t *cpu = json_object_get(inv, "cpu"), *d;
	json_int_t smallest = 0, mb = jnum(json_object_get(inv, "memory"), "physical_mb");
	size_t i;

	if (jnum(cpu, "count") > 0)
		json_object_set_new(props, "cpus", json_integer(jnum(cpu, "count")));
	if (jstr(cpu, "architecture") != NULL)
		json_object_set_new(props, "cpu_arch", json_string(jstr(cpu, "architecture")));
	if (mb > 0)
		json_object_set_new(props, "memory_mb", json_integer(mb));
	/* local_gb: the smallest disk (the root device without hints), less
	 * one GiB for the partition table, as Ironic's inspection does */
	json_array_foreach(json_object_get(inv, "disks"), i, d)
		if (smallest == 0 || jnum(d, "size") < smallest)
			smallest = jnum(d, "size");
	if (smallest > (1LL << 30))
		json_object_set_new(props, "local_gb",
		    json_integer(smallest / (1LL << 30) - 1));
}

static void
sensor_add(json_t *out, json_t *s, const char *reading_key, const char *units)
{
	json_t *v = json_object_get(s, reading_key);
	const char *name = jstr(s, "Name"), *h = jstr(json_object_get(s, "Status"), "Health");

	if (name == NULL || strlen(name) > 128 || (!json_is_number(v) && !json_is_null(v)))
		return;
	json_array_append_new(out, json_pack("{s:s, s:O, s:s, s:s}", "name", name,
	    "reading", v ? v : json_null(), "units", units, "state",
	    h == NULL ? "Unknown" : strcmp(h, "OK") == 0 ? "Nominal" :
	    strcmp(h, "Warning") == 0 ? "Warning" : strcmp(h, "Critical") == 0 ?
	    "Critical" : "Unknown"));
}

static void
sensors_of(json_t *out, json_t *list, const char *reading_key, const char *units)
{
	json_t *s;
	size_t i;

	json_array_foreach(list, i, s) {
		const char *u = jstr(s, "ReadingUnits");
		if (json_array_size(out) >= 256)
			return;
		sensor_add(out, s, reading_key, units ? units : u && strlen(u) < 16 ? u : "");
	}
}

json_t *
rf_sensors(json_t *thermal, json_t *power)
{
	json_t *out = json_array();

	sensors_of(out, json_object_get(thermal, "Temperatures"), "ReadingCelsius", "C");
	sensors_of(out, json_object_get(thermal, "Fans"), "Reading", NULL);
	sensors_of(out, json_object_get(power, "Voltages"), "ReadingVolts", "V");
	sensors_of(out, json_object_get(power, "PowerControl"), "PowerConsumedWatts", "W");
	return out;
}

json_t *
rf_bios_attributes(json_t *bios)
{
	json_t *a = json_object_get(bios, "Attributes"), *out = json_object(), *v;
	const char *k;

	json_object_foreach(a, k, v) {
		if (json_object_size(out) >= 4096 || strlen(k) > 255)
			break;
		if (json_is_string(v) || json_is_number(v) || json_is_boolean(v) ||
		    json_is_null(v))
			json_object_set(out, k, v);
	}
	return out;
}
