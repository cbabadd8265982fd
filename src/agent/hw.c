/*
 * Hardware facts read from sysfs and procfs, shaped as the inventory
 * ironic-python-agent reports, and root-device selection by hints.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hw.h"

static void
read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)len, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

static bool
skip_dev(const char *n)
{
	static const char *const pfx[] = { "loop", "ram", "zram", "sr", "fd", "dm-",
	    "md", "nbd", NULL };
	for (int i = 0; pfx[i] != NULL; i++)
		if (strncmp(n, pfx[i], strlen(pfx[i])) == 0)
			return true;
	return false;
}

static void
by_path_of(const char *name, char *out, size_t len)
{
	DIR *d = opendir("/dev/disk/by-path");
	struct dirent *e;
	char p[PATH_MAX], t[PATH_MAX];

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;
		snprintf(p, sizeof(p), "/dev/disk/by-path/%s", e->d_name);
		if ((n = readlink(p, t, sizeof(t) - 1)) <= 0)
			continue;
		t[n] = '\0';
		const char *b = strrchr(t, '/');
		if (b != NULL && strcmp(b + 1, name) == 0) {
			snprintf(out, len, "%.*s", (int)len - 1, p);
			break;
		}
	}
	closedir(d);
}

int
hw_disks(struct disk **out, const char *test_disk)
{
	struct disk *v = NULL;
	int n = 0;
	char p[PATH_MAX], b[256];
	DIR *d;
	struct dirent *e;

	*out = NULL;
	if (test_disk != NULL) {
		struct stat st;
		if (stat(test_disk, &st) != 0)
			return -1;
		v = calloc(1, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", test_disk);
		snprintf(v->model, sizeof(v->model), "ingot test disk");
		snprintf(v->vendor, sizeof(v->vendor), "ingot");
		snprintf(v->serial, sizeof(v->serial), "ingot-test-disk-0");
		v->size = (uint64_t)st.st_size;
		*out = v;
		return 1;
	}
	if ((d = opendir("/sys/block")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct disk k = { 0 };
		if (e->d_name[0] == '.' || skip_dev(e->d_name))
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/size", e->d_name);
		read_line(p, b, sizeof(b));
		k.size = strtoull(b, NULL, 10) * 512;
		if (k.size == 0)
			continue;
		snprintf(k.name, sizeof(k.name), "/dev/%.58s", e->d_name);
		snprintf(p, sizeof(p), "/sys/block/%s/device/model", e->d_name);
		read_line(p, k.model, sizeof(k.model));
		snprintf(p, sizeof(p), "/sys/block/%s/device/vendor", e->d_name);
		read_line(p, k.vendor, sizeof(k.vendor));
		if (k.vendor[0] == '\0') {
			snprintf(p, sizeof(p), "/sys/block/%s/device/device/vendor", e->d_name);
			read_line(p, k.vendor, sizeof(k.vendor));
		}
		snprintf(p, sizeof(p), "/sys/block/%s/device/serial", e->d_name);
		read_line(p, k.serial, sizeof(k.serial));
		if (k.serial[0] == '\0') {
			snprintf(p, sizeof(p), "/sys/block/%s/serial", e->d_name);
			read_line(p, k.serial, sizeof(k.serial));
		}
		snprintf(p, sizeof(p), "/sys/block/%s/device/wwid", e->d_name);
		read_line(p, k.wwn, sizeof(k.wwn));
		if (k.wwn[0] == '\0') {
			snprintf(p, sizeof(p), "/sys/block/%s/wwid", e->d_name);
			read_line(p, k.wwn, sizeof(k.wwn));
		}
		snprintf(p, sizeof(p), "/sys/block/%s/queue/rotational", e->d_name);
		read_line(p, b, sizeof(b));
		k.rotational = b[0] == '1';
		snprintf(p, sizeof(p), "/sys/block/%s/device", e->d_name);
		char t[PATH_MAX];
		ssize_t tn = readlink(p, t, sizeof(t) - 1);
		if (tn > 0) {
			t[tn] = '\0';
			const char *base = strrchr(t, '/');
			base = base ? base + 1 : t;
			int a, bb, c, dd;
			if (sscanf(base, "%d:%d:%d:%d", &a, &bb, &c, &dd) == 4)
				snprintf(k.hctl, sizeof(k.hctl), "%.31s", base);
		}
		by_path_of(e->d_name, k.by_path, sizeof(k.by_path));
		struct disk *nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[n++] = k;
	}
	closedir(d);
	*out = v;
	return n;
}

/* --- hints ---------------------------------------------------------------- */

