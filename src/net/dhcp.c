/*
 * DHCP per network (dhcp.h): ties a network record to its namespace and
 * port (netns.c), its dnsmasq configuration and host entries (dhcp_conf.c)
 * and its dnsmasq process (dnsmasq.c).  Files live in
 * <state_dir>/net<VLAN>/: dnsmasq.conf, hosts/<MAC>, leases, dnsmasq.log.
 * Host entries are rows of the database (dhcp_db.c), shared by every
 * conductor; the conductor that serves a network renders them into its
 * hosts/ (dhcp_hosts_render).  One lock serialises changes of networks and
 * host entries within this ingotd.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cidr.h"
#include "dhcp.h"
#include "dhcp_conf.h"
#include "dhcp_db.h"
#include "dnsmasq.h"
#include "dnsmasq_orphans.h"
#include "jsonutil.h"
#include "log.h"
#include "netns.h"
#include "priv.h"
#include "util.h"

static struct {
	bool		 enabled;
	bool		 tls;
	bool		 discovery;	/* the provisioning server answers any MAC */
	int		 http_port;
	bool		 tenant_sanboot;
	char		 state_dir[512];
	char		 tftp_root[512];
	pthread_mutex_t	 mtx;
} dh = { .mtx = PTHREAD_MUTEX_INITIALIZER };

static int
vlan_of(json_t *n)
{
	return (int)json_integer_value(json_object_get(n, "vlan_id"));
}

bool
dhcp_enabled(void)
{
	return dh.enabled;
}

void
dhcp_netns_name(json_t *n, char *buf, size_t len)
{
	netns_name(vlan_of(n), buf, len);
}

const char *
dhcp_server_ip(json_t *n, char *buf, size_t len)
{
	return dhcp_conf_server_ip(n, buf, len);
}

static void
net_dir(json_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/net%d", dh.state_dir, vlan_of(n));
}

