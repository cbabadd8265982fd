/*
 * Keystone v3 token validation.  ingotd holds a service token (from its
 * own password, project-scoped, renewed before it expires, or read from a
 * file) and asks Keystone about each user token it has not seen lately.
 * Tokens are never logged; the cache keys on their SHA-256.
 */
#include "keystone.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "httpc.h"
#include "kstoken.h"
#include "log.h"

#define KS_SLOTS	1024
#define KS_TIMEOUT	10		/* seconds per request to Keystone */
#define KS_CONNECT_TIMEOUT 5
#define KS_MAX_BODY	(1 << 20)

static struct keystone_conf conf;
static char *fixed_token;		/* keystone_service_token_file */
static struct ks_session session;
static char svc_token[KS_TOKEN_MAX];
static pthread_mutex_t svc_mtx = PTHREAD_MUTEX_INITIALIZER;

static struct {
	unsigned char	 key[32];
	time_t		 until;		/* 0: free */
	struct ident	 id;
} cache[KS_SLOTS];
static pthread_mutex_t cache_mtx = PTHREAD_MUTEX_INITIALIZER;

/*
 * HTTP status, or -1 when Keystone could not be reached (why in msg).
 * auth and subject are tokens: they go in headers, never in a URL or a log.
 */
static long
request(const char *method, const char *path, const char *auth, const char *subject,
    json_t *body, struct httpc_res *res, char *msg, size_t len)
{
	char url[1024], ah[1100], sh[1100];
	const char *hdr[3] = { NULL };
	struct httpc_req req = { .method = method, .url = url, .json = body,
	    .headers = hdr, .timeout = KS_TIMEOUT, .connect_timeout = KS_CONNECT_TIMEOUT,
	    .proxy = true, .max_response = KS_MAX_BODY, .want_header = "X-Subject-Token" };
	int n = 0, rc;

	snprintf(url, sizeof(url), "%s%s", conf.url, path);
	if (auth != NULL) {
		snprintf(ah, sizeof(ah), "X-Auth-Token: %s", auth);
		hdr[n++] = ah;
	}
	if (subject != NULL) {
		snprintf(sh, sizeof(sh), "X-Subject-Token: %s", subject);
		hdr[n++] = sh;
	}
	rc = httpc_do(&req, res);
	OPENSSL_cleanse(ah, sizeof(ah));
	OPENSSL_cleanse(sh, sizeof(sh));
	if (rc != 0) {
		snprintf(msg, len, "Keystone at %s is unreachable: %s", conf.url, res->err);
		return -1;
	}
	return res->status;
}

/* Under svc_mtx: a valid service token in svc_token, or -1 (why in msg). */
static int
service_token(bool renew, char *msg, size_t len)
{
	if (fixed_token != NULL) {
		snprintf(svc_token, sizeof(svc_token), "%s", fixed_token);
		return 0;
	}
	if (ks_session_token(&session, renew, svc_token, sizeof(svc_token), msg,
	    len) != 0) {
		svc_token[0] = '\0';
		return -1;
	}
	return 0;
}

static enum auth_role
highest_role(json_t *roles)
{
	enum auth_role best = ROLE_NONE, r;
	json_t *v;
	size_t i;

	json_array_foreach(roles, i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));
		if (n == NULL)
			continue;
		r = !strcmp(n, "admin") ? ROLE_ADMIN : !strcmp(n, "member") ? ROLE_MEMBER :
		    !strcmp(n, "reader") ? ROLE_READER : ROLE_NONE;
		if (r > best)
			best = r;
	}
	return best;
}

/* The token body -> ident; false if it gives no usable scope or role. */
static bool
map_token(json_t *tok, struct ident *id, time_t *expires)
{
	json_t *project = json_object_get(tok, "project");
	json_t *sys = json_object_get(tok, "system");
	const char *user = json_string_value(json_object_get(json_object_get(tok, "user"),
	    "name"));
	const char *pid = json_string_value(json_object_get(project, "id"));
	const char *pname = json_string_value(json_object_get(project, "name"));

	memset(id, 0, sizeof(*id));
	*expires = ks_parse_time(json_string_value(json_object_get(tok, "expires_at")));
	if (user == NULL || *expires == 0)
		return false;
	snprintf(id->user, sizeof(id->user), "%s", user);
	id->role = highest_role(json_object_get(tok, "roles"));
	if (json_is_true(json_object_get(sys, "all"))) {
		id->system = true;
	} else if (pid != NULL && *pid != '\0' && strlen(pid) < sizeof(id->project)) {
		snprintf(id->project, sizeof(id->project), "%s", pid);
		if (pname != NULL && strlen(pname) < sizeof(id->project_name))
			snprintf(id->project_name, sizeof(id->project_name), "%s", pname);
	} else {
		return false;		/* unscoped or domain-scoped */
	}
	return id->role != ROLE_NONE;
}

static void
token_key(const char *token, unsigned char k[32])
{
	unsigned int n = 32;

	EVP_Digest(token, strlen(token), k, &n, EVP_sha256(), NULL);
}

