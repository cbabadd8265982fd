/*
 * The cinder storage interface's client: its parsers on recorded Cinder
 * answers (tests/unit/data/cinder), and its requests against a scripted
 * Keystone + Cinder on 127.0.0.1: the endpoint from the token's catalog,
 * attachment create + complete, the token renewed once on 401, a failed
 * complete rolled back, a gone attachment counted as detached, Cinder or
 * Keystone down, and no secret in an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "cinder_api.h"
#include "httpc.h"
#include "log.h"

#define VOL	"e7ff8f0c-5a2b-4f7e-9d7d-1c2b3a4d5e6f"
#define ATT	"5f4a2a3c-9d0e-4a7b-8f3b-2f1e0c9d8b7a"
#define PID	"0123456789abcdef0123456789abcdef"

static json_t *
doc(const char *name)
{
	char path[1024];
	const char *src = getenv("INGOT_SRC");
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/unit/data/cinder/%s", src ? src : ".", name);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

static void
parsers(void **unused)
{
	json_t *a = doc("attachment-create.json"), *e = doc("error-bad-request.json");
	json_t *p = cinder_connection_props(json_object_get(json_object_get(a,
	    "attachment"), "connection_info"));
	json_t *nested = json_pack("{s:s, s:{s:s, s:i}}", "driver_volume_type", "iscsi",
	    "data", "target_iqn", "iqn.x:y", "target_lun", 3), *q;
	char out[512];

	assert_string_equal(json_string_value(json_object_get(p, "target_portal")),
	    "127.0.0.1:3260");
	assert_int_equal(json_integer_value(json_object_get(p, "target_lun")), 1);
	assert_string_equal(json_string_value(json_object_get(p, "auth_method")), "CHAP");
	assert_string_equal(json_string_value(json_object_get(p, "driver_volume_type")),
	    "iscsi");
	assert_null(json_object_get(p, "attachment_id"));
	assert_null(json_object_get(p, "qos_specs"));
	q = cinder_connection_props(nested);
	assert_string_equal(json_string_value(json_object_get(q, "target_iqn")), "iqn.x:y");
	assert_string_equal(json_string_value(json_object_get(q, "driver_volume_type")),
	    "iscsi");
	cinder_error_text(400, e, out, sizeof(out));
	assert_non_null(strstr(out, "Cinder answered 400: Invalid volume: Volume " VOL));
	cinder_error_text(503, NULL, out, sizeof(out));
	assert_string_equal(out, "Cinder answered 503: no message");
	json_decref(a);
	json_decref(e);
	json_decref(p);
	json_decref(q);
	json_decref(nested);
}

/* --- a scripted Keystone and Cinder ---------------------------------------- */

static struct {
	pthread_mutex_t	 mtx;
	struct MHD_Daemon *mhd;
	char		 base[64];
	int		 tokens;	/* issued; the valid one is "tok-<tokens>" */
	bool		 expire_next;	/* Cinder forgets the token once */
	int		 service_tokens;	/* requests with X-Service-Token */
	bool		 hide_project;	/* no os-vol-tenant-attr (not an admin) */
	bool		 fail_complete;
	bool		 gone;		/* the attachment no longer exists */
	int		 creates, completes, deletes, refused;
	char		 connector[512];
} srv = { .mtx = PTHREAD_MUTEX_INITIALIZER };

struct upload {
	char	 data[4096];
	size_t	 len;
};

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned int status, json_t *body, const char *hk,
    const char *hv)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : strdup("");
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s,
	    MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", "application/json");
	if (hk != NULL)
		MHD_add_response_header(r, hk, hv);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	json_decref(body);
	return rc;
}

static enum MHD_Result
token(struct MHD_Connection *c, struct upload *u)
{
	json_t *b = json_loadb(u->data, u->len, 0, NULL);
	json_t *pw = json_object_get(json_object_get(json_object_get(b, "auth"),
	    "identity"), "password");
	const char *p = json_string_value(json_object_get(json_object_get(pw, "user"),
	    "password"));
	char tok[32], ep[128];
	bool ok = p != NULL && strcmp(p, "s3cret-pw") == 0;

	json_decref(b);
	if (!ok)
		return answer(c, 401, json_pack("{s:{s:i,s:s}}", "error", "code", 401,
		    "message", "The request you have made requires authentication."),
		    NULL, NULL);
	snprintf(tok, sizeof(tok), "tok-%d", ++srv.tokens);
	snprintf(ep, sizeof(ep), "%s/cinder/v3/" PID "/", srv.base);
	return answer(c, 201, json_pack("{s:{s:s, s:{s:s}, s:[{s:s, s:[{s:s,s:s},{s:s,s:s}]}]}}",
	    "token", "expires_at", "2099-01-01T00:00:00.000000Z", "project", "id", PID,
	    "catalog", "type", "volumev3", "endpoints", "interface", "internal", "url",
	    "http://127.0.0.1:1/wrong", "interface", "public", "url", ep),
	    "X-Subject-Token", tok);
}

