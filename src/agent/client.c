/*
 * The agent's side of the conversation with ingotd (or Ironic): it looks
 * its node up by MAC, GET {api}/v1/lookup?addresses=MAC,..., which gives
 * the node, the heartbeat timeout and the one-time agent token; then it
 * heartbeats, POST {api}/v1/heartbeat/{node} with callback_url,
 * agent_token, agent_version and the progress of the running command.
 *
 * The API version it declares, and so the heartbeat's fields, come from the
 * server's GET {api}/ (default_version.version, as IPA reads it): the lower
 * of that and the newest this agent knows (1.72); agent_version needs 1.36,
 * agent_token 1.62, agent_status_message 1.72 (Ironic refuses a field its
 * declared version does not know).  A server that does not say gets 1.68
 * (IPA's newest), and is asked again at the next heartbeat.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jsonutil.h"
#include "util.h"
#include "agent.h"

#define INGOT_AGENT_CA	"/etc/ingot/ca.pem"	/* ramdisk/build CA_FILE= */

/* API 1.N: what the heartbeat may carry from which version on. */
#define API_AGENT_VERSION	36
#define API_AGENT_TOKEN		62
#define API_FALLBACK		68	/* the server did not say: IPA's newest */
#define API_STATUS		72	/* agent_status, agent_status_message */
#define API_NEWEST		API_STATUS

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	json_t		*node;		/* from the lookup */
	char		 token[256];
	int		 heartbeat_timeout;
	bool		 wake;		/* heartbeat now */
	bool		 stop;
	char		 status_message[256];
	pthread_t	 hb;
	bool		 hb_up;
	int		 api_minor;	/* the API version declared: 1.api_minor */
	bool		 api_known;	/* ...as the server said */
} cl = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
    .heartbeat_timeout = 300, .api_minor = API_FALLBACK };

/* --- settings ------------------------------------------------------------- */

/* The API URL is required; the CA file must be readable.  0, or -1 (said why). */
int
client_conf(void)
{
	size_t ul;

	if (conf.api_url == NULL) {
		fprintf(stderr, "ingot-agent: no API URL (--api-url or ipa-api-url= on the "
		    "kernel command line)\n");
		return -1;
	}
	/* A ramdisk built with CA_FILE= carries ingotd's CA here. */
	if (conf.ca_file == NULL && access(INGOT_AGENT_CA, R_OK) == 0)
		conf.ca_file = INGOT_AGENT_CA;
	if (conf.ca_file != NULL && !conf.insecure && access(conf.ca_file, R_OK) != 0) {
		fprintf(stderr, "ingot-agent: cannot read CA file %s: %s\n", conf.ca_file,
		    strerror(errno));
		return -1;
	}
	ul = strlen(conf.api_url);
	while (ul > 0 && conf.api_url[ul - 1] == '/')
		conf.api_url[--ul] = '\0';
	return 0;
}

/* Without --mac: every NIC with a device.  0, or -1 (said why). */
int
client_macs(void)
{
	DIR *d;
	struct dirent *e;
	char p[512], mac[64];

	d = conf.nmacs == 0 ? opendir("/sys/class/net") : NULL;
	while (d != NULL && (e = readdir(d)) != NULL && conf.nmacs < AGENT_MAXMACS) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "lo") == 0)
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/device", e->d_name);
		if (access(p, F_OK) != 0)
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/address", e->d_name);
		FILE *f = fopen(p, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%63s", mac) == 1)
			conf.macs[conf.nmacs++] = strdup(mac);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	if (conf.nmacs == 0) {
		fprintf(stderr, "ingot-agent: no network interfaces to look up by\n");
		return -1;
	}
	return 0;
}

/* --- HTTP ------------------------------------------------------------------ */

struct body {
	char	*p;
	size_t	 n;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *u)
{
	struct body *b = u;
	char *d;

	if (b->n + sz * n > (4u << 20) || (d = realloc(b->p, b->n + sz * n + 1)) == NULL)
		return 0;
	b->p = d;
	memcpy(b->p + b->n, p, sz * n);
	b->n += sz * n;
	b->p[b->n] = '\0';
	return sz * n;
}

