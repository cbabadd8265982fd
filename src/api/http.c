/*
 * HTTP server: libmicrohttpd with an internal thread pool.  Each request
 * is read whole (bounded), its framing checked, its microversion
 * negotiated, handed to the router (router.c) and answered with JSON and
 * Ironic's headers.  Listeners: the API's, and one per provisioning
 * network inside its namespace.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>

#include "api.h"
#include "tls.h"
#include "http_mhd.h"
#include "route.h"
#include "log.h"
#include "store.h"
#include "util.h"

static int parse_listen(const char *listen, struct sockaddr_in *sa, char *err,
    size_t len);

struct conn_state {
	char	*body;
	size_t	 len;
	size_t	 cap;
	bool	 too_big;
	bool	 answered;	/* refused before its body: never dispatched */
};

static struct MHD_Daemon *daemon_h;
static struct api_conf conf;
static atomic_int in_flight;
static atomic_bool ready;

void
api_set_ready(bool r)
{
	atomic_store(&ready, r);
}

/* --- microversions ---------------------------------------------------- */

/*
 * The requested version: X-OpenStack-Ironic-API-Version, else the
 * "baremetal" entry of OpenStack-API-Version ("baremetal 1.N", entries
 * separated by commas, as the other OpenStack services take it); NULL
 * when neither names one.  buf holds the value found.
 */
static const char *
requested_version(struct req *q, char *buf, size_t len)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    "X-OpenStack-Ironic-API-Version");
	char all[256], *save = NULL;

	if (h != NULL)
		return h;
	h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "OpenStack-API-Version");
	if (h == NULL)
		return NULL;
	snprintf(all, sizeof(all), "%s", h);
	for (char *t = strtok_r(all, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		if (strncasecmp(t, "baremetal", 9) == 0 && (t[9] == ' ' || t[9] == '\t')) {
			t += 9;
			t += strspn(t, " \t");
			t[strcspn(t, " \t")] = '\0';
			snprintf(buf, len, "%s", t);
			return buf;
		}
	}
	return NULL;
}

/* Returns 0 and sets minor, or an HTTP status with r filled. */
static int
negotiate(struct req *q, struct resp *r)
{
	char found[64], buf[64], *dot;
	const char *h = requested_version(q, found, sizeof(found));
	long major, minor;

	if (h == NULL) {
		q->minor = API_MIN_MINOR;
		return 0;
	}
	if (strcasecmp(h, "latest") == 0) {
		q->minor = API_MAX_MINOR;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", h);
	dot = strchr(buf, '.');
	if (dot == NULL || (*dot = '\0', !util_parse_int(buf, 0, 1000, &major)) ||
	    !util_parse_int(dot + 1, 0, 100000, &minor)) {
		/* Ironic answers an unreadable version 406 too */
		api_error(r, 406, "Invalid value for X-OpenStack-Ironic-API-Version "
		    "header: %s", h);
		return 406;
	}
	if (major != 1 || minor < API_MIN_MINOR || minor > API_MAX_MINOR) {
		api_error(r, 406, "Version %s was requested but the minor version is "
		    "not supported by this service. The supported version range is: "
		    "[1.%d, 1.%d].", h, API_MIN_MINOR, API_MAX_MINOR);
		return 406;
	}
	q->minor = (int)minor;
	return 0;
}

/* Query parameters seen so far, to find one given twice. */
struct seen_args {
	const char	*keys[64];
	int		 n;
	const char	*dup;
};

static enum MHD_Result
seen_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct seen_args *sa = cls;

	(void)kind; (void)value;
	for (int i = 0; i < sa->n; i++)
		if (strcmp(sa->keys[i], key) == 0) {
			sa->dup = key;
			return MHD_NO;
		}
	if (sa->n < (int)(sizeof(sa->keys) / sizeof(sa->keys[0])))
		sa->keys[sa->n++] = key;
	return MHD_YES;
}

/*
 * A query parameter given twice ("fields=a&fields=b", as gophercloud
 * sends): Ironic takes each parameter once and answers 400, where we would
 * read only the first.  0, or 400 with r filled.
 */
static int
single_args(struct req *q, struct resp *r)
{
	struct seen_args sa = { .n = 0 };

	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, seen_arg, &sa);
	if (sa.dup == NULL)
		return 0;
	api_error(r, 400, "Invalid input: the query parameter \"%s\" was given more "
	    "than once; give it once (a comma-separated list where it takes "
	    "several values).", sa.dup);
	return 400;
}

