/*
 * Who is calling, and may they.  The policy follows Ironic's secure RBAC
 * in spirit: system-scoped admin / member / reader, and project-scoped
 * users who see and act on the nodes their project owns or leases.
 * Routes not listed for project scope are the system's only (default deny).
 */
#include "auth.h"

#include <crypt.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "model.h"
#include "store.h"
#include "util.h"

#define MAX_USERS	1024
#define CACHE_SLOTS	256
#define CACHE_TTL	300

struct user {
	char		 name[64];
	char		 hash[128];
	char		 project[64];
	bool		 system;
	enum auth_role	 role;
};

static bool basic;			/* http_basic or keystone, else noauth */
static bool keystone;
static char www_auth[600] = "Basic realm=\"ingot\"";
static struct user users[MAX_USERS];
static int nusers;
static struct {
	unsigned char	 key[32];	/* sha256(user, password, hash) */
	time_t		 at;
} cache[CACHE_SLOTS];
static pthread_mutex_t cache_mtx = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local struct ident cur;

static const struct ident system_admin = { .user = "noauth", .system = true,
    .role = ROLE_ADMIN };

const struct ident *
auth_current(void)
{
	return &cur;
}

bool
auth_project_scoped(void)
{
	return basic && !cur.system;
}

const char *
auth_www_authenticate(void)
{
	return www_auth;
}

bool
auth_is_my_project(const char *p)
{
	return p != NULL && !cur.system && ((cur.project[0] != '\0' &&
	    strcmp(p, cur.project) == 0) || (cur.project_name[0] != '\0' &&
	    strcmp(p, cur.project_name) == 0));
}

static struct user *
find_user(const char *name)
{
	for (int i = 0; i < nusers; i++)
		if (strcmp(users[i].name, name) == 0)
			return &users[i];
	return NULL;
}

static enum auth_role
role_of(const char *s)
{
	enum auth_role best = ROLE_NONE;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum auth_role r = !strcmp(t, "admin") ? ROLE_ADMIN : !strcmp(t, "member") ?
		    ROLE_MEMBER : !strcmp(t, "reader") ? ROLE_READER : ROLE_NONE;
		if (r > best)
			best = r;
	}
	return best;
}

static bool
loopback(const char *listen)
{
	return listen != NULL && (strncmp(listen, "127.", 4) == 0 ||
	    strncmp(listen, "localhost:", 10) == 0 || strncmp(listen, "[::1]", 5) == 0);
}

