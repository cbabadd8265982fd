/*
 * dnsmasq supervision (dnsmasq.h).  Each running server's priv handle (a
 * pidfd) is in one epoll set with an eventfd that wakes the supervisor
 * for shutdown.  The supervisor sleeps in epoll_wait without the lock;
 * an event names the slot and pid it was registered for, and is ignored
 * when the slot has moved on (stopped or restarted meanwhile).  Whoever
 * stops a server holds the lock from its signal to its reaping.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dnsmasq.h"
#include "log.h"
#include "metrics.h"
#include "priv.h"
#include "util.h"

#define MAX_SERVERS	64
#define WAKE		UINT64_MAX

struct server {
	int		 vlan;		/* 0: free slot */
	char		 name[64];	/* the network's */
	char		 ns[32];
	char		 conf[700];
	pid_t		 pid;		/* 0: not running */
	int		 h;		/* priv handle while pid > 0 */
	bool		 wanted;	/* restart when it dies */
	double		 started;
	int		 restarts;	/* quick deaths in a row */
};

static struct metric restarts = METRIC_INIT("ingot_dnsmasq_restarts_total",
    "dnsmasq processes restarted after they died.", METRIC_COUNTER, NULL);

static struct {
	pthread_mutex_t	 mtx;
	struct server	 servers[MAX_SERVERS];
	int		 epfd;
	int		 wake;
	pthread_t	 thread;
	bool		 running;
	bool		 stopping;
} sv = { .mtx = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .wake = -1 };

static struct server *
find(int vlan)
{
	for (int i = 0; i < MAX_SERVERS; i++)
		if (sv.servers[i].vlan == vlan)
			return &sv.servers[i];
	return NULL;
}

static int
launch(struct server *s)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int h;

	if ((h = priv_dnsmasq_start(s->ns, s->conf, &s->pid)) < 0) {
		s->pid = 0;
		return -1;
	}
	s->h = h;
	s->started = util_mono_now();
	ev.data.u64 = (uint64_t)(s - sv.servers) << 32 | (uint32_t)s->pid;
	if (epoll_ctl(sv.epfd, EPOLL_CTL_ADD, h, &ev) != 0)
		log_error("dhcp: cannot watch dnsmasq %d: %s", (int)s->pid, strerror(errno));
	return 0;
}

/* After the reaping: the handle goes. */
static void
forget(struct server *s)
{
	epoll_ctl(sv.epfd, EPOLL_CTL_DEL, s->h, NULL);
	priv_dnsmasq_close(s->h);
	s->pid = 0;
	s->h = -1;
}

/* SIGTERM, then SIGKILL after 2 s; always reaps. */
static void
halt(struct server *s)
{
	struct pollfd p = { .fd = s->h, .events = POLLIN };
	int st, r;

	priv_dnsmasq_signal(s->h, SIGTERM);
	while ((r = poll(&p, 1, 2000)) < 0 && errno == EINTR)
		;
	if (r != 1)
		priv_dnsmasq_signal(s->h, SIGKILL);
	priv_dnsmasq_reap(s->h, true, &st);
	forget(s);
}

/* The event of key: a server died (unless the slot moved on). */
static void
exited(uint64_t key)
{
	struct server *s = &sv.servers[key >> 32];
	int st = 0, r;

	if (s->vlan == 0 || s->pid != (pid_t)(uint32_t)key ||
	    (r = priv_dnsmasq_reap(s->h, false, &st)) == 0)
		return;
	if (r < 0)	/* its handle would stay readable: drop it */
		log_error("dhcp: cannot reap dnsmasq %d: %s", (int)s->pid, strerror(errno));
	forget(s);
	if (!s->wanted)
		return;
	metric_add(&restarts, 1);
	log_error("dhcp: dnsmasq for network %s (VLAN %d) died (%s %d); restarting",
	    s->name, s->vlan, st >= 0 ? "exit" : "signal", st >= 0 ? st : -st);
	s->restarts = util_mono_now() - s->started < 5 ? s->restarts + 1 : 0;
	if (s->restarts > 5) {
		log_error("dhcp: dnsmasq for network %s keeps dying; giving up", s->name);
		s->wanted = false;
		return;
	}
	if (launch(s) != 0)
		log_error("dhcp: cannot restart dnsmasq for network %s: %s", s->name,
		    strerror(errno));
}

static void *
supervise(void *arg)
{
	struct epoll_event ev[16];
	int n;

	(void)arg;
	for (;;) {
		if ((n = epoll_wait(sv.epfd, ev, 16, -1)) < 0 && errno != EINTR) {
			log_error("dhcp: supervisor: %s", strerror(errno));
			return NULL;
		}
		pthread_mutex_lock(&sv.mtx);
		for (int i = 0; i < n && !sv.stopping; i++)
			if (ev[i].data.u64 != WAKE)
				exited(ev[i].data.u64);
		if (sv.stopping) {
			pthread_mutex_unlock(&sv.mtx);
			return NULL;
		}
		pthread_mutex_unlock(&sv.mtx);
	}
}

