/*
 * Cinder v3 attachments (see cinder_api.h).  Why the attachments API and
 * not the older os-reserve / os-initialize_connection / os-attach calls:
 * it is what Nova uses since Queens, one request both reserves the volume
 * and returns the connection, and one DELETE undoes everything (the export,
 * the connection and the attachment record), which keeps roll-back simple.
 */
#include "cinder_api.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "httpc.h"
#include "kstoken.h"
#include "log.h"
#include "util.h"

#define CINDER_VERSION	"OpenStack-API-Version: volume 3.44"
#define CINDER_MAX_BODY	(1 << 20)

static struct cinder_conf conf;
static char auth_url_buf[512], url_buf[512];
static struct ks_session session;
static bool enabled;

bool
cinder_enabled(void)
{
	return enabled;
}

/* s without trailing slashes, in buf (static storage of the caller). */
static const char *
trimmed(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s != NULL ? s : "");
	for (size_t n = strlen(buf); n > 0 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	return buf;
}

static bool
http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

int
cinder_configure(const struct cinder_conf *c, char *err, size_t len)
{
	conf = *c;
	enabled = conf.auth_url != NULL && *conf.auth_url != '\0';
	if (!enabled)
		return 0;
	conf.auth_url = trimmed(conf.auth_url, auth_url_buf, sizeof(auth_url_buf));
	conf.url = trimmed(conf.url, url_buf, sizeof(url_buf));
	if (!http_url(conf.auth_url) ||
	    (*conf.url != '\0' && !http_url(conf.url))) {
		snprintf(err, len, "[cinder] auth_url and url must be http(s) URLs");
		return -1;
	}
	if (conf.username == NULL || *conf.username == '\0' || conf.password == NULL ||
	    *conf.password == '\0' || conf.project_name == NULL || *conf.project_name == '\0') {
		snprintf(err, len, "[cinder] auth_url needs username, password and "
		    "project_name");
		return -1;
	}
	if (conf.endpoint_interface == NULL || *conf.endpoint_interface == '\0')
		conf.endpoint_interface = "public";
	if (conf.timeout <= 0)
		conf.timeout = 60;
	json_decref(session.catalog);		/* a configuration before */
	OPENSSL_cleanse(session.token, sizeof(session.token));
	session = (struct ks_session){ .url = conf.auth_url, .username = conf.username,
	    .password = conf.password, .project = conf.project_name,
	    .user_domain = conf.user_domain_name,
	    .project_domain = conf.project_domain_name, .timeout = conf.timeout };
	ks_session_init(&session);
	log_info("cinder: Keystone at %s, user %s, Cinder at %s", conf.auth_url,
	    conf.username, *conf.url ? conf.url : "(the catalog's block-storage endpoint)");
	return 0;
}

void
cinder_error_text(long status, json_t *body, char *out, size_t len)
{
	const char *k, *m = NULL;
	json_t *v;

	json_object_foreach(body, k, v)
		if ((m = json_string_value(json_object_get(v, "message"))) != NULL)
			break;
	snprintf(out, len, "Cinder answered %ld: %.300s", status, m ? m : "no message");
}

/* Cinder's v3 base URL into out (the setting, else the catalog's). */
static int
base_url(char *out, size_t outlen, char *err, size_t len)
{
	static const char *const types[] = { "block-storage", "volumev3", NULL };

	if (*conf.url != '\0') {
		snprintf(out, outlen, "%s", conf.url);
		return 0;
	}
	return ks_session_endpoint(&session, types, conf.endpoint_interface, out,
	    outlen, err, len);
}

/* One request with a token; renew: a fresh token.  Status, or -1. */
static long
request_once(const char *method, const char *path, json_t *body, bool renew,
    struct httpc_res *res, char *err, size_t len)
{
	char url[1200], base[1024], tok[KS_TOKEN_MAX], th[KS_TOKEN_MAX + 16];
	char sh[KS_TOKEN_MAX + 24];
	const char *hdr[] = { th, sh, CINDER_VERSION, "Accept: application/json", NULL };
	struct httpc_req req = { .method = method, .url = url, .json = body,
	    .headers = hdr, .timeout = conf.timeout, .connect_timeout = 10,
	    .proxy = true, .max_response = CINDER_MAX_BODY };
	int rc;

