/*
 * The privileged operations (see priv.h).  Each checks its arguments,
 * then runs one fixed command line: ip, ovs-vsctl, ethtool (inside a
 * namespace) or dnsmasq.  Children are started with posix_spawn: no
 * shell, signal mask cleared, stdin and stdout on /dev/null (stderr too
 * for the quiet ones), every other descriptor closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cidr.h"
#include "dnsmasq_keeper.h"
#include "log.h"
#include "priv.h"
#include "util.h"

extern char **environ;

/* Fixed by priv_init before any operation; read-only afterwards. */
static struct {
	char	db[600];		/* "--db=..." or "" */
	char	bridge[64];
	char	dnsmasq[256];
	char	state_dir[512];
	int	lifeline;		/* read end: the dnsmasq keepers' fd 3 */
} pc = { .lifeline = -1 };

/* Letters, digits, '-', '_', '.'; starts with a letter or digit. */
static bool
name_ok(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > max)
		return false;
	if (!(s[0] >= 'a' && s[0] <= 'z') && !(s[0] >= 'A' && s[0] <= 'Z') &&
	    !(s[0] >= '0' && s[0] <= '9'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.") == n;
}

bool
priv_ifname_ok(const char *s)
{
	return name_ok(s, 15);		/* IFNAMSIZ - 1 */
}

bool
priv_netns_ok(const char *s)
{
	return name_ok(s, 63);
}

static bool
addr6_ok(const char *s)
{
	char buf[64];
	const char *slash;
	struct in6_addr a;
	long bits;

	if ((slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1 && util_parse_int(slash + 1, 1, 128, &bits);
}

static bool
addr_ok(const char *s)
{
	struct cidr c;

	return s != NULL && (cidr_parse(s, 1, 32, &c) || addr6_ok(s));
}

/* Below the state directory, no ".." component, no control characters. */
static bool
conf_ok(const char *s)
{
	size_t n = strlen(pc.state_dir);

	if (s == NULL || strlen(s) >= PATH_MAX || strncmp(s, pc.state_dir, n) != 0 ||
	    s[n] != '/')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

static int
refuse(const char *op, const char *what)
{
	log_error("priv: %s: refused argument %s", op, what ? what : "(null)");
	errno = EINVAL;
	return -1;
}

int
priv_spawn(const char *path, const char *const argv[], bool quiet, int fd3, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	int rc;

	sigemptyset(&none);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_RDWR, 0);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_RDWR, 0);
	if (fd3 >= 0)
		posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	posix_spawn_file_actions_addclosefrom_np(&fa, fd3 >= 0 ? 4 : 3);
	rc = path != NULL ?
	    posix_spawn(pid, path, &fa, &at, (char *const *)argv, environ) :
	    posix_spawnp(pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return 0;
}

static int
spawn(const char *const argv[], bool quiet, pid_t *pid)
{
	return priv_spawn(NULL, argv, quiet, -1, pid);
}

/* Runs argv to its end: 0 if it exited 0, else -1. */
static int
run(const char *const argv[], bool quiet)
{
	pid_t pid;
	int st;

	if (spawn(argv, quiet, &pid) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

#define RUN(quiet, ...) run((const char *const[]){ __VA_ARGS__, NULL }, quiet)
#define SPAWN(pid, ...) spawn((const char *const[]){ __VA_ARGS__, NULL }, false, pid)
/* ovs-vsctl with the configured database, if any. */
#define VSCTL(quiet, ...) (pc.db[0] != '\0' ?				\
	RUN(quiet, "ovs-vsctl", pc.db, "--timeout=10", __VA_ARGS__) :	\
	RUN(quiet, "ovs-vsctl", "--timeout=10", __VA_ARGS__))

int
priv_init(const struct priv_conf *c)
{
	snprintf(pc.db, sizeof(pc.db), "%s%s", c->ovsdb && *c->ovsdb ? "--db=" : "",
	    c->ovsdb ? c->ovsdb : "");
	snprintf(pc.bridge, sizeof(pc.bridge), "%s", c->bridge ? c->bridge : "");
	snprintf(pc.dnsmasq, sizeof(pc.dnsmasq), "%s", c->dnsmasq ? c->dnsmasq : "");
	snprintf(pc.state_dir, sizeof(pc.state_dir), "%s", c->state_dir ? c->state_dir : "");
	for (size_t n = strlen(pc.state_dir); n > 1 && pc.state_dir[n - 1] == '/'; n--)
		pc.state_dir[n - 1] = '\0';
	if (!name_ok(pc.bridge, 15) || pc.dnsmasq[0] == '\0' || pc.dnsmasq[0] == '-' ||
	    pc.state_dir[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
priv_netns_add(const char *ns)
{
	if (!priv_netns_ok(ns))
		return refuse("netns add", ns);
	return RUN(true, "ip", "netns", "add", ns);
}

int
priv_netns_del(const char *ns)
{
	if (!priv_netns_ok(ns))
		return refuse("netns del", ns);
	return RUN(true, "ip", "netns", "del", ns);
}

int
priv_ovs_port_add(const char *ifname, int vlan)
{
	char tag[16];

	if (!priv_ifname_ok(ifname))
		return refuse("ovs port add", ifname);
	if (vlan < 1 || vlan > 4094)
		return refuse("ovs port add", "vlan");
	snprintf(tag, sizeof(tag), "tag=%d", vlan);
	return VSCTL(false, "--may-exist", "add-port", pc.bridge, ifname, tag, "--",
	    "set", "interface", ifname, "type=internal");
}

int
priv_ovs_port_tag(const char *ifname, int vlan)
{
	char tag[16];

	if (!priv_ifname_ok(ifname))
		return refuse("ovs port tag", ifname);
	if (vlan < 1 || vlan > 4094)
		return refuse("ovs port tag", "vlan");
	snprintf(tag, sizeof(tag), "tag=%d", vlan);
	return VSCTL(true, "set", "port", ifname, tag);
}

int
priv_ovs_port_del(const char *ifname)
{
	if (!priv_ifname_ok(ifname))
		return refuse("ovs port del", ifname);
	return VSCTL(true, "--if-exists", "del-port", pc.bridge, ifname);
}

int
priv_link_find(const char *ns, const char *ifname)
{
	if ((ns != NULL && !priv_netns_ok(ns)) || !priv_ifname_ok(ifname))
		return refuse("link find", ifname);
	if (ns == NULL)
		return RUN(true, "ip", "link", "show", ifname);
	return RUN(true, "ip", "-n", ns, "link", "show", ifname);
}

int
priv_link_move(const char *ifname, const char *ns)
{
	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("link move", ifname);
	return RUN(true, "ip", "link", "set", ifname, "netns", ns);
}

int
priv_link_up(const char *ns, const char *ifname)
{
	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("link up", ifname);
	/* Only the namespace's loopback is quiet about failing. */
	return RUN(strcmp(ifname, "lo") == 0, "ip", "-n", ns, "link", "set", ifname, "up");
}

int
priv_addr_flush(const char *ns, const char *ifname)
{
	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("addr flush", ifname);
	return RUN(true, "ip", "-n", ns, "addr", "flush", "dev", ifname);
}

int
priv_addr_add(const char *ns, const char *ifname, const char *cidr)
{
	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("addr add", ifname);
	if (!addr_ok(cidr))
		return refuse("addr add", cidr);
	if (strchr(cidr, ':') != NULL)	/* IPv6: no duplicate detection */
		return RUN(true, "ip", "-n", ns, "-6", "addr", "add", cidr, "dev", ifname,
		    "nodad");
	return RUN(false, "ip", "-n", ns, "addr", "add", cidr, "dev", ifname);
}

int
priv_offload_off(const char *ns, const char *ifname)
{
	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("offload off", ifname);
	return RUN(true, "ip", "netns", "exec", ns, "ethtool", "-K", ifname, "tx", "off",
	    "tso", "off", "gso", "off", "gro", "off");
}

int
priv_dhcp_release(const char *ns, const char *ifname, const char *ip, const char *mac)
{
	char m[18], a[INET_ADDRSTRLEN];
	uint32_t v;

	if (!priv_netns_ok(ns) || !priv_ifname_ok(ifname))
		return refuse("dhcp release", ifname);
	if (ip == NULL || !ip4_parse(ip, &v) || mac == NULL || !util_normalize_mac(mac, m))
		return refuse("dhcp release", ip);
	ip4_str(v, a, sizeof(a));	/* what runs is what was parsed */
	return RUN(true, "ip", "netns", "exec", ns, "dhcp_release", ifname, a, m);
}

/*
 * The lifeline: a pipe whose write end only this process holds (close on
 * exec, and every child closes descriptors from 3 on), so that its read
 * end, each keeper's descriptor 3, reads end-of-file once ingotd is gone.
 * The read end is kept above 3 so that dup2 onto 3 always clears its
 * close-on-exec flag.
 */
static int
lifeline(void)
{
	int fd[2], rd;

	if (pc.lifeline >= 0)
		return pc.lifeline;
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	rd = fcntl(fd[0], F_DUPFD_CLOEXEC, 10);
	close(fd[0]);
	if (rd < 0) {
		close(fd[1]);
		return -1;
	}
	pc.lifeline = rd;	/* fd[1] stays open, unused, until ingotd ends */
	return rd;
}

/* ingotd itself as the keeper of argv[2...], the lifeline on its fd 3. */
static int
keeper_spawn(const char *const argv[], pid_t *pid)
{
	int ll;

	if ((ll = lifeline()) < 0)
		return -1;
	return priv_spawn("/proc/self/exe", argv, false, ll, pid);
}

int
priv_dnsmasq_start(const char *ns, const char *conf, pid_t *pid)
{
	char cf[PATH_MAX + 16];
	int h;

	if (!priv_netns_ok(ns))
		return refuse("dnsmasq start", ns);
	if (!conf_ok(conf))
		return refuse("dnsmasq start", conf);
	snprintf(cf, sizeof(cf), "--conf-file=%s", conf);
	/* The keeper (dnsmasq_keeper.h) runs ip, which execs dnsmasq; the pid
	 * and handle are the keeper's.  stderr stays ours. */
	if (keeper_spawn((const char *const[]){ DNSMASQ_KEEPER_NAME,
	    DNSMASQ_KEEPER_FLAG, "ip", "netns", "exec", ns, pc.dnsmasq,
	    "--keep-in-foreground", cf, NULL }, pid) != 0)
		return -1;
	if ((h = pidfd_open(*pid, 0)) < 0) {
		int e = errno;

		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		errno = e;
		return -1;
	}
	return h;
}

int
priv_dnsmasq_signal(int h, int sig)
{
	if (sig != SIGTERM && sig != SIGKILL && sig != SIGHUP)
		return refuse("dnsmasq signal", "signal");
	return pidfd_send_signal(h, sig, NULL, 0);
}

int
priv_dnsmasq_reap(int h, bool block, int *status)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)h, &si, WEXITED | (block ? 0 : WNOHANG)) != 0)
		if (errno != EINTR)
			return -1;
	if (si.si_pid == 0)
		return 0;
	*status = si.si_code == CLD_EXITED ? si.si_status : -si.si_status;
	return 1;
}

void
priv_dnsmasq_close(int h)
{
	if (h >= 0)
		close(h);
}
