/*
 * The REST API's request path without a socket: libmicrohttpd's access
 * handler (on_request in src/api/http.c) is driven directly, as
 * libmicrohttpd would call it, with a stand-in for the few MHD functions
 * http.c uses.  That covers body accumulation, microversion negotiation,
 * routing (src/api/router.c: path splitting, pattern matching, 404/405,
 * each route's microversion, loading its object, parsing its body), JSON
 * bodies (api_body), POST field rules (api_check_create), PATCH
 * (api_patch: field rules, RFC 6902 JSON Patch, the model's type checks)
 * and the response serialisation.  The resource handlers are stand-ins
 * that do the body work of their real counterparts; the store is a
 * stand-in that finds every object, the conductor is not used.
 *
 * Input:  METHOD SP PATH[?QUERY] LF
 *         (Header: value LF)*
 *         LF
 *         body
 */
#include "../../src/api/http.c"
#include "../../src/api/router.c"

#include <stdint.h>

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

/* src/api/auth.c is not linked: noauth, which lets every request through. */
int
auth_identify(struct req *q, const struct route *rt, struct ierr *e)
{
	(void)q; (void)rt; (void)e;
	return 0;
}

int
auth_allow(const struct route *rt, struct req *q, struct ierr *e)
{
	(void)q; (void)rt; (void)e;
	return 0;
}

const char *
auth_www_authenticate(void)
{
	return "Basic realm=\"ingot\"";
}

bool
auth_patch_field(const struct resource *res, json_t *obj, const char *ptr, bool write,
    char *why, size_t len)
{
	(void)res; (void)obj; (void)ptr; (void)write; (void)why; (void)len;
	return true;
}

bool
auth_may_read_secrets(void)
{
	return true;
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

struct store *
store_thread(void)
{
	return NULL;
}

/* Every object exists, as the store would hand it over: defaults plus
 * the identity it was looked up by (uuid, name or address). */
json_t *
store_get(struct store *s, const struct resource *res, const char *field,
    const char *value)
{
	json_t *o = json_object();

	(void)s;
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

#define H(fn, k, res) void fn(struct req *q, struct resp *r) { stub(q, r, k, res); }
H(h_root, K_GET, NULL)
H(h_v1, K_GET, NULL)
H(h_nodes_list, K_GET, NULL)
H(h_nodes_detail, K_GET, NULL)
H(h_node_create, K_CREATE, &model_node)
H(h_node_show, K_GET, &model_node)
H(h_node_patch, K_PATCH, &model_node)
H(h_node_delete, K_DELETE, &model_node)
H(h_node_states, K_GET, &model_node)
H(h_node_power, K_PUT, &model_node)
H(h_node_provision, K_PUT, &model_node)
H(h_node_maint_set, K_PUT, &model_node)
H(h_node_maint_unset, K_DELETE, &model_node)
H(h_node_bootdev_get, K_GET, &model_node)
H(h_node_bootdev_set, K_PUT, &model_node)
H(h_node_bootdev_supported, K_GET, &model_node)
H(h_node_validate, K_GET, &model_node)
H(h_node_sensors, K_GET, &model_node)
H(h_node_history, K_GET, &model_node)
H(h_node_history_event, K_GET, &model_node)
H(h_node_ports, K_GET, &model_node)
H(h_node_portgroups, K_GET, &model_node)
H(h_node_traits, K_GET, &model_node)
H(h_ports_list, K_GET, NULL)
H(h_ports_detail, K_GET, NULL)
H(h_port_create, K_CREATE, &model_port)
H(h_port_show, K_GET, &model_port)
H(h_port_patch, K_PATCH, &model_port)
H(h_port_delete, K_DELETE, &model_port)
H(h_portgroups_list, K_GET, NULL)
H(h_portgroups_detail, K_GET, NULL)
H(h_portgroup_create, K_CREATE, &model_portgroup)
H(h_portgroup_show, K_GET, &model_portgroup)
H(h_portgroup_patch, K_PATCH, &model_portgroup)
H(h_portgroup_delete, K_DELETE, &model_portgroup)
H(h_portgroup_ports, K_GET, &model_portgroup)
H(h_drivers_list, K_GET, NULL)
H(h_driver_show, K_GET, NULL)
H(h_driver_properties, K_GET, NULL)
H(h_conductors_list, K_GET, NULL)
H(h_conductor_show, K_GET, NULL)
H(h_lookup, K_GET, NULL)
H(h_heartbeat, K_PUT, &model_node)
H(h_image, K_GET, NULL)
H(h_boot_script, K_GET, NULL)
H(h_node_script, K_GET, NULL)
H(h_boot_file, K_GET, NULL)
H(h_networks_list, K_GET, NULL)
H(h_switches_list, K_GET, NULL)
H(h_network_create, K_CREATE, &model_network)
H(h_network_show, K_GET, &model_network)
H(h_network_patch, K_PATCH, &model_network)
H(h_network_delete, K_DELETE, &model_network)
H(h_node_vifs_list, K_GET, &model_node)
H(h_node_vif_attach, K_CREATE, &model_vif)
H(h_node_vif_detach, K_DELETE, &model_node)

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
	log_init("/dev/null", LOG_LVL_DEBUG);	/* format every log line, show none */
	conf.max_body = 4096;			/* small, so 413 is reachable */
	conf.listen = "127.0.0.1:6385";
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
	on_request(NULL, &c, url, method, "HTTP/1.1", NULL, &n, &con_cls);
	for (off = 0; off < body_len;) {
		size_t piece = body_len - off < 1000 ? body_len - off : 1000;
		n = piece;
		on_request(NULL, &c, url, method, "HTTP/1.1", body + off, &n, &con_cls);
		if (n != 0)
			abort();	/* the handler must take all it is given */
		off += piece;
	}
	n = 0;
	on_request(NULL, &c, url, method, "HTTP/1.1", NULL, &n, &con_cls);
	on_completed(NULL, &c, &con_cls, MHD_REQUEST_TERMINATED_COMPLETED_OK);
	if (c.queued != 1)
		abort();	/* exactly one response per request */
	free(text);
	return 0;
}