	memset(res, 0, sizeof(*res));
	if (ks_session_token(&session, renew, tok, sizeof(tok), err, len) != 0 ||
	    base_url(base, sizeof(base), err, len) != 0) {
		OPENSSL_cleanse(tok, sizeof(tok));
		return -1;
	}
	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(th, sizeof(th), "X-Auth-Token: %s", tok);
	/* Ingot is a service: Cinder lets a service delete an in-use
	 * attachment (and skips asking Nova about it) only when the request
	 * carries a service token whose user has the "service" role. */
	snprintf(sh, sizeof(sh), "X-Service-Token: %s", tok);
	rc = httpc_do(&req, res);
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(th, sizeof(th));
	OPENSSL_cleanse(sh, sizeof(sh));
	if (rc != 0) {
		snprintf(err, len, "Cinder at %s is unreachable: %s", base, res->err);
		return -1;
	}
	return res->status;
}

/* A request; a 401 is retried once with a renewed token. */
static long
request(const char *method, const char *path, json_t *body, struct httpc_res *res,
    char *err, size_t len)
{
	long st = request_once(method, path, body, false, res, err, len);

	if (st == 401) {
		log_info("cinder: the token was refused, renewing it");
		httpc_res_free(res);
		st = request_once(method, path, body, true, res, err, len);
	}
	return st;
}

json_t *
cinder_connection_props(json_t *conn)
{
	json_t *data = json_object_get(conn, "data"), *out = json_object(), *v;
	const char *k;

	if (!json_is_object(data))
		data = conn;
	json_object_foreach(data, k, v)
		if (!json_is_object(v) && !json_is_null(v) && strlen(k) < 64)
			json_object_set(out, k, v);
	if (json_string_value(json_object_get(conn, "driver_volume_type")) != NULL)
		json_object_set(out, "driver_volume_type",
		    json_object_get(conn, "driver_volume_type"));
	json_object_del(out, "attachment_id");
	return out;
}

int
cinder_detach(const char *attachment_id, char *err, size_t len)
{
	char path[128];
	struct httpc_res r;
	long st;

	if (attachment_id == NULL || !util_is_uuid(attachment_id)) {
		snprintf(err, len, "not a Cinder attachment id");
		return -1;
	}
	snprintf(path, sizeof(path), "/attachments/%s", attachment_id);
	st = request("DELETE", path, NULL, &r, err, len);
	if (st >= 0 && st != 200 && st != 202 && st != 204 && st != 404)
		cinder_error_text(st, r.json, err, len);
	httpc_res_free(&r);
	if (st == 200 || st == 202 || st == 204 || st == 404) {
		log_info("cinder: attachment %s deleted", attachment_id);
		return 0;
	}
	return -1;
}

/* Marks the attachment complete (the volume goes in-use). */
static int
complete(const char *id, char *err, size_t len)
{
	char path[128];
	json_t *body = json_pack("{s:n}", "os-complete");
	struct httpc_res r;
	long st;

	snprintf(path, sizeof(path), "/attachments/%s/action", id);
	st = request("POST", path, body, &r, err, len);
	json_decref(body);
	if (st >= 0 && st != 200 && st != 204)
		cinder_error_text(st, r.json, err, len);
	httpc_res_free(&r);
	return st == 200 || st == 204 ? 0 : -1;
}