static bool
match_int(json_t *h, uint64_t have, char *err, size_t len, bool *bad)
{
	const char *s;
	char op[4] = "==";
	long long want;

	if (json_is_integer(h))
		return (uint64_t)json_integer_value(h) == have;
	if ((s = json_string_value(h)) == NULL) {
		snprintf(err, len, "root device hint size must be an integer or "
		    "\"<op> N\"");
		*bad = true;
		return false;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0' && strchr("<>=!", *s)) {
		size_t i = 0;
		while (i < 2 && s[i] != '\0' && strchr("<>=!", s[i])) {
			op[i] = s[i];
			i++;
		}
		op[i] = '\0';
		s += i;
	}
	char *end;
	want = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0' || want < 0) {
		snprintf(err, len, "root device hint size \"%s\" is not a number", s);
		*bad = true;
		return false;
	}
	uint64_t w = (uint64_t)want;
	if (!strcmp(op, "==") || !strcmp(op, "="))
		return have == w;
	if (!strcmp(op, "!="))
		return have != w;
	if (!strcmp(op, ">="))
		return have >= w;
	if (!strcmp(op, "<="))
		return have <= w;
	if (!strcmp(op, ">"))
		return have > w;
	if (!strcmp(op, "<"))
		return have < w;
	snprintf(err, len, "root device hint operator \"%s\" is not supported", op);
	*bad = true;
	return false;
}

/* Strings: exact (case-insensitive), or "s== X", "<in> X", "<or> A <or> B". */
static bool
match_str(const char *have, const char *want)
{
	if (strncmp(want, "s== ", 4) == 0)
		return strcmp(have, want + 4) == 0;
	if (strncmp(want, "s!= ", 4) == 0)
		return strcmp(have, want + 4) != 0;
	if (strncmp(want, "<in> ", 5) == 0)
		return strstr(have, want + 5) != NULL;
	if (strncmp(want, "<or> ", 5) == 0) {
		char buf[512], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", want + 5);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (strcmp(t, "<or>") != 0 && strcasecmp(t, have) == 0)
				return true;
		return false;
	}
	return strcasecmp(have, want) == 0;
}

int
hw_root_device(const struct disk *d, int n, json_t *hints, char *err, size_t len)
{
	static const char *const known[] = { "size", "name", "serial", "wwn", "model",
	    "vendor", "rotational", "hctl", "by_path", NULL };
	const char *k;
	json_t *v;
	int best = -1;

	if (hints != NULL && !json_is_object(hints) && !json_is_null(hints)) {
		snprintf(err, len, "root_device hints must be an object");
		return -1;
	}
	json_object_foreach(hints, k, v) {
		bool ok = false;
		for (int i = 0; known[i]; i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok) {
			snprintf(err, len, "root device hint \"%s\" is not supported", k);
			return -1;
		}
		if (strcmp(k, "size") != 0 && strcmp(k, "rotational") != 0 && !json_is_string(v)) {
			snprintf(err, len, "root device hint \"%s\" must be a string", k);
			return -1;
		}
	}
	if (hints == NULL || json_object_size(hints) == 0) {
		for (int i = 0; i < n; i++)
			if (d[i].size >= (4ULL << 30) && (best < 0 || d[i].size < d[best].size))
				best = i;
		if (best < 0)
			snprintf(err, len, "no disk of at least 4 GiB was found (%d disks)", n);
		return best;
	}
	for (int i = 0; i < n; i++) {
		bool m = true, bad = false;
		json_object_foreach(hints, k, v) {
			if (!strcmp(k, "size"))
				m &= match_int(v, d[i].size >> 30, err, len, &bad);
			else if (!strcmp(k, "rotational")) {
				bool want = json_is_true(v) || (json_is_string(v) &&
				    (!strcasecmp(json_string_value(v), "true") ||
				    !strcmp(json_string_value(v), "1")));
				m &= want == d[i].rotational;
			} else {
				const char *s = json_string_value(v);
				const char *have = !strcmp(k, "name") ? d[i].name :
				    !strcmp(k, "serial") ? d[i].serial : !strcmp(k, "wwn") ?
				    d[i].wwn : !strcmp(k, "model") ? d[i].model :
				    !strcmp(k, "vendor") ? d[i].vendor : !strcmp(k, "hctl") ?
				    d[i].hctl : d[i].by_path;
				char nm[80];
				/* name may be given without /dev/ */
				if (!strcmp(k, "name") && strncmp(s, "/dev/", 5) != 0 &&
				    strncmp(d[i].name, "/dev/", 5) == 0) {
					snprintf(nm, sizeof(nm), "%s", d[i].name + 5);
					have = nm;
				}
				m &= match_str(have, s);
			}
			if (bad)
				return -1;
		}
		if (m)
			return i;
	}
	snprintf(err, len, "no disk matches the root device hints");
	return -1;
}

