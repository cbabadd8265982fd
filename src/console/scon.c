/*
 * Console sessions: what the conductor starts and stops, and what it
 * hands out (console_info with a token, the kept output).  Each session
 * has an opener thread that opens the node's console interface, and
 * opens it again after a drop with a backoff, so that no BMC exchange
 * ever runs on the server's thread or under the node's lock.
 */
#include "scon_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

struct scon scon = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct session *
session_find(const char *uuid)
{
	for (struct session *s = scon.sessions; s != NULL; s = s->next)
		if (!s->stop && strcmp(s->uuid, uuid) == 0)
			return s;
	return NULL;
}

void
session_unref(struct session *s)
{
	if (--s->refs > 0)
		return;
	json_decref(s->node);
	pthread_cond_destroy(&s->cond);
	free(s);
}

/* Waits (under scon.mu) up to secs, or until the session is stopped. */
static void
opener_wait(struct session *s, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += secs;
	while (!s->stop && pthread_cond_timedwait(&s->cond, &scon.mu, &ts) == 0)
		;
}

/* One attempt (scon.mu held on entry and exit). */
static void
opener_try(struct session *s, int *backoff)
{
	char err[256] = "";
	void *h = NULL;
	int fd = -1, rc;

	pthread_mutex_unlock(&scon.mu);
	rc = s->ops->open(s->node, &fd, &h, err, sizeof(err));
	pthread_mutex_lock(&scon.mu);
	if (rc != 0) {
		log_warn("console of node %s: %s (again in %d s)", s->uuid, err, *backoff);
		opener_wait(s, *backoff);
		*backoff = *backoff * 2 > 30 ? 30 : *backoff * 2;
		return;
	}
	if (s->stop) {
		pthread_mutex_unlock(&scon.mu);
		s->ops->close(h);
		pthread_mutex_lock(&scon.mu);
		return;
	}
	log_info("console of node %s: connected", s->uuid);
	s->newfd = fd;
	s->newh = h;
	s->need_open = false;
	*backoff = 1;
	srv_wake();
}

static void *
opener_run(void *arg)
{
	struct session *s = arg;
	int backoff = 1;
	bool first = true;

	pthread_mutex_lock(&scon.mu);
	while (!s->stop) {
		if (!s->need_open) {
			pthread_cond_wait(&s->cond, &scon.mu);
			continue;
		}
		if (!first)
			opener_wait(s, 1);	/* after a drop: not in a tight loop */
		first = false;
		if (!s->stop)
			opener_try(s, &backoff);
	}
	session_unref(s);
	pthread_mutex_unlock(&scon.mu);
	return NULL;
}

static struct session *
session_new(const char *uuid, const struct hw_console_ops *ops, json_t *node)
{
	struct session *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (s == NULL)
		return NULL;
	snprintf(s->uuid, sizeof(s->uuid), "%s", uuid);
	s->ops = ops;
	s->node = json_deep_copy(node);
	s->need_open = true;
	s->newfd = s->fd = -1;
	s->refs = 2;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (sring_open(&s->ring, scon.log_dir, uuid, scon.conf.log_size) != 0)
		log_warn("console log of node %s in %s: %s", uuid, scon.log_dir,
		    strerror(errno));
	return s;
}

int
scon_session_open(const char *uuid, const struct hw_console_ops *ops, json_t *node,
    char *err, size_t len)
{
	struct session *s;
	pthread_t t;
	int rc = 0;

	pthread_mutex_lock(&scon.mu);
	if (!scon.running) {
		snprintf(err, len, "the console service is off ([console] raw_port "
		    "and websocket_port are 0)");
		rc = -1;
	} else if (session_find(uuid) == NULL) {
		if ((s = session_new(uuid, ops, node)) == NULL ||
		    pthread_create(&t, NULL, opener_run, s) != 0) {
			if (s != NULL) {
				sring_close(&s->ring);
				s->refs = 1;
				session_unref(s);
			}
			snprintf(err, len, "cannot start the console session");
			rc = -1;
		} else {
			pthread_detach(t);
			s->next = scon.sessions;
			scon.sessions = s;
		}
	}
	pthread_mutex_unlock(&scon.mu);
	return rc;
}

void
scon_session_close(const char *uuid)
{
	struct session *s;

	token_drop(uuid);
	pthread_mutex_lock(&scon.mu);
	if ((s = session_find(uuid)) != NULL) {
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
		srv_wake();
	}
	pthread_mutex_unlock(&scon.mu);
}

bool
scon_enabled(void)
{
	return scon.running;
}

static json_t *
info_of(const char *type, const char *tok)
{
	const char *host = scon.public_host[0] ? scon.public_host : scon.listen;
	char url[400], ws[400];

	snprintf(url, sizeof(url), "tcp://%s:%d", host, scon.conf.raw_port);
	snprintf(ws, sizeof(ws), "ws://%s:%d/", host, scon.conf.ws_port);
	return json_pack("{s:s, s:s?, s:s?, s:s, s:i}", "type", type,
	    "url", scon.conf.raw_port > 0 ? url : NULL,
	    "websocket_url", scon.conf.ws_port > 0 ? ws : NULL,
	    "token", tok, "token_expires_in", scon.conf.token_ttl);
}

json_t *
scon_info(const char *uuid, const char *type, char *err, size_t len)
{
	char tok[SCON_TOKEN_LEN + 1];
	bool up;
	json_t *out;

	pthread_mutex_lock(&scon.mu);
	up = scon.running && session_find(uuid) != NULL;
	pthread_mutex_unlock(&scon.mu);
	if (!up) {
		snprintf(err, len, "the console of node %s is not running on this "
		    "conductor", uuid);
		return NULL;
	}
	if (token_issue(uuid, scon.conf.token_ttl, tok) != 0) {
		snprintf(err, len, "no random bytes for a console token");
		return NULL;
	}
	out = info_of(type, tok);
	explicit_bzero(tok, sizeof(tok));
	return out;
}

char *
scon_log_read(const char *uuid, size_t *len)
{
	return sring_read(scon.log_dir, uuid, len);
}

int
scon_start(const struct scon_conf *c, char *err, size_t len)
{
	scon.conf = *c;
	snprintf(scon.listen, sizeof(scon.listen), "%s", c->listen ? c->listen : "127.0.0.1");
	snprintf(scon.public_host, sizeof(scon.public_host), "%s",
	    c->public_host ? c->public_host : "");
	snprintf(scon.log_dir, sizeof(scon.log_dir), "%s", c->log_dir);
	if (c->raw_port == 0 && c->ws_port == 0)
		return 0;
	if (srv_start(err, len) != 0)
		return -1;
	scon.running = true;
	return 0;
}

void
scon_stop(void)
{
	if (!scon.running)
		return;
	pthread_mutex_lock(&scon.mu);
	for (struct session *s = scon.sessions; s != NULL; s = s->next) {
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
	}
	scon.running = false;
	pthread_mutex_unlock(&scon.mu);
	srv_stop();
}