/* --- libmicrohttpd glue ----------------------------------------------- */

/*
 * A script's request (the web console sends X-Requested-With): a 401
 * without WWW-Authenticate, so that the browser shows the page's own
 * message instead of its password dialog.
 */
static bool
from_script(struct req *q)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND,
	    "X-Requested-With");

	return h != NULL && strcasecmp(h, "XMLHttpRequest") == 0;
}

static void
add_headers(struct MHD_Response *mr, struct req *q, const char *request_id,
    struct resp *r)
{
	char v[32];

	snprintf(v, sizeof(v), "1.%d", API_MIN_MINOR);
	MHD_add_response_header(mr, "X-OpenStack-Ironic-API-Minimum-Version", v);
	snprintf(v, sizeof(v), "1.%d", API_MAX_MINOR);
	MHD_add_response_header(mr, "X-OpenStack-Ironic-API-Maximum-Version", v);
	snprintf(v, sizeof(v), "1.%d", q->minor);
	MHD_add_response_header(mr, "X-OpenStack-Ironic-API-Version", v);
	snprintf(v, sizeof(v), "baremetal 1.%d", q->minor);
	MHD_add_response_header(mr, "OpenStack-API-Version", v);
	MHD_add_response_header(mr, "Openstack-Request-Id", request_id);
	if (r->body != NULL)
		MHD_add_response_header(mr, "Content-Type", "application/json");
	if (r->location[0] != '\0')
		MHD_add_response_header(mr, "Location", r->location);
	if (r->status == 401 && r->www_authenticate != NULL && !from_script(q))
		MHD_add_response_header(mr, "WWW-Authenticate", r->www_authenticate);
	/* Nothing of ingotd's may be framed, sniffed or run as a page, but
	 * the web console's pages, under their own policy. */
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "X-Frame-Options", "DENY");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(mr, "Content-Security-Policy", r->csp != NULL ?
	    r->csp : "default-src 'none'; frame-ancestors 'none'");
	if (r->csp != NULL)
		MHD_add_response_header(mr, "Cache-Control", "no-cache");
	if (r->close)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
	if (r->content_range[0] != '\0')
		MHD_add_response_header(mr, "Content-Range", r->content_range);
	if (r->accept_ranges)
		MHD_add_response_header(mr, "Accept-Ranges", "bytes");
}

static enum MHD_Result
respond(struct MHD_Connection *c, struct req *q, struct resp *r, const char *rid)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char *text = NULL;
	size_t len = 0;

	if (r->fd > 0) {
		mr = MHD_create_response_from_fd_at_offset64(r->fd_size, r->fd,
		    r->fd_offset);
		if (mr == NULL)
			close(r->fd);
		r->fd = 0;
		if (mr != NULL) {
			MHD_add_response_header(mr, "Content-Type", r->content_type ?
			    r->content_type : "application/octet-stream");
			add_headers(mr, q, rid, r);
			ret = MHD_queue_response(c, (unsigned)r->status, mr);
			MHD_destroy_response(mr);
			return ret;
		}
		api_error(r, 500, "cannot send the file");
	}
	if (r->text != NULL) {
		mr = MHD_create_response_from_buffer(strlen(r->text), r->text,
		    MHD_RESPMEM_MUST_FREE);
		r->text = NULL;
		MHD_add_response_header(mr, "Content-Type", r->content_type ?
		    r->content_type : r->text_json ? "application/json" : "text/plain");
		add_headers(mr, q, rid, r);
		ret = MHD_queue_response(c, (unsigned)r->status, mr);
		MHD_destroy_response(mr);
		return ret;
	}
	if (r->body != NULL) {
		text = json_dumps(r->body, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		len = text ? strlen(text) : 0;
	}
	mr = MHD_create_response_from_buffer(len, text ? text : (void *)"",
	    text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	add_headers(mr, q, rid, r);
	ret = MHD_queue_response(c, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return ret;
}

/* TLS: both listeners get the same certificate and key when configured. */
static bool
tls_on(void)
{
	return conf.tls_cert != NULL && conf.tls_key != NULL;
}

static const char *
scheme(void)
{
	return tls_on() ? "https" : "http";
}

static bool
tls_reloadable(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) == MHD_YES;
}

bool
api_tls_on(void)
{
	return tls_on();
}

int
api_tls_reload(const char *cert, const char *key, char *err, size_t len)
{
	if (!tls_on()) {
		snprintf(err, len, "the API listens without TLS: serving a certificate "
		    "needs a restart");
		return -1;
	}
	if (!tls_reloadable()) {
		snprintf(err, len, "this libmicrohttpd has no certificate callback: a new "
		    "certificate needs a restart");
		return -1;
	}
	return tls_set(cert, key, err, len);
}

static unsigned
tls_flags(void)
{
	return tls_on() ? MHD_USE_TLS : 0;
}

#define API_TIMEOUT_DEFAULT	30u

/*
 * Fills an MHD_OPTION_ARRAY with what every listener shares: connection
 * limits (total and per source address), the idle timeout and, with TLS,
 * the certificate, key and priority string.
 */
static struct MHD_OptionItem *
listener_options(struct MHD_OptionItem o[8])
{
	int n = 0;

	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    conf.conn_limit, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    conf.per_ip_limit, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    conf.conn_timeout, NULL };
	if (tls_on() && tls_reloadable()) {
		/* the current pair at each handshake: SIGHUP can replace it */
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
		    tls_callback() };
	} else if (tls_on()) {
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
		    (void *)conf.tls_cert };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
		    (void *)conf.tls_key };
	}
	if (tls_on()) {
		if (conf.tls_priorities != NULL && *conf.tls_priorities != '\0')
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
			    (void *)conf.tls_priorities };
	}
	o[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return o;
}

