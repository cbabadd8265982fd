/* HTTP plumbing of the ingot CLI: JSON requests to ingotd, Ironic errors. */
#include "cli.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char	*data;
	size_t	 len;
};

static size_t
on_data(char *p, size_t sz, size_t n, void *u)
{
	struct buf *b = u;
	size_t add = sz * n;
	char *d = realloc(b->data, b->len + add + 1);

	if (d == NULL)
		return 0;
	b->data = d;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

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

json_t *
cli_call(const char *method, const char *path, json_t *body, long *status)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	char url[2048], *txt = NULL, msg[1024];
	json_t *out = NULL;
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", cli.url, path);
	h = curl_slist_append(h, "X-OpenStack-Ironic-API-Version: latest");
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (cli.cacert != NULL && *cli.cacert != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, cli.cacert);
	if (body != NULL) {
		txt = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, txt);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(txt);
	if (rc != CURLE_OK)
		cli_die("cannot reach %s: %s", cli.url, curl_easy_strerror(rc));
	if (status != NULL)
		*status = code;
	if (code >= 400) {
		error_text(b.data, msg, sizeof(msg));
		free(b.data);
		if (status != NULL && *status == -1)
			return NULL;
		cli_die("%s: %s (HTTP %ld)", cli.command, msg, code);
	}
	if (b.data != NULL && b.len > 0)
		out = json_loads(b.data, JSON_DECODE_ANY, NULL);
	free(b.data);
	return out ? out : json_object();
}

/* GET that may fail softly: NULL on 404. */
json_t *
cli_get_maybe(const char *path)
{
	long st = -1;
	json_t *j = cli_call("GET", path, NULL, &st);

	return st >= 400 ? NULL : j;
}
