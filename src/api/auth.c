/*
 * Who is calling, and may they.  The policy follows Ironic's secure RBAC
 * in spirit: system-scoped admin / member / reader, and project-scoped
 * users who see and act on the nodes their project owns or leases.  Each
 * route carries its policy (routes.def: the least system role, the
 * project rule and role); this file authenticates the caller and turns a
 * route's policy and the object the router loaded into a verdict (an
 * ierr: 401, 403, 404, 503), which the router answers.  The JSON Patch
 * field policy (auth_patch_field) lives here too.
 */
#include "auth.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jsonutil.h"
#include "log.h"
#include "model.h"
#include "util.h"

#define MAX_USERS	1024
#define CACHE_SLOTS	256
#define CACHE_TTL	300
#define FAIL_SLOTS	1024
#define MAX_SOURCE_FAILS 8	/* bcrypts of failed attempts per source and window */

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
/* The http_basic users: replaced whole by auth_reload (SIGHUP) under the
 * write lock; a request holds the read lock while it reads them. */
struct users {
	struct user	 u[MAX_USERS];
	int		 n;
};
static struct users *users;
static pthread_rwlock_t users_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct {
	unsigned char	 key[32];	/* sha256(user, password, hash) */
	time_t		 at;
} cache[CACHE_SLOTS];
/* Failed attempts by user and source: within fail_window one bcrypt each. */
static struct {
	unsigned char	 key[32];	/* sha256(user, source address) */
	double		 at;		/* the window's start */
	int		 count;
} fails[FAIL_SLOTS];
static double fail_window = 1.0;
static char dummy_hash[128];		/* for unknown users: the same cost */
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
find_in(struct users *t, const char *name)
{
	for (int i = 0; t != NULL && i < t->n; i++)
		if (strcmp(t->u[i].name, name) == 0)
			return &t->u[i];
	return NULL;
}

/* users_lock held (read or write). */
static struct user *
find_user(const char *name)
{
	return find_in(users, name);
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

/* A hash of a random password at the highest cost of any user's: an
 * unknown user costs a bcrypt like a known one (no user enumeration by
 * timing). */
static int
make_dummy_hash(const struct users *t, char out[128], char *err, size_t len)
{
	struct crypt_data cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], pw[33];
	unsigned long cost = 4;
	const char *h;

	for (int i = 0; i < t->n; i++)
		if (strtoul(t->u[i].hash + 4, NULL, 10) > cost)
			cost = strtoul(t->u[i].hash + 4, NULL, 10);
	if (!util_random_hex(pw, 16) ||
	    crypt_gensalt_rn("$2b$", cost, NULL, 0, setting, sizeof(setting)) == NULL)
		goto fail;
	memset(&cd, 0, sizeof(cd));
	if ((h = crypt_rn(pw, setting, &cd, (int)sizeof(cd))) == NULL || h[0] == '*')
		goto fail;
	snprintf(out, 128, "%s", h);
	return 0;
fail:
	snprintf(err, len, "auth: cannot make a bcrypt hash");
	return -1;
}

/* The htpasswd file: "user:bcrypt-hash" lines. */
static int
load_htpasswd(struct users *t, const char *path, char *err, size_t len)
{
	char line[512];
	FILE *f;
	int ln = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		snprintf(err, len, "[auth] htpasswd_file %s cannot be read",
		    path ? path : "(unset)");
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
		    strncmp(colon + 1, "$2a$", 4) != 0) || t->n == MAX_USERS ||
		    colon - line >= 64 || strlen(colon + 1) >= 128) {
			fclose(f);
			snprintf(err, len, "%s:%d: not 'user:bcrypt-hash'", path, ln);
			return -1;
		}
		*colon = '\0';
		struct user *u = &t->u[t->n++];
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%.63s", line);
		snprintf(u->hash, sizeof(u->hash), "%s", colon + 1);
		/* crypt(3) knows $2b$; htpasswd -B writes $2y$, the same algorithm. */
		if (u->hash[2] == 'y')
			u->hash[2] = 'b';
	}
	fclose(f);
	return 0;
}

