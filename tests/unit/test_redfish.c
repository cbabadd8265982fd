/*
 * The redfish driver: its parsers on recorded documents (tests/unit/data/
 * redfish, written after DMTF's public mockups and vendor documentation;
 * see the README there), its driver_info checks, and its requests against
 * a scripted libmicrohttpd BMC on 127.0.0.1: session reuse and renewal
 * on 401, Basic auth, If-Match with one retry on 412, task polling, and
 * the BMC's @Message.ExtendedInfo text in errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <microhttpd.h>

#include "httpc.h"
#include "log.h"
#include "redfish.h"

static json_t *
doc(const char *name)
{
	char path[1024];
	const char *src = getenv("INGOT_SRC");
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/unit/data/redfish/%s", src ? src : ".", name);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	return j;
}

/* --- parsers ----------------------------------------------------------- */

static void
errors_extended_info(void **unused)
{
	char out[512];
	json_t *b = doc("error-base.json"), *d = doc("error-idrac.json"),
	    *h = doc("error-ilo.json");

	rf_error_text(400, b, out, sizeof(out));
	assert_string_equal(out, "the BMC answered 400: The value Red for the property "
	    "IndicatorLED is not in the list of acceptable values.; The property SKU is "
	    "a read only property and cannot be assigned a value.");
	rf_error_text(400, d, out, sizeof(out));
	assert_non_null(strstr(out, "Pending configuration values are already committed"));
	rf_error_text(400, h, out, sizeof(out));
	assert_string_equal(out, "the BMC answered 400: iLO.2.14.UnsupportedOperationInSystemBIOS");
	rf_error_text(503, NULL, out, sizeof(out));
	assert_string_equal(out, "the BMC answered 503: no message");
	json_decref(b);
	b = json_pack("{s:s}", "error", "x");	/* not an object: no message */
	rf_error_text(401, b, out, 20);
	assert_int_equal(strlen(out), 19);	/* bounded */
	json_decref(b);
	json_decref(d);
	json_decref(h);
}

static void
power_and_boot(void **unused)
{
	json_t *s = doc("system-rackmount1.json");
	enum hw_power st;

	assert_int_equal(rf_power_of(s, &st), 0);
	assert_int_equal(st, HW_POWER_ON);
	json_object_set_new(s, "PowerState", json_string("PoweringOff"));
	assert_int_equal(rf_power_of(s, &st), 0);
	assert_int_equal(st, HW_POWER_OFF);
	json_object_set_new(s, "PowerState", json_string("Exploded"));
	assert_int_equal(rf_power_of(s, &st), -1);
	assert_int_equal(st, HW_POWER_UNKNOWN);
	assert_string_equal(rf_boot_target_of("pxe"), "Pxe");
	assert_string_equal(rf_boot_target_of("disk"), "Hdd");
	assert_string_equal(rf_boot_dev_of("Cd"), "cdrom");
	assert_null(rf_boot_target_of("floppy"));
	assert_null(rf_boot_dev_of("UefiTarget"));
	assert_string_equal(rf_link(json_object_get(s, "Links"), "ManagedBy") ? "x" : "",
	    "");	/* a list, not a link */
	assert_string_equal(rf_link(s, "Bios"), "/redfish/v1/Systems/437XR1138R2/Bios");
	json_decref(s);
}