int
auth_configure(const struct auth_conf *c, char *err, size_t len)
{
	const char *s = c->strategy && *c->strategy ? c->strategy : "noauth";
	char line[512];
	FILE *f;
	int ln = 0;

	cur = system_admin;
	if (strcmp(s, "noauth") == 0) {
		if (!loopback(c->listen)) {
			snprintf(err, len, "[auth] strategy noauth is refused unless the API "
			    "listens on loopback (listen = %s); use http_basic",
			    c->listen ? c->listen : "?");
			return -1;
		}
		basic = false;
		return 0;
	}
	if (strcmp(s, "keystone") == 0) {
		basic = keystone = true;
		snprintf(www_auth, sizeof(www_auth), "Keystone uri=\"%.500s\"",
		    c->keystone.url ? c->keystone.url : "");
		return keystone_configure(&c->keystone, err, len);
	}
	if (strcmp(s, "http_basic") != 0) {
		snprintf(err, len, "[auth] strategy '%s' is not one of noauth, http_basic, "
		    "keystone", s);
		return -1;
	}
	basic = true;
	if (c->htpasswd_file == NULL || (f = fopen(c->htpasswd_file, "r")) == NULL) {
		snprintf(err, len, "[auth] htpasswd_file %s cannot be read",
		    c->htpasswd_file ? c->htpasswd_file : "(unset)");
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon, *nl;
		ln++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    (strncmp(colon + 1, "$2y$", 4) != 0 && strncmp(colon + 1, "$2b$", 4) != 0 &&
		    strncmp(colon + 1, "$2a$", 4) != 0) || nusers == MAX_USERS ||
		    colon - line >= 64 || strlen(colon + 1) >= 128) {
			fclose(f);
			snprintf(err, len, "%s:%d: not 'user:bcrypt-hash'", c->htpasswd_file, ln);
			return -1;
		}
		*colon = '\0';
		struct user *u = &users[nusers++];
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%.63s", line);
		snprintf(u->hash, sizeof(u->hash), "%s", colon + 1);
		/* crypt(3) knows $2b$; htpasswd -B writes $2y$, the same algorithm. */
		if (u->hash[2] == 'y')
			u->hash[2] = 'b';
	}
	fclose(f);
	if (c->roles_file == NULL || (f = fopen(c->roles_file, "r")) == NULL) {
		snprintf(err, len, "[auth] roles_file %s cannot be read",
		    c->roles_file ? c->roles_file : "(unset)");
		return -1;
	}
	ln = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[64], project[64], roles[256];
		struct user *u;
		ln++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, "%63s %63s %255s", name, project, roles) != 3 ||
		    role_of(roles) == ROLE_NONE) {
			fclose(f);
			snprintf(err, len, "%s:%d: not 'user project|system admin|member|reader'",
			    c->roles_file, ln);
			return -1;
		}
		if ((u = find_user(name)) == NULL) {
			fclose(f);
			snprintf(err, len, "%s:%d: user %s is not in the htpasswd file",
			    c->roles_file, ln, name);
			return -1;
		}
		u->system = strcmp(project, "system") == 0;
		snprintf(u->project, sizeof(u->project), "%s", u->system ? "" : project);
		u->role = role_of(roles);
	}
	fclose(f);
	log_info("auth: http_basic with %d users", nusers);
	return 0;
}

/* --- authentication ------------------------------------------------------- */

static void
cache_key(const char *user, const char *pw, const char *hash, unsigned char k[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int n = 32;

	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	EVP_DigestUpdate(m, user, strlen(user) + 1);
	EVP_DigestUpdate(m, pw, strlen(pw) + 1);
	EVP_DigestUpdate(m, hash, strlen(hash));
	EVP_DigestFinal_ex(m, k, &n);
	EVP_MD_CTX_free(m);
}

/* bcrypt is slow on purpose: a good password is remembered for a while. */
static bool
verify(struct user *u, const char *pw)
{
	unsigned char k[32];
	time_t now = time(NULL);
	struct crypt_data cd;
	const char *h;
	bool ok = false;

	cache_key(u->name, pw, u->hash, k);
	pthread_mutex_lock(&cache_mtx);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (now - cache[i].at < CACHE_TTL && CRYPTO_memcmp(cache[i].key, k, 32) == 0)
			ok = true;
	pthread_mutex_unlock(&cache_mtx);
	if (ok)
		return true;
	memset(&cd, 0, sizeof(cd));
	/* crypt_rn: libxcrypt's, returns NULL on failure (and, unlike crypt_r,
	 * is not intercepted by ASan, whose crypt_r hook breaks here). */
	h = crypt_rn(pw, u->hash, &cd, (int)sizeof(cd));
	ok = h != NULL && strlen(h) == strlen(u->hash) &&
	    CRYPTO_memcmp(h, u->hash, strlen(h)) == 0;
	if (ok) {
		pthread_mutex_lock(&cache_mtx);
		int slot = 0;
		for (int i = 1; i < CACHE_SLOTS; i++)
			if (cache[i].at < cache[slot].at)
				slot = i;
		memcpy(cache[slot].key, k, 32);
		cache[slot].at = now;
		pthread_mutex_unlock(&cache_mtx);
	}
	return ok;
}

/* false: 401, or 503 (with why in msg) when *unavailable */
static bool
authenticate(struct req *q, bool *unavailable, char *msg, size_t len)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Authorization");
	unsigned char dec[512];
	char *colon;
	struct user *u;
	int n;

	if (keystone) {
		enum ks_result k = keystone_validate(MHD_lookup_connection_value(q->conn,
		    MHD_HEADER_KIND, "X-Auth-Token"), &cur, msg, len);
		*unavailable = k == KS_UNAVAILABLE;
		return k == KS_OK;
	}
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0 || strlen(h + 6) > 600)
		return false;
	n = EVP_DecodeBlock(dec, (const unsigned char *)h + 6, (int)strlen(h + 6));
	if (n <= 0)
		return false;
	dec[n] = '\0';			/* EVP_DecodeBlock pads with NULs */
	if ((colon = strchr((char *)dec, ':')) == NULL)
		return false;
	*colon = '\0';
	if ((u = find_user((char *)dec)) == NULL || u->role == ROLE_NONE ||
	    !verify(u, colon + 1))
		return false;
	memset(&cur, 0, sizeof(cur));
	snprintf(cur.user, sizeof(cur.user), "%s", u->name);
	snprintf(cur.project, sizeof(cur.project), "%s", u->project);
	cur.system = u->system;
	cur.role = u->role;
	return true;
}