int
dnsmasq_init(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WAKE };

	if (sv.running)
		return 0;
	if ((sv.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (sv.wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    epoll_ctl(sv.epfd, EPOLL_CTL_ADD, sv.wake, &ev) != 0)
		return -1;
	sv.stopping = false;
	if (pthread_create(&sv.thread, NULL, supervise, NULL) != 0)
		return -1;
	sv.running = true;
	return 0;
}

void
dnsmasq_shutdown(void)
{
	if (!sv.running)
		return;
	pthread_mutex_lock(&sv.mtx);
	sv.stopping = true;
	pthread_mutex_unlock(&sv.mtx);
	eventfd_write(sv.wake, 1);
	pthread_join(sv.thread, NULL);
	close(sv.wake);
	close(sv.epfd);
	sv.wake = sv.epfd = -1;
	sv.running = false;
}

bool
dnsmasq_has_room(int vlan)
{
	bool room;

	pthread_mutex_lock(&sv.mtx);
	room = find(vlan) != NULL || find(0) != NULL;
	pthread_mutex_unlock(&sv.mtx);
	return room;
}

int
dnsmasq_start(int vlan, const char *name, const char *ns, const char *conf,
    char *err, size_t len)
{
	struct server *s;
	int rc = -1;

	pthread_mutex_lock(&sv.mtx);
	if ((s = find(vlan)) == NULL && (s = find(0)) == NULL) {
		snprintf(err, len, "too many DHCP servers");
		goto out;
	}
	if (s->pid > 0) {
		s->wanted = false;
		halt(s);
	}
	s->vlan = vlan;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->ns, sizeof(s->ns), "%s", ns);
	snprintf(s->conf, sizeof(s->conf), "%s", conf);
	s->wanted = true;
	if (launch(s) != 0) {
		snprintf(err, len, "cannot start dnsmasq: %s", strerror(errno));
		goto out;
	}
	log_info("dhcp: dnsmasq (keeper %d) serves network %s (VLAN %d)", (int)s->pid, name, vlan);
	rc = 0;
out:
	pthread_mutex_unlock(&sv.mtx);
	return rc;
}

int
dnsmasq_stop(int vlan)
{
	struct server *s;

	pthread_mutex_lock(&sv.mtx);
	if (vlan == 0 || (s = find(vlan)) == NULL) {
		pthread_mutex_unlock(&sv.mtx);
		return 0;
	}
	s->wanted = false;
	if (s->pid > 0)
		halt(s);
	log_info("dhcp: server for network %s (VLAN %d) stopped", s->name, s->vlan);
	memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&sv.mtx);
	return 1;
}

bool
dnsmasq_serves(int vlan)
{
	bool yes;

	pthread_mutex_lock(&sv.mtx);
	yes = vlan != 0 && find(vlan) != NULL;
	pthread_mutex_unlock(&sv.mtx);
	return yes;
}

int
dnsmasq_vlans(int *out, int max)
{
	int n = 0;

	pthread_mutex_lock(&sv.mtx);
	for (int i = 0; i < MAX_SERVERS && n < max; i++)
		if (sv.servers[i].vlan != 0)
			out[n++] = sv.servers[i].vlan;
	pthread_mutex_unlock(&sv.mtx);
	return n;
}

void
dnsmasq_reload(int vlan)
{
	struct server *s;

	pthread_mutex_lock(&sv.mtx);
	if (vlan != 0 && (s = find(vlan)) != NULL && s->pid > 0)
		priv_dnsmasq_signal(s->h, SIGHUP);
	pthread_mutex_unlock(&sv.mtx);
}

int
dnsmasq_stale(const char *name, int vlan)
{
	int found = 0;

	pthread_mutex_lock(&sv.mtx);
	for (int i = 0; i < MAX_SERVERS && found == 0 && name != NULL; i++)
		if (sv.servers[i].vlan != 0 && sv.servers[i].vlan != vlan &&
		    strcmp(sv.servers[i].name, name) == 0)
			found = sv.servers[i].vlan;
	pthread_mutex_unlock(&sv.mtx);
	return found;
}

int
dnsmasq_any(void)
{
	int vlan = 0;

	pthread_mutex_lock(&sv.mtx);
	for (int i = 0; i < MAX_SERVERS && vlan == 0; i++)
		vlan = sv.servers[i].vlan;
	pthread_mutex_unlock(&sv.mtx);
	return vlan;
}
