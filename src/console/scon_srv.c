/*
 * The console server's thread: one libwebsockets event loop serving the
 * raw TCP port, the WebSocket port and every session's backend
 * descriptor (adopted as a raw file).  Everything a connection or a
 * backend touches belongs to this thread; other threads only add
 * sessions, mark them stopped or post an opened descriptor (under
 * scon.mu) and wake it (lws_cancel_service).
 *
 * A connection first sends its token: on the raw port a line ("TOKEN\n"),
 * on the WebSocket its first message; anything else, a wrong or used
 * token, more than a token's bytes or nothing within auth_timeout closes
 * it.  Then it is told "ingot-console: read-write" or "read-only" (one
 * line, a text message on the WebSocket) and gets the node's output as it
 * comes (binary messages on the WebSocket).  What a read-only viewer sends
 * is dropped; a viewer that falls SCON_OUT_MAX behind is disconnected.
 */
#include "scon_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

struct client {
	struct session	*s;
	struct lws	*wsi;
	bool		 ws, counted, authed, ro, banner;
	char		 tok[SCON_TOKEN_LEN + 4];
	size_t		 toklen;
	unsigned char	*out;		/* SCON_OUT_MAX, circular */
	size_t		 ohead, olen;
	struct client	*next;
};

static struct {
	struct lws_context	*ctx;
	struct lws_vhost	*bvh;		/* backends: no listener */
	pthread_t		 thr;
	atomic_bool		 quit;
	int			 nclients;
} srv;

/* --- viewers --------------------------------------------------------------- */

