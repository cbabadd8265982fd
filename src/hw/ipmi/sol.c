/*
 * Console interface "ipmitool-socat" (Ironic's name; what a client sets):
 * IPMI 2.0 Serial-over-LAN through FreeIPMI's libipmiconsole.  The
 * library runs the SOL protocol (activation, sequence numbers,
 * retransmissions, keepalives, character accumulation) in its own engine
 * threads and hands us one file descriptor carrying the serial stream in
 * both directions, which the console server polls like any socket.
 * driver_info is read as the power interface reads it (ipmi_target_from).
 */
#include "hw_console.h"
#include "ipmi.h"
#include "ipmi_dl.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sol {
	ipmiconsole_ctx_t	 ctx;
	int			 fd;	/* ours to close (ipmiconsole_ctx_fd) */
};

/*
 * Checks relaxed for every BMC: a lower privilege in the open-session
 * answer than asked, payload sizes out of the usual range, and no "get
 * channel payload support" (OpenIPMI's ipmi_sim needs all three; they
 * loosen checks, they do not change what is sent).
 */
#define SOL_WORKAROUNDS	(IPMICONSOLE_WORKAROUND_OPEN_SESSION_PRIVILEGE | \
	IPMICONSOLE_WORKAROUND_IGNORE_SOL_PAYLOAD_SIZE | \
	IPMICONSOLE_WORKAROUND_SKIP_CHANNEL_PAYLOAD_SUPPORT)

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static int engine_ok;

static void
engine_init(void)
{
	/* two engine threads serve every session of the process */
	engine_ok = ipmi_dl_load(NULL, 0) == 0 && ipmiconsole_engine_init(2, 0) == 0;
}

static int
sol_priv(int freeipmi_priv)
{
	switch (freeipmi_priv) {
	case IPMI_PRIVILEGE_LEVEL_USER:
		return IPMICONSOLE_PRIVILEGE_USER;
	case IPMI_PRIVILEGE_LEVEL_OPERATOR:
		return IPMICONSOLE_PRIVILEGE_OPERATOR;
	default:
		return IPMICONSOLE_PRIVILEGE_ADMIN;
	}
}

static int
sol_validate(json_t *node, char *err, size_t len)
{
	struct ipmi_target t;
	int rc = ipmi_target_from(node, &t, err, len);

	explicit_bzero(t.password, sizeof(t.password));
	/* libipmiconsole 1.6 keeps the port in a signed 16-bit field */
	if (rc == 0 && t.port > 32767) {
		snprintf(err, len, "driver_info: ipmi_port above 32767 cannot be "
		    "reached by Serial-over-LAN (FreeIPMI's libipmiconsole)");
		rc = -1;
	}
	return rc;
}

static ipmiconsole_ctx_t
sol_ctx(struct ipmi_target *t)
{
	struct ipmiconsole_ipmi_config ic = {
		.username = t->username[0] ? t->username : NULL,
		.password = t->password[0] ? t->password : NULL,
		.privilege_level = sol_priv(t->priv),
		.cipher_suite_id = t->cipher_suite,
		.workaround_flags = SOL_WORKAROUNDS |
		    /* a BMC on another port than 623 (a simulator, a NAT)
		     * cannot move SOL to the port it names in its answer */
		    (t->port != 623 ? IPMICONSOLE_WORKAROUND_IGNORE_SOL_PORT : 0),
	};
	struct ipmiconsole_protocol_config pc = {
		.session_timeout_len = 30000, .retransmission_timeout_len = -1,
		.retransmission_backoff_count = -1, .keepalive_timeout_len = -1,
		.retransmission_keepalive_timeout_len = -1,
		.acceptable_packet_errors_count = -1, .maximum_retransmission_count = -1,
	};
	/* take the console over from a stale session (ours, before a restart) */
	struct ipmiconsole_engine_config ec = { .engine_flags = 0,
	    .behavior_flags = 0, .debug_flags = 0 };
	char host[300];

	snprintf(host, sizeof(host), "%s:%d", t->address, t->port);
	return ipmiconsole_ctx_create(host, &ic, &pc, &ec);
}

static int
sol_open(json_t *node, int *fd, void **h, char *err, size_t len)
{
	struct ipmi_target t;
	ipmiconsole_ctx_t c;
	struct sol *s = NULL;

	if (sol_validate(node, err, len) != 0 || ipmi_target_from(node, &t, err, len) != 0)
		return -1;
	pthread_once(&engine_once, engine_init);
	c = engine_ok ? sol_ctx(&t) : NULL;
	explicit_bzero(t.password, sizeof(t.password));
	if (c == NULL) {
		snprintf(err, len, "Serial-over-LAN: cannot start a session");
		return -1;
	}
	if (ipmiconsole_engine_submit_block(c) < 0) {
		snprintf(err, len, "Serial-over-LAN: %s",
		    ipmiconsole_ctx_strerror(ipmiconsole_ctx_errnum(c)));
		ipmiconsole_ctx_destroy(c);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->fd = ipmiconsole_ctx_fd(c)) < 0) {
		snprintf(err, len, "Serial-over-LAN: no session descriptor");
		free(s);
		ipmiconsole_ctx_destroy(c);
		return -1;
	}
	s->ctx = c;
	*fd = s->fd;
	*h = s;
	return 0;
}

static void
sol_close(void *h)
{
	struct sol *s = h;

	/* the engine tears the session down (deactivating SOL) once its
	 * descriptor is closed, dups included: shutdown reaches them all */
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	ipmiconsole_ctx_destroy(s->ctx);
	free(s);
}

static struct {
	pthread_mutex_t	mu;
	pthread_cond_t	cond;
	bool		done;
} quiet = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };

static void *
teardown_run(void *arg)
{
	(void)arg;
	/* with session clean-up: each closed session deactivates SOL and
	 * closes its IPMI session at the BMC before the engine stops */
	ipmiconsole_engine_teardown(1);
	pthread_mutex_lock(&quiet.mu);
	quiet.done = true;
	pthread_cond_signal(&quiet.cond);
	pthread_mutex_unlock(&quiet.mu);
	return NULL;
}

/*
 * At shutdown, after every session's close: a BMC that never hears the
 * deactivation may go on sending the serial output to the old session
 * after a restart.  The engine's clean teardown is waited for at most ms
 * (a dead BMC would hold it for the session timeout); past that the
 * process exits without it.
 */
static void
sol_quiesce(unsigned ms)
{
	struct timespec until;
	pthread_t thr;

	if (!engine_ok || pthread_create(&thr, NULL, teardown_run, NULL) != 0)
		return;
	util_deadline_ms(&until, (long)ms);
	pthread_mutex_lock(&quiet.mu);
	while (!quiet.done && pthread_cond_timedwait(&quiet.cond, &quiet.mu, &until) == 0)
		;
	pthread_mutex_unlock(&quiet.mu);
	if (quiet.done)
		pthread_join(thr, NULL);
	else
		pthread_detach(thr);
}

const struct hw_console_ops hw_console_ipmi_socat = {
	.base = { .name = "ipmitool-socat", .validate = sol_validate },
	.type = "socat",
	.open = sol_open,
	.close = sol_close,
	.quiesce = sol_quiesce,
};