static void
set_base(struct req *q)
{
	const char *host;

	if (conf.public_url != NULL && *conf.public_url != '\0') {
		snprintf(q->base, sizeof(q->base), "%s", conf.public_url);
		return;
	}
	host = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "Host");
	snprintf(q->base, sizeof(q->base), "%s://%s", scheme(), host ? host : conf.listen);
}

/* The headers that frame a request's body. */
struct framing {
	int		 ncl, nte;
	bool		 bad_cl;
	const char	*te;
};

static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct framing *f = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->ncl++;
		if (value == NULL || *value == '\0' ||
		    value[strspn(value, "0123456789")] != '\0')
			f->bad_cl = true;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->nte++;
		f->te = value;
	}
	return MHD_YES;
}

/*
 * Why the body's length is ambiguous, or NULL.  Two Content-Lengths, or
 * one with Transfer-Encoding, can be read two ways (one by a proxy in
 * front, another by us): request smuggling.  Refused, and the connection
 * closed, as RFC 9112 section 6.3 asks.
 */
static const char *
framing_error(struct MHD_Connection *c)
{
	struct framing f = { 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &f);
	if (f.ncl > 1)
		return "more than one Content-Length header";
	if (f.bad_cl)
		return "a Content-Length that is not a decimal number";
	if (f.nte > 0 && f.ncl > 0)
		return "both Transfer-Encoding and Content-Length";
	if (f.nte > 1 || (f.nte == 1 && (f.te == NULL || strcasecmp(f.te, "chunked") != 0)))
		return "a Transfer-Encoding other than chunked";
	return NULL;
}

