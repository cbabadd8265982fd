/*
 * dnsmasq left running by an earlier life of this ingotd (dnsmasq_orphans.h).
 * Each dnsmasq writes its pid to <state_dir>/net<VLAN>/dnsmasq.pid.  A pid
 * is only a hint: the process is signalled only if, while a pidfd holds
 * it, its command line is dnsmasq's with --conf-file= naming that very
 * directory's dnsmasq.conf, which only this ingotd writes.  The check is
 * made on the pidfd's process (a pidfd cannot move to another process),
 * and a process that ended meanwhile is left alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "dnsmasq_orphans.h"
#include "log.h"
#include "util.h"

/* The pid in path, or 0. */
static pid_t
read_pid(const char *path)
{
	char buf[32];
	long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return util_parse_int(buf, 2, INT_MAX, &v) ? (pid_t)v : 0;
}

static bool
alive(int pfd)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/* Whether pid's command line is prog's (its base name) with --conf-file=conf. */
static bool
is_ours(pid_t pid, const char *prog, const char *conf)
{
	char path[64], cmd[4096], want[PATH_MAX + 32];
	const char *base, *a0;
	bool conf_seen = false;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return false;
	cmd[n] = '\0';
	base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	a0 = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	snprintf(want, sizeof(want), "--conf-file=%s", conf);
	for (const char *p = cmd; p < cmd + n; p += strlen(p) + 1)
		conf_seen = conf_seen || strcmp(p, want) == 0;
	return strcmp(a0, base) == 0 && conf_seen;
}

/* SIGTERM, SIGKILL after 2 s, then waits up to 2 s more for its end. */
static void
halt(int pfd)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	pidfd_send_signal(pfd, SIGTERM, NULL, 0);
	if (poll(&p, 1, 2000) == 1)
		return;
	pidfd_send_signal(pfd, SIGKILL, NULL, 0);
	poll(&p, 1, 2000);
}

/* The dnsmasq of one network directory, if it is ours and still runs. */
static int
stop_one(const char *dir, const char *prog)
{
	char pidf[PATH_MAX + 16], conf[PATH_MAX + 16];
	pid_t pid;
	int pfd, done = 0;

	snprintf(pidf, sizeof(pidf), "%s/dnsmasq.pid", dir);
	snprintf(conf, sizeof(conf), "%s/dnsmasq.conf", dir);
	if ((pid = read_pid(pidf)) == 0 || pid == getpid() ||
	    (pfd = pidfd_open(pid, 0)) < 0)
		return 0;
	if (is_ours(pid, prog, conf) && alive(pfd)) {
		log_info("dhcp: stopping dnsmasq %d left running by an earlier ingotd "
		    "(%s)", (int)pid, conf);
		halt(pfd);
		done = 1;
	}
	close(pfd);
	unlink(pidf);
	return done;
}

int
dnsmasq_orphans_stop(const char *state_dir, const char *prog)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if ((d = opendir(state_dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "net", 3) != 0 ||
		    strspn(e->d_name + 3, "0123456789") != strlen(e->d_name + 3) ||
		    e->d_name[3] == '\0')
			continue;
		if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", state_dir, e->d_name) <
		    sizeof(dir))
			n += stop_one(dir, prog);
	}
	closedir(d);
	return n;
}