/* POST /attachments: its id and connection info, or -1. */
static int
create(const char *volume_id, const char *instance, json_t *connector, char *id,
    size_t idlen, json_t **conn, char *err, size_t len)
{
	json_t *body = json_pack("{s:{s:s,s:s,s:O}}", "attachment", "volume_uuid",
	    volume_id, "instance_uuid", instance, "connector", connector), *a;
	struct httpc_res r;
	const char *aid;
	long st;
	int rc = -1;

	st = request("POST", "/attachments", body, &r, err, len);
	json_decref(body);
	a = json_object_get(r.json, "attachment");
	aid = json_string_value(json_object_get(a, "id"));
	if (st >= 0 && st != 200 && st != 202)
		cinder_error_text(st, r.json, err, len);
	else if (st >= 0 && (aid == NULL || !util_is_uuid(aid) ||
	    !json_is_object(json_object_get(a, "connection_info"))))
		snprintf(err, len, "Cinder's answer to the attachment of volume %s "
		    "holds no attachment id or connection info", volume_id);
	else if (st >= 0)
		rc = 0;
	if (rc == 0) {
		snprintf(id, idlen, "%s", aid);
		*conn = json_incref(json_object_get(a, "connection_info"));
	}
	httpc_res_free(&r);
	return rc;
}

/*
 * The volume must belong to the node's tenant (project, "" for none): an
 * admin typing another project's volume_id into a tenant's target would
 * hand that tenant the other's data.  Cinder shows a volume's project to
 * admins only; a service user that cannot see it cannot vouch for it.
 */
int
cinder_volume_check(const char *volume_id, const char *project, char *err,
    size_t len)
{
	char path[96];
	struct httpc_res r;
	const char *owner;
	long st;
	int rc = -1;

	if (!enabled || volume_id == NULL || !util_is_uuid(volume_id)) {
		snprintf(err, len, !enabled ? "the cinder storage interface is not "
		    "configured ([cinder] auth_url)" : "volume_id %.40s is not a Cinder "
		    "volume UUID", volume_id ? volume_id : "");
		return -1;
	}
	snprintf(path, sizeof(path), "/volumes/%s", volume_id);
	st = request("GET", path, NULL, &r, err, len);
	owner = json_string_value(json_object_get(json_object_get(r.json, "volume"),
	    "os-vol-tenant-attr:tenant_id"));
	if (st == 404)
		snprintf(err, len, "Cinder has no volume %s (or does not show it to "
		    "Ingot's service user)", volume_id);
	else if (st >= 0 && st != 200)
		cinder_error_text(st, r.json, err, len);
	else if (st >= 0 && project != NULL && *project != '\0' && owner == NULL)
		snprintf(err, len, "Cinder does not show the project of volume %s to "
		    "Ingot's service user (it needs Cinder's admin role to check that "
		    "the volume is the tenant's)", volume_id);
	else if (st >= 0 && project != NULL && *project != '\0' &&
	    strcmp(owner, project) != 0)
		snprintf(err, len, "volume %s belongs to another project than the "
		    "node's tenant %.64s", volume_id, project);
	else if (st >= 0)
		rc = 0;
	httpc_res_free(&r);
	return rc;
}

int
cinder_attach(const char *volume_id, const char *instance, json_t *connector,
    char *id, size_t idlen, json_t **conn, char *err, size_t len)
{
	char e2[256];

	*conn = NULL;
	if (!enabled) {
		snprintf(err, len, "the cinder storage interface is not configured "
		    "([cinder] auth_url)");
		return -1;
	}
	if (volume_id == NULL || !util_is_uuid(volume_id)) {
		snprintf(err, len, "volume_id %.40s is not a Cinder volume UUID",
		    volume_id ? volume_id : "");
		return -1;
	}
	if (create(volume_id, instance, connector, id, idlen, conn, err, len) != 0)
		return -1;
	if (complete(id, err, len) != 0) {
		if (cinder_detach(id, e2, sizeof(e2)) != 0)
			log_error("cinder: attachment %s of volume %s could not be "
			    "rolled back: %s", id, volume_id, e2);
		json_decref(*conn);
		*conn = NULL;
		return -1;
	}
	log_info("cinder: volume %s attached for %s (attachment %s)", volume_id,
	    instance, id);
	return 0;
}