enum MHD_Result
api_mhd_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct conn_state *cs = *con_cls;
	struct req q = { 0 };
	struct resp r = { .status = 200 };
	char rid[48], uuid[UUID_STR_LEN];
	const char *bad = NULL;
	enum MHD_Result ret;
	double t0;

	(void)version;
	if (cs == NULL) {
		cs = util_calloc(1, sizeof(*cs));
		*con_cls = cs;
		/* A request whose framing is ambiguous is answered before its body. */
		if ((bad = framing_error(c)) == NULL)
			return MHD_YES;
		cs->answered = true;
	} else if (cs->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (bad == NULL && *upload_data_size > 0) {
		if (cs->len + *upload_data_size > conf.max_body) {
			cs->too_big = true;
		} else {
			if (cs->len + *upload_data_size + 1 > cs->cap) {
				cs->cap = (cs->len + *upload_data_size + 1) * 2;
				cs->body = realloc(cs->body, cs->cap);
				if (cs->body == NULL)
					fatalx("out of memory");
			}
			memcpy(cs->body + cs->len, upload_data, *upload_data_size);
			cs->len += *upload_data_size;
			cs->body[cs->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}

	atomic_fetch_add(&in_flight, 1);
	t0 = util_mono_now();
	util_uuid_new(uuid);
	snprintf(rid, sizeof(rid), "req-%s", uuid);
	log_set_request(rid);
	q.method = method;
	q.path = url;
	q.conn = c;
	q.prov_only = cls != NULL;
	q.tenant_ns = cls != NULL && strncmp(cls, "tenant:", 7) == 0 ?
	    (const char *)cls + 7 : NULL;
	q.ramdisk_here = conf.ramdisk_everywhere;
	q.conductor_only = conf.conductor_only;
	q.body = cs->body;
	q.body_len = cs->len;
	set_base(&q);
	if (bad != NULL) {
		api_error(&r, 400, "Bad request framing: %s.", bad);
		r.close = true;
	} else if (!atomic_load(&ready))
		api_error(&r, 503, "ingotd is starting or stopping; retry shortly.");
	else if (cs->too_big)
		api_error(&r, 413, "Request body is larger than the limit of %zu bytes.",
		    conf.max_body);
	else if (negotiate(&q, &r) == 0 && single_args(&q, &r) == 0)
		api_dispatch(&q, &r);
	if (r.suspended) {	/* a long poll (events.c): answered when resumed */
		log_set_node(NULL);
		log_set_project(NULL);
		log_set_request(NULL);
		atomic_fetch_sub(&in_flight, 1);
		return MHD_YES;
	}
	if (q.minor == 0)
		q.minor = API_MIN_MINOR;
	ret = respond(c, &q, &r, rid);
	api_metrics_request(&q, r.status, util_mono_now() - t0);
	/* an ISO's URL is its credential: not in the log */
	log_debug("%s %s -> %d (%.1f ms)", method, strncmp(url, "/vmedia/", 8) == 0 ?
	    "/vmedia/(token).iso" : url, r.status,
	    (util_mono_now() - t0) * 1000.0);
	json_decref(r.body);
	log_set_node(NULL);
	log_set_project(NULL);
	log_set_request(NULL);
	atomic_fetch_sub(&in_flight, 1);
	return ret;
}

void
api_mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)cls; (void)c; (void)toe;
	if (cs != NULL) {
		free(cs->body);
		free(cs);
		*con_cls = NULL;
	}
}

static void
on_thread_end(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	(void)cls; (void)c; (void)socket_context; (void)toe;
}

int
api_check_listen(const char *listen, char *err, size_t len)
{
	struct sockaddr_in sa;

	return parse_listen(listen, &sa, err, len);
}

static int
parse_listen(const char *listen, struct sockaddr_in *sa, char *err, size_t len)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) ||
	    !util_parse_int(colon + 1, 1, 65535, &port)) {
		snprintf(err, len, "invalid listen address '%s' (expected HOST:PORT)", listen);
		return -1;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, len, "invalid listen address '%s' (expected an IPv4 "
		    "address and a port)", listen);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

void
api_configure(const struct api_conf *c)
{
	conf = *c;
	if (conf.max_body == 0)
		conf.max_body = 1 << 20;
	if (conf.conn_limit == 0)
		conf.conn_limit = 1024;
	if (conf.conn_timeout == 0)
		conf.conn_timeout = API_TIMEOUT_DEFAULT;
	if (conf.threads <= 0)
		conf.threads = 4;
	api_metrics_enable(conf.metrics);
}

int
api_start(const struct api_conf *c, char *err, size_t len)
{
	struct sockaddr_in sa;
	struct MHD_OptionItem to[8];

	api_configure(c);
	if (parse_listen(conf.listen, &sa, err, len) != 0)
		return -1;
	if (tls_on() && tls_reloadable() && tls_set(conf.tls_cert, conf.tls_key, err,
	    len) != 0)
		return -1;
	daemon_h = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | tls_flags(), ntohs(sa.sin_port), NULL, NULL, api_mhd_request, NULL,
	    MHD_OPTION_ARRAY, listener_options(to),
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf.threads,
	    MHD_OPTION_NOTIFY_COMPLETED, api_mhd_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_thread_end, NULL,
	    MHD_OPTION_END);
	if (daemon_h == NULL) {
		snprintf(err, len, "cannot listen on %s (address in use or not "
		    "available%s)", conf.listen, tls_on() ? ", or the TLS certificate, "
		    "key or [api] tls_priorities was refused" : "");
		return -1;
	}
	log_info("API listening on %s://%s", scheme(), conf.listen);
	return 0;
}

