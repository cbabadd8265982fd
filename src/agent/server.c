/*
 * The command API (libmicrohttpd, a thread per connection):
 *   GET  /                     versions
 *   GET  /v1/status            the agent's version
 *   POST /v1/commands/?wait=true|false&agent_token=T   {"name", "params"}
 *   GET  /v1/commands/         GET /v1/commands/{id}
 * A POST needs the agent token of the lookup, as the query's agent_token or
 * the X-Agent-Token header.  GETs, as with ironic-python-agent: a conductor
 * that sends no token on them (Ironic up to 2025.1) may read the records
 * without their command_params; once a GET carried the valid token, every
 * later GET must.  Errors are IPA's (WSME's) {"faultcode", "faultstring"}.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define MAX_BODY	(8u << 20)

struct conn {
	char	*body;
	size_t	 len;
	bool	 too_big;
};

static struct {
	struct sockaddr_in6	 sa6;
	struct sockaddr_in	 sa4;
	const struct sockaddr	*sa;
	unsigned		 flags;
	struct MHD_Daemon	*d;
	pthread_mutex_t		 mu;
	bool			 get_token_seen;	/* a GET carried the token */
} srv = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* --- settings ------------------------------------------------------------- */

/* --listen ADDR:PORT.  0, or -1 (said why). */
int
server_listen_opt(char *arg)
{
	char *c = strrchr(arg, ':');

	if (c == NULL) {
		fprintf(stderr, "ingot-agent: --listen takes ADDR:PORT\n");
		return -1;
	}
	*c = '\0';
	conf.listen_addr = arg;
	conf.listen_port = atoi(c + 1);
	return 0;
}

/* The port and the address to listen on.  0, or -1 (said why). */
int
server_conf(void)
{
	uint16_t port = (uint16_t)conf.listen_port;

	if (conf.listen_port <= 0 || conf.listen_port > 65535) {
		fprintf(stderr, "ingot-agent: invalid listen port\n");
		return -1;
	}
	srv.sa6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(port) };
	srv.sa4 = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
	srv.sa = (const struct sockaddr *)&srv.sa4;
	srv.flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (inet_pton(AF_INET, conf.listen_addr, &srv.sa4.sin_addr) == 1)
		return 0;
	if (inet_pton(AF_INET6, conf.listen_addr, &srv.sa6.sin6_addr) != 1) {
		fprintf(stderr, "ingot-agent: invalid listen address %s\n",
		    conf.listen_addr);
		return -1;
	}
	srv.sa = (const struct sockaddr *)&srv.sa6;
	srv.flags |= MHD_USE_IPv6;
	return 0;
}

/* --- requests -------------------------------------------------------------- */

static enum MHD_Result
reply(struct MHD_Connection *c, int status, json_t *body)
{
	char *txt = json_dumps(body ? body : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(txt), txt,
	    MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	MHD_add_response_header(r, "Content-Type", "application/json");
	rc = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	json_decref(body);
	return rc;
}

/* An error reply: IPA's body, {"faultcode", "faultstring"}, from ipa_error's. */
static enum MHD_Result
fault(struct MHD_Connection *c, int status, json_t *err)
{
	return reply(c, status, ipa_fault(err));
}

static const char *
token_of(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "agent_token");

	if (t == NULL)
		t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Agent-Token");
	return t;
}

/*
 * May this request go on?  POST: only with the token.  GET: with the valid
 * token (which locks tokenless GETs out from then on), or without one until
 * then; *bare is set for a tokenless GET, whose answer omits command_params.
 */
static bool
token_ok(struct MHD_Connection *c, const char *method, bool *bare)
{
	const char *t = token_of(c);
	bool ok;

	*bare = false;
	if (strcmp(method, "GET") != 0 || t != NULL) {
		ok = client_token_ok(t);
		if (ok && strcmp(method, "GET") == 0) {
			pthread_mutex_lock(&srv.mu);
			srv.get_token_seen = true;
			pthread_mutex_unlock(&srv.mu);
		}
		return ok;
	}
	pthread_mutex_lock(&srv.mu);
	ok = !srv.get_token_seen;
	pthread_mutex_unlock(&srv.mu);
	*bare = ok;
	return ok;
}

/* Drops command_params from a record, or from each of {"commands": [...]}. */
static json_t *
without_params(json_t *v)
{
	json_t *list = json_object_get(v, "commands"), *r;
	size_t i;

	json_object_del(v, "command_params");
	json_array_foreach(list, i, r)
		json_object_del(r, "command_params");
	return v;
}