static void
inventory(void **unused)
{
	json_t *s = doc("system-rackmount1.json"), *p = json_pack("[o, o]",
	    doc("processor-cpu1.json"), doc("processor-cpu1.json"));
	json_t *m = json_pack("[o, o, o]", doc("memory-dimm1.json"), doc("memory-dimm1.json"),
	    doc("memory-dimm1.json"));
	json_t *n = json_pack("[o, {s:s}]", doc("nic-1.json"), "MACAddress", "not-a-mac");
	json_t *d = json_pack("[o]", doc("drive-bay0.json"));
	json_t *inv = rf_inventory(s, p, m, n, d), *props = json_object();

	assert_int_equal(json_integer_value(json_object_get(json_object_get(inv, "cpu"),
	    "count")), 32);
	assert_string_equal(json_string_value(json_object_get(json_object_get(inv, "cpu"),
	    "architecture")), "x86_64");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(inv, "memory"),
	    "physical_mb")), 3 * 32768);
	assert_int_equal(json_array_size(json_object_get(inv, "interfaces")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(inv, "interfaces"), 0), "mac_address")), "12:44:6a:3b:04:11");
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(inv,
	    "disks"), 0), "rotational")));
	rf_inventory_properties(inv, props);
	assert_int_equal(json_integer_value(json_object_get(props, "cpus")), 32);
	assert_int_equal(json_integer_value(json_object_get(props, "memory_mb")), 98304);
	assert_int_equal(json_integer_value(json_object_get(props, "local_gb")), 836);
	json_decref(inv);
	json_decref(props);
	/* nothing but the summary: the summary's numbers */
	inv = rf_inventory(s, NULL, NULL, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(inv, "memory"),
	    "physical_mb")), 96 * 1024);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(inv, "cpu"),
	    "count")), 2);
	json_decref(inv);
	json_decref(s);
	json_decref(p);
	json_decref(m);
	json_decref(n);
	json_decref(d);
}