static void
http_setup(CURL *c, const char *method, const char *url, struct curl_slist *h,
    struct body *b)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (conf.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (conf.ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, conf.ca_file);
	}
}

/* Returns the HTTP status (0: no answer); *out gets the JSON body if any.
 * versioned: declare the negotiated API version (IPA's inspection posts
 * declare none, which Ironic answers as it answered ironic-inspector). */
static long
http_json_v(const char *method, const char *url, json_t *body, json_t **out,
    bool versioned)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct body b = { NULL, 0 };
	char *txt = NULL, ver[64];
	long code = 0;
	CURLcode rc;

	if (out)
		*out = NULL;
	if (c == NULL)
		return 0;
	pthread_mutex_lock(&cl.mu);
	snprintf(ver, sizeof(ver), "X-OpenStack-Ironic-API-Version: 1.%d", cl.api_minor);
	pthread_mutex_unlock(&cl.mu);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	if (versioned)
		h = curl_slist_append(h, ver);
	http_setup(c, method, url, h, &b);
	if (body != NULL) {
		txt = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, txt);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
	    rc == CURLE_SSL_CACERT_BADFILE)	/* say why, not just "no answer" */
		alog("%s %s: TLS: %s", method, url, curl_easy_strerror(rc));
	if (out != NULL && b.p != NULL)
		*out = json_loads(b.p, 0, NULL);
	free(b.p);
	free(txt);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

static long
http_json(const char *method, const char *url, json_t *body, json_t **out)
{
	return http_json_v(method, url, body, out, true);
}

long
client_post_plain(const char *url, json_t *body, json_t **out)
{
	return http_json_v("POST", url, body, out, false);
}

/* --- the API version ---------------------------------------------------------- */

/* "1.N" into N; -1 if it is not that. */
static int
api_minor_of(const char *v)
{
	int major, minor, n = 0;

	if (v == NULL || sscanf(v, "%d.%d%n", &major, &minor, &n) != 2 ||
	    v[n] != '\0' || major != 1 || minor < 0)
		return -1;
	return minor;
}

/* Asks the server's GET {api}/ for its newest version and declares the
 * lower of it and ours; a server that does not say gets API_FALLBACK. */
static void
negotiate(void)
{
	char url[2048];
	json_t *out = NULL;
	long code;
	int m;
	bool known;

	snprintf(url, sizeof(url), "%s/", conf.api_url);
	code = http_json("GET", url, NULL, &out);
	m = code == 200 ? api_minor_of(jstr(json_object_get(out, "default_version"),
	    "version")) : -1;
	json_decref(out);
	known = m >= 0;
	m = m < 0 ? API_FALLBACK : m < API_NEWEST ? m : API_NEWEST;
	pthread_mutex_lock(&cl.mu);
	cl.api_known = known;
	cl.api_minor = m;
	pthread_mutex_unlock(&cl.mu);
	if (code != 0)
		alog("API version 1.%d%s", m, known ? "" :
		    " (the server's GET / did not say which it speaks)");
}

static bool
api_known(void)
{
	bool k;

	pthread_mutex_lock(&cl.mu);
	k = cl.api_known;
	pthread_mutex_unlock(&cl.mu);
	return k;
}

/* --- lookup ------------------------------------------------------------------ */

