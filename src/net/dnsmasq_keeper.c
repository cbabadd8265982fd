/*
 * The dnsmasq keeper (dnsmasq_keeper.h): ingotd itself, run again as
 * "ingot-dnsmasq-keeper --dnsmasq-keeper COMMAND...", one per dnsmasq.
 * It starts COMMAND (ip netns exec NS dnsmasq ...) and waits, in one
 * poll, for three things:
 *
 *  - its lifeline, descriptor 3: the read end of a pipe whose write end
 *    only ingotd holds.  It reads end-of-file when ingotd is gone, however
 *    it died (SIGKILL, a crash): the keeper then stops dnsmasq and exits.
 *    A parent death signal would not do: dnsmasq changes its credentials
 *    (capabilities) after it starts, which clears its own, and the
 *    keeper's would fire when the thread of ingotd that started it ends;
 *  - a signal from ingotd: SIGHUP is passed on, SIGTERM stops dnsmasq;
 *  - dnsmasq's end: the keeper ends the same way (exit code or signal),
 *    so that ingotd's supervisor sees what dnsmasq did.
 *
 * Stopping dnsmasq is SIGTERM, then SIGKILL after STOP_MS: shorter than
 * ingotd's own 2 s, so the keeper is never killed before dnsmasq.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsmasq_keeper.h"
#include "priv.h"

#define LIFELINE	3
#define STOP_MS		1500

/* COMMAND with the signal mask cleared and descriptors 3 and up closed. */
static pid_t
start(char **argv)
{
	pid_t pid;

	return priv_spawn(NULL, (const char *const *)argv, false, -1, &pid) == 0 ? pid : -1;
}

/* Reaps the child and ends as it ended. */
static _Noreturn void
end_as(int pfd)
{
	siginfo_t si;
	sigset_t all;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PIDFD, (id_t)pfd, &si, WEXITED) != 0 && errno == EINTR)
		;
	if (si.si_code == CLD_EXITED || si.si_pid == 0)
		_exit(si.si_pid == 0 ? 1 : si.si_status);
	signal(si.si_status, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	raise(si.si_status);
	_exit(128 + si.si_status);
}

/* SIGTERM, SIGKILL after STOP_MS; then ends as the child did. */
static _Noreturn void
stop(int pfd)
{
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	pidfd_send_signal(pfd, SIGTERM, NULL, 0);
	if (poll(&p, 1, STOP_MS) != 1)
		pidfd_send_signal(pfd, SIGKILL, NULL, 0);
	end_as(pfd);
}

/* A signal read from sfd: passed on (SIGHUP) or the end (the others). */
static void
on_signal(int sfd, int pfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP)
		pidfd_send_signal(pfd, SIGHUP, NULL, 0);
	else
		stop(pfd);
}

int
dnsmasq_keeper_main(int argc, char **argv)
{
	struct pollfd p[3];
	sigset_t sigs;
	pid_t pid;
	int pfd;

	if (argc < 3)
		return 2;
	prctl(PR_SET_NAME, "dnsmasq-keeper");
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	p[0] = (struct pollfd){ .fd = signalfd(-1, &sigs, SFD_CLOEXEC), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = LIFELINE, .events = POLLIN };
	if (p[0].fd < 0 || (pid = start(argv + 2)) < 0)
		return 1;
	if ((pfd = pidfd_open(pid, 0)) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	p[2] = (struct pollfd){ .fd = pfd, .events = POLLIN };
	for (;;) {
		if (poll(p, 3, -1) < 0)
			continue;
		if (p[2].revents != 0)
			end_as(pfd);
		if (p[1].revents != 0)		/* ingotd is gone */
			stop(pfd);
		if (p[0].revents != 0)
			on_signal(p[0].fd, pfd);
	}
}
