/*
 * Requests to Redfish BMCs (see redfish.h).  A session per BMC, user and
 * password (a changed password opens a new one), reused by every request
 * and renewed once when the BMC answers 401; Basic auth when configured,
 * or when the BMC offers no session service (auto).  Requests to one BMC
 * run concurrently (a BMC serving many systems is one entry); its entry's
 * mutex guards only the session token, so one session is opened at a
 * time and a refused token is replaced once, by the first to see it.
 * Passwords and tokens stay in this file: httpc wipes the headers and
 * bodies that carried them, and no message here contains them.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "log.h"
#include "redfish.h"
#include "util.h"

struct rf_sess {
	char		 key[SHA256_DIGEST_LENGTH * 2 + 1];
	pthread_mutex_t	 mtx;
	char		 token[256];
	char		 uri[300];	/* the session to delete at close */
	bool		 basic_only;	/* auto: the BMC has no session service */
	struct rf_target t;		/* without its password */
	struct rf_sess	*next;
};

static struct {
	pthread_mutex_t	 mtx;
	struct rf_sess	*head;
	struct rf_conf	 conf;
} rf = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.conf = { .timeout_s = 10, .connect_timeout_s = 5, .retries = 1,
	    .task_timeout_s = 300 },
};

void
rf_configure(const struct rf_conf *c)
{
	rf.conf = *c;
}

