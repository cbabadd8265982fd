/*
 * The REST API's request path without a socket: libmicrohttpd's access
 * handler (api_mhd_request in src/api/http.c) is driven directly, as
 * libmicrohttpd would call it, with a stand-in for the few MHD functions
 * the API uses (defined here, they take the place of the library's).  The
 * real core library is linked, with noauth.  That covers body accumulation, microversion negotiation,
 * routing (src/api/router.c: path splitting, pattern matching, 404/405,
 * each route's microversion, loading its object, parsing its body), JSON
 * bodies (api_body), POST field rules (api_check_create), PATCH
 * (api_patch: field rules, RFC 6902 JSON Patch, the model's type checks)
 * and the response serialisation.  The router serves routes.def with one
 * stand-in handler that does the body work of the real ones by method, and
 * loads objects with a stand-in that finds every object (api_router_use);
 * the store and the conductor are not used.
 *
 * Input:  METHOD SP PATH[?QUERY] LF
 *         (Header: value LF)*
 *         LF
 *         body
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "auth.h"
#include "http_mhd.h"
#include "log.h"
#include "model.h"
#include "route.h"
#include "util.h"

/* --- a stand-in for libmicrohttpd ---------------------------------------- */

#define FZ_MAX_KV 16

struct MHD_Connection {
	const char	*hk[FZ_MAX_KV], *hv[FZ_MAX_KV];
	int		 nh;
	const char	*qk[FZ_MAX_KV], *qv[FZ_MAX_KV];
	int		 nq;
	unsigned	 status;
	int		 queued;
};

struct MHD_Response {
	void	*buf;
	size_t	 len;
	bool	 must_free;
	int	 fd;
	int	 nheaders;
};

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
	(void)c; (void)t;
	return NULL;
}

int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator it, void *cls)
{
	int n = 0;

	if (kind != MHD_HEADER_KIND)
		return 0;
	for (int i = 0; i < c->nh; i++, n++)
		if (it != NULL && it(cls, kind, c->hk[i], c->hv[i]) != MHD_YES)
			return n + 1;
	return n;
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
    const char *key)
{
	if (kind == MHD_HEADER_KIND) {
		for (int i = 0; i < c->nh; i++)
			if (strcasecmp(c->hk[i], key) == 0)
				return c->hv[i];
	} else if (kind == MHD_GET_ARGUMENT_KIND) {
		for (int i = 0; i < c->nq; i++)
			if (strcmp(c->qk[i], key) == 0)
				return c->qv[i];
	}
	return NULL;
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = util_calloc(1, sizeof(*r));

	r->buf = buffer;
	r->len = size;
	r->must_free = mode == MHD_RESPMEM_MUST_FREE;
	r->fd = -1;
	/* Touch every byte: the sanitizers check what would be sent. */
	volatile unsigned char sum = 0;
	for (size_t i = 0; i < size; i++)
		sum ^= ((unsigned char *)buffer)[i];
	(void)sum;
	return r;
}

struct MHD_Response *
MHD_create_response_from_fd64(uint64_t size, int fd)
{
	struct MHD_Response *r = util_calloc(1, sizeof(*r));

	r->len = (size_t)size;
	r->fd = fd;
	return r;
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *header, const char *content)
{
	if (header == NULL || content == NULL || strchr(content, '\n') != NULL)
		abort();	/* header injection */
	r->nheaders++;
	return MHD_YES;
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	if (status < 100 || status > 599)
		abort();
	c->status = status;
	c->queued++;
	return MHD_YES;
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	if (r->must_free)
		free(r->buf);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	return NULL;
}

MHD_socket
MHD_quiesce_daemon(struct MHD_Daemon *d)
{
	return MHD_INVALID_SOCKET;
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
}

/* --- a stand-in for the store ------------------------------------------------ */

/* Every object exists, as the store would hand it over: defaults plus
 * the identity it was looked up by (uuid, name or address). */
static json_t *
fz_load(const struct resource *res, const char *field, const char *value)
{
	json_t *o = json_object();

	model_apply_defaults(res, o);
	json_object_set_new(o, "uuid", json_string("1be26c0b-03f2-4d2d-ae87-c02d7f33c123"));
	if (model_field(res, "extra") != NULL)
		json_object_set_new(o, "extra", json_pack("{s:s, s:[i, i]}", "a", "b", "l", 1, 2));
	if (model_field(res, "address") != NULL)
		json_object_set_new(o, "address", json_string("52:54:00:12:34:56"));
	if (model_field(res, field) != NULL)
		json_object_set_new(o, field, json_string(value));
	return o;
}

/* --- stand-in handlers ---------------------------------------------------- */

enum kind { K_GET, K_DELETE, K_CREATE, K_PATCH, K_PUT };

static void
stub(struct req *q, struct resp *r, enum kind k, const struct resource *res)
{
	json_t *body, *doc;
	int detail;

	for (int i = 0; i < API_MAX_ARGS; i++)
		if (q->args[i] != NULL && strlen(q->args[i]) > 2048)
			abort();
	/* The router has loaded the route's object and parsed its body. */
	switch (k) {
	case K_GET:
		if (!api_query_bool(q, r, "detail", &detail))
			return;
		api_json(r, 200, q->obj != NULL ? json_deep_copy(q->obj) : json_object());
		return;
	case K_DELETE:
		r->status = 204;
		return;
	case K_CREATE:
		body = q->json;
		if (res != NULL && !api_check_create(q, r, res, body))
			return;
		if (res != NULL)
			model_apply_defaults(res, body);
		snprintf(r->location, sizeof(r->location), "%s/v1/%s/x", q->base,
		    res != NULL ? res->plural : "x");
		api_json(r, 201, json_incref(body));
		return;
	case K_PATCH:
		if ((doc = api_patch(q, r, res, q->obj, q->json)) == NULL)
			return;
		api_json(r, 200, doc);
		return;
	case K_PUT:
		api_json(r, 202, json_incref(q->json));
		return;
	}
}