/* --- authorisation ------------------------------------------------------- */

static bool
deny(struct resp *r, const char *what)
{
	api_error(r, 403, "Access was denied to the following resource: %s", what);
	return false;
}

/* Routes everyone may call without credentials: discovery and the agents'. */
bool
auth_public_route(const char *pattern)
{
	static const char *const open[] = { "", "v1", "v1/lookup", "v1/heartbeat/*",
	    "images/*", "boot.ipxe", "ipxe/*", "boot/*/*", NULL };
	for (int i = 0; open[i] != NULL; i++)
		if (strcmp(open[i], pattern) == 0)
			return true;
	return false;
}

static bool
system_allows(const char *method, const char *pattern, struct resp *r)
{
	if (cur.role == ROLE_ADMIN)
		return true;
	if (strcmp(method, "GET") == 0)
		return true;
	if (cur.role == ROLE_MEMBER && strcmp(method, "DELETE") != 0 &&
	    !(strcmp(method, "POST") == 0 && strncmp(pattern, "v1/nodes/*", 10) != 0))
		return true;
	return deny(r, pattern);
}

/* The JSON Patch paths a project may change on a node it owns or leases. */
static bool
patch_allowed(struct req *q, bool owner)
{
	static const char *const owner_paths[] = { "/instance_info", "/extra",
	    "/description", "/lessee", "/automated_clean", NULL };
	static const char *const lessee_paths[] = { "/instance_info", "/extra", NULL };
	const char *const *ok = owner ? owner_paths : lessee_paths;
	json_t *ops = q->body ? json_loadb(q->body, q->body_len, 0, NULL) : NULL, *op;
	size_t i;
	bool all = json_is_array(ops);

	json_array_foreach(ops, i, op) {
		const char *p = json_string_value(json_object_get(op, "path"));
		bool hit = false;
		for (int k = 0; p != NULL && ok[k] != NULL; k++) {
			size_t n = strlen(ok[k]);
			hit |= strncmp(p, ok[k], n) == 0 && (p[n] == '\0' || p[n] == '/');
		}
		all &= hit;
	}
	json_decref(ops);
	return all;
}