/* Extra listeners inside network namespaces (the provisioning network). */
#define MAX_EXTRA 8
static struct {
	struct MHD_Daemon	*d;
	char			 key[128];
	char			 cls[80];	/* "prov", or "tenant:<netns>" */
} extra[MAX_EXTRA];
static pthread_mutex_t extra_mtx = PTHREAD_MUTEX_INITIALIZER;

struct ns_sock {
	const char	*netns;
	struct sockaddr_in sa;
	int		 fd;
	char		 err[200];
};

static void *
ns_sock_thread(void *arg)
{
	struct ns_sock *ns = arg;
	char path[300];
	int nsfd, one = 1;

	/* This thread alone enters the namespace; the socket stays there. */
	snprintf(path, sizeof(path), "/run/netns/%s", ns->netns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
		snprintf(ns->err, sizeof(ns->err), "cannot enter namespace %s", ns->netns);
		if (nsfd >= 0)
			close(nsfd);
		return NULL;
	}
	close(nsfd);
	ns->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ns->fd < 0 || setsockopt(ns->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(ns->fd, (struct sockaddr *)&ns->sa, sizeof(ns->sa)) != 0 ||
	    listen(ns->fd, 128) != 0) {
		snprintf(ns->err, sizeof(ns->err), "cannot listen in namespace %s",
		    ns->netns);
		if (ns->fd >= 0)
			close(ns->fd);
		ns->fd = -1;
	}
	return NULL;
}

int
api_listen_netns(const char *netns, const char *ip, int port, bool tenant, char *err,
    size_t len)
{
	struct ns_sock ns = { .netns = netns, .fd = -1 };
	struct MHD_OptionItem to[8];
	char key[128];
	pthread_t t;
	int slot = -1;

	snprintf(key, sizeof(key), "%s/%s:%d", netns, ip, port);
	pthread_mutex_lock(&extra_mtx);
	for (int i = 0; i < MAX_EXTRA; i++) {
		if (extra[i].d != NULL && strcmp(extra[i].key, key) == 0) {
			pthread_mutex_unlock(&extra_mtx);
			return 0;
		}
		if (extra[i].d == NULL && slot < 0)
			slot = i;
	}
	if (slot >= 0)
		snprintf(extra[slot].cls, sizeof(extra[slot].cls), "%s%s",
		    tenant ? "tenant:" : "prov", tenant ? netns : "");
	pthread_mutex_unlock(&extra_mtx);
	if (slot < 0) {
		snprintf(err, len, "too many namespace listeners");
		return -1;
	}
	ns.sa.sin_family = AF_INET;
	ns.sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &ns.sa.sin_addr) != 1) {
		snprintf(err, len, "bad address %s", ip);
		return -1;
	}
	if (pthread_create(&t, NULL, ns_sock_thread, &ns) != 0)
		return -1;
	pthread_join(t, NULL);
	if (ns.fd < 0) {
		snprintf(err, len, "%s", ns.err);
		return -1;
	}
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_TURBO | tls_flags(), 0, NULL, NULL, api_mhd_request,
	    extra[slot].cls,
	    MHD_OPTION_ARRAY, listener_options(to),
	    MHD_OPTION_LISTEN_SOCKET, ns.fd,
	    MHD_OPTION_THREAD_POOL_SIZE, 2u,
	    MHD_OPTION_NOTIFY_COMPLETED, api_mhd_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		close(ns.fd);
		snprintf(err, len, "cannot serve in namespace %s", netns);
		return -1;
	}
	pthread_mutex_lock(&extra_mtx);
	extra[slot].d = d;
	snprintf(extra[slot].key, sizeof(extra[slot].key), "%s", key);
	pthread_mutex_unlock(&extra_mtx);
	log_info("API also listening on %s://%s:%d in namespace %s%s", scheme(), ip, port,
	    netns, tenant ? " (sanboot scripts only)" : "");
	return 0;
}

void
api_stop(void)
{
	pthread_mutex_lock(&extra_mtx);
	for (int i = 0; i < MAX_EXTRA; i++) {
		if (extra[i].d != NULL) {
			MHD_stop_daemon(extra[i].d);
			extra[i].d = NULL;
		}
	}
	pthread_mutex_unlock(&extra_mtx);
	if (daemon_h == NULL)
		return;
	api_events_stop();
	MHD_quiesce_daemon(daemon_h);
	for (int i = 0; i < 300 && atomic_load(&in_flight) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(daemon_h);
	daemon_h = NULL;
	tls_free();
}