/* The resource a path segment names ("nodes"), or NULL. */
static const struct resource *
resource_named(const char *seg, size_t n)
{
	static const struct resource *const all[] = { &model_node, &model_port,
	    &model_portgroup, &model_network, &model_vif };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strlen(all[i]->plural) == n && strncmp(all[i]->plural, seg, n) == 0)
			return all[i];
	return NULL;
}

/* The resource of segment i of the path (-1: the last one); empty
 * segments ("/v1//nodes") do not count, as in the router. */
static const struct resource *
resource_at(const char *path, int i)
{
	const char *seg = path, *end;
	int n = 0;

	while (*seg == '/')
		seg++;
	for (;;) {
		end = seg + strcspn(seg, "/");
		if (n == i || (i < 0 && *end == '\0'))
			return resource_named(seg, (size_t)(end - seg));
		if (*end == '\0')
			return NULL;
		seg = end;
		while (*seg == '/')	/* the router skips empty segments too */
			seg++;
		n++;
	}
}

/* Every route's handler: the body work of its real counterpart, by method. */
static void
fz_handler(struct req *q, struct resp *r)
{
	if (strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0)
		stub(q, r, K_GET, NULL);
	else if (strcmp(q->method, "DELETE") == 0)
		stub(q, r, K_DELETE, NULL);
	else if (strcmp(q->method, "POST") == 0)
		stub(q, r, K_CREATE, resource_at(q->path, -1));
	else if (strcmp(q->method, "PATCH") == 0)
		stub(q, r, K_PATCH, resource_at(q->path, 1));
	else
		stub(q, r, K_PUT, NULL);
}

/* routes.def with the stand-in handler. */
static const struct route fz_routes[] = {
#define ROUTE(m, p, fn, since, load, body, sys, prj, role)			\
	{ #m, p, fz_handler, since, LOAD_##load, BODY_##body,			\
	    { SYS_##sys, PRJ_##prj, ROLE_##role } },
#include "routes.def"
#undef ROUTE
	{ .method = NULL },
};

/* --- the target ------------------------------------------------------------ */

/* Splits "k=v&k2=v2" in place. */
static void
parse_query(char *s, struct MHD_Connection *c)
{
	char *save = NULL;

	for (char *t = strtok_r(s, "&", &save); t != NULL && c->nq < FZ_MAX_KV;
	    t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '=');
		if (eq != NULL)
			*eq++ = '\0';
		c->qk[c->nq] = t;
		c->qv[c->nq++] = eq != NULL ? eq : "";
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct api_conf ac = { .listen = "127.0.0.1:6385",
	    .max_body = 4096 };			/* small, so 413 is reachable */
	struct auth_conf au = { .strategy = "noauth", .listen = ac.listen };
	char err[256];

	log_init("/dev/null", LOG_LVL_DEBUG);	/* format every log line, show none */
	api_configure(&ac);
	if (auth_configure(&au, err, sizeof(err)) != 0)
		abort();
	api_router_use(fz_routes, fz_load);
	api_set_ready(true);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct MHD_Connection c = { 0 };
	char *text = malloc(size + 1), *line, *p, *method, *url, *q;
	const char *body;
	size_t body_len, off;
	void *con_cls = NULL;
	size_t n;

	memcpy(text, data, size);
	text[size] = '\0';
	/* Request line: the body may hold NULs, the head may not. */
	if ((p = memchr(text, '\n', size)) == NULL) {
		free(text);
		return -1;
	}
	*p++ = '\0';
	method = text;
	if ((url = strchr(method, ' ')) == NULL) {
		free(text);
		return -1;
	}
	*url++ = '\0';
	if ((q = strchr(url, '?')) != NULL) {
		*q++ = '\0';
		parse_query(q, &c);
	}
	/* Headers up to an empty line. */
	for (;;) {
		line = p;
		if ((size_t)(line - text) >= size) {
			p = text + size;
			break;
		}
		if ((p = memchr(line, '\n', size - (size_t)(line - text))) == NULL) {
			p = text + size;
			break;
		}
		*p++ = '\0';
		if (line[0] == '\0')
			break;
		char *colon = strchr(line, ':');
		if (colon != NULL && c.nh < FZ_MAX_KV) {
			*colon++ = '\0';
			while (*colon == ' ')
				colon++;
			c.hk[c.nh] = line;
			c.hv[c.nh++] = colon;
		}
	}
	body = p;
	body_len = size - (size_t)(p - text);

	/* As libmicrohttpd calls it: first contact, body in pieces, then the end. */
	n = 0;
	api_mhd_request(NULL, &c, url, method, "HTTP/1.1", NULL, &n, &con_cls);
	for (off = 0; off < body_len;) {
		size_t piece = body_len - off < 1000 ? body_len - off : 1000;
		n = piece;
		api_mhd_request(NULL, &c, url, method, "HTTP/1.1", body + off, &n, &con_cls);
		if (n != 0)
			abort();	/* the handler must take all it is given */
		off += piece;
	}
	n = 0;
	api_mhd_request(NULL, &c, url, method, "HTTP/1.1", NULL, &n, &con_cls);
	api_mhd_completed(NULL, &c, &con_cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (c.queued != 1)
		abort();	/* exactly one response per request */
	free(text);
	return 0;
}