static bool
project_node(struct req *q, struct resp *r, const char *method, const char *pattern)
{
	const char *id = q->args[0];
	json_t *node = util_is_uuid(id) ? store_get(store_thread(), &model_node, "uuid", id) :
	    store_get(store_thread(), &model_node, "name", id);
	const char *owner = node ? json_string_value(json_object_get(node, "owner")) : NULL;
	const char *lessee = node ? json_string_value(json_object_get(node, "lessee")) : NULL;
	bool is_owner = auth_is_my_project(owner);
	bool is_lessee = auth_is_my_project(lessee);
	bool get = strcmp(method, "GET") == 0;
	bool member = cur.role >= ROLE_MEMBER;
	const char *sub = pattern + strlen("v1/nodes/*");
	bool ok = false;

	json_decref(node);
	if (!is_owner && !is_lessee) {
		/* Objects a caller may not know of do not exist for it. */
		api_error(r, 404, "Node %s could not be found.", id);
		return false;
	}
	if (get && (strcmp(sub, "") == 0 || strcmp(sub, "/states") == 0 ||
	    strncmp(sub, "/history", 8) == 0 || strcmp(sub, "/vifs") == 0 ||
	    strcmp(sub, "/validate") == 0 || strncmp(sub, "/management/boot_device", 23) == 0 ||
	    strcmp(sub, "/traits") == 0))
		ok = true;
	else if (get && is_owner && (strcmp(sub, "/management/sensors") == 0 ||
	    strcmp(sub, "/ports") == 0 || strcmp(sub, "/portgroups") == 0))
		ok = true;
	else if (member && (strcmp(sub, "/states/power") == 0 ||
	    strcmp(sub, "/states/provision") == 0 || strncmp(sub, "/vifs", 5) == 0))
		ok = true;
	else if (member && is_owner && (strcmp(sub, "/maintenance") == 0 ||
	    (strcmp(sub, "/management/boot_device") == 0 && !get)))
		ok = true;
	else if (member && strcmp(method, "PATCH") == 0 && strcmp(sub, "") == 0)
		ok = patch_allowed(q, is_owner);
	return ok ? true : deny(r, pattern);
}

static bool
project_network(struct req *q, struct resp *r, const char *method, const char *pattern)
{
	json_t *net;
	const char *p;
	bool shared, mine;

	if (strcmp(pattern, "v1/networks") == 0) {
		if (strcmp(method, "GET") == 0)
			return true;		/* filtered by the handler */
		if (cur.role < ROLE_MEMBER)
			return deny(r, pattern);
		json_t *b = q->body ? json_loadb(q->body, q->body_len, 0, NULL) : NULL;
		const char *bp = json_string_value(json_object_get(b, "project"));
		const char *purpose = json_string_value(json_object_get(b, "purpose"));
		bool ok = (bp == NULL || auth_is_my_project(bp)) &&
		    (purpose == NULL || strcmp(purpose, "tenant") == 0) &&
		    !json_is_true(json_object_get(b, "shared"));
		json_decref(b);
		return ok ? true : deny(r, "tenant networks of another project");
	}
	net = util_is_uuid(q->args[0]) ?
	    store_get(store_thread(), &model_network, "uuid", q->args[0]) :
	    store_get(store_thread(), &model_network, "name", q->args[0]);
	p = net ? json_string_value(json_object_get(net, "project")) : NULL;
	shared = net && json_is_true(json_object_get(net, "shared"));
	mine = auth_is_my_project(p);
	json_decref(net);
	if (!mine && !shared) {
		api_error(r, 404, "Network %s could not be found.", q->args[0]);
		return false;
	}
	if (strcmp(method, "GET") == 0)
		return true;
	return mine && cur.role >= ROLE_MEMBER ? true : deny(r, pattern);
}

bool
auth_check(struct req *q, struct resp *r, const char *method, const char *pattern)
{
	if (!basic || auth_public_route(pattern)) {
		cur = system_admin;
		return true;
	}
	bool unavailable = false;
	char msg[512] = "";
	if (!authenticate(q, &unavailable, msg, sizeof(msg))) {
		memset(&cur, 0, sizeof(cur));
		if (unavailable) {
			log_error("auth: %s", msg);
			api_error(r, 503, "Authentication is unavailable: %s", msg);
		} else {
			api_error(r, 401, "The request you have made requires authentication.");
		}
		return false;
	}
	if (cur.system)
		return system_allows(method, pattern, r);
	/* project scope: default deny */
	if (strcmp(method, "GET") == 0 && (strcmp(pattern, "v1/nodes") == 0 ||
	    strcmp(pattern, "v1/nodes/detail") == 0 || strncmp(pattern, "v1/drivers", 10) == 0))
		return true;
	if (strncmp(pattern, "v1/nodes/*", 10) == 0 && strcmp(pattern, "v1/nodes/detail") != 0)
		return project_node(q, r, method, pattern);
	if (strncmp(pattern, "v1/networks", 11) == 0)
		return project_network(q, r, method, pattern);
	return deny(r, pattern);
}
