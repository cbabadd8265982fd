/* HTTP plumbing of the ingot CLI: JSON requests to ingotd, Ironic errors. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpc.h"

#define CLI_TIMEOUT	120		/* seconds per request */
#define CLI_RETRIES	5		/* of a 409 "node locked", as ironicclient */
#define CLI_RETRY_WAIT	2		/* seconds between them */
#define CLI_MAX_RESPONSE (64u << 20)

void
cli_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ingot: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* The faultstring of Ironic's error body, or the raw text. */
static void
error_text(const char *body, char *out, size_t len)
{
	json_t *j = json_loads(body ? body : "", 0, NULL), *inner;
	const char *em = json_string_value(json_object_get(j, "error_message"));

	snprintf(out, len, "%s", body && *body ? body : "no details");
	if (em != NULL) {
		inner = json_loads(em, 0, NULL);
		const char *fs = json_string_value(json_object_get(inner, "faultstring"));
		snprintf(out, len, "%s", fs ? fs : em);
		json_decref(inner);
	}
	json_decref(j);
	out[strcspn(out, "\n")] = '\0';
}

/*
 * One API call: the JSON answer, or NULL with msg and *status (the HTTP
 * status, 0 when ingotd could not be reached).
 */
json_t *
cli_try(const char *method, const char *path, json_t *body, long *status,
    char *msg, size_t len)
{
	static const char *const hdr[] = { "X-OpenStack-Ironic-API-Version: latest",
	    "Content-Type: application/json", NULL };
	struct httpc_req req = { .method = method, .json = body, .headers = hdr,
	    .timeout = CLI_TIMEOUT, .cafile = cli.cacert, .max_response = CLI_MAX_RESPONSE };
	struct httpc_res res;
	char url[2048];
	json_t *out;

	snprintf(url, sizeof(url), "%s%s", cli.url, path);
	req.url = url;
	for (int try = 0;; try++) {
		if (httpc_do(&req, &res) != 0) {
			snprintf(msg, len, "cannot reach %s: %s", cli.url, res.err);
			*status = 0;
			return NULL;
		}
		/* A task holds the node (a deploy, a periodic read-back): try
		 * again shortly, as python-ironicclient does. */
		if (res.status != 409 || try == CLI_RETRIES || res.body == NULL ||
		    strstr(res.body, "is locked by") == NULL)
			break;
		httpc_res_free(&res);
		sleep(CLI_RETRY_WAIT);
	}
	*status = res.status;
	if (res.status >= 400) {
		error_text(res.body, msg, len);
		httpc_res_free(&res);
		return NULL;
	}
	out = json_incref(res.json);
	httpc_res_free(&res);
	return out ? out : json_object();
}

json_t *
cli_call(const char *method, const char *path, json_t *body)
{
	char msg[1024];
	long status;
	json_t *out = cli_try(method, path, body, &status, msg, sizeof(msg));

	if (out != NULL)
		return out;
	cli_progress_end();
	if (status == 0)
		cli_die("%s", msg);
	cli_die("%s: %s (HTTP %ld)", cli.command, msg, status);
}

/* GET of a text answer (a console log): its bytes to stdout, as they are. */
void
cli_get_raw(const char *path)
{
	static const char *const hdr[] = { "X-OpenStack-Ironic-API-Version: latest", NULL };
	struct httpc_req req = { .method = "GET", .headers = hdr, .timeout = CLI_TIMEOUT,
	    .cafile = cli.cacert, .max_response = CLI_MAX_RESPONSE };
	struct httpc_res res;
	char url[2048], msg[1024];

	snprintf(url, sizeof(url), "%s%s", cli.url, path);
	req.url = url;
	if (httpc_do(&req, &res) != 0)
		cli_die("cannot reach %s: %s", cli.url, res.err);
	if (res.status >= 400) {
		long st = res.status;
		error_text(res.body, msg, sizeof(msg));
		httpc_res_free(&res);
		cli_die("%s: %s (HTTP %ld)", cli.command, msg, st);
	}
	if (res.len > 0 && fwrite(res.body, 1, res.len, stdout) != res.len)
		cli_die("%s: cannot write the output", cli.command);
	httpc_res_free(&res);
}