static bool
authorized(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Auth-Token");
	const char *st = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Service-Token");
	char want[32];

	snprintf(want, sizeof(want), "tok-%d", srv.tokens);
	if (t != NULL && st != NULL && strcmp(t, st) == 0)
		srv.service_tokens++;	/* Ingot speaks as a service */
	if (t == NULL || strcmp(t, want) != 0 || srv.expire_next) {
		srv.expire_next = false;
		srv.refused++;
		return false;
	}
	return true;
}

static enum MHD_Result
cinder(struct MHD_Connection *c, const char *url, const char *method, struct upload *u)
{
	json_t *b;

	if (!authorized(c))
		return answer(c, 401, NULL, NULL, NULL);
	if (strcmp(method, "POST") == 0 && strcmp(url, "/attachments") == 0) {
		b = json_loadb(u->data, u->len, 0, NULL);
		char *s = json_dumps(json_object_get(json_object_get(b, "attachment"),
		    "connector"), JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(srv.connector, sizeof(srv.connector), "%s", s ? s : "");
		free(s);
		json_decref(b);
		srv.creates++;
		return answer(c, 200, doc("attachment-create.json"), NULL, NULL);
	}
	if (strcmp(method, "POST") == 0 && strcmp(url, "/attachments/" ATT "/action") == 0) {
		srv.completes++;
		return srv.fail_complete ? answer(c, 400, doc("error-bad-request.json"),
		    NULL, NULL) : answer(c, 204, NULL, NULL, NULL);
	}
	if (strcmp(method, "DELETE") == 0 && strcmp(url, "/attachments/" ATT) == 0) {
		srv.deletes++;
		return answer(c, srv.gone ? 404 : 200, srv.gone ? NULL :
		    json_pack("{s:[]}", "attachments"), NULL, NULL);
	}
	if (strcmp(method, "GET") == 0 && strcmp(url, "/volumes/" VOL) == 0)
		return answer(c, 200, srv.hide_project ? json_pack("{s:{s:s}}",
		    "volume", "id", VOL) : json_pack("{s:{s:s,s:s}}", "volume", "id",
		    VOL, "os-vol-tenant-attr:tenant_id", "tenant-a"), NULL, NULL);
	return answer(c, 404, NULL, NULL, NULL);
}

static enum MHD_Result
route(struct MHD_Connection *c, const char *url, const char *method, struct upload *u)
{
	const char *pre = "/cinder/v3/" PID;

	if (strcmp(method, "POST") == 0 && strcmp(url, "/v3/auth/tokens") == 0)
		return token(c, u);
	if (strncmp(url, pre, strlen(pre)) == 0)
		return cinder(c, url + strlen(pre), method, u);
	return answer(c, 404, NULL, NULL, NULL);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **state)
{
	struct upload *u = *state;
	enum MHD_Result rc;

	(void)cls;
	(void)version;
	if (u == NULL) {
		*state = calloc(1, sizeof(*u));
		return *state != NULL ? MHD_YES : MHD_NO;
	}
	if (*size > 0) {
		if (*size < sizeof(u->data) - u->len) {
			memcpy(u->data + u->len, data, *size);
			u->len += *size;
		}
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&srv.mtx);
	rc = route(c, url, method, u);
	pthread_mutex_unlock(&srv.mtx);
	return rc;
}

static void
done(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	free(*state);
	*state = NULL;
}

static void
configure(const char *password, const char *url)
{
	char auth[96], err[256];
	struct cinder_conf cc = { .auth_url = auth, .username = "ingot",
	    .password = password, .project_name = "service", .url = url,
	    .timeout = 10 };

	snprintf(auth, sizeof(auth), "%s/v3/", srv.base);
	assert_int_equal(cinder_configure(&cc, err, sizeof(err)), 0);
	assert_true(cinder_enabled());
}

static int
start(void **unused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
	    MHD_OPTION_END);
	if (srv.mhd == NULL)
		return -1;
	snprintf(srv.base, sizeof(srv.base), "http://127.0.0.1:%u",
	    MHD_get_daemon_info(srv.mhd, MHD_DAEMON_INFO_BIND_PORT)->port);
	httpc_init();
	log_init("/dev/null", LOG_LVL_ERROR);
	return 0;
}

static int
stop(void **unused)
{
	MHD_stop_daemon(srv.mhd);
	return 0;
}

static json_t *
a_connector(void)
{
	return json_pack("{s:s, s:s, s:s}", "initiator", "iqn.2026-01.org.example:n1",
	    "ip", "10.50.0.11", "host", "node-1");
}

