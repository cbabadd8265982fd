/*
 * The web console's files (web/, installed to DATADIR/ingot/web): listed
 * once at start, read into memory and served by name under /console/,
 * on the API listener only (routes.def: PAGE), with a strict
 * Content-Security-Policy.  Nothing on disk is opened after start, so no
 * request path can reach another file.  The page talks to the public API
 * with the user's own credentials; these routes authenticate nobody and
 * serve nothing but these files and config.json (the auth strategy the
 * login form needs).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "log.h"
#include "util.h"

#define CONSOLE_MAX_FILES	32
#define CONSOLE_MAX_FILE	(1u << 20)
#define CONSOLE_NAME_MAX	64

struct console_file {
	char		 name[CONSOLE_NAME_MAX];
	const char	*type;
	char		*data;		/* NUL-terminated text */
};

static struct console_file files[CONSOLE_MAX_FILES];
static int nfiles;
static bool enabled;
static char csp[512];

static const char *const types[][2] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ NULL, NULL },
};

/* The content type of a file the console may serve, or NULL. */
static const char *
type_of(const char *name)
{
	size_t n = strlen(name), k;

	if (n == 0 || n >= CONSOLE_NAME_MAX || name[0] == '.' ||
	    name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-")] != '\0')
		return NULL;
	for (int i = 0; types[i][0] != NULL; i++) {
		k = strlen(types[i][0]);
		if (n > k && strcmp(name + n - k, types[i][0]) == 0)
			return types[i][1];
	}
	return NULL;
}

/* Reads a text file of at most CONSOLE_MAX_FILE bytes; NULL otherwise. */
static char *
slurp(int dirfd, const char *name)
{
	struct stat st;
	char *buf = NULL;
	ssize_t got = 0, n;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > CONSOLE_MAX_FILE)
		goto out;
	buf = util_calloc(1, (size_t)st.st_size + 1);
	while (got < st.st_size &&
	    (n = read(fd, buf + got, (size_t)(st.st_size - got))) > 0)
		got += n;
	if (got != st.st_size || memchr(buf, '\0', (size_t)got) != NULL) {
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

static void
add_file(const char *name, const char *type, char *data)
{
	struct console_file *f = &files[nfiles++];

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->type = type;
	f->data = data;
}

/* Lists and reads root's servable files; -1 when root cannot be read. */
static int
load_dir(const char *root, char *err, size_t len)
{
	DIR *d = opendir(root);
	struct dirent *de;
	const char *type;
	char *data;

	if (d == NULL) {
		snprintf(err, len, "[api] web_root %s cannot be read", root);
		return -1;
	}
	while ((de = readdir(d)) != NULL && nfiles < CONSOLE_MAX_FILES - 1) {
		if ((type = type_of(de->d_name)) == NULL ||
		    strcmp(de->d_name, "config.json") == 0)
			continue;
		if ((data = slurp(dirfd(d), de->d_name)) == NULL) {
			log_warn("web console: %s/%s skipped (not a regular text file "
			    "of at most %u bytes, or a symbolic link)", root, de->d_name,
			    CONSOLE_MAX_FILE);
			continue;
		}
		add_file(de->d_name, type, data);
	}
	closedir(d);
	return 0;
}

/* scheme://host[:port] of url into out; false unless http(s) and plain. */
static bool
origin_of(const char *url, char *out, size_t len)
{
	const char *p = strstr(url, "://"), *end;

	if (p == NULL || (strncmp(url, "http://", 7) != 0 &&
	    strncmp(url, "https://", 8) != 0))
		return false;
	end = p + 3 + strcspn(p + 3, "/?#");
	if (end == p + 3 || (size_t)(end - url) >= len)
		return false;
	snprintf(out, len, "%.*s", (int)(end - url), url);
	return out[strcspn(out, " ;,'\"\r\n\t")] == '\0';
}

static void
build_csp(const char *keystone_url)
{
	char ks[300] = "";

	if (keystone_url != NULL && *keystone_url != '\0' &&
	    !origin_of(keystone_url, ks, sizeof(ks)))
		ks[0] = '\0';
	snprintf(csp, sizeof(csp), "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; connect-src 'self'%s%s; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    ks[0] ? " " : "", ks);
}

/* config.json: what the login form needs (no secret: the strategy and
 * the Identity endpoint every client is told anyway). */
static void
add_config(const struct console_conf *c)
{
	json_t *j = json_pack("{s:s, s:s?, s:i}", "auth", c->auth_strategy,
	    "keystone_url", c->keystone_url && *c->keystone_url ? c->keystone_url : NULL,
	    "refresh_seconds", c->refresh_seconds);

	add_file("config.json", "application/json", json_dumps(j, JSON_COMPACT));
	json_decref(j);
}

static bool
has_file(const char *name)
{
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i].name, name) == 0)
			return true;
	return false;
}

int
api_console_configure(const struct console_conf *c, char *err, size_t len)
{
	api_console_free();
	if (!c->enabled)
		return 0;
	err[0] = '\0';
	if (load_dir(c->root, err, len) == 0 && !has_file("index.html"))
		snprintf(err, len, "[api] web_root %s has no index.html", c->root);
	if (err[0] != '\0') {
		if (c->required)
			return -1;
		log_warn("web console off: %s", err);
		api_console_free();
		return 0;
	}
	add_config(c);
	build_csp(c->keystone_url);
	enabled = true;
	log_info("web console: %d files from %s under /console/", nfiles, c->root);
	return 0;
}

void
api_console_free(void)
{
	for (int i = 0; i < nfiles; i++)
		free(files[i].data);
	memset(files, 0, sizeof(files));
	nfiles = 0;
	enabled = false;
}

void
h_console(struct req *q, struct resp *r)
{
	const char *name = q->args[0] ? q->args[0] : "index.html";
	size_t n = strlen(q->path);

	if (!enabled || q->prov_only) {
		api_error(r, 404, "The resource could not be found.");
		return;
	}
	if (q->args[0] == NULL && (n == 0 || q->path[n - 1] != '/')) {
		/* relative links in the page resolve under /console/ */
		api_error(r, 301, "The console is at /console/.");
		snprintf(r->location, sizeof(r->location), "/console/");
		return;
	}
	for (int i = 0; i < nfiles; i++) {
		if (strcmp(files[i].name, name) != 0)
			continue;
		r->status = 200;
		r->text = util_strdup(files[i].data);
		r->content_type = files[i].type;
		r->csp = csp;
		return;
	}
	api_error(r, 404, "The resource could not be found.");
}

/*
 * Who the caller is: user, scope (system, or its project) and role, so
 * that the console offers the actions the role allows.  The caller's
 * own identity only.
 */
void
h_whoami(struct req *q, struct resp *r)
{
	static const char *const roles[] = { [ROLE_NONE] = "none",
	    [ROLE_READER] = "reader", [ROLE_MEMBER] = "member",
	    [ROLE_ADMIN] = "admin" };
	const struct ident *id = auth_current();

	(void)q;
	api_json(r, 200, json_pack("{s:s, s:b, s:s?, s:s?, s:s}", "user", id->user,
	    "system", id->system, "project", id->system ? NULL : id->project,
	    "project_name", id->project_name[0] ? id->project_name : NULL,
	    "role", roles[id->role]));
}