static int
mkdirs(const char *path)
{
	char tmp[600];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Replaces path with text: a new file renamed over the old one. */
static int
write_file(const char *path, const char *text, char *err, size_t len)
{
	char tmp[1100];
	FILE *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "we")) == NULL) {
		snprintf(err, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	fputs(text, fp);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool
is_tenant(json_t *n)
{
	return jstr(n, "purpose") != NULL && strcmp(jstr(n, "purpose"), "tenant") == 0;
}

/* A storage network's DHCP hands addresses to known hosts and no boot file. */
static bool
is_storage(json_t *n)
{
	return jstr(n, "purpose") != NULL && strcmp(jstr(n, "purpose"), "storage") == 0;
}

static bool
is_provisioning(json_t *n)
{
	return jstr(n, "purpose") != NULL && strcmp(jstr(n, "purpose"), "provisioning") == 0;
}

static int
write_conf(json_t *n, const char *dir, char *path, size_t plen, char *err,
    size_t len)
{
	char ifn[32];
	struct dhcp_render r = { .ifname = ifn, .dir = dir,
	    .provisioning = !is_tenant(n) && !is_storage(n), .tftp_root = dh.tftp_root,
	    .sanboot = is_tenant(n) && dh.tenant_sanboot,
	    .http_port = dh.http_port, .tls = dh.tls,
	    .any_mac = dh.discovery && is_provisioning(n) };
	char *text;
	int rc;

	netns_ifname(vlan_of(n), ifn, sizeof(ifn));
	if ((text = dhcp_conf_render(n, &r)) == NULL) {
		snprintf(err, len, "network %s has no usable cidr or dhcp_range",
		    jstr(n, "name"));
		return -1;
	}
	snprintf(path, plen, "%s/dnsmasq.conf", dir);
	rc = write_file(path, text, err, len);
	free(text);
	return rc;
}

static int read_host(const char *path, uint32_t *ip);

/* Whether the host file at path holds ip. */
static bool
file_has(const char *path, const char *ip)
{
	uint32_t a, b;

	return read_host(path, &a) == 1 && ip4_parse(ip, &b) && a == b;
}

/* Files of hosts no entry of want ({MAC: ip}) names go; true if any did. */
static bool
prune(const char *hosts, json_t *want)
{
	char p[1000];
	struct dirent *de;
	bool gone = false;
	DIR *d;

	if ((d = opendir(hosts)) == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || json_object_get(want, de->d_name) != NULL)
			continue;
		snprintf(p, sizeof(p), "%s/%s", hosts, de->d_name);
		gone |= unlink(p) == 0;
	}
	closedir(d);
	return gone;
}

/* hosts/ (of the network n) made the database's entries: new and changed
 * files written, those of removed entries deleted; true if any was. */
static bool
render(json_t *n, const char *hosts)
{
	json_t *all = dhcp_db_list(jstr(n, "uuid")), *want = json_object(), *r;
	char path[1000], line[128], err[256];
	size_t i;
	bool gone;

	if (all == NULL) {
		json_decref(want);
		return false;
	}
	json_array_foreach(all, i, r) {
		const char *mac = jstr(r, "address"), *ip = jstr(r, "ip");
		char norm[18];

		if (!util_normalize_mac(mac, norm) || ip == NULL)
			continue;
		json_object_set_new(want, norm, json_string(ip));
		snprintf(path, sizeof(path), "%s/%s", hosts, norm);
		if (!file_has(path, ip) &&
		    dhcp_conf_host_line(norm, ip, line, sizeof(line)) == 0 &&
		    write_file(path, line, err, sizeof(err)) != 0)
			log_error("dhcp: %s", err);
	}
	gone = prune(hosts, want);
	json_decref(all);
	json_decref(want);
	return gone;
}

bool
dhcp_serves(json_t *n)
{
	return dh.enabled && dnsmasq_serves(vlan_of(n));
}

void
dhcp_hosts_render(json_t *n)
{
	char dir[600], hosts[700];
	bool gone;

	if (!dh.enabled || !dnsmasq_serves(vlan_of(n)))
		return;
	net_dir(n, dir, sizeof(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	pthread_mutex_lock(&dh.mtx);
	gone = render(n, hosts);
	pthread_mutex_unlock(&dh.mtx);
	if (gone)
		dnsmasq_reload(vlan_of(n));	/* removed entries need a reload */
}

/* Host files written before the entries were in the database (an older
 * ingotd) are recorded there, once: when the network has no entry yet. */
static void
import_once(json_t *n, const char *hosts)
{
	json_t *all = dhcp_db_list(jstr(n, "uuid"));
	char p[1000], ip[32], norm[18];
	struct dirent *de;
	uint32_t a;
	DIR *d;

	if (all == NULL || json_array_size(all) > 0 || (d = opendir(hosts)) == NULL) {
		json_decref(all);
		return;
	}
	json_decref(all);
	while ((de = readdir(d)) != NULL) {
		snprintf(p, sizeof(p), "%s/%s", hosts, de->d_name);
		if (!util_normalize_mac(de->d_name, norm) || read_host(p, &a) != 1)
			continue;
		ip4_str(a, ip, sizeof(ip));
		if (dhcp_db_add(jstr(n, "uuid"), norm, ip) == 0)
			log_info("dhcp: %s's address %s on network %s recorded in the "
			    "database", norm, ip, jstr(n, "name"));
	}
	closedir(d);
}

/* Directories, namespace and port, configuration, then (re)start. */
static int
serve(json_t *n, char *err, size_t len)
{
	char dir[600], hosts[700], conf[700], ns[32], addr[64];

	net_dir(n, dir, sizeof(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	if (mkdirs(hosts) != 0) {
		snprintf(err, len, "cannot create %s: %s", hosts, strerror(errno));
		return -1;
	}
	if (dhcp_conf_server_cidr(n, addr, sizeof(addr)) != 0) {
		snprintf(err, len, "network %s has no usable cidr", jstr(n, "name"));
		return -1;
	}
	if (netns_plumb(vlan_of(n), addr, jstr(n, "name"), err, len) != 0 ||
	    write_conf(n, dir, conf, sizeof(conf), err, len) != 0)
		return -1;
	import_once(n, hosts);
	render(n, hosts);
	netns_name(vlan_of(n), ns, sizeof(ns));
	return dnsmasq_start(vlan_of(n), jstr(n, "name"), ns, conf, err, len);
}

/* Stops vlan's server, if it has one, and removes its port and namespace. */
static void
retire(int vlan)
{
	char hosts[600];
	json_t *none = json_object();

	if (dnsmasq_stop(vlan)) {
		netns_unplumb(vlan);
		/* the entries stay in the database; no stale file is left */
		snprintf(hosts, sizeof(hosts), "%s/net%d/hosts", dh.state_dir, vlan);
		prune(hosts, none);
	}
	json_decref(none);
}

int
dhcp_network_sync(json_t *n, bool deleted, char *err, size_t len)
{
	int rc = 0, old;
	bool want;

	if (!dh.enabled)
		return 0;
	want = !deleted && jstr(n, "cidr") != NULL && jstr(n, "dhcp_range") != NULL;
	pthread_mutex_lock(&dh.mtx);
	/* A network whose VLAN changed leaves its old server behind. */
	while ((old = dnsmasq_stale(jstr(n, "name"), vlan_of(n))) != 0)
		retire(old);
	if (!want) {
		retire(vlan_of(n));
	} else if (!dnsmasq_has_room(vlan_of(n))) {
		snprintf(err, len, "too many DHCP servers");
		rc = -1;
	} else {
		rc = serve(n, err, len);
	}
	pthread_mutex_unlock(&dh.mtx);
	return rc;
}

int
dhcp_served_vlans(int *out, int max)
{
	return dh.enabled ? dnsmasq_vlans(out, max) : 0;
}

void
dhcp_vlan_stop(int vlan)
{
	if (!dh.enabled)
		return;
	pthread_mutex_lock(&dh.mtx);
	retire(vlan);
	pthread_mutex_unlock(&dh.mtx);
}

int
dhcp_init(const struct dhcp_conf *c, char *err, size_t len)
{
	struct priv_conf pc = { .ovsdb = c->ovsdb,
	    .bridge = c->bridge ? c->bridge : "br-int",
	    .dnsmasq = c->dnsmasq && *c->dnsmasq ? c->dnsmasq : "dnsmasq",
	    .state_dir = dh.state_dir };

	dh.enabled = c->enabled;
	dh.tls = c->tls;
	dh.discovery = c->discovery;
	dh.http_port = c->http_port;
	dh.tenant_sanboot = c->tenant_sanboot;
	if (!dh.enabled)
		return 0;
	snprintf(dh.state_dir, sizeof(dh.state_dir), "%s", c->state_dir);
	snprintf(dh.tftp_root, sizeof(dh.tftp_root), "%s",
	    c->tftp_root && *c->tftp_root ? c->tftp_root : "/usr/lib/ipxe");
	if (mkdirs(dh.state_dir) != 0) {
		snprintf(err, len, "cannot create DHCP state directory %s: %s",
		    dh.state_dir, strerror(errno));
		return -1;
	}
	if (priv_init(&pc) != 0) {
		snprintf(err, len, "unusable [dhcp] bridge or dnsmasq setting");
		return -1;
	}
	dnsmasq_orphans_stop(dh.state_dir, pc.dnsmasq);
	if (dnsmasq_init() != 0) {
		snprintf(err, len, "cannot start the dnsmasq supervisor: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
dhcp_shutdown(void)
{
	int vlan;

	if (!dh.enabled)
		return;
	pthread_mutex_lock(&dh.mtx);
	while ((vlan = dnsmasq_any()) != 0)
		retire(vlan);
	pthread_mutex_unlock(&dh.mtx);
	dnsmasq_shutdown();
}

static int
host_path(json_t *n, const char *mac, char *buf, size_t len)
{
	char dir[600], norm[18];

	/* The MAC names a file: nothing but a MAC may. */
	if (!util_normalize_mac(mac, norm))
		return -1;
	net_dir(n, dir, sizeof(dir));
	snprintf(buf, len, "%s/hosts/%s", dir, norm);
	return 0;
}

/* The address a host file holds: 1, 0 if none, -1 if there is no file. */
static int
read_host(const char *path, uint32_t *ip)
{
	char line[128];
	FILE *fp;
	bool ok;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	ok = fgets(line, sizeof(line), fp) != NULL && dhcp_conf_host_ip(line, ip);
	fclose(fp);
	return ok;
}

/* Marks the addresses lo..hi dnsmasq has leased (the provisioning
 * network's dynamic leases while discovery answers unknown MACs), so that
 * a host entry never names an address another machine holds. */
static void
mark_leased(const char *dir, uint32_t lo, uint32_t hi, unsigned char *used)
{
	char p[700], line[512], addr[64];
	uint32_t a;
	FILE *fp;

	snprintf(p, sizeof(p), "%s/leases", dir);
	if ((fp = fopen(p, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%*s %*s %63s", addr) == 1 && ip4_parse(addr, &a) &&
		    a >= lo && a <= hi)
			used[a - lo] = 1;
	fclose(fp);
}

/* The first address of the range no host entry (nor lease) holds. */
static int
free_ip(json_t *n, char *ip, size_t iplen)
{
	/* Not static: attachments of different nodes run at once. */
	enum { MAXRANGE = 65536 };
	char dir[600];
	unsigned char *used;
	uint32_t lo, hi, a;
	bool found;

	if (!ip4_range_parse(jstr(n, "dhcp_range"), &lo, &hi))
		return -1;
	if (hi - lo >= MAXRANGE)
		hi = lo + MAXRANGE - 1;
	if ((used = calloc(1, hi - lo + 1)) == NULL)
		return -1;
	net_dir(n, dir, sizeof(dir));
	dhcp_db_mark(jstr(n, "uuid"), lo, hi, used);
	if (dh.discovery)
		mark_leased(dir, lo, hi, used);
	found = dhcp_conf_first_free(lo, hi, used, &a);
	free(used);
	if (!found)
		return -1;
	ip4_str(a, ip, iplen);
	return 0;
}

/* want, if no host entry of the network holds it yet. */
static int
fixed_ip(json_t *n, const char *want, char *ip, size_t iplen, char *err, size_t len)
{
	char holder[32];
	uint32_t a;

	if (!ip4_parse(want, &a)) {
		snprintf(err, len, "invalid address %s", want);
		return -1;
	}
	ip4_str(a, ip, iplen);
	if (dhcp_db_mac(jstr(n, "uuid"), ip, holder, sizeof(holder)) == 0) {
		snprintf(err, len, "address %s is already in use on network %s", want,
		    jstr(n, "name"));
		return -1;
	}
	return 0;
}

/* The host file of mac on a network this ingotd serves (dnsmasq reads new
 * files in its hostsdir itself). */
static int
host_file(json_t *n, const char *path, const char *mac, const char *ip, char *err,
    size_t len)
{
	char line[128];

	if (!dnsmasq_serves(vlan_of(n)))
		return 0;
	if (dhcp_conf_host_line(mac, ip, line, sizeof(line)) != 0)
		return -1;
	return write_file(path, line, err, len);
}

/* 1: a new entry, 0: it was there (its address kept), -1: err set.  The
 * database's unique keys decide a race with another conductor. */
static int
host_add(json_t *n, const char *path, const char *mac, const char *want, char *ip,
    size_t iplen, char *err, size_t len)
{
	const char *net = jstr(n, "uuid");
	int r = 1;

	for (int tries = 0; tries < 16 && r == 1; tries++) {
		if (dhcp_db_ip(net, mac, ip, iplen) == 0)
			return host_file(n, path, mac, ip, err, len) != 0 ? -1 : 0;
		if (want != NULL) {
			if (fixed_ip(n, want, ip, iplen, err, len) != 0)
				return -1;
		} else if (free_ip(n, ip, iplen) != 0) {
			snprintf(err, len, "network %s has no free address in %s",
			    jstr(n, "name"), jstr(n, "dhcp_range"));
			return -1;
		}
		r = dhcp_db_add(net, mac, ip);
	}
	if (r != 0) {
		snprintf(err, len, "cannot record a host entry for %s on network %s",
		    mac, jstr(n, "name"));
		return -1;
	}
	return host_file(n, path, mac, ip, err, len) != 0 ? -1 : 1;
}

int
dhcp_host_add(json_t *n, const char *mac, char *ip, size_t iplen, char *err,
    size_t len)
{
	return dhcp_host_add_ip(n, mac, NULL, ip, iplen, err, len);
}

int
dhcp_host_add_ip(json_t *n, const char *mac, const char *want, char *ip,
    size_t iplen, char *err, size_t len)
{
	char path[800], norm[18];
	int r;

	if (!dh.enabled || jstr(n, "dhcp_range") == NULL) {
		if (ip != NULL && iplen > 0)
			ip[0] = '\0';
		return 0;
	}
	if (host_path(n, mac, path, sizeof(path)) != 0 ||
	    !util_normalize_mac(mac, norm)) {
		snprintf(err, len, "invalid MAC address %s", mac ? mac : "(none)");
		return -1;
	}
	pthread_mutex_lock(&dh.mtx);
	r = host_add(n, path, norm, want, ip, iplen, err, len);
	pthread_mutex_unlock(&dh.mtx);
	if (r == 1)
		log_info("dhcp: %s gets %s on network %s", mac, ip, jstr(n, "name"));
	return r < 0 ? -1 : 0;
}

int
dhcp_lease_release(json_t *n, const char *mac, const char *ip)
{
	char ns[64], ifn[32];

	if (!dh.enabled || jstr(n, "dhcp_range") == NULL)
		return 0;
	netns_name(vlan_of(n), ns, sizeof(ns));
	netns_ifname(vlan_of(n), ifn, sizeof(ifn));
	return priv_dhcp_release(ns, ifn, ip, mac);
}

int
dhcp_host_ip(json_t *n, const char *mac, char *ip, size_t iplen)
{
	char norm[18];

	if (!dh.enabled || !util_normalize_mac(mac, norm))
		return -1;
	return dhcp_db_ip(jstr(n, "uuid"), norm, ip, iplen);
}

int
dhcp_host_mac(json_t *n, const char *ip, char *mac, size_t maclen)
{
	char a[32];
	uint32_t want;

	if (!dh.enabled || !ip4_parse(ip, &want))
		return -1;
	ip4_str(want, a, sizeof(a));
	return dhcp_db_mac(jstr(n, "uuid"), a, mac, maclen);
}

int
dhcp_host_remove(json_t *n, const char *mac)
{
	char path[800], norm[18];

	if (!dh.enabled || host_path(n, mac, path, sizeof(path)) != 0 ||
	    !util_normalize_mac(mac, norm))
		return 0;
	pthread_mutex_lock(&dh.mtx);
	dhcp_db_remove(jstr(n, "uuid"), norm);
	if (unlink(path) == 0)
		dnsmasq_reload(vlan_of(n));	/* removed entries need a reload */
	pthread_mutex_unlock(&dh.mtx);
	return 0;
}