static void
sensors_bios_tasks(void **unused)
{
	json_t *th = doc("thermal-rackmount1.json"), *pw = doc("power-rackmount1.json");
	json_t *s = rf_sensors(th, pw), *b = doc("bios-rackmount1.json"), *a, *t;
	char err[256];

	assert_int_equal(json_array_size(s), 3 + 2 + 2 + 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(s, 0), "name")),
	    "CPU1 Temp");
	assert_true(json_is_null(json_object_get(json_array_get(s, 1), "reading")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(s, 4), "state")),
	    "Critical");
	assert_string_equal(json_string_value(json_object_get(json_array_get(s, 6), "units")),
	    "V");
	a = rf_bios_attributes(b);
	assert_int_equal(json_object_size(a), 10);	/* not the nested object */
	assert_string_equal(json_string_value(json_object_get(a, "BootMode")), "Uefi");
	t = doc("task-exception.json");
	assert_int_equal(rf_task_state(200, t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Exception: The request failed due to an internal"));
	json_object_set_new(t, "TaskState", json_string("Running"));
	assert_int_equal(rf_task_state(200, t, err, sizeof(err)), 1);
	assert_int_equal(rf_task_state(202, NULL, err, sizeof(err)), 1);
	assert_int_equal(rf_task_state(204, NULL, err, sizeof(err)), 0);
	json_decref(s);
	json_decref(th);
	json_decref(pw);
	json_decref(a);
	json_decref(b);
	json_decref(t);
}

static json_t *
node_with(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_t *di = json_pack("{s:s}", "redfish_address", "https://bmc.example:8443");

	if (k1 != NULL)
		json_object_set_new(di, k1, json_string(v1));
	if (k2 != NULL)
		json_object_set_new(di, k2, json_string(v2));
	return json_pack("{s:o}", "driver_info", di);
}

static int
info(const char *k1, const char *v1, const char *k2, const char *v2,
    struct rf_target *t, char *err, size_t len)
{
	json_t *n = node_with(k1, v1, k2, v2);
	int rc = rf_target_from(n, t, err, len);

	json_decref(n);
	return rc;
}

static void
driver_info(void **unused)
{
	struct rf_target t;
	char err[256], p[300];

	assert_int_equal(info(NULL, NULL, NULL, NULL, &t, err, sizeof(err)), 0);
	assert_string_equal(t.base, "https://bmc.example:8443");
	assert_true(t.verify);
	assert_int_equal(t.auth, RF_AUTH_AUTO);
	assert_int_equal(info("redfish_address", "10.0.0.5", "redfish_system_id", "1",
	    &t, err, sizeof(err)), 0);
	assert_string_equal(t.base, "https://10.0.0.5");
	assert_string_equal(t.system, "/redfish/v1/Systems/1");
	assert_int_equal(info("redfish_address", "http://u:p@h/", NULL, NULL, &t, err,
	    sizeof(err)), -1);
	assert_int_equal(info("redfish_address", "https://h/redfish/v1", NULL, NULL, &t,
	    err, sizeof(err)), -1);
	assert_int_equal(info("redfish_address", "gopher://h", NULL, NULL, &t, err,
	    sizeof(err)), -1);
	assert_int_equal(info("redfish_system_id", "/redfish/v1/Systems/../Managers",
	    NULL, NULL, &t, err, sizeof(err)), -1);
	assert_int_equal(info("redfish_system_id", "1?x=2", NULL, NULL, &t, err,
	    sizeof(err)), -1);
	assert_int_equal(info("redfish_verify_ca", "False", "redfish_auth_type", "basic",
	    &t, err, sizeof(err)), 0);
	assert_false(t.verify);
	assert_int_equal(t.auth, RF_AUTH_BASIC);
	assert_int_equal(info("redfish_verify_ca", "relative/ca.pem", NULL, NULL, &t, err,
	    sizeof(err)), -1);
	assert_int_equal(info("redfish_auth_type", "digest", NULL, NULL, &t, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "basic, session or auto"));
	assert_int_equal(info("redfish_colour", "red", NULL, NULL, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown Redfish field redfish_colour"));
	/* paths the BMC gives: same origin only, no escapes */
	assert_int_equal(rf_path_take("https://b", "https://b/redfish/v1/Tasks/1", p,
	    sizeof(p)), 0);
	assert_string_equal(p, "/redfish/v1/Tasks/1");
	assert_int_equal(rf_path_take("https://b", "https://evil/redfish/v1/x", p,
	    sizeof(p)), -1);
	assert_int_equal(rf_path_take("https://b", "/redfish/v1/../../etc", p, sizeof(p)), -1);
	assert_int_equal(rf_path_take("https://b", "/admin", p, sizeof(p)), -1);
	assert_int_equal(rf_path_take("https://b", "/redfish/v1/a b", p, sizeof(p)), -1);
	assert_int_equal(rf_path_take("https://b", "/redfish/v1/Systems/1/", p, sizeof(p)), 0);
	assert_string_equal(p, "/redfish/v1/Systems/1");
}

/* --- requests against a scripted BMC ------------------------------------ */

static struct {
	pthread_mutex_t	 mtx;
	struct MHD_Daemon *mhd;
	char		 base[64];
	int		 session;	/* the valid token is "tok-<session>" */
	int		 sessions_opened;
	int		 generation;	/* ETag "e<generation>" */
	bool		 expire_next;	/* the next authenticated request: 401 */
	bool		 race_next;	/* the next PATCH: changed meanwhile */
	int		 patches, polls, basic_seen;
	char		 boot[32];
} bmc = { .mtx = PTHREAD_MUTEX_INITIALIZER };

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
	char etag[32];

	snprintf(etag, sizeof(etag), "\"e%d\"", bmc.generation);
	MHD_add_response_header(r, "ETag", etag);
	if (hk != NULL)
		MHD_add_response_header(r, hk, hv);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	json_decref(body);
	return rc;
}

static json_t *
ext_error(const char *msg)
{
	return json_pack("{s:{s:s, s:s, s:[{s:s, s:s}]}}", "error", "code",
	    "Base.1.8.GeneralError", "message", "A general error has occurred.",
	    "@Message.ExtendedInfo", "MessageId", "Base.1.8.PropertyValueNotInList",
	    "Message", msg);
}

static bool
authorized(struct MHD_Connection *c)
{
	const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Auth-Token");
	const char *au = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char want[32];

	if (au != NULL && strcmp(au, "Basic YWRtaW46cHc=") == 0) {	/* admin:pw */
		bmc.basic_seen++;
		return true;
	}
	snprintf(want, sizeof(want), "tok-%d", bmc.session);
	if (tok == NULL || strcmp(tok, want) != 0)
		return false;
	if (bmc.expire_next) {
		bmc.expire_next = false;
		bmc.session++;	/* the BMC forgot the session */
		return false;
	}
	return true;
}

static enum MHD_Result
new_session(struct MHD_Connection *c, struct upload *u)
{
	json_t *b = json_loadb(u->data, u->len, 0, NULL);
	char tok[32], id[64];
	bool ok = b && strcmp(json_string_value(json_object_get(b, "UserName")), "admin") == 0
	    && strcmp(json_string_value(json_object_get(b, "Password")), "pw") == 0;

	json_decref(b);
	if (!ok)
		return answer(c, 401, ext_error("Invalid credentials."), NULL, NULL);
	bmc.session++;
	bmc.sessions_opened++;
	snprintf(tok, sizeof(tok), "tok-%d", bmc.session);
	snprintf(id, sizeof(id), "/redfish/v1/SessionService/Sessions/%d", bmc.session);
	return answer(c, 201, json_pack("{s:s}", "@odata.id", id), "X-Auth-Token", tok);
}

static enum MHD_Result
patch_system(struct MHD_Connection *c, struct upload *u)
{
	const char *im = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Match");
	char cur[32];
	json_t *b = json_loadb(u->data, u->len, 0, NULL);
	const char *t = json_string_value(json_object_get(json_object_get(b, "Boot"),
	    "BootSourceOverrideTarget"));

	bmc.patches++;
	if (bmc.race_next) {
		bmc.race_next = false;
		bmc.generation++;
	}
	snprintf(cur, sizeof(cur), "\"e%d\"", bmc.generation);
	if (im == NULL || strcmp(im, cur) != 0) {
		json_decref(b);
		return answer(c, 412, ext_error("The ETag supplied did not match."), NULL, NULL);
	}
	snprintf(bmc.boot, sizeof(bmc.boot), "%s", t ? t : "");
	bmc.generation++;
	json_decref(b);
	return answer(c, 204, NULL, NULL, NULL);
}

static enum MHD_Result
route(struct MHD_Connection *c, const char *url, const char *method, struct upload *u)
{
	if (strcmp(method, "POST") == 0 && strcmp(url, "/redfish/v1/SessionService/Sessions") == 0)
		return new_session(c, u);
	if (!authorized(c))
		return answer(c, 401, NULL, NULL, NULL);
	if (strcmp(url, "/redfish/v1/Systems/1") == 0 && strcmp(method, "GET") == 0)
		return answer(c, 200, json_pack("{s:s, s:{s:s}}", "PowerState", "On", "Boot",
		    "BootSourceOverrideTarget", bmc.boot), NULL, NULL);
	if (strcmp(url, "/redfish/v1/Systems/1") == 0 && strcmp(method, "PATCH") == 0)
		return patch_system(c, u);
	if (strcmp(url, "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset") == 0)
		return answer(c, 202, NULL, "Location", "/redfish/v1/TaskService/Tasks/7");
	if (strcmp(url, "/redfish/v1/Systems/1/Actions/Escape") == 0)
		return answer(c, 202, NULL, "Location", "http://evil.example/redfish/v1/x");
	if (strcmp(url, "/redfish/v1/TaskService/Tasks/7") == 0)
		return ++bmc.polls < 3 ? answer(c, 202, json_pack("{s:s}", "TaskState",
		    "Running"), NULL, NULL) : answer(c, 200, json_pack("{s:s, s:s}",
		    "TaskState", "Completed", "TaskStatus", "OK"), NULL, NULL);
	if (strcmp(url, "/redfish/v1/Systems/1/Bad") == 0)
		return answer(c, 400, ext_error("The value Red for the property "
		    "IndicatorLED is not in the list of acceptable values."), NULL, NULL);
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
	pthread_mutex_lock(&bmc.mtx);
	rc = route(c, url, method, u);
	pthread_mutex_unlock(&bmc.mtx);
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

static int
start(void **unused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bmc.mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
	    MHD_OPTION_END);
	if (bmc.mhd == NULL)
		return -1;
	snprintf(bmc.base, sizeof(bmc.base), "http://127.0.0.1:%u",
	    MHD_get_daemon_info(bmc.mhd, MHD_DAEMON_INFO_BIND_PORT)->port);
	httpc_init();
	log_init("/dev/null", LOG_LVL_ERROR);
	rf_configure(&(struct rf_conf){ .timeout_s = 5, .connect_timeout_s = 2,
	    .retries = 0, .task_timeout_s = 20 });
	return 0;
}

static int
stop(void **unused)
{
	MHD_stop_daemon(bmc.mhd);
	return 0;
}

static void
target(struct rf_target *t, enum rf_auth a, const char *pass)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->base, sizeof(t->base), "%s", bmc.base);
	snprintf(t->system, sizeof(t->system), "/redfish/v1/Systems/1");
	snprintf(t->user, sizeof(t->user), "admin");
	snprintf(t->pass, sizeof(t->pass), "%s", pass);
	t->verify = true;
	t->auth = a;
}