/* One line of the roles file: "user project|system role[,role]". */
static int
roles_line(struct users *t, const char *line, const char *path, int ln, char *err,
    size_t len)
{
	char name[64], project[64], roles[256];
	struct user *u;

	if (sscanf(line, "%63s %63s %255s", name, project, roles) != 3 ||
	    role_of(roles) == ROLE_NONE) {
		snprintf(err, len, "%s:%d: not 'user project|system admin|member|reader'",
		    path, ln);
		return -1;
	}
	if ((u = find_in(t, name)) == NULL) {
		snprintf(err, len, "%s:%d: user %s is not in the htpasswd file",
		    path, ln, name);
		return -1;
	}
	u->system = strcmp(project, "system") == 0;
	snprintf(u->project, sizeof(u->project), "%s", u->system ? "" : project);
	u->role = role_of(roles);
	return 0;
}

static int
load_roles(struct users *t, const char *path, char *err, size_t len)
{
	char line[512];
	FILE *f;
	int ln = 0;

	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		snprintf(err, len, "[auth] roles_file %s cannot be read",
		    path ? path : "(unset)");
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		ln++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (roles_line(t, line, path, ln, err, len) != 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

int
auth_configure(const struct auth_conf *c, char *err, size_t len)
{
	const char *s = c->strategy && *c->strategy ? c->strategy : "noauth";

	cur = system_admin;
	if (c->failed_auth_window_ms > 0)
		fail_window = c->failed_auth_window_ms / 1000.0;
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
	if (auth_reload(c->htpasswd_file, c->roles_file, err, len) != 0)
		return -1;
	return 0;
}

int
auth_reload(const char *htpasswd_file, const char *roles_file, char *err, size_t len)
{
	struct users *t, *old;
	char dummy[128];

	if (!basic || keystone)
		return 0;
	t = util_calloc(1, sizeof(*t));
	/* The dummy hash of unknown users follows the new users' highest cost,
	 * so a failed attempt costs the same whether the user exists or not. */
	if (load_htpasswd(t, htpasswd_file, err, len) != 0 ||
	    load_roles(t, roles_file, err, len) != 0 ||
	    make_dummy_hash(t, dummy, err, len) != 0) {
		free(t);
		return -1;
	}
	pthread_rwlock_wrlock(&users_lock);
	old = users;
	users = t;
	memcpy(dummy_hash, dummy, sizeof(dummy_hash));
	pthread_rwlock_unlock(&users_lock);
	free(old);
	log_info("auth: http_basic with %d users", t->n);
	return 0;
}

bool
auth_basic_enabled(void)
{
	return basic && !keystone;
}

/* The thread's identity becomes u's; users_lock held. */
static void
act_as(const struct user *u)
{
	memset(&cur, 0, sizeof(cur));
	snprintf(cur.user, sizeof(cur.user), "%s", u->name);
	snprintf(cur.project, sizeof(cur.project), "%s", u->project);
	cur.system = u->system;
	cur.role = u->role;
}

int
auth_act_as(const char *name)
{
	struct user *u;
	int rc = -1;

	pthread_rwlock_rdlock(&users_lock);
	if ((u = find_user(name)) != NULL && u->role != ROLE_NONE) {
		act_as(u);
		rc = 0;
	}
	pthread_rwlock_unlock(&users_lock);
	return rc;
}

/* --- authentication ------------------------------------------------------- */

static void
sha256_of(const char *a, const char *b, const char *c, unsigned char k[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned int n = 32;

	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	EVP_DigestUpdate(m, a, strlen(a) + 1);
	EVP_DigestUpdate(m, b, strlen(b) + 1);
	EVP_DigestUpdate(m, c, strlen(c));
	EVP_DigestFinal_ex(m, k, &n);
	EVP_MD_CTX_free(m);
}

static bool
good_cached(const unsigned char k[32], time_t now)
{
	bool ok = false;

	pthread_mutex_lock(&cache_mtx);
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (now - cache[i].at < CACHE_TTL && CRYPTO_memcmp(cache[i].key, k, 32) == 0)
			ok = true;
	pthread_mutex_unlock(&cache_mtx);
	return ok;
}

/* The failures recorded under key within fail_window (0: none). */
static int
failures(const unsigned char key[32], double now)
{
	int n = 0;

	for (int i = 0; i < FAIL_SLOTS; i++)
		if (fails[i].at > 0 && now - fails[i].at < fail_window &&
		    CRYPTO_memcmp(fails[i].key, key, 32) == 0)
			n = fails[i].count;
	return n;
}

/* A failure by this user from this source within fail_window, or as many
 * failures from this source (any user) as MAX_SOURCE_FAILS. */
static bool
recently_failed(const unsigned char fk[32], const unsigned char sk[32])
{
	double now = util_mono_now();
	bool hit;

	pthread_mutex_lock(&cache_mtx);
	hit = failures(fk, now) > 0 || failures(sk, now) >= MAX_SOURCE_FAILS;
	pthread_mutex_unlock(&cache_mtx);
	return hit;
}

static void
record_one(const unsigned char key[32], double now)
{
	int slot = 0;

	for (int i = 0; i < FAIL_SLOTS; i++) {
		if (CRYPTO_memcmp(fails[i].key, key, 32) == 0) {
			slot = i;
			break;
		}
		if (fails[i].at < fails[slot].at)
			slot = i;
	}
	if (CRYPTO_memcmp(fails[slot].key, key, 32) != 0 || now - fails[slot].at >= fail_window) {
		memcpy(fails[slot].key, key, 32);
		fails[slot].count = 0;
		fails[slot].at = now;	/* the window starts at the first failure */
	}
	fails[slot].count++;
}

static void
record_failure(const unsigned char fk[32], const unsigned char sk[32])
{
	double now = util_mono_now();

	pthread_mutex_lock(&cache_mtx);
	record_one(fk, now);
	record_one(sk, now);
	pthread_mutex_unlock(&cache_mtx);
}

/*
 * bcrypt is slow on purpose: a good password is remembered for a while,
 * and an attempt by the same user from the same source within
 * fail_window of a failure costs no bcrypt, nor does any attempt from a
 * source with MAX_SOURCE_FAILS failures in its window: a flood of wrong
 * passwords buys one bcrypt per user and source, and at most
 * MAX_SOURCE_FAILS per source, in each window.  u NULL: an unknown user,
 * checked against a dummy hash all the same.
 */
static bool
verify(struct user *u, const char *name, const char *pw, const char *source)
{
	unsigned char k[32], fk[32], sk[32];
	time_t now = time(NULL);
	struct crypt_data cd;
	const char *hash = u != NULL ? u->hash : dummy_hash, *h;
	bool ok;

	sha256_of(name, pw, hash, k);
	if (u != NULL && good_cached(k, now))
		return true;
	sha256_of(name, source, "", fk);
	sha256_of("", source, "*", sk);
	if (recently_failed(fk, sk))
		return false;
	memset(&cd, 0, sizeof(cd));
	/* crypt_rn: libxcrypt's, returns NULL on failure (and, unlike crypt_r,
	 * is not intercepted by ASan, whose crypt_r hook breaks here). */
	h = crypt_rn(pw, hash, &cd, (int)sizeof(cd));
	ok = u != NULL && h != NULL && strlen(h) == strlen(hash) &&
	    CRYPTO_memcmp(h, hash, strlen(h)) == 0;
	if (!ok) {
		record_failure(fk, sk);
		return false;
	}
	pthread_mutex_lock(&cache_mtx);
	int slot = 0;
	for (int i = 1; i < CACHE_SLOTS; i++)
		if (cache[i].at < cache[slot].at)
			slot = i;
	memcpy(cache[slot].key, k, 32);
	cache[slot].at = now;
	pthread_mutex_unlock(&cache_mtx);
	return true;
}

/* The client's address as text ("?" when unknown). */
static void
source_of(struct req *q, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = q->conn ? MHD_get_connection_info(q->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, len);
}

/* false: 401, or 503 (with why in msg) when *unavailable */
static bool
authenticate(struct req *q, bool *unavailable, char *msg, size_t len)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Authorization");
	unsigned char dec[512];
	char *colon, src[64];
	struct user *u;
	bool ok;
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
	source_of(q, src, sizeof(src));
	pthread_rwlock_rdlock(&users_lock);
	u = find_user((char *)dec);
	if (u != NULL && u->role == ROLE_NONE)
		u = NULL;
	ok = verify(u, (char *)dec, colon + 1, src) && u != NULL;
	if (ok)
		act_as(u);
	pthread_rwlock_unlock(&users_lock);
	return ok;
}

/* --- authorisation ------------------------------------------------------- */

int
auth_identify(struct req *q, const struct route *rt, struct ierr *e)
{
	bool unavailable = false;
	char msg[512] = "";

	if (!basic || rt->access.system <= SYS_SANBOOT) {
		cur = system_admin;
		return 0;
	}
	if (authenticate(q, &unavailable, msg, sizeof(msg)))
		return 0;
	memset(&cur, 0, sizeof(cur));
	if (unavailable)
		ierr_set(e, IG_EUNAVAIL, "Authentication is unavailable: %s", msg);
	else
		ierr_set(e, IG_EAUTH, "The request you have made requires authentication.");
	return -1;
}

/* A pointer at or below one of the roots ("/extra" covers "/extra/a"). */
static bool
under(const char *ptr, const char *const *roots)
{
	for (int k = 0; roots[k] != NULL; k++) {
		size_t n = strlen(roots[k]);
		if (strncmp(ptr, roots[k], n) == 0 && (ptr[n] == '\0' || ptr[n] == '/'))
			return true;
	}
	return false;
}

bool
auth_may_read_secrets(void)
{
	return !basic || (cur.system && cur.role == ROLE_ADMIN);
}

/*
 * The one policy for JSON Patch fields (api_patch asks it for every
 * operation's path and from).  System users: the model's rules alone.
 * Projects: on a node they own or lease, the fields below; on their
 * networks, what does not decide who is on which VLAN; they read (from,
 * test) what they are shown.
 */
/* The pointer is into a field shown to system callers only (F_SYSTEM). */
static bool
system_only(const struct resource *res, const char *ptr)
{
	char root[128];
	const struct field *f;

	snprintf(root, sizeof(root), "%.*s", (int)strcspn(ptr + 1, "/"), ptr + 1);
	f = model_field(res, root);
	return f != NULL && (f->flags & F_SYSTEM);
}

bool
auth_patch_field(const struct resource *res, json_t *obj, const char *ptr, bool write,
    char *why, size_t len)
{
	static const char *const owner_w[] = { "/instance_info", "/extra",
	    "/description", "/lessee", "/automated_clean", NULL };
	static const char *const lessee_w[] = { "/instance_info", "/extra", NULL };
	/* nothing that moves a network to another VLAN, purpose or project,
	 * or shares it */
	static const char *const network_w[] = { "/name", "/gateway",
	    "/dhcp_range", "/dns_servers", "/extra", NULL };
	static const char *const none[] = { NULL };
	const char *const *ok = none;

	if (!basic || cur.system)
		return true;
	if (res == &model_node) {
		if (!write && !system_only(res, ptr))
			return true;
		ok = auth_is_my_project(json_string_value(json_object_get(obj, "owner"))) ?
		    owner_w : lessee_w;
	} else if (res == &model_network) {
		if (!write)
			return true;
		ok = network_w;
	}
	if (under(ptr, ok))
		return true;
	snprintf(why, len, "Access was denied: a project may not %s %.200s of this %s",
	    write ? "change" : "read", ptr, res->kind);
	return false;
}

/* The body as the policy reads it: leniently, before the handler's checks. */
static json_t *
body_peek(const struct req *q)
{
	return q->body != NULL ? json_loadb(q->body, q->body_len, 0, NULL) : NULL;
}

/* Ironic: a lessee needs its admin role for what changes the node's
 * preparation (manage, provide, clean, inspect, adopt, service). */
static bool
lessee_verb_allowed(const struct req *q)
{
	static const char *const admin_verbs[] = { "manage", "provide", "clean",
	    "inspect", "adopt", "service", "unhold", NULL };
	json_t *b = body_peek(q);
	const char *t = json_string_value(json_object_get(b, "target"));
	bool ok = true;

	for (int i = 0; t != NULL && admin_verbs[i] != NULL; i++)
		if (strcmp(t, admin_verbs[i]) == 0)
			ok = cur.role >= ROLE_ADMIN;
	json_decref(b);
	return ok;
}

/* A project creates unshared tenant networks of its own only. */
static bool
own_tenant_network(const struct req *q)
{
	json_t *b = body_peek(q);
	const char *bp = json_string_value(json_object_get(b, "project"));
	const char *purpose = json_string_value(json_object_get(b, "purpose"));
	bool ok = (bp == NULL || auth_is_my_project(bp)) &&
	    (purpose == NULL || strcmp(purpose, "tenant") == 0) &&
	    !json_is_true(json_object_get(b, "shared"));

	json_decref(b);
	return ok;
}

enum tie { TIE_NONE, TIE_USER, TIE_OWNER };

/*
 * How the caller's project is tied to the loaded object: a node it owns
 * (owner) or leases (user); a network of its project (owner) or shared
 * (user); an allocation it owns (owner).  Other objects tie no project.
 */
static enum tie
tie_of(const struct route *rt, json_t *obj)
{
	if (rt->load == LOAD_NODE) {
		if (auth_is_my_project(jstr(obj, "owner")))
			return TIE_OWNER;
		return auth_is_my_project(jstr(obj, "lessee")) ? TIE_USER : TIE_NONE;
	}
	if (rt->load == LOAD_ALLOCATION)
		return auth_is_my_project(jstr(obj, "owner")) ? TIE_OWNER : TIE_NONE;
	if (rt->load == LOAD_NETWORK) {
		if (auth_is_my_project(jstr(obj, "project")))
			return TIE_OWNER;
		return json_is_true(json_object_get(obj, "shared")) ? TIE_USER : TIE_NONE;
	}
	return TIE_NONE;
}

static int
deny(struct ierr *e, const char *what)
{
	ierr_set(e, IG_EFORBIDDEN, "Access was denied to the following resource: %s", what);
	return -1;
}

/* Project scope: default deny; what it does not see does not exist. */
static int
project_allows(const struct route *rt, struct req *q, struct ierr *e)
{
	enum tie tie = tie_of(rt, q->obj);
	bool ok = false;

	if ((rt->load == LOAD_NODE || rt->load == LOAD_NETWORK ||
	    rt->load == LOAD_ALLOCATION) && tie == TIE_NONE) {
		ierr_set(e, IG_ENOTFOUND, "not seen");	/* the router says what */
		return -1;
	}
	if (cur.role < rt->access.project_role)
		return deny(e, rt->pattern);
	switch (rt->access.project) {
	case PRJ_NONE:
		break;
	case PRJ_ANY:
	case PRJ_USER:
		ok = true;
		break;
	case PRJ_OWNER:
		ok = tie == TIE_OWNER;
		break;
	case PRJ_PROVISION:
		ok = tie == TIE_OWNER || lessee_verb_allowed(q);
		break;
	case PRJ_OWNER_LESSEE_ADMIN:
		ok = tie == TIE_OWNER || cur.role >= ROLE_ADMIN;
		break;
	case PRJ_NET_CREATE:
		if (!own_tenant_network(q))
			return deny(e, "tenant networks of another project");
		ok = true;
		break;
	}
	return ok ? 0 : deny(e, rt->pattern);
}

int
auth_allow(const struct route *rt, struct req *q, struct ierr *e)
{
	static const enum auth_role need[] = { [SYS_READER] = ROLE_READER,
	    [SYS_MEMBER] = ROLE_MEMBER, [SYS_ADMIN] = ROLE_ADMIN };

	if (!basic || rt->access.system <= SYS_SANBOOT)
		return 0;
	if (cur.system)
		return cur.role >= need[rt->access.system] ? 0 : deny(e, rt->pattern);
	return project_allows(rt, q, e);
}