/* Keeps what a successful lookup answered. */
static void
looked_up(json_t *node, json_t *lconf)
{
	json_int_t hbt = json_integer_value(json_object_get(lconf, "heartbeat_timeout"));

	pthread_mutex_lock(&cl.mu);
	cl.node = json_incref(node);
	snprintf(cl.token, sizeof(cl.token), "%s",
	    jstr(lconf, "agent_token") ? jstr(lconf, "agent_token") : "");
	if (hbt > 0)
		cl.heartbeat_timeout = (int)hbt;
	pthread_mutex_unlock(&cl.mu);
	alog("looked up: node %s (%s)", jstr(node, "uuid"),
	    jstr(node, "provision_state") ? jstr(node, "provision_state") : "?");
	if (strcmp(cl.token, "******") == 0 || cl.token[0] == '\0')
		alog("the conductor issued no agent token to this lookup: it "
		    "went to an earlier agent; heartbeats will be refused");
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Looks the node up by MAC, retrying every 1-3 s until found or stopped. */
void
client_lookup(void)
{
	char url[2048];
	size_t n;
	double delay = 1;

	n = (size_t)snprintf(url, sizeof(url), "%s/v1/lookup?addresses=", conf.api_url);
	for (int i = 0; i < conf.nmacs && n < sizeof(url); i++)
		n += (size_t)snprintf(url + n, sizeof(url) - n, "%s%s", i ? "," : "",
		    conf.macs[i]);
	while (!agent_quit) {
		json_t *out = NULL;
		long code;

		if (!api_known())
			negotiate();
		code = http_json("GET", url, NULL, &out);
		json_t *node = json_object_get(out, "node");
		if (code == 200 && jstr(node, "uuid") != NULL) {
			looked_up(node, json_object_get(out, "config"));
			json_decref(out);
			return;
		}
		alog("lookup at %s: %s", conf.api_url, code == 0 ? "no answer" :
		    code == 404 ? "no node in a deploy state has these MACs" : "refused");
		json_decref(out);
		sleep_s(delay);
		if (delay < 3)
			delay *= 1.5;
	}
}

/* --- heartbeats ------------------------------------------------------------- */

/* Splits the API URL's host and port (default 80). */
static void
api_host_port(char host[256], char port[16])
{
	const char *p = strstr(conf.api_url, "://");

	snprintf(port, 16, "80");
	host[0] = '\0';
	p = p ? p + 3 : conf.api_url;
	if (*p == '[') {
		sscanf(p + 1, "%255[^]]", host);
		p = strchr(p, ']');
		if (p && p[1] == ':')
			sscanf(p + 2, "%15[0-9]", port);
	} else {
		sscanf(p, "%255[^:/]", host);
		if ((p = strchr(p, ':')) != NULL)
			sscanf(p + 1, "%15[0-9]", port);
	}
}

/* The source address of a route to ai, into out (IPv6 in brackets). */
static void
source_address(const struct addrinfo *ai, char *out, size_t len)
{
	int s = socket(ai->ai_family, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN];

	if (s >= 0 && connect(s, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    getsockname(s, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
			snprintf(out, len, "%s", a);
		} else {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof(a));
			snprintf(out, len, "[%s]", a);
		}
	}
	if (s >= 0)
		close(s);
}

/* The address the conductor reaches us at: the source of our route to it. */
static void
advertise_host(char *out, size_t len)
{
	char host[256], port[16];
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;

	if (conf.advertise_host != NULL) {
		snprintf(out, len, "%s", conf.advertise_host);
		return;
	}
	snprintf(out, len, "127.0.0.1");
	api_host_port(host, port);
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL)
		return;
	source_address(ai, out, len);
	freeaddrinfo(ai);
}

/* The next heartbeat's body; *iv: seconds until the one after. */
static json_t *
heartbeat_body(const char *cb, double *iv)
{
	json_t *body;

	pthread_mutex_lock(&cl.mu);
	body = json_pack("{s:s}", "callback_url", cb);
	if (cl.api_minor >= API_AGENT_TOKEN)
		json_object_set_new(body, "agent_token", json_string(cl.token));
	if (cl.api_minor >= API_AGENT_VERSION)
		json_object_set_new(body, "agent_version", json_string(AGENT_VERSION));
	if (cl.status_message[0] && cl.api_minor >= API_STATUS)
		json_object_set_new(body, "agent_status_message",
		    json_string(cl.status_message));
	*iv = conf.heartbeat_interval > 0 ? conf.heartbeat_interval :
	    cl.heartbeat_timeout * (0.3 + 0.3 * (rand() / (double)RAND_MAX));
	pthread_mutex_unlock(&cl.mu);
	return body;
}