static void
attach_detach_renewal(void **unused)
{
	json_t *conn = NULL, *cn = a_connector();
	char id[64], err[512];

	configure("s3cret-pw", "");
	assert_int_equal(cinder_attach(VOL, "inst-1", cn, id, sizeof(id), &conn, err,
	    sizeof(err)), 0);
	assert_string_equal(id, ATT);
	assert_string_equal(json_string_value(json_object_get(conn, "target_iqn")),
	    "iqn.2010-10.org.openstack:volume-" VOL);
	assert_int_equal(srv.tokens, 1);
	assert_int_equal(srv.creates, 1);
	assert_int_equal(srv.completes, 1);
	json_decref(conn);
	conn = NULL;
	assert_non_null(strstr(srv.connector, "\"initiator\":\"iqn.2026-01.org.example:n1\""));
	assert_non_null(strstr(srv.connector, "\"ip\":\"10.50.0.11\""));
	/* Cinder refuses the token once: renewed, the request sent again */
	srv.expire_next = true;
	assert_int_equal(cinder_detach(ATT, err, sizeof(err)), 0);
	assert_int_equal(srv.tokens, 2);
	assert_int_equal(srv.refused, 1);
	assert_int_equal(srv.deletes, 1);
	/* every request carried the service token (Cinder lets a service
	 * delete an in-use attachment without asking Nova) */
	assert_int_equal(srv.service_tokens, srv.creates + srv.completes + srv.deletes +
	    srv.refused);
	/* an attachment already gone counts as detached */
	srv.gone = true;
	assert_int_equal(cinder_detach(ATT, err, sizeof(err)), 0);
	srv.gone = false;
	/* no path out of a UUID */
	assert_int_equal(cinder_detach("../volumes", err, sizeof(err)), -1);
	assert_int_equal(cinder_attach("../../x", "i", cn, id, sizeof(id), &conn, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Cinder volume UUID"));
	assert_null(conn);
	json_decref(cn);
}

static void
failed_complete_rolls_back(void **unused)
{
	json_t *conn = NULL, *cn = a_connector();
	char id[64], err[512];
	int deletes = srv.deletes;

	configure("s3cret-pw", "");
	srv.fail_complete = true;
	assert_int_equal(cinder_attach(VOL, "inst-1", cn, id, sizeof(id), &conn, err,
	    sizeof(err)), -1);
	srv.fail_complete = false;
	assert_null(conn);
	assert_non_null(strstr(err, "Cinder answered 400: Invalid volume"));
	assert_int_equal(srv.deletes, deletes + 1);
	json_decref(cn);
}

static void
unreachable_and_refused(void **unused)
{
	json_t *conn = NULL, *cn = a_connector();
	char id[64], err[512];

	configure("s3cret-pw", "http://127.0.0.1:1/v3");
	assert_int_equal(cinder_attach(VOL, "i", cn, id, sizeof(id), &conn, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "Cinder at http://127.0.0.1:1/v3 is unreachable"));
	configure("wrong-pw", "");
	assert_int_equal(cinder_attach(VOL, "i", cn, id, sizeof(id), &conn, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "refused the service credentials (user ingot, "
	    "project service): HTTP 401"));
	assert_null(strstr(err, "wrong-pw"));
	assert_null(conn);
	json_decref(cn);
}

/* The volume must be the node's tenant's: checked before any attachment. */
static void
volume_project(void **unused)
{
	char err[512];
	int creates = srv.creates;

	configure("s3cret-pw", "");
	assert_int_equal(cinder_volume_check(VOL, "tenant-a", err, sizeof(err)), 0);
	assert_int_equal(cinder_volume_check(VOL, NULL, err, sizeof(err)), 0);
	assert_int_equal(cinder_volume_check(VOL, "tenant-b", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "belongs to another project than the node's "
	    "tenant tenant-b"));
	/* a service user that cannot see the project cannot vouch for it */
	srv.hide_project = true;
	assert_int_equal(cinder_volume_check(VOL, "tenant-a", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not show the project of volume"));
	assert_int_equal(cinder_volume_check(VOL, "", err, sizeof(err)), 0);
	srv.hide_project = false;
	assert_int_equal(cinder_volume_check("0b7e1e52-9d4c-4a8e-8f00-000000000000",
	    "tenant-a", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Cinder has no volume"));
	assert_int_equal(cinder_volume_check("../../attachments", "tenant-a", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a Cinder volume UUID"));
	assert_int_equal(srv.creates, creates);	/* a check attaches nothing */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parsers),
		cmocka_unit_test(attach_detach_renewal),
		cmocka_unit_test(failed_complete_rolls_back),
		cmocka_unit_test(unreachable_and_refused),
		cmocka_unit_test(volume_project),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