static void
session_reuse_and_renewal(void **unused)
{
	struct rf_target t;
	char err[256];
	json_t *d;

	target(&t, RF_AUTH_SESSION, "pw");
	for (int i = 0; i < 3; i++) {
		d = rf_get(&t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err));
		assert_non_null(d);
		json_decref(d);
	}
	assert_int_equal(bmc.sessions_opened, 1);	/* one session, reused */
	bmc.expire_next = true;
	d = rf_get(&t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err));
	assert_non_null(d);	/* renewed once, transparently */
	json_decref(d);
	assert_int_equal(bmc.sessions_opened, 2);
	/* a wrong password: a session of its own, refused, a clear error */
	target(&t, RF_AUTH_AUTO, "nope");
	assert_null(rf_get(&t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "authentication failed for the BMC (user 'admin')");
	assert_null(strstr(err, "nope"));
	/* Basic auth: no session */
	target(&t, RF_AUTH_BASIC, "pw");
	d = rf_get(&t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err));
	assert_non_null(d);
	json_decref(d);
	assert_int_equal(bmc.sessions_opened, 2);
	assert_true(bmc.basic_seen > 0);
}

static void *
reader(void *arg)
{
	struct rf_target *t = arg;
	char err[256];
	json_t *d;
	intptr_t bad = 0;

	for (int i = 0; i < 5; i++) {
		if ((d = rf_get(t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err))) == NULL)
			bad++;
		json_decref(d);
	}
	return (void *)bad;
}

