/* httpc against a small libmicrohttpd server on 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "httpc.h"

static struct MHD_Daemon *mhd;
static char base[64];

struct upload {
	char	 data[4096];
	size_t	 len;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body,
	    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	MHD_add_response_header(r, "X-Subject-Token", "tok-123");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* POST /echo: the body back, if the X-Test header came along. */
static enum MHD_Result
echo(struct MHD_Connection *c, struct upload *u)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

	if (t == NULL || strcmp(t, "yes") != 0 || ct == NULL ||
	    strcmp(ct, "application/json") != 0)
		return reply(c, 400, "{}", 2);
	return reply(c, 200, u->data, u->len);
}

static enum MHD_Result
route(struct MHD_Connection *c, const char *url, struct upload *u)
{
	static char big[2 << 20];

	if (strcmp(url, "/echo") == 0)
		return echo(c, u);
	if (strcmp(url, "/big") == 0) {
		memset(big, 'a', sizeof(big));
		return reply(c, 200, big, sizeof(big));
	}
	if (strcmp(url, "/slow") == 0) {
		sleep(2);
		return reply(c, 200, "{}", 2);
	}
	return reply(c, 404, "{\"error\":\"no such thing\"}", 25);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **state)
{
	struct upload *u = *state;

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
	return route(c, url, u);
}

static void
done(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode code)
{
	free(*state);
	*state = NULL;
}

static int
start(void **unused)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
	if (mhd == NULL)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%u",
	    MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT)->port);
	httpc_init();
	return 0;
}

static int
stop(void **unused)
{
	MHD_stop_daemon(mhd);
	return 0;
}

static void
json_round_trip(void **unused)
{
	static const char *const hdr[] = { "X-Test: yes", NULL };
	char url[128];
	json_t *in = json_pack("{s:s, s:i}", "name", "n1", "n", 42);
	struct httpc_req req = { .method = "POST", .url = url, .json = in,
	    .headers = hdr, .timeout = 10, .want_header = "x-subject-token" };
	struct httpc_res res;

	snprintf(url, sizeof(url), "%s/echo", base);
	assert_int_equal(httpc_do(&req, &res), 0);
	assert_int_equal(res.status, 200);
	assert_true(json_equal(res.json, in));
	assert_string_equal(res.header, "tok-123");
	httpc_res_free(&res);
	json_decref(in);
}

static void
error_status(void **unused)
{
	char url[128];
	struct httpc_req req = { .method = "GET", .url = url, .timeout = 10 };
	struct httpc_res res;

	snprintf(url, sizeof(url), "%s/missing", base);
	assert_int_equal(httpc_do(&req, &res), 0);
	assert_int_equal(res.status, 404);
	assert_string_equal(json_string_value(json_object_get(res.json, "error")),
	    "no such thing");
	assert_string_equal(res.body, "{\"error\":\"no such thing\"}");
	assert_string_equal(res.header, "");
	httpc_res_free(&res);
}

static void
oversized(void **unused)
{
	char url[128];
	struct httpc_req req = { .method = "GET", .url = url, .timeout = 10 };
	struct httpc_res res;

	snprintf(url, sizeof(url), "%s/big", base);
	assert_int_equal(httpc_do(&req, &res), -1);
	assert_non_null(strstr(res.err, "larger than 1048576"));
	assert_null(res.body);
	httpc_res_free(&res);
	req.max_response = 4u << 20;
	assert_int_equal(httpc_do(&req, &res), 0);
	assert_int_equal(res.len, 2u << 20);
	assert_null(res.json);
	httpc_res_free(&res);
}

static void
timeout(void **unused)
{
	char url[128];
	struct httpc_req req = { .method = "GET", .url = url, .timeout = 1 };
	struct httpc_res res;

	snprintf(url, sizeof(url), "%s/slow", base);
	assert_int_equal(httpc_do(&req, &res), -1);
	assert_string_equal(res.err, "Timeout was reached");
	assert_int_equal(res.status, 0);
	httpc_res_free(&res);
}

static void
refused(void **unused)
{
	struct httpc_req req = { .method = "GET", .url = "http://127.0.0.1:1/",
	    .timeout = 5 };
	struct httpc_res res;

	assert_int_equal(httpc_do(&req, &res), -1);
	assert_string_equal(res.err, "Couldn't connect to server");
	httpc_res_free(&res);
	req.url = "file:///etc/passwd";		/* http and https only */
	assert_int_equal(httpc_do(&req, &res), -1);
	assert_null(res.body);
	httpc_res_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_round_trip),
		cmocka_unit_test(error_status),
		cmocka_unit_test(oversized),
		cmocka_unit_test(timeout),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
