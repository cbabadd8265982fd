/* JSON over HTTP with libcurl: see httpc.h. */
#include "httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct call {
	const struct httpc_req	*req;
	struct httpc_res	*res;
	size_t			 max;
	bool			 too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's global set-up initialises OpenSSL (its configuration file, its
 * providers): a few MiB of library pages an idle ingotd never needs, so it
 * runs when the first request is made, not at start-up. */
void
httpc_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct call *c = arg;
	struct httpc_res *r = c->res;
	size_t add = sz * n;
	char *d;

	if (add > c->max - r->len) {
		c->too_big = true;
		return 0;
	}
	if ((d = realloc(r->body, r->len + add + 1)) == NULL)
		return 0;
	memcpy(d + r->len, p, add);
	r->len += add;
	d[r->len] = '\0';
	r->body = d;
	return add;
}

/* Keeps the value of the header the caller asked for. */
static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct call *c = arg;
	const char *want = c->req->want_header;
	size_t len = sz * n, i, j, wl;

	if (want == NULL || (wl = strlen(want)) + 1 > len ||
	    strncasecmp(p, want, wl) != 0 || p[wl] != ':')
		return len;
	for (i = wl + 1; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	for (j = len; j > i && (p[j - 1] == '\r' || p[j - 1] == '\n' ||
	    p[j - 1] == ' '); j--)
		;
	if (j - i < sizeof(c->res->header)) {
		memcpy(c->res->header, p + i, j - i);
		c->res->header[j - i] = '\0';
	}
	return len;
}

static curl_socket_t
on_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct call *c = arg;
	int s = c->req->open_socket(a->family, a->socktype, a->protocol);

	(void)purpose;
	return s < 0 ? CURL_SOCKET_BAD : s;
}

static int
append(struct curl_slist **h, const char *s)
{
	struct curl_slist *t = curl_slist_append(*h, s);

	if (t == NULL)
		return -1;
	*h = t;
	return 0;
}

static int
headers(const struct httpc_req *req, struct curl_slist **h)
{
	const char *const *s;

	*h = NULL;
	if (append(h, "Accept: application/json") != 0)
		return -1;
	if (req->json != NULL && append(h, "Content-Type: application/json") != 0)
		return -1;
	for (s = req->headers; s != NULL && *s != NULL; s++)
		if (append(h, *s) != 0)
			return -1;
	return 0;
}

/* Header values may be tokens: wipe them before they are freed. */
static void
headers_free(struct curl_slist *h)
{
	for (struct curl_slist *s = h; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(h);
}

static void
set_options(CURL *c, const struct httpc_req *req, struct call *ctx)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, req->connect_timeout);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, ctx);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, ctx);
	if (!req->proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (req->cafile != NULL && *req->cafile != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, req->cafile);
	if (req->ca_pem != NULL && *req->ca_pem != '\0') {
		struct curl_blob b = { (void *)req->ca_pem, strlen(req->ca_pem),
		    CURL_BLOB_COPY };
		curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &b);
	}
	if (req->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->open_socket != NULL) {
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_socket);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, ctx);
	}
}

static int
perform(CURL *c, struct call *ctx)
{
	struct httpc_res *res = ctx->res;
	CURLcode rc = curl_easy_perform(c);

	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
		if (res->body != NULL)
			res->json = json_loads(res->body, JSON_DECODE_ANY, NULL);
		return 0;
	}
	if (ctx->too_big)
		snprintf(res->err, sizeof(res->err), "response larger than %zu bytes",
		    ctx->max);
	else
		snprintf(res->err, sizeof(res->err), "%s", curl_easy_strerror(rc));
	httpc_res_free(res);
	return -1;
}

int
httpc_do(const struct httpc_req *req, struct httpc_res *res)
{
	struct call ctx = { req, res, req->max_response ? req->max_response :
	    HTTPC_MAX_DEFAULT, false };
	struct curl_slist *h = NULL;
	char *body = NULL;
	CURL *c = NULL;
	int rv = -1;

	memset(res, 0, sizeof(*res));
	snprintf(res->err, sizeof(res->err), "out of memory");
	if (req->json != NULL && (body = json_dumps(req->json, JSON_COMPACT)) == NULL)
		goto done;
	httpc_init();
	if (headers(req, &h) != 0 || (c = curl_easy_init()) == NULL)
		goto done;
	res->err[0] = '\0';
	set_options(c, req, &ctx);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	rv = perform(c, &ctx);
done:
	curl_easy_cleanup(c);
	headers_free(h);
	if (body != NULL)
		explicit_bzero(body, strlen(body));
	free(body);
	return rv;
}

void
httpc_res_free(struct httpc_res *res)
{
	if (res->body != NULL)
		explicit_bzero(res->body, res->len);
	free(res->body);
	json_decref(res->json);
	explicit_bzero(res->header, sizeof(res->header));
	res->body = NULL;
	res->json = NULL;
	res->len = 0;
}