/* Sleeps iv seconds, or until woken or stopped. */
static void
heartbeat_wait(double iv)
{
	struct timespec ts;

	util_deadline_ms(&ts, (long)(iv * 1000));
	pthread_mutex_lock(&cl.mu);
	while (!cl.wake && !cl.stop &&
	    pthread_cond_timedwait(&cl.cv, &cl.mu, &ts) != ETIMEDOUT)
		;
	cl.wake = false;
	pthread_mutex_unlock(&cl.mu);
}

/* One heartbeat; returns the interval to the next. */
static double
heartbeat(const char *url, const char *cb)
{
	double iv;
	json_t *body, *out = NULL;
	long code;

	if (!api_known())
		negotiate();
	body = heartbeat_body(cb, &iv);
	code = http_json("POST", url, body, &out);
	json_decref(body);
	if (code < 200 || code >= 300) {
		char *e = out ? json_dumps(out, JSON_COMPACT) : NULL;
		alog("heartbeat: HTTP %ld %s", code, e ? e : "");
		free(e);
		if (code == 0 && iv > 5)
			iv = 5;
		if (code == 406) {	/* a version the server does not take */
			pthread_mutex_lock(&cl.mu);
			cl.api_known = false;
			pthread_mutex_unlock(&cl.mu);
		}
	}
	json_decref(out);
	return iv;
}

static void *
heartbeat_loop(void *arg)
{
	char host[300], url[2048], cb[400];

	(void)arg;
	advertise_host(host, sizeof(host));
	snprintf(cb, sizeof(cb), "http://%s:%d", host,
	    conf.advertise_port ? conf.advertise_port : conf.listen_port);
	pthread_mutex_lock(&cl.mu);
	snprintf(url, sizeof(url), "%s/v1/heartbeat/%s", conf.api_url, jstr(cl.node, "uuid"));
	pthread_mutex_unlock(&cl.mu);
	alog("heartbeating to %s with callback %s", url, cb);
	while (!cl.stop)
		heartbeat_wait(heartbeat(url, cb));
	return NULL;
}

void
client_start(void)
{
	cl.hb_up = pthread_create(&cl.hb, NULL, heartbeat_loop, NULL) == 0;
}

void
client_stop(void)
{
	pthread_mutex_lock(&cl.mu);
	cl.stop = true;
	pthread_cond_broadcast(&cl.cv);
	pthread_mutex_unlock(&cl.mu);
	if (cl.hb_up)
		pthread_join(cl.hb, NULL);
	cl.hb_up = false;
}

/* Forgets the node (after the server stopped). */
void
client_free(void)
{
	pthread_mutex_lock(&cl.mu);
	json_decref(cl.node);
	cl.node = NULL;
	pthread_mutex_unlock(&cl.mu);
}

void
client_heartbeat_now(void)
{
	pthread_mutex_lock(&cl.mu);
	cl.wake = true;
	pthread_cond_broadcast(&cl.cv);
	pthread_mutex_unlock(&cl.mu);
}

/* The agent_status_message of the next heartbeats ("": none). */
void
client_status(const char *msg)
{
	pthread_mutex_lock(&cl.mu);
	snprintf(cl.status_message, sizeof(cl.status_message), "%s", msg);
	pthread_mutex_unlock(&cl.mu);
}

/* The node of the lookup (a new reference; NULL before it). */
json_t *
client_node(void)
{
	json_t *n;

	pthread_mutex_lock(&cl.mu);
	n = json_incref(cl.node);
	pthread_mutex_unlock(&cl.mu);
	return n;
}

/* Is this the agent token the lookup gave (never a masked or empty one)? */
bool
client_token_ok(const char *t)
{
	bool ok;

	pthread_mutex_lock(&cl.mu);
	ok = t != NULL && cl.token[0] != '\0' && strcmp(cl.token, "******") != 0 &&
	    strlen(t) == strlen(cl.token) && CRYPTO_memcmp(t, cl.token, strlen(t)) == 0;
	pthread_mutex_unlock(&cl.mu);
	return ok;
}
