#include "jsonutil.h"
#include "dhcp.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define MAX_SERVERS 64

struct server {
	int		 vlan;		/* 0: free slot */
	char		 name[64];
	bool		 provisioning;
	pid_t		 pid;
	bool		 wanted;
	double		 started;
	int		 restarts;
};

static struct dhcp_conf conf;
static char state_dir[512], ovsdb[512], bridge[64], dnsmasq[256], tftp_root[512];
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static struct server servers[MAX_SERVERS];
static pthread_t reaper;
static bool reaper_started;
static volatile bool stopping;

static int
vlan_of(json_t *n)
{
	return (int)json_integer_value(json_object_get(n, "vlan_id"));
}

bool
dhcp_enabled(void)
{
	return conf.enabled;
}

void
dhcp_netns_name(json_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "ingot-net%d", vlan_of(n));
}

static void
iface_name(json_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "ingot%d", vlan_of(n));
}

/* Runs argv without a shell; returns its exit status (or -1). */
static int
run(char *const argv[], bool quiet)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (quiet)
				dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define RUN(quiet, ...) run((char *const[]){ __VA_ARGS__, NULL }, quiet)

static bool
parse_cidr(const char *cidr, uint32_t *net, int *bits)
{
	char buf[64], *slash;
	struct in_addr a;
	long b;

	if (cidr == NULL)
		return false;
	snprintf(buf, sizeof(buf), "%s", cidr);
	if ((slash = strchr(buf, '/')) == NULL)
		return false;
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1 || !util_parse_int(slash + 1, 8, 30, &b))
		return false;
	*net = ntohl(a.s_addr);
	*bits = (int)b;
	return true;
}

static void
ip_str(uint32_t h, char *buf, size_t len)
{
	struct in_addr a = { .s_addr = htonl(h) };

	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
}

const char *
dhcp_server_ip(json_t *n, char *buf, size_t len)
{
	json_t *extra = json_object_get(n, "extra");
	const char *fixed = jstr(extra, "dhcp_server_ip");
	uint32_t net, gw = 0;
	int bits;
	struct in_addr a;

	if (fixed != NULL) {
		snprintf(buf, len, "%s", fixed);
		return buf;
	}
	if (!parse_cidr(jstr(n, "cidr"), &net, &bits))
		return NULL;
	if (jstr(n, "gateway") && inet_pton(AF_INET, jstr(n, "gateway"), &a) == 1)
		gw = ntohl(a.s_addr);
	/* The first host address, unless the gateway has it. */
	ip_str(gw == net + 1 ? net + 2 : net + 1, buf, len);
	return buf;
}