json_t *
hw_disk_json(const struct disk *d)
{
	return json_pack("{s:s, s:s, s:I, s:b, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "name", d->name, "model", d->model, "size", (json_int_t)d->size,
	    "rotational", d->rotational, "wwn", d->wwn[0] ? d->wwn : NULL,
	    "serial", d->serial[0] ? d->serial : NULL,
	    "vendor", d->vendor[0] ? d->vendor : NULL,
	    "hctl", d->hctl[0] ? d->hctl : NULL,
	    "by_path", d->by_path[0] ? d->by_path : NULL);
}

/* --- inventory ---------------------------------------------------------- */

static json_t *
cpu_json(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096], model[256] = "", mhz[64] = "";
	json_t *flags = json_array();
	struct utsname u;
	int count = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');
		if (c == NULL)
			continue;
		char *val = c + 1;
		while (*val == ' ')
			val++;
		val[strcspn(val, "\n")] = '\0';
		if (strncmp(line, "processor", 9) == 0)
			count++;
		else if (strncmp(line, "model name", 10) == 0 && !model[0])
			snprintf(model, sizeof(model), "%s", val);
		else if (strncmp(line, "cpu MHz", 7) == 0 && !mhz[0])
			snprintf(mhz, sizeof(mhz), "%s", val);
		else if (strncmp(line, "flags", 5) == 0 && json_array_size(flags) == 0) {
			char *save = NULL;
			for (char *t = strtok_r(val, " ", &save); t; t = strtok_r(NULL, " ", &save))
				json_array_append_new(flags, json_string(t));
		}
	}
	if (f != NULL)
		fclose(f);
	uname(&u);
	return json_pack("{s:s, s:s, s:i, s:s, s:o, s:i}", "model_name", model,
	    "frequency", mhz, "count", count, "architecture", u.machine, "flags", flags,
	    "socket_count", 1);
}

static json_t *
memory_json(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kb = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return json_pack("{s:I, s:I}", "total", (json_int_t)(kb * 1024),
	    "physical_mb", (json_int_t)((kb + 1023) / 1024));
}

static json_t *
nics_json(const char **macs, int nmacs)
{
	json_t *a = json_array();
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	char p[PATH_MAX], mac[64], carrier[8], speed[32];
	struct ifaddrs *ifa = NULL;

	getifaddrs(&ifa);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/address", e->d_name);
		read_line(p, mac, sizeof(mac));
		bool listed = nmacs == 0;
		for (int i = 0; i < nmacs; i++)
			listed |= strcasecmp(macs[i], mac) == 0;
		snprintf(p, sizeof(p), "/sys/class/net/%s/device", e->d_name);
		if (!listed || (nmacs == 0 && access(p, F_OK) != 0))
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/carrier", e->d_name);
		read_line(p, carrier, sizeof(carrier));
		snprintf(p, sizeof(p), "/sys/class/net/%s/speed", e->d_name);
		read_line(p, speed, sizeof(speed));
		char v4[INET_ADDRSTRLEN] = "", v6[INET6_ADDRSTRLEN] = "";
		for (struct ifaddrs *i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL || strcmp(i->ifa_name, e->d_name) != 0)
				continue;
			if (i->ifa_addr->sa_family == AF_INET && !v4[0])
				inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
				    v4, sizeof(v4));
			else if (i->ifa_addr->sa_family == AF_INET6 && !v6[0])
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
				    v6, sizeof(v6));
		}
		long sp = atol(speed);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:n, s:o}",
		    "name", e->d_name, "mac_address", mac, "ipv4_address", v4[0] ? v4 : NULL,
		    "ipv6_address", v6[0] ? v6 : NULL, "has_carrier", carrier[0] == '1',
		    "lldp", "speed_mbps", sp > 0 ? json_integer(sp) : json_null()));
	}
	if (d != NULL)
		closedir(d);
	freeifaddrs(ifa);
	return a;
}

json_t *
hw_inventory(const char *test_disk, const char **macs, int nmacs)
{
	struct disk *d = NULL;
	int n = hw_disks(&d, test_disk);
	json_t *disks = json_array();
	char vendor[128], product[128], serial[128], host[256] = "";
	bool uefi = access("/sys/firmware/efi", F_OK) == 0;

	for (int i = 0; i < n; i++)
		json_array_append_new(disks, hw_disk_json(&d[i]));
	free(d);
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	read_line("/sys/class/dmi/id/product_serial", serial, sizeof(serial));
	gethostname(host, sizeof(host) - 1);
	return json_pack("{s:o, s:o, s:o, s:o, s:n, s:n, s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:n}, s:s}",
	    "interfaces", nics_json(macs, nmacs), "cpu", cpu_json(), "memory", memory_json(),
	    "disks", disks, "bmc_address", "bmc_v6address",
	    "system_vendor", "product_name", product, "serial_number", serial,
	    "manufacturer", vendor,
	    "boot", "current_boot_mode", uefi ? "uefi" : "bios", "pxe_interface",
	    "hostname", host);
}