static bool
cache_get(const unsigned char k[32], struct ident *out)
{
	time_t now = time(NULL);
	bool hit = false;

	pthread_mutex_lock(&cache_mtx);
	for (int i = 0; i < KS_SLOTS && !hit; i++)
		if (cache[i].until > now && CRYPTO_memcmp(cache[i].key, k, 32) == 0) {
			*out = cache[i].id;
			hit = true;
		}
	pthread_mutex_unlock(&cache_mtx);
	return hit;
}

static void
cache_put(const unsigned char k[32], const struct ident *id, time_t until)
{
	int slot = 0;

	pthread_mutex_lock(&cache_mtx);
	/* a free or expired slot, else the one that expires first */
	for (int i = 0; i < KS_SLOTS; i++)
		if (cache[i].until < cache[slot].until)
			slot = i;
	memcpy(cache[slot].key, k, 32);
	cache[slot].id = *id;
	cache[slot].until = until;
	pthread_mutex_unlock(&cache_mtx);
}

enum ks_result
keystone_validate(const char *token, struct ident *out, char *msg, size_t len)
{
	unsigned char k[32];
	struct httpc_res r;
	time_t expires, now = time(NULL);
	long st = -1;
	bool ok;

	if (token == NULL || *token == '\0' || strlen(token) >= 1000)
		return KS_INVALID;
	token_key(token, k);
	if (cache_get(k, out))
		return KS_OK;
	pthread_mutex_lock(&svc_mtx);
	for (int attempt = 0; attempt < 2; attempt++) {
		char svc[sizeof(svc_token)];
		if (service_token(attempt > 0, msg, len) != 0) {
			pthread_mutex_unlock(&svc_mtx);
			return KS_UNAVAILABLE;
		}
		snprintf(svc, sizeof(svc), "%s", svc_token);
		/* one request at a time holds svc_mtx only while the token is read */
		pthread_mutex_unlock(&svc_mtx);
		st = request("GET", "/auth/tokens", svc, token, NULL, &r, msg, len);
		OPENSSL_cleanse(svc, sizeof(svc));
		pthread_mutex_lock(&svc_mtx);
		if (st != 401 || fixed_token != NULL)
			break;
		httpc_res_free(&r);	/* the service token was refused: renew once */
	}
	pthread_mutex_unlock(&svc_mtx);
	if (st < 0) {
		httpc_res_free(&r);
		return KS_UNAVAILABLE;
	}
	if (st == 404) {
		httpc_res_free(&r);
		return KS_INVALID;	/* unknown, expired or revoked */
	}
	if (st != 200) {
		httpc_res_free(&r);
		snprintf(msg, len, st == 401 || st == 403 ?
		    "Keystone at %s refused ingotd's service token: HTTP %ld" :
		    "Keystone at %s answered HTTP %ld", conf.url, st);
		return KS_UNAVAILABLE;
	}
	ok = map_token(json_object_get(r.json, "token"), out, &expires);
	httpc_res_free(&r);
	if (!ok || expires <= now)
		return KS_INVALID;
	cache_put(k, out, expires < now + conf.cache_seconds ? expires :
	    now + conf.cache_seconds);
	return KS_OK;
}

int
keystone_configure(const struct keystone_conf *c, char *err, size_t len)
{
	conf = *c;
	if (conf.url == NULL || (strncmp(conf.url, "http://", 7) != 0 &&
	    strncmp(conf.url, "https://", 8) != 0)) {
		snprintf(err, len, "[auth] keystone_url must be an http(s) URL "
		    "(e.g. http://127.0.0.1:5000/v3)");
		return -1;
	}
	if (conf.service_token_file != NULL && *conf.service_token_file != '\0') {
		FILE *f = fopen(conf.service_token_file, "r");
		char line[1024];
		if (f == NULL || fgets(line, sizeof(line), f) == NULL) {
			if (f != NULL)
				fclose(f);
			snprintf(err, len, "[auth] keystone_service_token_file %s cannot be read",
			    conf.service_token_file);
			return -1;
		}
		fclose(f);
		line[strcspn(line, " \t\r\n")] = '\0';
		free(fixed_token);
		fixed_token = strdup(line);
		OPENSSL_cleanse(line, sizeof(line));
		if (fixed_token == NULL || *fixed_token == '\0') {
			snprintf(err, len, "[auth] keystone_service_token_file %s is empty",
			    conf.service_token_file);
			return -1;
		}
	} else if (conf.username == NULL || *conf.username == '\0' ||
	    conf.password == NULL || *conf.password == '\0' ||
	    conf.project == NULL || *conf.project == '\0') {
		snprintf(err, len, "[auth] strategy keystone needs keystone_username, "
		    "keystone_password and keystone_project (or keystone_service_token_file)");
		return -1;
	}
	if (conf.cache_seconds < 0)
		conf.cache_seconds = 0;
	/* trailing slashes off the URL */
	static char url[512];
	snprintf(url, sizeof(url), "%s", conf.url);
	for (size_t n = strlen(url); n > 0 && url[n - 1] == '/'; n--)
		url[n - 1] = '\0';
	conf.url = url;
	session = (struct ks_session){ .url = conf.url, .username = conf.username,
	    .password = conf.password, .project = conf.project,
	    .user_domain = conf.user_domain, .project_domain = conf.project_domain };
	ks_session_init(&session);
	log_info("auth: keystone at %s, tokens cached %d s", conf.url, conf.cache_seconds);
	return 0;
}
