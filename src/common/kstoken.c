/*
 * Keystone v3 password sessions (see kstoken.h).
 */
#include "kstoken.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "httpc.h"
#include "log.h"

#define KS_TIMEOUT		10	/* seconds per request to Keystone */
#define KS_CONNECT_TIMEOUT	5
#define KS_MAX_BODY		(4 << 20)	/* a token with its catalog */
#define KS_MARGIN		120	/* renew the token this early */

time_t
ks_parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

void
ks_session_init(struct ks_session *s)
{
	pthread_mutex_init(&s->mtx, NULL);
	s->token[0] = '\0';
	s->expires = 0;
	s->catalog = NULL;
	s->project_id[0] = '\0';
	if (s->user_domain == NULL || *s->user_domain == '\0')
		s->user_domain = "Default";
	if (s->project_domain == NULL || *s->project_domain == '\0')
		s->project_domain = "Default";
}

static json_t *
auth_body(const struct ks_session *s)
{
	return json_pack("{s:{s:{s:[s],s:{s:{s:s,s:{s:s},s:s}}},s:{s:{s:s,s:{s:s}}}}}",
	    "auth", "identity", "methods", "password", "password", "user",
	    "name", s->username, "domain", "name", s->user_domain,
	    "password", s->password, "scope", "project", "name", s->project,
	    "domain", "name", s->project_domain);
}

/* Keeps what the answer r brings: token, expiry, catalog, project id. */
static void
keep(struct ks_session *s, struct httpc_res *r)
{
	json_t *tok = json_object_get(r->json, "token");
	const char *pid = json_string_value(json_object_get(json_object_get(tok,
	    "project"), "id"));

	OPENSSL_cleanse(s->token, sizeof(s->token));
	snprintf(s->token, sizeof(s->token), "%s", r->header);
	s->expires = ks_parse_time(json_string_value(json_object_get(tok, "expires_at")));
	if (s->expires == 0)
		s->expires = time(NULL) + 300;
	json_decref(s->catalog);
	s->catalog = json_incref(json_object_get(tok, "catalog"));
	snprintf(s->project_id, sizeof(s->project_id), "%s", pid ? pid : "");
}

/* Under s->mtx: a fresh token in s->token, or -1 (why in msg). */
static int
fetch(struct ks_session *s, char *msg, size_t len)
{
	char url[1024];
	json_t *body = auth_body(s);
	struct httpc_req req = { .method = "POST", .url = url, .json = body,
	    .timeout = s->timeout > 0 ? s->timeout : KS_TIMEOUT,
	    .connect_timeout = KS_CONNECT_TIMEOUT,
	    .proxy = true, .max_response = KS_MAX_BODY, .want_header = "X-Subject-Token" };
	struct httpc_res r;
	int rc = -1;

	snprintf(url, sizeof(url), "%s/auth/tokens", s->url);
	if (body == NULL) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	if (httpc_do(&req, &r) != 0)
		snprintf(msg, len, "Keystone at %s is unreachable: %s", s->url, r.err);
	else if (r.status != 201 || r.header[0] == '\0')
		snprintf(msg, len, "Keystone at %s refused the service credentials "
		    "(user %s, project %s): HTTP %ld", s->url, s->username, s->project,
		    r.status);
	else
		rc = 0;
	json_decref(body);
	if (rc == 0) {
		keep(s, &r);
		log_info("keystone: service token obtained for %s (project %s)",
		    s->username, s->project);
	} else {
		OPENSSL_cleanse(s->token, sizeof(s->token));
	}
	httpc_res_free(&r);		/* wipes the token in r.header */
	return rc;
}

int
ks_session_token(struct ks_session *s, bool renew, char *out, size_t outlen,
    char *msg, size_t len)
{
	int rc = 0;

	pthread_mutex_lock(&s->mtx);
	if (renew || s->token[0] == '\0' || time(NULL) >= s->expires - KS_MARGIN)
		rc = fetch(s, msg, len);
	if (rc == 0)
		snprintf(out, outlen, "%s", s->token);
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

/* Under s->mtx: the URL of the first endpoint of a type in types at iface. */
static const char *
find_endpoint(json_t *catalog, const char *const *types, const char *iface)
{
	json_t *svc, *ep;
	size_t i, j;

	for (int t = 0; types[t] != NULL; t++)
		json_array_foreach(catalog, i, svc) {
			const char *ty = json_string_value(json_object_get(svc, "type"));
			if (ty == NULL || strcmp(ty, types[t]) != 0)
				continue;
			json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
				const char *in = json_string_value(json_object_get(ep,
				    "interface")), *u = json_string_value(json_object_get(ep,
				    "url"));
				if (in != NULL && u != NULL && strcmp(in, iface) == 0)
					return u;
			}
		}
	return NULL;
}

int
ks_session_endpoint(struct ks_session *s, const char *const *types, const char *iface,
    char *out, size_t outlen, char *msg, size_t len)
{
	char tok[KS_TOKEN_MAX];
	const char *u;
	int rc = -1;

	if (ks_session_token(s, false, tok, sizeof(tok), msg, len) != 0)
		return -1;
	OPENSSL_cleanse(tok, sizeof(tok));
	pthread_mutex_lock(&s->mtx);
	if ((u = find_endpoint(s->catalog, types, iface)) != NULL &&
	    strlen(u) < outlen) {
		snprintf(out, outlen, "%s", u);
		for (size_t n = strlen(out); n > 0 && out[n - 1] == '/'; n--)
			out[n - 1] = '\0';
		rc = 0;
	} else {
		snprintf(msg, len, "Keystone's catalog at %s has no %s endpoint of "
		    "type %s", s->url, iface, types[0]);
	}
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

void
ks_session_project_id(struct ks_session *s, char *out, size_t outlen)
{
	pthread_mutex_lock(&s->mtx);
	snprintf(out, outlen, "%s", s->project_id);
	pthread_mutex_unlock(&s->mtx);
}
