/* driver_info of the redfish interfaces (Ironic's names), and the paths
 * the BMC gives us that we may follow. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jsonutil.h"
#include "redfish.h"

const char *const rf_properties[][2] = {
	{ "redfish_address", "URL of the BMC, https://host[:port] (http:// also "
	  "accepted; no scheme means https). Required." },
	{ "redfish_system_id", "Path of the ComputerSystem, e.g. "
	  "/redfish/v1/Systems/1; optional when the BMC has one system." },
	{ "redfish_username", "BMC user name. Optional." },
	{ "redfish_password", "BMC password. Optional." },
	{ "redfish_verify_ca", "true (default), false, or the path of a CA bundle "
	  "to verify the BMC's certificate with. Optional." },
	{ "redfish_auth_type", "basic, session or auto (default: a session, "
	  "Basic auth when the BMC offers none). Optional." },
	{ "deploy_kernel", "Deploy kernel (path or file:// URL). Optional." },
	{ "deploy_ramdisk", "Deploy ramdisk (path or file:// URL). Optional." },
	{ NULL, NULL },
};

static bool
known(const char *k)
{
	for (size_t i = 0; rf_properties[i][0] != NULL; i++)
		if (strcmp(rf_properties[i][0], k) == 0)
			return true;
	return false;
}

/* Characters of a URL path segment we pass on (RFC 3986 pchar, no '%'
 * decoding games, no query or fragment). */
static bool
path_char(int c)
{
	return isalnum(c) || strchr("/-._~!$&'()*+,;=:@", c) != NULL;
}

static bool
path_ok(const char *p)
{
	if (strncmp(p, "/redfish/v1/", 12) != 0 || strstr(p, "/../") != NULL ||
	    strstr(p, "//") != NULL || strlen(p) >= 300)
		return false;
	if (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0)
		return false;
	for (; *p != '\0'; p++)
		if (!path_char((unsigned char)*p))
			return false;
	return true;
}

int
rf_path_take(const char *base, const char *in, char *out, size_t len)
{
	size_t bl = strlen(base);

	if (in == NULL)
		return -1;
	/* a URL of the BMC's own origin: keep its path */
	if (bl > 0 && strncasecmp(in, base, bl) == 0 && in[bl] == '/')
		in += bl;
	if (!path_ok(in) || strlen(in) >= len)
		return -1;
	snprintf(out, len, "%s", in);
	/* "/redfish/v1/Systems/1/" and ".../1" are one resource */
	if (strlen(out) > 12 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return 0;
}

/* https://host[:port][/]: scheme, host and port only. */
static int
address(const char *a, struct rf_target *t, char *err, size_t len)
{
	const char *host = a, *scheme = "https";
	size_t hl;

	if (strncasecmp(a, "https://", 8) == 0)
		host = a + 8;
	else if (strncasecmp(a, "http://", 7) == 0)
		host = a + 7, scheme = "http";
	else if (strstr(a, "://") != NULL)
		goto bad;
	hl = strcspn(host, "/");
	if (hl == 0 || hl > 255 || (host[hl] == '/' && host[hl + 1] != '\0'))
		goto bad;
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)host[i]) && strchr(".-:[]_", host[i]) == NULL)
			goto bad;
	snprintf(t->base, sizeof(t->base), "%s://%.*s", scheme, (int)hl, host);
	return 0;
bad:
	snprintf(err, len, "driver_info: redfish_address must be http(s)://host[:port] "
	    "without a path, user or query");
	return -1;
}

