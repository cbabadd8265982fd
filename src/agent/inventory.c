/*
 * The hardware inventory ironic-python-agent reports (poll.get_hardware_info,
 * log.collect_system_logs): CPUs, memory, disks, NICs, boot mode, system
 * vendor, read from procfs, sysfs and DMI; the BMC's address and MAC from
 * the IPMI device (bmc_lan.c).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bmc_lan.h"
#include "disk.h"
#include "inventory.h"

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

/* The first IPv4 and IPv6 address of interface name. */
static void
nic_addrs(struct ifaddrs *ifa, const char *name, char *v4, char *v6)
{
	for (struct ifaddrs *i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET && !v4[0])
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
			    v4, INET_ADDRSTRLEN);
		else if (i->ifa_addr->sa_family == AF_INET6 && !v6[0])
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
			    v6, INET6_ADDRSTRLEN);
	}
}

/* Listed: one of macs, or (no macs) any NIC with a device. */
static bool
nic_listed(const char *name, const char *mac, const char **macs, int nmacs)
{
	char p[PATH_MAX];
	bool listed = nmacs == 0;

	for (int i = 0; i < nmacs; i++)
		listed |= strcasecmp(macs[i], mac) == 0;
	snprintf(p, sizeof(p), "/sys/class/net/%s/device", name);
	return listed && !(nmacs == 0 && access(p, F_OK) != 0);
}

static json_t *
nic_json(const char *name, const char *mac, struct ifaddrs *ifa)
{
	char p[PATH_MAX], carrier[8], speed[32];
	char v4[INET_ADDRSTRLEN] = "", v6[INET6_ADDRSTRLEN] = "";
	long sp;

	snprintf(p, sizeof(p), "/sys/class/net/%s/carrier", name);
	disk_read_line(p, carrier, sizeof(carrier));
	snprintf(p, sizeof(p), "/sys/class/net/%s/speed", name);
	disk_read_line(p, speed, sizeof(speed));
	nic_addrs(ifa, name, v4, v6);
	sp = atol(speed);
	return json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:n, s:o}",
	    "name", name, "mac_address", mac, "ipv4_address", v4[0] ? v4 : NULL,
	    "ipv6_address", v6[0] ? v6 : NULL, "has_carrier", carrier[0] == '1',
	    "lldp", "speed_mbps", sp > 0 ? json_integer(sp) : json_null());
}

static json_t *
nics_json(const char **macs, int nmacs)
{
	json_t *a = json_array();
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	char p[PATH_MAX], mac[64];
	struct ifaddrs *ifa = NULL;

	getifaddrs(&ifa);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/address", e->d_name);
		disk_read_line(p, mac, sizeof(mac));
		if (nic_listed(e->d_name, mac, macs, nmacs))
			json_array_append_new(a, nic_json(e->d_name, mac, ifa));
	}
	if (d != NULL)
		closedir(d);
	freeifaddrs(ifa);
	return a;
}

json_t *
inventory_json(const char *test_disk, const char **macs, int nmacs)
{
	struct disk *d = NULL;
	int n = disk_list(&d, test_disk);
	json_t *disks = json_array();
	char vendor[128], product[128], serial[128], host[256] = "";
	struct bmc_lan bmc;
	bool uefi = access("/sys/firmware/efi", F_OK) == 0;

	for (int i = 0; i < n; i++)
		json_array_append_new(disks, disk_json(&d[i]));
	free(d);
	disk_read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	disk_read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	disk_read_line("/sys/class/dmi/id/product_serial", serial, sizeof(serial));
	gethostname(host, sizeof(host) - 1);
	/* A test disk: not this machine's hardware, nor its BMC. */
	if (test_disk != NULL || !bmc_lan_read(&bmc))
		memset(&bmc, 0, sizeof(bmc));
	return json_pack("{s:o, s:o, s:o, s:o, s:s?, s:s?, s:n, s:{s:s, s:s, s:s}, "
	    "s:{s:s, s:n}, s:s}",
	    "interfaces", nics_json(macs, nmacs), "cpu", cpu_json(), "memory", memory_json(),
	    "disks", disks, "bmc_address", bmc.address[0] ? bmc.address : NULL,
	    "bmc_mac", bmc.mac[0] ? bmc.mac : NULL, "bmc_v6address",
	    "system_vendor", "product_name", product, "serial_number", serial,
	    "manufacturer", vendor,
	    "boot", "current_boot_mode", uefi ? "uefi" : "bios", "pxe_interface",
	    "hostname", host);
}

void
inventory_set_lldp(json_t *inv, json_t *by_ifname)
{
	size_t i;
	json_t *nic, *l;

	json_array_foreach(json_object_get(inv, "interfaces"), i, nic)
		if ((l = json_object_get(by_ifname, json_string_value(json_object_get(nic,
		    "name")) ? json_string_value(json_object_get(nic, "name")) : "")) != NULL)
			json_object_set(nic, "lldp", l);
}