static void
sess_key(const struct rf_target *t, char out[SHA256_DIGEST_LENGTH * 2 + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char buf[1200];
	int n = snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s\n%d", t->base, t->user,
	    t->pass, t->cafile, t->verify);

	SHA256((unsigned char *)buf, (size_t)n, md);
	explicit_bzero(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static struct rf_sess *
sess_get(const struct rf_target *t)
{
	char key[SHA256_DIGEST_LENGTH * 2 + 1];
	struct rf_sess *s;

	sess_key(t, key);
	pthread_mutex_lock(&rf.mtx);
	for (s = rf.head; s != NULL && strcmp(s->key, key) != 0; s = s->next)
		;
	if (s == NULL) {
		s = util_calloc(1, sizeof(*s));
		memcpy(s->key, key, sizeof(key));
		pthread_mutex_init(&s->mtx, NULL);
		s->t = *t;
		explicit_bzero(s->t.pass, sizeof(s->t.pass));
		s->next = rf.head;
		rf.head = s;
	}
	pthread_mutex_unlock(&rf.mtx);
	return s;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "Authorization: Basic ..." (the caller wipes it). */
static void
basic_header(const struct rf_target *t, char *out, size_t len)
{
	char up[400];
	unsigned char b64[560];
	int n = snprintf(up, sizeof(up), "%s:%s", t->user, t->pass);

	EVP_EncodeBlock(b64, (unsigned char *)up, n);
	snprintf(out, len, "Authorization: Basic %s", b64);
	explicit_bzero(up, sizeof(up));
	explicit_bzero(b64, sizeof(b64));
}

/* One exchange; -1 when the BMC did not answer. */
static int
send_once(const struct rf_target *t, const char *auth, const struct rf_call *c,
    struct httpc_res *res, char *err, size_t len)
{
	char url[700], ifm[300];
	const char *hdr[4] = { "OData-Version: 4.0", NULL, NULL, NULL };
	int n = 1;
	struct httpc_req q = {
		.method = c->method, .url = url, .json = c->body, .headers = hdr,
		.connect_timeout = rf.conf.connect_timeout_s,
		.timeout = rf.conf.timeout_s, .cafile = t->cafile,
		.insecure = !t->verify, .want_header = c->want_header,
	};

	snprintf(url, sizeof(url), "%s%s", t->base, c->path);
	if (auth != NULL)
		hdr[n++] = auth;
	if (c->if_match != NULL) {
		snprintf(ifm, sizeof(ifm), "If-Match: %s", c->if_match);
		hdr[n++] = ifm;
	}
	if (httpc_do(&q, res) == 0)
		return 0;
	snprintf(err, len, "the BMC did not answer (%s)", res->err);
	return -1;
}

static int
open_session(struct rf_sess *s, const struct rf_target *t, char *err, size_t len)
{
	json_t *body = json_pack("{s:s, s:s}", "UserName", t->user, "Password", t->pass);
	struct rf_call c = { "POST", "/redfish/v1/SessionService/Sessions", body,
	    NULL, "X-Auth-Token" };
	struct httpc_res res;
	int rc = -1;

	if (send_once(t, NULL, &c, &res, err, len) != 0)
		goto out;
	if ((res.status == 200 || res.status == 201) && res.header[0] != '\0' &&
	    strlen(res.header) < sizeof(s->token) - 16) {
		snprintf(s->token, sizeof(s->token), "X-Auth-Token: %s", res.header);
		if (rf_path_take(t->base, jstr(res.json, "@odata.id"), s->uri,
		    sizeof(s->uri)) != 0)
			s->uri[0] = '\0';
		rc = 0;
	} else if (res.status == 401 || res.status == 403) {
		snprintf(err, len, "authentication failed for the BMC (user '%s')", t->user);
	} else if (t->auth == RF_AUTH_AUTO && res.status >= 400) {
		s->basic_only = true;	/* no session service: Basic auth */
		rc = 0;
	} else {
		rf_error_text(res.status, res.json, err, len);
	}
	httpc_res_free(&res);
out:
	explicit_bzero((char *)json_string_value(json_object_get(body, "Password")),
	    strlen(t->pass));
	json_decref(body);
	return rc;
}

static bool
use_session(const struct rf_sess *s, const struct rf_target *t)
{
	return t->auth == RF_AUTH_SESSION || (t->auth == RF_AUTH_AUTO && !s->basic_only);
}

/* The Authorization or X-Auth-Token header to send (the caller wipes
 * it), under the entry's lock: a session is opened when there is none,
 * or when stale (a token the BMC refused) is still the current one. */
static int
auth_header(struct rf_sess *s, const struct rf_target *t, const char *stale,
    char *hdr, size_t hlen, char *err, size_t len)
{
	int rc = 0;

	pthread_mutex_lock(&s->mtx);
	if (use_session(s, t) && stale != NULL && strcmp(s->token, stale) == 0) {
		explicit_bzero(s->token, sizeof(s->token));
		s->uri[0] = '\0';
	}
	if (use_session(s, t) && s->token[0] == '\0')
		rc = open_session(s, t, err, len);
	if (rc == 0 && use_session(s, t))
		snprintf(hdr, hlen, "%s", s->token);
	else if (rc == 0)
		basic_header(t, hdr, hlen);
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

/* One request: a session (opened once, shared by concurrent requests,
 * renewed once on 401) or Basic auth; retries of GETs the BMC did not
 * answer. */
static int
request_auth(struct rf_sess *s, const struct rf_target *t, const struct rf_call *c,
    struct httpc_res *res, char *err, size_t len)
{
	char hdr[600], stale[600] = "";
	int rc = -1, renewed = 0;

	for (int attempt = 0; attempt <= rf.conf.retries; attempt++) {
		if (auth_header(s, t, renewed ? stale : NULL, hdr, sizeof(hdr), err,
		    len) != 0)
			break;
		rc = send_once(t, hdr, c, res, err, len);
		if (rc != 0) {
			explicit_bzero(hdr, sizeof(hdr));
			if (strcmp(c->method, "GET") != 0)
				break;
			continue;	/* a read is safe to send again */
		}
		if (res->status != 401 || strncmp(hdr, "X-Auth-Token:", 13) != 0 ||
		    renewed++)
			break;
		/* the session expired or was deleted: open another, once */
		snprintf(stale, sizeof(stale), "%s", hdr);
		explicit_bzero(hdr, sizeof(hdr));
		httpc_res_free(res);
		attempt--;
	}
	explicit_bzero(hdr, sizeof(hdr));
	explicit_bzero(stale, sizeof(stale));
	return rc;
}

int
rf_request(const struct rf_target *t, const struct rf_call *c, struct httpc_res *res,
    char *err, size_t len)
{
	struct rf_sess *s = sess_get(t);

	if (request_auth(s, t, c, res, err, len) != 0) {
		res->status = 0;
		return -1;
	}
	if (res->status >= 200 && res->status < 300)
		return 0;
	if (res->status == 401)
		snprintf(err, len, "authentication failed for the BMC (user '%s')",
		    t->user);
	else
		rf_error_text(res->status, res->json, err, len);
	httpc_res_free(res);
	return -1;
}

json_t *
rf_get(const struct rf_target *t, const char *path, char *etag, size_t etaglen,
    char *err, size_t len)
{
	struct rf_call c = { "GET", path, NULL, NULL, etag ? "ETag" : NULL };
	struct httpc_res res;
	json_t *doc;

	if (rf_request(t, &c, &res, err, len) != 0)
		return NULL;
	if (!json_is_object(res.json)) {
		snprintf(err, len, "the BMC's answer for %.200s is not a JSON object", path);
		httpc_res_free(&res);
		return NULL;
	}
	if (etag != NULL)
		snprintf(etag, etaglen, "%s", res.header);
	doc = json_incref(res.json);
	httpc_res_free(&res);
	return doc;
}

/* Polls a task until it ends (or task_timeout_s). */
static int
wait_task(const struct rf_target *t, const char *location, char *err, size_t len)
{
	double end = util_mono_now() + rf.conf.task_timeout_s;
	char path[300];
	struct rf_call c = { "GET", path, NULL, NULL, NULL };
	struct httpc_res res;
	int st;

	if (rf_path_take(t->base, location, path, sizeof(path)) != 0) {
		snprintf(err, len, "the BMC's task location is not a Redfish path");
		return -1;
	}
	for (;;) {
		if (rf_request(t, &c, &res, err, len) != 0)
			return -1;
		st = rf_task_state(res.status, res.json, err, len);
		httpc_res_free(&res);
		if (st != 1)
			return st;
		if (util_mono_now() >= end) {
			snprintf(err, len, "the BMC's task did not end within %d s",
			    rf.conf.task_timeout_s);
			return -1;
		}
		sleep_ms(500);
	}
}

/* After a change: waits for the task of a 202 answer. */
static int
finish(const struct rf_target *t, struct httpc_res *res, char *err, size_t len)
{
	char loc[1024];
	int rc = 0;

	if (res->status == 202 && res->header[0] != '\0') {
		snprintf(loc, sizeof(loc), "%s", res->header);
		httpc_res_free(res);
		return wait_task(t, loc, err, len);
	}
	httpc_res_free(res);
	return rc;
}

int
rf_patch(const struct rf_target *t, const char *path, json_t *body, char *err,
    size_t len)
{
	char etag[256];
	struct httpc_res res;
	json_t *doc;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct rf_call c = { "PATCH", path, body, NULL, "Location" };
		if ((doc = rf_get(t, path, etag, sizeof(etag), err, len)) == NULL)
			return -1;
		json_decref(doc);
		c.if_match = etag[0] != '\0' ? etag : NULL;
		if (rf_request(t, &c, &res, err, len) == 0)
			return finish(t, &res, err, len);
		if (res.status != 412)
			return -1;
		/* changed meanwhile: read the new ETag and try once more */
		log_info("Redfish PATCH %s: the ETag changed, retrying", path);
	}
	return -1;
}

int
rf_action(const struct rf_target *t, const char *path, json_t *body, char *err,
    size_t len)
{
	struct rf_call c = { "POST", path, body, NULL, "Location" };
	struct httpc_res res;

	if (rf_request(t, &c, &res, err, len) != 0)
		return -1;
	return finish(t, &res, err, len);
}

/* At shutdown: each BMC gets 1 s, all of them 5 s; what is left expires
 * on the BMC. */
void
rf_sessions_close(void)
{
	double end = util_mono_now() + 5;
	struct rf_sess *s;

	pthread_mutex_lock(&rf.mtx);
	rf.conf.timeout_s = rf.conf.connect_timeout_s = 1;
	for (s = rf.head; s != NULL && util_mono_now() < end; s = s->next) {
		struct rf_call c = { "DELETE", s->uri, NULL, NULL, NULL };
		struct httpc_res res;
		char err[300];

		pthread_mutex_lock(&s->mtx);
		if (s->token[0] != '\0' && s->uri[0] != '\0' &&
		    send_once(&s->t, s->token, &c, &res, err, sizeof(err)) == 0)
			httpc_res_free(&res);
		explicit_bzero(s->token, sizeof(s->token));
		pthread_mutex_unlock(&s->mtx);
	}
	pthread_mutex_unlock(&rf.mtx);
}