/* Gathers the body (at most MAX_BODY; more marks it too big). */
static void
upload(struct conn *cn, const char *data, size_t n)
{
	char *b;

	if (cn->len + n > MAX_BODY) {
		cn->too_big = true;
		return;
	}
	if ((b = realloc(cn->body, cn->len + n + 1)) == NULL)
		return;
	cn->body = b;
	memcpy(cn->body + cn->len, data, n);
	cn->len += n;
	cn->body[cn->len] = '\0';
}

/* POST /v1/commands/: runs a command. */
static enum MHD_Result
post_command(struct MHD_Connection *c, struct conn *cn)
{
	const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
	json_error_t je;
	json_t *body, *out = NULL;
	int status;

	if (cn->too_big)
		return fault(c, 413, ipa_error("InvalidContentError", 413,
		    "Request body too large", "the body exceeds 8 MiB"));
	body = cn->body ? json_loads(cn->body, 0, &je) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		return fault(c, 400, ipa_error("InvalidContentError", 400,
		    "Invalid request body", "the body must be a JSON object"));
	}
	status = cmd_run(body, w != NULL && (strcmp(w, "true") == 0 ||
	    strcmp(w, "1") == 0), &out);
	json_decref(body);
	return status >= 400 ? fault(c, status, out) : reply(c, status, out);
}

/* /v1/commands[/[id]], after the token check; rest: what follows the "/";
 * bare: a tokenless GET. */
static enum MHD_Result
commands_api(struct MHD_Connection *c, struct conn *cn, const char *method,
    const char *rest, bool bare)
{
	json_t *found;
	char msg[160];

	if (strcmp(method, "POST") == 0 && *rest == '\0')
		return post_command(c, cn);
	if (strcmp(method, "GET") == 0 && *rest == '\0')
		return reply(c, 200, bare ? without_params(cmd_list()) : cmd_list());
	if (strcmp(method, "GET") == 0) {
		if ((found = cmd_get(rest)) == NULL) {
			snprintf(msg, sizeof(msg), "Command with id %.64s not found.", rest);
			return fault(c, 404, ipa_error("RequestedObjectNotFoundError", 404,
			    "Not found", msg));
		}
		return reply(c, 200, bare ? without_params(found) : found);
	}
	return fault(c, 405, ipa_error("InvalidContentError", 405, "Method not allowed",
	    method));
}

static enum MHD_Result
route(struct MHD_Connection *c, struct conn *cn, const char *url, const char *method)
{
	const char *rest;
	bool bare;

	if (strcmp(url, "/") == 0 && strcmp(method, "GET") == 0)
		return reply(c, 200, json_pack("{s:s, s:s, s:[{s:s}]}", "name", "ingot-agent",
		    "description", "Ironic Python Agent compatible deploy agent",
		    "versions", "id", "v1"));
	if (strcmp(url, "/v1/status") == 0 || strcmp(url, "/v1/status/") == 0)
		return reply(c, 200, json_pack("{s:s}", "version", AGENT_VERSION));
	if (strncmp(url, "/v1/commands", 12) != 0)
		return fault(c, 404, ipa_error("NotFound", 404, "Not found",
		    "The requested URL was not found."));
	if (!token_ok(c, method, &bare))
		return fault(c, 401, ipa_error("Unauthorized", 401, "Unauthorized",
		    "Token invalid."));
	rest = url + 12;
	if (*rest == '/')
		rest++;
	return commands_api(c, cn, method, rest, bare);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *data_size, void **ctx)
{
	struct conn *cn = *ctx;

	(void)cls; (void)version;
	if (cn == NULL) {
		*ctx = calloc(1, sizeof(struct conn));
		return *ctx ? MHD_YES : MHD_NO;
	}
	if (*data_size > 0) {
		upload(cn, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	return route(c, cn, url, method);
}

static void
done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode t)
{
	struct conn *cn = *ctx;

	(void)cls; (void)c; (void)t;
	if (cn != NULL) {
		free(cn->body);
		free(cn);
	}
	*ctx = NULL;
}

/* --- the daemon ------------------------------------------------------------ */

/* Listens (after server_conf).  0, or -1 (said why). */
int
server_start(void)
{
	srv.d = MHD_start_daemon(srv.flags, (uint16_t)conf.listen_port, NULL, NULL,
	    handler, NULL, MHD_OPTION_SOCK_ADDR, srv.sa, MHD_OPTION_NOTIFY_COMPLETED,
	    done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	if (srv.d == NULL) {
		fprintf(stderr, "ingot-agent: cannot listen on %s:%d: %s\n",
		    conf.listen_addr, conf.listen_port, strerror(errno));
		return -1;
	}
	alog("%s listening on %s:%d, API %s", AGENT_VERSION, conf.listen_addr,
	    conf.listen_port, conf.api_url);
	return 0;
}

void
server_stop(void)
{
	if (srv.d != NULL)
		MHD_stop_daemon(srv.d);
	srv.d = NULL;
}