static void
client_queue(struct client *c, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (c->olen + n > SCON_OUT_MAX) {	/* too slow: let it go */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	for (size_t i = 0; i < n; i++)
		c->out[(c->ohead + c->olen + i) % SCON_OUT_MAX] = b[i];
	c->olen += n;
	lws_callback_on_writable(c->wsi);
}

static void
client_detach(struct client *c)
{
	struct session *s = c->s;

	if (s == NULL)
		return;
	for (struct client **pp = &s->clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (s->writer == c) {
		s->writer = NULL;
		s->throttled = false;
	}
	s->nclients--;
	c->s = NULL;
}

static int
client_open(struct client *c, struct lws *wsi, bool ws)
{
	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	c->ws = ws;
	if (srv.nclients >= scon.conf.max_connections)
		return -1;
	srv.nclients++;
	c->counted = true;
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, scon.conf.auth_timeout);
	return 0;
}

static void
client_close(struct client *c)
{
	pthread_mutex_lock(&scon.mu);
	client_detach(c);
	pthread_mutex_unlock(&scon.mu);
	free(c->out);
	c->out = NULL;
	if (c->counted)
		srv.nclients--;
	c->counted = false;
}

/* Joins the session the token names (scon.mu held). */
static int
client_join(struct client *c, const char *uuid)
{
	struct session *s = session_find(uuid);

	if (s == NULL || (s->writer != NULL && s->nclients >= 1 + scon.conf.max_watchers) ||
	    (c->out = malloc(SCON_OUT_MAX)) == NULL)
		return -1;
	c->s = s;
	c->ro = s->writer != NULL;
	if (!c->ro)
		s->writer = c;
	c->next = s->clients;
	s->clients = c;
	s->nclients++;
	c->authed = c->banner = true;
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	lws_callback_on_writable(c->wsi);
	return 0;
}

static int
client_auth(struct client *c)
{
	char uuid[37];
	size_t n = c->toklen;
	int rc;

	while (n > 0 && (c->tok[n - 1] == '\n' || c->tok[n - 1] == '\r'))
		n--;
	if (token_take(c->tok, n, uuid) != 0)
		return -1;
	explicit_bzero(c->tok, sizeof(c->tok));
	pthread_mutex_lock(&scon.mu);
	rc = client_join(c, uuid);
	pthread_mutex_unlock(&scon.mu);
	return rc;
}

/* What the writer typed, for the backend. */
static void
client_typed(struct client *c, const unsigned char *p, size_t n)
{
	struct session *s = c->s;

	if (s == NULL || s->writer != c || n == 0)
		return;
	if (n > SCON_IN_MAX - s->inlen)
		n = SCON_IN_MAX - s->inlen;	/* past flow control: dropped */
	memcpy(s->in + s->inlen, p, n);
	s->inlen += n;
	if (s->bwsi != NULL)
		lws_callback_on_writable(s->bwsi);
	if (SCON_IN_MAX - s->inlen < 8192) {
		lws_rx_flow_control(c->wsi, 0);
		s->throttled = true;
	}
}

static int
client_rx(struct client *c, const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (c->authed) {
		client_typed(c, p, n);
		return 0;
	}
	for (; i < n; i++) {
		if (c->toklen >= sizeof(c->tok))
			return -1;	/* no token is that long */
		c->tok[c->toklen++] = (char)p[i];
		if (!c->ws && p[i] == '\n') {
			i++;
			break;
		}
	}
	if (c->ws ? !lws_is_final_fragment(c->wsi) :
	    (c->toklen == 0 || c->tok[c->toklen - 1] != '\n'))
		return 0;	/* the rest of the token is to come */
	if (client_auth(c) != 0)
		return -1;
	client_typed(c, p + i, n - i);
	return 0;
}

static int
client_send(struct client *c, const char *p, size_t n, bool text)
{
	unsigned char buf[LWS_PRE + 4096];
	enum lws_write_protocol wp = !c->ws ? LWS_WRITE_RAW :
	    text ? LWS_WRITE_TEXT : LWS_WRITE_BINARY;

	memcpy(buf + LWS_PRE, p, n);
	return lws_write(c->wsi, buf + LWS_PRE, n, wp) < (int)n ? -1 : 0;
}

static int
client_write(struct client *c)
{
	char chunk[4096];
	size_t n = 0;

	if (c->banner) {
		const char *b = c->ro ? "ingot-console: read-only\r\n" :
		    "ingot-console: read-write\r\n";
		c->banner = false;
		if (client_send(c, b, strlen(b), true) != 0)
			return -1;
		if (c->olen > 0)
			lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (!c->authed || c->s == NULL)
		return c->authed ? -1 : 0;	/* its session ended */
	while (n < sizeof(chunk) && n < c->olen) {
		chunk[n] = (char)c->out[(c->ohead + n) % SCON_OUT_MAX];
		n++;
	}
	if (n == 0)
		return 0;
	c->ohead = (c->ohead + n) % SCON_OUT_MAX;
	c->olen -= n;
	if (client_send(c, chunk, n, false) != 0)
		return -1;
	if (c->olen > 0)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* --- backends -------------------------------------------------------------- */

static int
backend_rx(struct session *s, struct lws *wsi)
{
	unsigned char buf[4096];
	ssize_t n;

	if (s == NULL)
		return -1;
	n = read(lws_get_socket_fd(wsi), buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	sring_append(&s->ring, buf, (size_t)n);
	for (struct client *c = s->clients; c != NULL; c = c->next)
		client_queue(c, buf, (size_t)n);
	return 0;
}

static int
backend_write(struct session *s, struct lws *wsi)
{
	ssize_t n;

	if (s == NULL || s->inlen == 0)
		return s == NULL ? -1 : 0;
	n = write(lws_get_socket_fd(wsi), s->in, s->inlen);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	memmove(s->in, s->in + n, s->inlen - (size_t)n);
	s->inlen -= (size_t)n;
	if (s->inlen > 0)
		lws_callback_on_writable(wsi);
	if (s->throttled && SCON_IN_MAX - s->inlen >= 8192 && s->writer != NULL) {
		s->throttled = false;
		lws_rx_flow_control(s->writer->wsi, 1);
	}
	return 0;
}

/* The backend dropped (or was closed): open it again. */
static void
backend_closed(struct session *s)
{
	if (s == NULL)
		return;
	log_info("console of node %s: disconnected", s->uuid);
	s->bwsi = NULL;
	s->ops->close(s->h);
	s->h = NULL;
	pthread_mutex_lock(&scon.mu);
	s->need_open = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&scon.mu);
}

/* (scon.mu held) */
static void
backend_adopt(struct session *s)
{
	lws_sock_file_fd_type u;
	int d = fcntl(s->newfd, F_DUPFD_CLOEXEC, 0);
	struct lws *wsi = NULL;

	if (d >= 0) {
		fcntl(d, F_SETFL, fcntl(d, F_GETFL) | O_NONBLOCK);
		u.filefd = d;
		wsi = lws_adopt_descriptor_vhost(srv.bvh, LWS_ADOPT_RAW_FILE_DESC, u,
		    "ingot-bmc", NULL);
	}
	if (wsi == NULL) {
		if (d >= 0)
			close(d);
		s->ops->close(s->newh);
		s->need_open = true;
		pthread_cond_broadcast(&s->cond);
	} else {
		lws_set_opaque_user_data(wsi, s);
		s->bwsi = wsi;
		s->h = s->newh;
		if (s->inlen > 0)
			lws_callback_on_writable(wsi);
	}
	s->newfd = -1;
	s->newh = NULL;
}

/* A stopped session: viewers and backend go (scon.mu held). */
static void
session_end(struct session *s)
{
	while (s->clients != NULL) {
		struct lws *w = s->clients->wsi;
		client_detach(s->clients);
		lws_set_timeout(w, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	if (s->bwsi != NULL) {
		lws_set_opaque_user_data(s->bwsi, NULL);
		lws_set_timeout(s->bwsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		s->ops->close(s->h);
		s->bwsi = NULL;
	}
	if (s->newh != NULL)
		s->ops->close(s->newh);
	sring_close(&s->ring);
}

static void
sessions_sync(void)
{
	struct session **pp, *s;

	pthread_mutex_lock(&scon.mu);
	for (pp = &scon.sessions; (s = *pp) != NULL;) {
		if (s->stop) {
			session_end(s);
			*pp = s->next;
			session_unref(s);
			continue;
		}
		if (s->newfd >= 0)
			backend_adopt(s);
		pp = &s->next;
	}
	pthread_mutex_unlock(&scon.mu);
}

/* --- the loop -------------------------------------------------------------- */

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct client *c = user;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		return client_open(c, wsi, false);
	case LWS_CALLBACK_ESTABLISHED:
		return client_open(c, wsi, true);
	case LWS_CALLBACK_RAW_RX:
	case LWS_CALLBACK_RECEIVE:
		return client_rx(c, in, len);
	case LWS_CALLBACK_RAW_WRITEABLE:
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_write(c);
	case LWS_CALLBACK_RAW_CLOSE:
	case LWS_CALLBACK_CLOSED:
		client_close(c);
		return 0;
	case LWS_CALLBACK_RAW_RX_FILE:
		return backend_rx(lws_get_opaque_user_data(wsi), wsi);
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		return backend_write(lws_get_opaque_user_data(wsi), wsi);
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		backend_closed(lws_get_opaque_user_data(wsi));
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (!atomic_load(&srv.quit))
			sessions_sync();
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static const struct lws_protocols ws_protocols[] = {
	{ "ingot-console", cb, sizeof(struct client), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};
static const struct lws_protocols raw_protocols[] = {
	{ "ingot-raw", cb, sizeof(struct client), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};
static const struct lws_protocols bmc_protocols[] = {
	{ "ingot-bmc", cb, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void *
srv_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&srv.quit))
		lws_service(srv.ctx, 0);
	return NULL;
}

static void
lws_log(int level, const char *line)
{
	if (level & LLL_ERR)
		log_warn("console server: %.*s", (int)strcspn(line, "\n"), line);
}

static struct lws_vhost *
vhost(const char *name, int port, const struct lws_protocols *p, bool raw)
{
	struct lws_context_creation_info i;

	memset(&i, 0, sizeof(i));
	i.vhost_name = name;
	i.port = port;
	i.iface = port == CONTEXT_PORT_NO_LISTEN ? NULL : scon.listen;
	i.protocols = p;
	i.timeout_secs = (unsigned)scon.conf.auth_timeout;
	if (raw) {
		i.options = LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG;
		i.listen_accept_role = "raw-skt";
		i.listen_accept_protocol = p[0].name;
	}
	return lws_create_vhost(srv.ctx, &i);
}

int
srv_start(char *err, size_t len)
{
	struct lws_context_creation_info i;

	lws_set_log_level(LLL_ERR, lws_log);
	memset(&i, 0, sizeof(i));
	i.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6;
	i.fd_limit_per_thread = (unsigned)scon.conf.max_connections + 256;
	i.timeout_secs = (unsigned)scon.conf.auth_timeout;
	atomic_store(&srv.quit, false);
	if ((srv.ctx = lws_create_context(&i)) == NULL ||
	    (scon.conf.ws_port > 0 && vhost("ws", scon.conf.ws_port, ws_protocols, false) == NULL) ||
	    (scon.conf.raw_port > 0 && vhost("raw", scon.conf.raw_port, raw_protocols, true) == NULL) ||
	    (srv.bvh = vhost("bmc", CONTEXT_PORT_NO_LISTEN, bmc_protocols, false)) == NULL ||
	    pthread_create(&srv.thr, NULL, srv_run, NULL) != 0) {
		snprintf(err, len, "[console] cannot listen on %s ports %d and %d",
		    scon.listen, scon.conf.raw_port, scon.conf.ws_port);
		if (srv.ctx != NULL)
			lws_context_destroy(srv.ctx);
		srv.ctx = NULL;
		return -1;
	}
	return 0;
}

void
srv_wake(void)
{
	if (srv.ctx != NULL)
		lws_cancel_service(srv.ctx);
}

void
srv_stop(void)
{
	if (srv.ctx == NULL)
		return;
	atomic_store(&srv.quit, true);
	lws_cancel_service(srv.ctx);
	pthread_join(srv.thr, NULL);
	atomic_store(&srv.quit, false);
	sessions_sync();		/* every session is stopped: all end */
	atomic_store(&srv.quit, true);
	lws_context_destroy(srv.ctx);
	srv.ctx = NULL;
}