static void
net_dir(json_t *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/net%d", state_dir, vlan_of(n));
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

/* Namespace, OVS internal port with the VLAN tag, addresses. */
static int
plumb(json_t *n, char *err, size_t len)
{
	char ns[64], ifn[32], ip[64], addr[80], tag[32], ula[80], db[600];
	uint32_t net;
	int bits;

	dhcp_netns_name(n, ns, sizeof(ns));
	iface_name(n, ifn, sizeof(ifn));
	if (dhcp_server_ip(n, ip, sizeof(ip)) == NULL ||
	    !parse_cidr(jstr(n, "cidr"), &net, &bits)) {
		snprintf(err, len, "network %s has no usable cidr", jstr(n, "name"));
		return -1;
	}
	snprintf(addr, sizeof(addr), "%s/%d", ip, bits);
	snprintf(tag, sizeof(tag), "tag=%d", vlan_of(n));
	snprintf(ula, sizeof(ula), "fd00:%x::1/64", vlan_of(n));
	snprintf(db, sizeof(db), "--db=%s", ovsdb);
	RUN(true, "ip", "netns", "add", ns);
	if (RUN(false, "ovs-vsctl", db, "--timeout=10", "--may-exist", "add-port",
	    bridge, ifn, tag, "--", "set", "interface", ifn, "type=internal") != 0) {
		snprintf(err, len, "network %s: cannot add OVS internal port %s to "
		    "bridge %s", jstr(n, "name"), ifn, bridge);
		return -1;
	}
	/* The tag may have changed with the network's VLAN. */
	RUN(true, "ovs-vsctl", db, "--timeout=10", "set", "port", ifn, tag);
	for (int i = 0; i < 50 && RUN(true, "ip", "link", "show", ifn) != 0 &&
	    RUN(true, "ip", "-n", ns, "link", "show", ifn) != 0; i++)
		usleep(20000);
	RUN(true, "ip", "link", "set", ifn, "netns", ns);
	RUN(true, "ip", "-n", ns, "link", "set", "lo", "up");
	RUN(true, "ip", "-n", ns, "addr", "flush", "dev", ifn);
	if (RUN(false, "ip", "-n", ns, "addr", "add", addr, "dev", ifn) != 0 ||
	    RUN(false, "ip", "-n", ns, "link", "set", ifn, "up") != 0) {
		snprintf(err, len, "network %s: cannot configure %s in namespace %s",
		    jstr(n, "name"), ifn, ns);
		return -1;
	}
	RUN(true, "ip", "-n", ns, "-6", "addr", "add", ula, "dev", ifn, "nodad");
	/* The userspace switch does not fix up offloaded checksums. */
	RUN(true, "ip", "netns", "exec", ns, "ethtool", "-K", ifn, "tx", "off",
	    "tso", "off", "gso", "off", "gro", "off");
	return 0;
}

static void
unplumb(int vlan)
{
	char ns[64], ifn[32], db[600];

	snprintf(ns, sizeof(ns), "ingot-net%d", vlan);
	snprintf(ifn, sizeof(ifn), "ingot%d", vlan);
	snprintf(db, sizeof(db), "--db=%s", ovsdb);
	RUN(true, "ovs-vsctl", db, "--timeout=10", "--if-exists", "del-port", bridge, ifn);
	RUN(true, "ip", "netns", "del", ns);
}

static int
write_conf(json_t *n, bool prov, char *path, size_t plen, char *err, size_t len)
{
	char dir[600], ip[64], ifn[32], range[128], *comma, mask[32];
	uint32_t net;
	int bits;
	FILE *fp;

	net_dir(n, dir, sizeof(dir));
	iface_name(n, ifn, sizeof(ifn));
	dhcp_server_ip(n, ip, sizeof(ip));
	parse_cidr(jstr(n, "cidr"), &net, &bits);
	ip_str(bits == 0 ? 0 : 0xffffffffu << (32 - bits), mask, sizeof(mask));
	snprintf(range, sizeof(range), "%s", jstr(n, "dhcp_range"));
	if ((comma = strchr(range, ',')) != NULL)
		*comma = '\0';
	snprintf(path, plen, "%s/dnsmasq.conf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "# written by ingotd for network %s (VLAN %d); do not edit\n",
	    jstr(n, "name"), vlan_of(n));
	fprintf(fp, "port=0\nbind-interfaces\ninterface=%s\nexcept-interface=lo\n"
	    "user=root\nno-resolv\nno-hosts\nno-ping\nlog-dhcp\n"
	    "log-facility=%s/dnsmasq.log\ndhcp-leasefile=%s/leases\n"
	    "dhcp-hostsdir=%s/hosts\ndhcp-ignore=tag:!known\n"
	    "dhcp-range=%s,%s,%s,1h\n", ifn, dir, dir, dir, range,
	    comma ? comma + 1 : range, mask);
	/* IPv6 router advertisements: iPXE otherwise waits for autoconf. */
	fprintf(fp, "enable-ra\ndhcp-range=fd00:%x::,ra-only,64,1h\nra-param=%s,10,0\n",
	    vlan_of(n), ifn);
	if (jstr(n, "gateway") != NULL)
		fprintf(fp, "dhcp-option=3,%s\n", jstr(n, "gateway"));
	else
		fprintf(fp, "dhcp-option=3\n");
	if (json_array_size(json_object_get(n, "dns_servers")) > 0) {
		json_t *d;
		size_t i;
		fprintf(fp, "dhcp-option=6");
		json_array_foreach(json_object_get(n, "dns_servers"), i, d)
			fprintf(fp, ",%s", json_string_value(d));
		fprintf(fp, "\n");
	} else {
		fprintf(fp, "dhcp-option=6\n");
	}
	if (prov) {
		fprintf(fp, "enable-tftp\ntftp-root=%s\ndhcp-match=set:ipxe,175\n"
		    "dhcp-match=set:efi64,option:client-arch,7\n"
		    "dhcp-match=set:efi64,option:client-arch,9\n"
		    "dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi\n"
		    "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"
		    "dhcp-boot=tag:ipxe,http%s://%s:%d/boot.ipxe\n"
		    "dhcp-option=tag:ipxe,encap:175,176,1\n", tftp_root,
		    conf.tls ? "s" : "", ip, conf.http_port);
	}
	if (fclose(fp) != 0) {
		snprintf(err, len, "cannot write %s", path);
		return -1;
	}
	return 0;
}

static pid_t
spawn(json_t *n, const char *confpath)
{
	char ns[64], cf[700];
	pid_t pid;

	dhcp_netns_name(n, ns, sizeof(ns));
	snprintf(cf, sizeof(cf), "--conf-file=%s", confpath);
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		/* ip execs dnsmasq: the pid we keep is dnsmasq's own. */
		execlp("ip", "ip", "netns", "exec", ns, dnsmasq, "--keep-in-foreground",
		    cf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static struct server *
find_server(int vlan)
{
	for (int i = 0; i < MAX_SERVERS; i++)
		if (servers[i].vlan == vlan)
			return &servers[i];
	return NULL;
}

/* SIGTERM, then SIGKILL after 2 s; always waits for the pid. */
static void
reap(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
stop_server(struct server *s)
{
	pid_t pid = s->pid;

	s->wanted = false;
	if (pid > 0)
		reap(pid);
	unplumb(s->vlan);
	log_info("dhcp: server for network %s (VLAN %d) stopped", s->name, s->vlan);
	memset(s, 0, sizeof(*s));
}

int
dhcp_network_sync(json_t *n, bool deleted, char *err, size_t len)
{
	char dir[600], hosts[700], confpath[700];
	struct server *s;
	bool want;
	int rc = 0;

	if (!conf.enabled)
		return 0;
	want = !deleted && jstr(n, "cidr") != NULL && jstr(n, "dhcp_range") != NULL;
	pthread_mutex_lock(&mtx);
	/* A network whose VLAN changed leaves its old server behind. */
	for (int i = 0; i < MAX_SERVERS; i++)
		if (servers[i].vlan != 0 && strcmp(servers[i].name, jstr(n, "name")) == 0 &&
		    servers[i].vlan != vlan_of(n))
			stop_server(&servers[i]);
	s = find_server(vlan_of(n));
	if (!want) {
		if (s != NULL)
			stop_server(s);
		pthread_mutex_unlock(&mtx);
		return 0;
	}
	if (s == NULL && (s = find_server(0)) == NULL) {
		pthread_mutex_unlock(&mtx);
		snprintf(err, len, "too many DHCP servers");
		return -1;
	}
	net_dir(n, dir, sizeof(dir));
	snprintf(hosts, sizeof(hosts), "%s/hosts", dir);
	if (mkdirs(hosts) != 0) {
		snprintf(err, len, "cannot create %s: %s", hosts, strerror(errno));
		rc = -1;
	} else if (plumb(n, err, len) != 0 ||
	    write_conf(n, strcmp(jstr(n, "purpose"), "tenant") != 0, confpath,
	    sizeof(confpath), err, len) != 0) {
		rc = -1;
	} else {
		if (s->pid > 0) {
			s->wanted = false;
			reap(s->pid);
			s->pid = 0;
		}
		s->vlan = vlan_of(n);
		snprintf(s->name, sizeof(s->name), "%s", jstr(n, "name"));
		s->provisioning = strcmp(jstr(n, "purpose"), "tenant") != 0;
		s->wanted = true;
		s->started = util_mono_now();
		s->pid = spawn(n, confpath);
		log_info("dhcp: dnsmasq %d serves network %s (VLAN %d)", (int)s->pid,
		    s->name, s->vlan);
	}
	pthread_mutex_unlock(&mtx);
	return rc;
}

/* Notices dnsmasq deaths, logs them, restarts with a backoff.  Waits only
 * for the servers' own pids, never for other children of ingotd. */
static void *
reaper_main(void *arg)
{
	(void)arg;
	while (!stopping) {
		usleep(100000);
		pthread_mutex_lock(&mtx);
		for (int i = 0; i < MAX_SERVERS; i++) {
			struct server *s = &servers[i];
			char confpath[700];
			int st;

			if (s->vlan == 0 || s->pid <= 0 || waitpid(s->pid, &st, WNOHANG) != s->pid)
				continue;
			s->pid = 0;
			if (!s->wanted || stopping)
				continue;
			log_error("dhcp: dnsmasq for network %s (VLAN %d) died (%s %d); "
			    "restarting", s->name, s->vlan, WIFEXITED(st) ? "exit" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			s->restarts = util_mono_now() - s->started < 5 ? s->restarts + 1 : 0;
			if (s->restarts > 5) {
				log_error("dhcp: dnsmasq for network %s keeps dying; giving up",
				    s->name);
				s->wanted = false;
				continue;
			}
			json_t *n = json_pack("{s:i}", "vlan_id", s->vlan);
			snprintf(confpath, sizeof(confpath), "%s/net%d/dnsmasq.conf",
			    state_dir, s->vlan);
			s->started = util_mono_now();
			s->pid = spawn(n, confpath);
			json_decref(n);
		}
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

int
dhcp_init(const struct dhcp_conf *c, char *err, size_t len)
{
	conf = *c;
	if (!conf.enabled)
		return 0;
	snprintf(state_dir, sizeof(state_dir), "%s", c->state_dir);
	snprintf(ovsdb, sizeof(ovsdb), "%s", c->ovsdb ? c->ovsdb : "");
	snprintf(bridge, sizeof(bridge), "%s", c->bridge ? c->bridge : "br-int");
	snprintf(dnsmasq, sizeof(dnsmasq), "%s", c->dnsmasq && *c->dnsmasq ?
	    c->dnsmasq : "dnsmasq");
	snprintf(tftp_root, sizeof(tftp_root), "%s", c->tftp_root && *c->tftp_root ?
	    c->tftp_root : "/usr/lib/ipxe");
	if (mkdirs(state_dir) != 0) {
		snprintf(err, len, "cannot create DHCP state directory %s: %s",
		    state_dir, strerror(errno));
		return -1;
	}
	stopping = false;
	reaper_started = pthread_create(&reaper, NULL, reaper_main, NULL) == 0;
	return 0;
}

void
dhcp_shutdown(void)
{
	if (!conf.enabled)
		return;
	pthread_mutex_lock(&mtx);
	for (int i = 0; i < MAX_SERVERS; i++)
		if (servers[i].vlan != 0)
			stop_server(&servers[i]);
	stopping = true;
	pthread_mutex_unlock(&mtx);
	if (reaper_started)
		pthread_join(reaper, NULL);
	reaper_started = false;
}

static void
host_path(json_t *n, const char *mac, char *buf, size_t len)
{
	char dir[600];

	net_dir(n, dir, sizeof(dir));
	snprintf(buf, len, "%s/hosts/%s", dir, mac);
}

/* The first address of the range no host file holds. */
static int
free_ip(json_t *n, char *ip, size_t iplen)
{
	char range[128], *comma, dir[700], buf[128];
	struct in_addr a, b;
	uint32_t lo, hi;
	DIR *d;
	struct dirent *de;
	/* Not static: attachments of different nodes run at once. */
	enum { MAXRANGE = 65536 };
	unsigned char *used;
	int rc = -1;

	snprintf(range, sizeof(range), "%s", jstr(n, "dhcp_range"));
	if ((comma = strchr(range, ',')) == NULL)
		return -1;
	*comma = '\0';
	if (inet_pton(AF_INET, range, &a) != 1 || inet_pton(AF_INET, comma + 1, &b) != 1)
		return -1;
	lo = ntohl(a.s_addr);
	hi = ntohl(b.s_addr);
	if (hi < lo)
		return -1;
	if (hi - lo >= MAXRANGE)
		hi = lo + MAXRANGE - 1;
	if ((used = calloc(1, hi - lo + 1)) == NULL)
		return -1;
	net_dir(n, dir, sizeof(dir) - 8);
	strcat(dir, "/hosts");
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p[1000];
			FILE *fp;
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if ((fp = fopen(p, "r")) == NULL)
				continue;
			if (fgets(buf, sizeof(buf), fp) != NULL) {
				char *c = strchr(buf, ',');
				struct in_addr x;
				if (c != NULL) {
					c[strcspn(c, "\n")] = '\0';
					if (inet_pton(AF_INET, c + 1, &x) == 1) {
						uint32_t h = ntohl(x.s_addr);
						if (h >= lo && h <= hi)
							used[h - lo] = 1;
					}
				}
			}
			fclose(fp);
		}
		closedir(d);
	}
	for (uint32_t h = lo; h <= hi; h++) {
		if (!used[h - lo]) {
			ip_str(h, ip, iplen);
			rc = 0;
			break;
		}
	}
	free(used);
	return rc;
}

int
dhcp_host_add(json_t *n, const char *mac, char *ip, size_t iplen, char *err,
    size_t len)
{
	char path[800], tmp[820], cur[128] = "";
	FILE *fp;

	if (!conf.enabled || jstr(n, "dhcp_range") == NULL) {
		if (ip != NULL && iplen > 0)
			ip[0] = '\0';
		return 0;
	}
	host_path(n, mac, path, sizeof(path));
	pthread_mutex_lock(&mtx);
	if ((fp = fopen(path, "r")) != NULL) {	/* already there: keep its address */
		if (fgets(cur, sizeof(cur), fp) != NULL && strchr(cur, ',')) {
			cur[strcspn(cur, "\n")] = '\0';
			snprintf(ip, iplen, "%s", strchr(cur, ',') + 1);
		}
		fclose(fp);
		pthread_mutex_unlock(&mtx);
		return 0;
	}
	if (free_ip(n, ip, iplen) != 0) {
		pthread_mutex_unlock(&mtx);
		snprintf(err, len, "network %s has no free address in %s",
		    jstr(n, "name"), jstr(n, "dhcp_range"));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		pthread_mutex_unlock(&mtx);
		snprintf(err, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(fp, "%s,%s\n", mac, ip);
	fclose(fp);
	rename(tmp, path);	/* dnsmasq reads new files in hostsdir itself */
	pthread_mutex_unlock(&mtx);
	log_info("dhcp: %s gets %s on network %s", mac, ip, jstr(n, "name"));
	return 0;
}

int
dhcp_host_remove(json_t *n, const char *mac)
{
	char path[800];
	struct server *s;

	if (!conf.enabled)
		return 0;
	host_path(n, mac, path, sizeof(path));
	pthread_mutex_lock(&mtx);
	if (unlink(path) == 0 && (s = find_server(vlan_of(n))) != NULL && s->pid > 0)
		kill(s->pid, SIGHUP);	/* removed entries need a reload */
	pthread_mutex_unlock(&mtx);
	return 0;
}
