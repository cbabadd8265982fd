/*
 * What handlers answer with and read from a request: Ironic's error body,
 * the one mapping of error codes to HTTP statuses, JSON bodies (bounded
 * nesting, no duplicate keys) and query parameters.  Below the router and
 * the transport (http.c); calls neither.
 */
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "log.h"

void
api_error(struct resp *r, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *inner;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Ironic's body: error_message holds a JSON document as a string. */
	inner = json_pack("{s:s, s:s, s:n}", "faultstring", msg, "faultcode",
	    status >= 500 ? "Server" : "Client", "debuginfo");
	s = json_dumps(inner, JSON_COMPACT);
	json_decref(inner);
	json_decref(r->body);
	r->status = status;
	r->body = json_pack("{s:s}", "error_message", s ? s : msg);
	free(s);
	if (status >= 500)
		log_error("HTTP %d: %s", status, msg);
	else
		log_info("HTTP %d: %s", status, msg);
}

/* The one place an error code becomes an HTTP status (Ironic's). */
int
api_status_of(enum ig_err code)
{
	static const int status[] = {
		[IG_OK] = 500,		/* an error without a code is a bug */
		[IG_EINVAL] = 400, [IG_EAUTH] = 401, [IG_EFORBIDDEN] = 403,
		[IG_ENOTFOUND] = 404, [IG_ECONFLICT] = 409, [IG_ELOCKED] = 409,
		[IG_ETOOBIG] = 413, [IG_EUNSUPPORTED] = 400, [IG_EBMC] = 503,
		[IG_EUNAVAIL] = 503, [IG_EINTERNAL] = 500, [IG_EVERSION] = 406,
		[IG_ESTALE] = 409,
	};

	return (unsigned)code < sizeof(status) / sizeof(status[0]) ? status[code] : 500;
}

void
api_ierr(struct resp *r, const struct ierr *e)
{
	api_error(r, api_status_of(e->code), "%s", e->msg);
}

void
api_json(struct resp *r, int status, json_t *body)
{
	json_decref(r->body);
	r->status = status;
	r->body = body;
}

const char *
api_query(struct req *q, const char *key)
{
	return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Deepest nesting of [ and { outside strings (bounded before parsing). */
static int
json_depth(const char *p, size_t n)
{
	int d = 0, max = 0;
	bool str = false, esc = false;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == '[' || c == '{') {
			if (++d > max)
				max = d;
		} else if (c == ']' || c == '}') {
			d--;
		}
	}
	return max;
}

#define API_MAX_JSON_DEPTH 32

json_t *
api_body(struct req *q, struct resp *r, bool want_array)
{
	json_error_t je;
	json_t *j;

	if (q->body == NULL || q->body_len == 0) {
		api_error(r, 400, "The request body is empty; a JSON %s is expected.",
		    want_array ? "list" : "object");
		return NULL;
	}
	if (json_depth(q->body, q->body_len) > API_MAX_JSON_DEPTH) {
		api_error(r, 400, "Invalid request body: JSON nested deeper than %d levels.",
		    API_MAX_JSON_DEPTH);
		return NULL;
	}
	j = json_loadb(q->body, q->body_len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		api_error(r, 400, "Malformed JSON in request body: %s (line %d, "
		    "column %d).", je.text, je.line, je.column);
		return NULL;
	}
	if (want_array ? !json_is_array(j) : !json_is_object(j)) {
		json_decref(j);
		api_error(r, 400, "Invalid request body: a JSON %s is expected.",
		    want_array ? "list" : "object");
		return NULL;
	}
	return j;
}

bool
api_query_bool(struct req *q, struct resp *r, const char *key, int *out)
{
	const char *v = api_query(q, key);

	*out = -1;
	if (v == NULL)
		return true;
	if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0) {
		*out = 1;
	} else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
	    strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0) {
		*out = 0;
	} else {
		api_error(r, 400, "Invalid value for %s: '%s' is not a boolean.", key, v);
		return false;
	}
	return true;
}