/* Concurrent requests share one session; a refused token is replaced
 * once, not once per request that saw it refused. */
static void
session_shared_by_threads(void **unused)
{
	struct rf_target t;
	pthread_t th[8];
	int before;
	void *bad;

	target(&t, RF_AUTH_SESSION, "pw");
	assert_null(reader(&t));	/* the session exists */
	before = bmc.sessions_opened;
	bmc.expire_next = true;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &t), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], &bad);
		assert_null(bad);
	}
	assert_int_equal(bmc.sessions_opened, before + 1);
}

static void
etag_412_retry(void **unused)
{
	struct rf_target t;
	char err[256];
	json_t *b = json_pack("{s:{s:s}}", "Boot", "BootSourceOverrideTarget", "Pxe");

	target(&t, RF_AUTH_SESSION, "pw");
	bmc.patches = 0;
	bmc.race_next = true;
	assert_int_equal(rf_patch(&t, "/redfish/v1/Systems/1", b, err, sizeof(err)), 0);
	assert_int_equal(bmc.patches, 2);	/* 412, then the new ETag */
	assert_string_equal(bmc.boot, "Pxe");
	json_decref(b);
}

static void
task_polling_and_errors(void **unused)
{
	struct rf_target t;
	char err[256];
	json_t *b = json_pack("{s:s}", "ResetType", "On");

	target(&t, RF_AUTH_SESSION, "pw");
	bmc.polls = 0;
	assert_int_equal(rf_action(&t, "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset",
	    b, err, sizeof(err)), 0);
	assert_int_equal(bmc.polls, 3);	/* 202, 202, then Completed */
	assert_int_equal(rf_action(&t, "/redfish/v1/Systems/1/Actions/Escape", b, err,
	    sizeof(err)), -1);	/* a task elsewhere is not followed */
	assert_non_null(strstr(err, "not a Redfish path"));
	assert_int_equal(rf_action(&t, "/redfish/v1/Systems/1/Bad", b, err, sizeof(err)), -1);
	assert_string_equal(err, "the BMC answered 400: The value Red for the property "
	    "IndicatorLED is not in the list of acceptable values.");
	json_decref(b);
	/* a BMC that is not there */
	snprintf(t.base, sizeof(t.base), "http://127.0.0.1:1");
	assert_null(rf_get(&t, "/redfish/v1/Systems/1", NULL, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "the BMC did not answer"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors_extended_info),
		cmocka_unit_test(power_and_boot),
		cmocka_unit_test(inventory),
		cmocka_unit_test(sensors_bios_tasks),
		cmocka_unit_test(driver_info),
		cmocka_unit_test(session_reuse_and_renewal),
		cmocka_unit_test(session_shared_by_threads),
		cmocka_unit_test(etag_412_retry),
		cmocka_unit_test(task_polling_and_errors),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