static int
system_id(const char *s, struct rf_target *t, char *err, size_t len)
{
	char p[300];

	if (s == NULL || *s == '\0') {
		t->system[0] = '\0';
		return 0;
	}
	if (s[0] == '/')
		snprintf(p, sizeof(p), "%s", s);
	else
		snprintf(p, sizeof(p), "/redfish/v1/Systems/%s", s);
	if (strlen(s) > 250 || rf_path_take("", p, t->system, sizeof(t->system)) != 0 ||
	    strncmp(t->system, "/redfish/v1/Systems/", 20) != 0 ||
	    strchr(t->system + 20, '/') != NULL || t->system[20] == '\0') {
		snprintf(err, len, "driver_info: redfish_system_id must be a "
		    "/redfish/v1/Systems/ID path (or the ID) of safe characters");
		return -1;
	}
	return 0;
}

static int
verify_ca(json_t *v, struct rf_target *t, char *err, size_t len)
{
	const char *s = json_string_value(v);

	t->verify = true;
	t->cafile[0] = '\0';
	if (v == NULL || json_is_true(v))
		return 0;
	if (json_is_false(v)) {
		t->verify = false;
		return 0;
	}
	if (s != NULL && (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcmp(s, "1") == 0))
		return 0;
	if (s != NULL && (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	    strcmp(s, "0") == 0)) {
		t->verify = false;
		return 0;
	}
	if (s != NULL && s[0] == '/' && strlen(s) < sizeof(t->cafile) &&
	    strstr(s, "/../") == NULL) {
		snprintf(t->cafile, sizeof(t->cafile), "%s", s);
		return 0;
	}
	snprintf(err, len, "driver_info: redfish_verify_ca must be true, false or "
	    "the absolute path of a CA bundle");
	return -1;
}

static int
strings(json_t *di, struct rf_target *t, char *err, size_t len)
{
	const char *k, *at = jstr(di, "redfish_auth_type");
	json_t *v;

	json_object_foreach(di, k, v) {
		if (strncmp(k, "redfish_", 8) == 0 && !known(k)) {
			snprintf(err, len, "driver_info: unknown Redfish field %.64s", k);
			return -1;
		}
		if (strncmp(k, "redfish_", 8) == 0 && strcmp(k, "redfish_verify_ca") != 0 &&
		    !json_is_string(v)) {
			snprintf(err, len, "driver_info: %s must be a string", k);
			return -1;
		}
	}
	if (strlen(jstr(di, "redfish_username") ? jstr(di, "redfish_username") : "") >=
	    sizeof(t->user) || strlen(jstr(di, "redfish_password") ?
	    jstr(di, "redfish_password") : "") >= sizeof(t->pass)) {
		snprintf(err, len, "driver_info: redfish_username or redfish_password "
		    "too long");
		return -1;
	}
	snprintf(t->user, sizeof(t->user), "%s", jstr(di, "redfish_username") ?
	    jstr(di, "redfish_username") : "");
	snprintf(t->pass, sizeof(t->pass), "%s", jstr(di, "redfish_password") ?
	    jstr(di, "redfish_password") : "");
	if (at == NULL || strcmp(at, "auto") == 0)
		t->auth = RF_AUTH_AUTO;
	else if (strcmp(at, "basic") == 0)
		t->auth = RF_AUTH_BASIC;
	else if (strcmp(at, "session") == 0)
		t->auth = RF_AUTH_SESSION;
	else {
		snprintf(err, len, "driver_info: redfish_auth_type must be basic, "
		    "session or auto");
		return -1;
	}
	return 0;
}

int
rf_target_from(json_t *node, struct rf_target *t, char *err, size_t len)
{
	json_t *di = json_object_get(node, "driver_info");
	const char *a = jstr(di, "redfish_address");

	memset(t, 0, sizeof(*t));
	if (strings(di, t, err, len) != 0)
		return -1;
	if (a == NULL || *a == '\0') {
		snprintf(err, len, "driver_info: missing redfish_address");
		return -1;
	}
	if (address(a, t, err, len) != 0 ||
	    system_id(jstr(di, "redfish_system_id"), t, err, len) != 0 ||
	    verify_ca(json_object_get(di, "redfish_verify_ca"), t, err, len) != 0)
		return -1;
	return 0;
}
