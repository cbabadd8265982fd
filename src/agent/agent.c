/*
 * ingot-agent: the deploy ramdisk's agent.  It speaks the protocol of
 * ironic-python-agent (IPA), so ingotd can drive stock IPA ramdisks and
 * Ironic's conductor can drive this agent:
 *
 *   - looks its node up: GET {api}/v1/lookup?addresses=MAC,...  -> node,
 *     config, one-time agent token;
 *   - heartbeats: POST {api}/v1/heartbeat/{node} with callback_url,
 *     agent_token, agent_version (and progress while writing);
 *   - serves the command API on its own port:
 *       POST /v1/commands/?wait=true|false&agent_token=T  {"name", "params"}
 *       GET  /v1/commands/        GET /v1/commands/{id}
 *     commands are "extension.command": standby.*, deploy.*, clean.*,
 *     log.*, poll.get_hardware_info.
 *
 * Settings come from flags or, in a ramdisk, from the kernel command line
 * (ipa-api-url=, ipa-advertise-host=, ipa-advertise-port=,
 * ipa-listen-port=, ipa-insecure=1, ipa-ca-file=).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/klog.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <zlib.h>
#include <fcntl.h>
#include <dirent.h>

#include "jsonutil.h"
#include "agent.h"
#include "disk.h"
#include "inventory.h"
#include "imagewrite.h"

#define AGENT_VERSION	"ingot-agent 0.1.0"
#define MAX_BODY	(8u << 20)
#define LOGRING		(256u << 10)
#define INGOT_AGENT_CA	"/etc/ingot/ca.pem"	/* ramdisk/build CA_FILE= */

static struct {
	char	*api_url;
	char	*listen_addr;
	int	 listen_port;
	char	*advertise_host;
	int	 advertise_port;
	char	*disk;			/* test disk file */
	const char *macs[16];
	int	 nmacs;
	bool	 insecure;
	char	*ca_file;		/* CA(s) to verify https URLs with */
	bool	 no_power;		/* never power off / reboot the machine */
	bool	 ramdisk;		/* booted as a deploy ramdisk */
	double	 heartbeat_interval;	/* 0: from the lookup's heartbeat_timeout */
	size_t	 qcow2_buffer_max;
} cfg = { .listen_addr = "0.0.0.0", .listen_port = 9999 };

static struct {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	json_t		*node;		/* from the lookup */
	char		 token[256];
	int		 heartbeat_timeout;
	json_t		*commands;	/* array of command records */
	bool		 busy;
	bool		 wake;		/* heartbeat now */
	char		 status_message[256];
	bool		 stop;
	char		 log[LOGRING];
	size_t		 loglen;
} st = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
    .heartbeat_timeout = 300 };

/* --- logging (stderr and a ring kept for log.collect_system_logs) ------- */

void
alog(const char *fmt, ...)
{
	char line[1024], ts[32];
	va_list ap;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof(line), "%s ingot-agent: ", ts);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_lock(&st.mu);
	size_t l = strlen(line) + 1;
	if (st.loglen + l > LOGRING) {
		size_t drop = st.loglen + l - LOGRING;
		memmove(st.log, st.log + drop, st.loglen - drop);
		st.loglen -= drop;
	}
	memcpy(st.log + st.loglen, line, l - 1);
	st.log[st.loglen + l - 1] = '\n';
	st.loglen += l;
	pthread_mutex_unlock(&st.mu);
}

/* --- HTTP client ---------------------------------------------------------- */

struct buf {
	char	*p;
	size_t	 n;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *u)
{
	struct buf *b = u;
	char *d;

	if (b->n + sz * n > (4u << 20) || (d = realloc(b->p, b->n + sz * n + 1)) == NULL)
		return 0;
	b->p = d;
	memcpy(b->p + b->n, p, sz * n);
	b->n += sz * n;
	b->p[b->n] = '\0';
	return sz * n;
}

/* Returns the HTTP status (0: no answer); *out gets the JSON body if any. */
static long
http_json(const char *method, const char *url, json_t *body, json_t **out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	struct buf b = { NULL, 0 };
	char *txt = NULL;
	long code = 0;

	if (out)
		*out = NULL;
	if (c == NULL)
		return 0;
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "X-OpenStack-Ironic-API-Version: 1.68");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (cfg.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg.ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, cfg.ca_file);
	}
	if (body != NULL) {
		txt = json_dumps(body, JSON_COMPACT);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, txt);
	}
	CURLcode rc = curl_easy_perform(c);
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

/* --- lookup and heartbeats ---------------------------------------------- */

static void
macs_from_sysfs(void)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	char p[512], mac[64];

	while (d != NULL && (e = readdir(d)) != NULL && cfg.nmacs < 16) {
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
			cfg.macs[cfg.nmacs++] = strdup(mac);
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
}

static volatile sig_atomic_t quit;

static void
lookup(void)
{
	char url[2048];
	size_t n;
	double delay = 1;

	n = (size_t)snprintf(url, sizeof(url), "%s/v1/lookup?addresses=", cfg.api_url);
	for (int i = 0; i < cfg.nmacs && n < sizeof(url); i++)
		n += (size_t)snprintf(url + n, sizeof(url) - n, "%s%s", i ? "," : "", cfg.macs[i]);
	while (!quit) {
		json_t *out = NULL;
		long code = http_json("GET", url, NULL, &out);
		json_t *node = json_object_get(out, "node"), *conf = json_object_get(out, "config");
		if (code == 200 && jstr(node, "uuid") != NULL) {
			pthread_mutex_lock(&st.mu);
			st.node = json_incref(node);
			snprintf(st.token, sizeof(st.token), "%s",
			    jstr(conf, "agent_token") ? jstr(conf, "agent_token") : "");
			if (json_integer_value(json_object_get(conf, "heartbeat_timeout")) > 0)
				st.heartbeat_timeout = (int)json_integer_value(
				    json_object_get(conf, "heartbeat_timeout"));
			pthread_mutex_unlock(&st.mu);
			alog("looked up: node %s (%s)", jstr(node, "uuid"),
			    jstr(node, "provision_state") ? jstr(node, "provision_state") : "?");
			if (strcmp(st.token, "******") == 0 || st.token[0] == '\0')
				alog("the conductor issued no agent token to this lookup: it "
				    "went to an earlier agent; heartbeats will be refused");
			json_decref(out);
			return;
		}
		alog("lookup at %s: %s", cfg.api_url, code == 0 ? "no answer" :
		    code == 404 ? "no node in a deploy state has these MACs" : "refused");
		json_decref(out);
		struct timespec ts = { (time_t)delay, (long)((delay - (time_t)delay) * 1e9) };
		nanosleep(&ts, NULL);
		if (delay < 3)
			delay *= 1.5;
	}
}

/* The address the conductor reaches us at: the source of our route to it. */
static void
advertise_host(char *out, size_t len)
{
	char host[256] = "", port[16] = "80";
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	const char *p = strstr(cfg.api_url, "://");

	if (cfg.advertise_host != NULL) {
		snprintf(out, len, "%s", cfg.advertise_host);
		return;
	}
	snprintf(out, len, "127.0.0.1");
	p = p ? p + 3 : cfg.api_url;
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
	if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL)
		return;
	int s = socket(ai->ai_family, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (s >= 0 && connect(s, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    getsockname(s, (struct sockaddr *)&ss, &sl) == 0) {
		char a[INET6_ADDRSTRLEN];
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
	freeaddrinfo(ai);
}

static void *
heartbeat_loop(void *arg)
{
	char host[300], url[2048], cb[400];

	(void)arg;
	advertise_host(host, sizeof(host));
	snprintf(cb, sizeof(cb), "http://%s:%d", host,
	    cfg.advertise_port ? cfg.advertise_port : cfg.listen_port);
	pthread_mutex_lock(&st.mu);
	snprintf(url, sizeof(url), "%s/v1/heartbeat/%s", cfg.api_url, jstr(st.node, "uuid"));
	pthread_mutex_unlock(&st.mu);
	alog("heartbeating to %s with callback %s", url, cb);
	while (!st.stop) {
		pthread_mutex_lock(&st.mu);
		json_t *body = json_pack("{s:s, s:s, s:s}", "callback_url", cb,
		    "agent_token", st.token, "agent_version", AGENT_VERSION);
		if (st.status_message[0])
			json_object_set_new(body, "agent_status_message",
			    json_string(st.status_message));
		double iv = cfg.heartbeat_interval > 0 ? cfg.heartbeat_interval :
		    st.heartbeat_timeout * (0.3 + 0.3 * (rand() / (double)RAND_MAX));
		pthread_mutex_unlock(&st.mu);
		json_t *out = NULL;
		long code = http_json("POST", url, body, &out);
		json_decref(body);
		if (code < 200 || code >= 300) {
			char *e = out ? json_dumps(out, JSON_COMPACT) : NULL;
			alog("heartbeat: HTTP %ld %s", code, e ? e : "");
			free(e);
			if (code == 0 && iv > 5)
				iv = 5;
		}
		json_decref(out);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)iv;
		ts.tv_nsec += (long)((iv - (time_t)iv) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&st.mu);
		while (!st.wake && !st.stop &&
		    pthread_cond_timedwait(&st.cv, &st.mu, &ts) != ETIMEDOUT)
			;
		st.wake = false;
		pthread_mutex_unlock(&st.mu);
	}
	return NULL;
}

static void
heartbeat_now(void)
{
	pthread_mutex_lock(&st.mu);
	st.wake = true;
	pthread_cond_broadcast(&st.cv);
	pthread_mutex_unlock(&st.mu);
}

/* --- commands ------------------------------------------------------------- */

static json_t *
ipa_error(const char *type, int code, const char *message, const char *details)
{
	return json_pack("{s:s, s:i, s:s, s:s}", "type", type, "code", code,
	    "message", message, "details", details ? details : message);
}

static void
set_progress(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	pthread_mutex_lock(&st.mu);
	if (total > 0)
		snprintf(st.status_message, sizeof(st.status_message),
		    "writing image: %llu of %llu MiB (%d%%)",
		    (unsigned long long)(done >> 20), (unsigned long long)(total >> 20),
		    (int)(done * 100 / total));
	else
		snprintf(st.status_message, sizeof(st.status_message),
		    "writing image: %llu MiB", (unsigned long long)(done >> 20));
	pthread_mutex_unlock(&st.mu);
	heartbeat_now();
}

/* The disk chosen by the node's root_device hints. */
static int
root_disk(json_t *node, char *path, size_t plen, char *err, size_t len)
{
	struct disk *d = NULL;
	int n = disk_list(&d, cfg.disk), i;
	json_t *hints = json_object_get(json_object_get(node, "properties"), "root_device");

	if (n <= 0) {
		snprintf(err, len, "no disks found");
		free(d);
		return -1;
	}
	if (cfg.disk != NULL && (hints == NULL || json_object_size(hints) == 0))
		i = 0;		/* the test disk is whatever size the test made it */
	else
		i = disk_root_device(d, n, hints, err, len);
	if (i >= 0)
		snprintf(path, plen, "%s", d[i].name);
	free(d);
	return i >= 0 ? 0 : -1;
}

static bool
destructive_allowed(char *err, size_t len)
{
	if (cfg.disk != NULL || cfg.ramdisk)
		return true;
	snprintf(err, len, "refusing to write disks: not running in a deploy ramdisk "
	    "(no ipa-api-url on the kernel command line) and no --disk given");
	return false;
}

/* Writes image_info onto the root disk; result text or error. */
static json_t *
write_image(json_t *params, json_t **error)
{
	json_t *ii = json_object_get(params, "image_info");
	json_t *urls = json_object_get(ii, "urls");
	char disk[256], err[1024];
	struct iw_opts o = { 0 };
	struct iw_result r;
	json_t *node;

	if (!json_is_object(ii) || !json_is_array(urls) || json_array_size(urls) == 0 ||
	    !json_is_string(json_array_get(urls, 0))) {
		*error = ipa_error("InvalidCommandParamsError", 400,
		    "Invalid command parameters", "image_info with urls is required");
		return NULL;
	}
	if (json_object_get(params, "configdrive") != NULL &&
	    !json_is_null(json_object_get(params, "configdrive"))) {
		*error = ipa_error("InvalidCommandParamsError", 400,
		    "Invalid command parameters", "configdrive is not supported by "
		    "ingot-agent yet");
		return NULL;
	}
	if (!destructive_allowed(err, sizeof(err))) {
		*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
		return NULL;
	}
	pthread_mutex_lock(&st.mu);
	node = json_incref(st.node);
	pthread_mutex_unlock(&st.mu);
	if (json_object_get(params, "node") != NULL) {
		json_decref(node);
		node = json_incref(json_object_get(params, "node"));
	}
	int rc = root_disk(node, disk, sizeof(disk), err, sizeof(err));
	json_decref(node);
	if (rc != 0) {
		*error = ipa_error("DeviceNotFound", 500, "Root device not found", err);
		return NULL;
	}
	o.url = json_string_value(json_array_get(urls, 0));
	o.disk = disk;
	o.hash_algo = jstr(ii, "os_hash_algo");
	o.hash_value = jstr(ii, "os_hash_value");
	if (o.hash_algo == NULL && jstr(ii, "checksum") != NULL) {
		o.hash_algo = "md5";
		o.hash_value = jstr(ii, "checksum");
	}
	o.disk_format = jstr(ii, "disk_format");
	o.insecure = cfg.insecure;
	o.ca_file = cfg.ca_file;
	o.qcow2_buffer_max = cfg.qcow2_buffer_max;
	o.progress = set_progress;
	alog("writing image %s to %s", jstr(ii, "id") ? jstr(ii, "id") : o.url, disk);
	if (iw_write(&o, &r, err, sizeof(err)) != 0) {
		alog("image write failed: %s", err);
		*error = ipa_error("ImageWriteError", 500, "Image write failed", err);
		return NULL;
	}
	double mibs = r.seconds > 0 ? (double)r.bytes_in / r.seconds / 1048576.0 : 0;
	alog("image written: %s, %llu bytes in, %llu bytes on disk, %.2f s (%.1f MiB/s)",
	    r.format, (unsigned long long)r.bytes_in, (unsigned long long)r.image_size,
	    r.seconds, mibs);
	pthread_mutex_lock(&st.mu);
	snprintf(st.status_message, sizeof(st.status_message), "image written in %.1f s",
	    r.seconds);
	pthread_mutex_unlock(&st.mu);
	char msg[512];
	snprintf(msg, sizeof(msg), "image (%s) written to device %s: %s, %llu bytes in "
	    "%.2f s", jstr(ii, "id") ? jstr(ii, "id") : "?", disk, r.format,
	    (unsigned long long)r.image_size, r.seconds);
	return json_pack("{s:s, s:s, s:s, s:I, s:f}", "result", msg, "root_device", disk,
	    "format", r.format, "image_size", (json_int_t)r.image_size, "seconds", r.seconds);
}

static json_t *
erase(const char *step, json_t **error)
{
	struct disk *d = NULL;
	char err[512];
	int n = disk_list(&d, cfg.disk);
	json_t *done = json_array();

	if (!destructive_allowed(err, sizeof(err))) {
		*error = ipa_error("CleaningError", 500, "Clean step failed", err);
		free(d);
		json_decref(done);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		int rc = strcmp(step, "erase_devices") == 0 ? disk_erase(d[i].name, err, sizeof(err)) :
		    disk_wipe_metadata(d[i].name, err, sizeof(err));
		if (rc != 0) {
			char msg[800];
			snprintf(msg, sizeof(msg), "%s on %s: %s", step, d[i].name, err);
			alog("%s", msg);
			*error = ipa_error("BlockDeviceEraseError", 500, "Clean step failed", msg);
			free(d);
			json_decref(done);
			return NULL;
		}
		alog("%s: %s done", step, d[i].name);
		json_array_append_new(done, json_string(d[i].name));
	}
	free(d);
	return done;
}

static json_t *
step_list(const char *kind)
{
	json_t *a = json_array();

	if (strcmp(kind, "deploy") == 0) {
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:{s:{s:s, s:b}}}",
		    "step", "write_image", "priority", 0, "interface", "deploy",
		    "reboot_requested", 0, "argsinfo", "image_info", "description",
		    "the image to write", "required", 1));
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:n}",
		    "step", "erase_devices_metadata", "priority", 0, "interface", "deploy",
		    "reboot_requested", 0, "argsinfo"));
	} else {
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:b, s:n}",
		    "step", "erase_devices", "priority", 10, "interface", "deploy",
		    "reboot_requested", 0, "abortable", 1, "argsinfo"));
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:b, s:b, s:n}",
		    "step", "erase_devices_metadata", "priority", 99, "interface", "deploy",
		    "reboot_requested", 0, "abortable", 1, "argsinfo"));
	}
	return json_pack("{s:{s:o}, s:{s:s}}", strcmp(kind, "deploy") == 0 ?
	    "deploy_steps" : "clean_steps", "GenericHardwareManager", a,
	    "hardware_manager_version", "generic_hardware_manager", "1.2");
}

/* Disk identifier of the root disk: MBR signature or GPT disk GUID. */
static json_t *
partition_uuids(json_t **error)
{
	char disk[256], err[512], id[64] = "";
	uint8_t s[1024];
	json_t *node;
	int fd;

	pthread_mutex_lock(&st.mu);
	node = json_incref(st.node);
	pthread_mutex_unlock(&st.mu);
	int rc = root_disk(node, disk, sizeof(disk), err, sizeof(err));
	json_decref(node);
	if (rc != 0) {
		*error = ipa_error("DeviceNotFound", 500, "Root device not found", err);
		return NULL;
	}
	if ((fd = open(disk, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (pread(fd, s, sizeof(s), 0) == (ssize_t)sizeof(s)) {
			if (memcmp(s + 512, "EFI PART", 8) == 0) {
				const uint8_t *g = s + 512 + 56;
				snprintf(id, sizeof(id), "%02X%02X%02X%02X-%02X%02X-%02X%02X-"
				    "%02X%02X-%02X%02X%02X%02X%02X%02X", g[3], g[2], g[1], g[0],
				    g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
				    g[13], g[14], g[15]);
			} else if (s[510] == 0x55 && s[511] == 0xaa) {
				snprintf(id, sizeof(id), "0x%02x%02x%02x%02x", s[443], s[442],
				    s[441], s[440]);
			}
		}
		close(fd);
	}
	return json_pack("{s:s?, s:n, s:n, s:n, s:s}", "root uuid", id[0] ? id : NULL,
	    "efi system partition uuid", "PrEP Boot partition uuid", "partitions",
	    "root_device", disk);
}

/* A minimal ustar + gzip of the agent's logs, base64-encoded. */
static void
tar_add(struct buf *t, const char *name, const char *data, size_t n)
{
	char h[512] = { 0 };
	unsigned sum = 0;

	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "0000644");
	snprintf(h + 108, 8, "0000000");
	snprintf(h + 116, 8, "0000000");
	snprintf(h + 124, 12, "%011llo", (unsigned long long)n);
	snprintf(h + 136, 12, "%011llo", (unsigned long long)time(NULL));
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	size_t pad = (512 - n % 512) % 512;
	char *p = realloc(t->p, t->n + 512 + n + pad);
	if (p == NULL)
		return;
	t->p = p;
	memcpy(t->p + t->n, h, 512);
	memcpy(t->p + t->n + 512, data, n);
	memset(t->p + t->n + 512 + n, 0, pad);
	t->n += 512 + n + pad;
}

static json_t *
system_logs(void)
{
	struct buf t = { NULL, 0 };
	char cmd[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f != NULL) {
		if (fgets(cmd, sizeof(cmd), f) == NULL)
			cmd[0] = '\0';
		fclose(f);
	}
	pthread_mutex_lock(&st.mu);
	tar_add(&t, "ingot-agent.log", st.log, st.loglen);
	pthread_mutex_unlock(&st.mu);
	tar_add(&t, "cmdline", cmd, strlen(cmd));
	int kn = klogctl(10, NULL, 0);		/* SYSLOG_ACTION_SIZE_BUFFER */
	if (kn > 0) {
		char *k = malloc((size_t)kn);
		if (k != NULL && (kn = klogctl(3, k, kn)) > 0)	/* READ_ALL */
			tar_add(&t, "dmesg", k, (size_t)kn);
		free(k);
	}
	json_t *inv = inventory_json(cfg.disk, cfg.macs, cfg.nmacs);
	char *it = json_dumps(inv, JSON_INDENT(2));
	json_decref(inv);
	if (it != NULL)
		tar_add(&t, "inventory.json", it, strlen(it));
	free(it);
	char *end = realloc(t.p, t.n + 1024);
	if (end == NULL) {
		free(t.p);
		return NULL;
	}
	t.p = end;
	memset(t.p + t.n, 0, 1024);
	t.n += 1024;

	/* gzip it */
	z_stream z = { 0 };
	uLong cap = compressBound((uLong)t.n) + 64;
	unsigned char *gz = malloc(cap);
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)t.p;
	z.avail_in = (uInt)t.n;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t gzn = z.total_out;
	deflateEnd(&z);
	free(t.p);
	char *b64 = malloc(4 * ((gzn + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, gz, (int)gzn);
	free(gz);
	json_t *out = json_pack("{s:s}", "system_logs", b64);
	free(b64);
	return out;
}

static void *
delayed_power(void *arg)
{
	int cmd = (int)(intptr_t)arg;

	sleep(1);
	sync();
	reboot(cmd);
	return NULL;
}

static json_t *
power(bool off, json_t **error)
{
	pthread_t t;

	(void)error;
	sync();
	if (cfg.no_power || !cfg.ramdisk) {
		alog("%s requested: not done (not a ramdisk or --no-power)",
		    off ? "power off" : "reboot");
		return json_string(off ? "powering off skipped" : "reboot skipped");
	}
	alog("%s in 1 s", off ? "powering off" : "rebooting");
	pthread_create(&t, NULL, delayed_power,
	    (void *)(intptr_t)(off ? RB_POWER_OFF : RB_AUTOBOOT));
	pthread_detach(t);
	return json_string(off ? "powering off" : "rebooting");
}

struct cmd {
	const char	*name;		/* extension.command */
	bool		 async;
	json_t		*(*fn)(json_t *params, json_t **error);
};

static json_t *c_prepare(json_t *p, json_t **e) { return write_image(p, e); }
static json_t *c_sync(json_t *p, json_t **e) { (void)p; (void)e; sync(); return json_null(); }
static json_t *c_power_off(json_t *p, json_t **e) { (void)p; return power(true, e); }
static json_t *c_run_image(json_t *p, json_t **e) { (void)p; return power(false, e); }
static json_t *c_uuids(json_t *p, json_t **e) { (void)p; return partition_uuids(e); }
static json_t *c_deploy_steps(json_t *p, json_t **e) { (void)p; (void)e; return step_list("deploy"); }
static json_t *c_clean_steps(json_t *p, json_t **e) { (void)p; (void)e; return step_list("clean"); }
static json_t *c_logs(json_t *p, json_t **e) { (void)p; (void)e; return system_logs(); }

static json_t *
c_hardware(json_t *p, json_t **e)
{
	(void)p; (void)e;
	return json_pack("{s:o}", "inventory", inventory_json(cfg.disk, cfg.macs, cfg.nmacs));
}

static json_t *
run_step(json_t *p, json_t **e, bool deploy)
{
	json_t *step = json_object_get(p, "step");
	const char *name = jstr(step, "step");
	json_t *res;

	if (name == NULL) {
		*e = ipa_error("InvalidCommandParamsError", 400, "Invalid command parameters",
		    "step with a step name is required");
		return NULL;
	}
	if (deploy && strcmp(name, "write_image") == 0) {
		json_t *args = json_object_get(step, "args");
		json_t *wp = json_pack("{s:O?, s:O?, s:O?}", "image_info",
		    json_object_get(args, "image_info"), "configdrive",
		    json_object_get(args, "configdrive"), "node", json_object_get(p, "node"));
		res = write_image(wp, e);
		json_decref(wp);
	} else if (strcmp(name, "erase_devices") == 0 ||
	    strcmp(name, "erase_devices_metadata") == 0) {
		res = erase(name, e);
	} else {
		char msg[300];
		snprintf(msg, sizeof(msg), "unknown %s step %s", deploy ? "deploy" : "clean",
		    name);
		*e = ipa_error(deploy ? "DeployStepError" : "CleaningError", 400,
		    "Unknown step", msg);
		return NULL;
	}
	if (res == NULL)
		return NULL;
	return json_pack("{s:o, s:O}", deploy ? "deploy_result" : "clean_result", res,
	    deploy ? "deploy_step" : "clean_step", step);
}

static json_t *c_deploy_step(json_t *p, json_t **e) { return run_step(p, e, true); }
static json_t *c_clean_step(json_t *p, json_t **e) { return run_step(p, e, false); }

static const struct cmd commands[] = {
	{ "standby.prepare_image", true, c_prepare },
	{ "standby.power_off", true, c_power_off },
	{ "standby.run_image", true, c_run_image },
	{ "standby.sync", false, c_sync },
	{ "standby.get_partition_uuids", false, c_uuids },
	{ "deploy.get_deploy_steps", false, c_deploy_steps },
	{ "deploy.execute_deploy_step", true, c_deploy_step },
	{ "clean.get_clean_steps", false, c_clean_steps },
	{ "clean.execute_clean_step", true, c_clean_step },
	{ "log.collect_system_logs", false, c_logs },
	{ "poll.get_hardware_info", false, c_hardware },
	{ NULL, false, NULL },
};

struct job {
	const struct cmd *cmd;
	json_t		*rec;		/* the command record (shared, under st.mu) */
	json_t		*params;
};

static void
finish(struct job *j, json_t *res, json_t *error)
{
	pthread_mutex_lock(&st.mu);
	json_object_set_new(j->rec, "command_status", json_string(error ? "FAILED" : "SUCCEEDED"));
	json_object_set_new(j->rec, "command_error", error ? error : json_null());
	json_object_set_new(j->rec, "command_result", res ? res : json_null());
	if (j->cmd->async)
		st.busy = false;
	pthread_cond_broadcast(&st.cv);
	pthread_mutex_unlock(&st.mu);
}

static void *
run_async(void *arg)
{
	struct job *j = arg;
	json_t *error = NULL, *res = j->cmd->fn(j->params, &error);

	finish(j, error ? NULL : res, error);
	if (error)
		json_decref(res);
	alog("command %s %s", j->cmd->name, error ? "FAILED" : "SUCCEEDED");
	json_decref(j->params);
	json_decref(j->rec);
	free(j);
	heartbeat_now();	/* tell the conductor straight away */
	return NULL;
}

/* Runs a command; returns the HTTP status and sets *out. */
static int
command(json_t *body, bool wait, json_t **out)
{
	const char *name = jstr(body, "name");
	json_t *params = json_object_get(body, "params");
	const struct cmd *c = NULL;
	char msg[300], uu[37];
	uuid_t u;

	if (name == NULL || strchr(name, '.') == NULL) {
		*out = ipa_error("InvalidContentError", 400, "Invalid request body",
		    "name must be \"extension.command\"");
		return 400;
	}
	if (params != NULL && !json_is_object(params)) {
		*out = ipa_error("InvalidContentError", 400, "Invalid request body",
		    "params must be an object");
		return 400;
	}
	for (int i = 0; commands[i].name != NULL; i++)
		if (strcmp(commands[i].name, name) == 0)
			c = &commands[i];
	if (c == NULL) {
		size_t el = (size_t)(strchr(name, '.') - name);
		bool ext = false;
		for (int i = 0; commands[i].name != NULL; i++)
			ext |= strncmp(commands[i].name, name, el + 1) == 0;
		if (ext)
			snprintf(msg, sizeof(msg), "Command %s is not supported", name);
		else
			snprintf(msg, sizeof(msg), "Extension %.*s not found", (int)el, name);
		*out = ipa_error(ext ? "InvalidCommandError" : "RequestedObjectNotFoundError",
		    ext ? 400 : 404, ext ? "Invalid command" : "Extension not found", msg);
		return ext ? 400 : 404;
	}
	uuid_generate(u);
	uuid_unparse_lower(u, uu);
	json_t *rec = json_pack("{s:s, s:s, s:o, s:s, s:n, s:n}", "id", uu,
	    "command_name", strchr(name, '.') + 1, "command_params",
	    params ? json_incref(params) : json_object(), "command_status", "RUNNING",
	    "command_error", "command_result");

	struct job *j = calloc(1, sizeof(*j));
	j->cmd = c;
	j->rec = json_incref(rec);
	j->params = params ? json_incref(params) : json_object();
	pthread_mutex_lock(&st.mu);
	if (c->async && st.busy) {
		pthread_mutex_unlock(&st.mu);
		json_decref(j->rec);
		json_decref(j->params);
		free(j);
		json_decref(rec);
		*out = ipa_error("AgentIsBusy", 409, "Agent is busy",
		    "another command is still running");
		return 409;
	}
	if (c->async) {
		st.busy = true;
		st.status_message[0] = '\0';
	}
	json_array_append(st.commands, rec);
	pthread_mutex_unlock(&st.mu);
	alog("command %s received", name);

	if (!c->async) {
		json_t *error = NULL, *res = c->fn(j->params, &error);
		finish(j, error ? NULL : res, error);
		if (error)
			json_decref(res);
		json_decref(j->params);
		json_decref(j->rec);
		free(j);
	} else {
		pthread_t t;
		if (pthread_create(&t, NULL, run_async, j) != 0) {
			finish(j, NULL, ipa_error("CommandExecutionError", 500,
			    "Command failed", "cannot start a thread"));
			json_decref(j->params);
			json_decref(j->rec);
			free(j);
		} else {
			pthread_detach(t);
			if (wait) {
				pthread_mutex_lock(&st.mu);
				while (strcmp(jstr(rec, "command_status"), "RUNNING") == 0)
					pthread_cond_wait(&st.cv, &st.mu);
				pthread_mutex_unlock(&st.mu);
			}
		}
	}
	pthread_mutex_lock(&st.mu);
	*out = json_deep_copy(rec);
	pthread_mutex_unlock(&st.mu);
	json_decref(rec);
	return 200;
}

/* --- the command API server ---------------------------------------------- */

struct conn {
	char	*body;
	size_t	 len;
	bool	 too_big;
};

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

static bool
token_ok(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "agent_token");
	bool ok;

	if (t == NULL)
		t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Agent-Token");
	pthread_mutex_lock(&st.mu);
	ok = t != NULL && st.token[0] != '\0' && strcmp(st.token, "******") != 0 &&
	    strlen(t) == strlen(st.token) && CRYPTO_memcmp(t, st.token, strlen(t)) == 0;
	pthread_mutex_unlock(&st.mu);
	return ok;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **ctx)
{
	struct conn *cn = *ctx;

	(void)cls; (void)version;
	if (cn == NULL) {
		*ctx = calloc(1, sizeof(struct conn));
		return *ctx ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		if (cn->len + *upload_size > MAX_BODY) {
			cn->too_big = true;
		} else {
			char *b = realloc(cn->body, cn->len + *upload_size + 1);
			if (b != NULL) {
				cn->body = b;
				memcpy(cn->body + cn->len, upload, *upload_size);
				cn->len += *upload_size;
				cn->body[cn->len] = '\0';
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/") == 0 && strcmp(method, "GET") == 0)
		return reply(c, 200, json_pack("{s:s, s:s, s:[{s:s}]}", "name", "ingot-agent",
		    "description", "Ironic Python Agent compatible deploy agent",
		    "versions", "id", "v1"));
	if (strcmp(url, "/v1/status") == 0 || strcmp(url, "/v1/status/") == 0)
		return reply(c, 200, json_pack("{s:s}", "version", AGENT_VERSION));
	if (strncmp(url, "/v1/commands", 12) != 0)
		return reply(c, 404, ipa_error("NotFound", 404, "Not found", url));
	if (!token_ok(c))
		return reply(c, 401, ipa_error("UnauthorizedError", 401, "Unauthorized",
		    "a valid agent_token is required"));
	const char *rest = url + 12;
	if (*rest == '/')
		rest++;
	if (strcmp(method, "POST") == 0 && *rest == '\0') {
		const char *w = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wait");
		json_error_t je;
		json_t *body, *out = NULL;
		if (cn->too_big)
			return reply(c, 413, ipa_error("InvalidContentError", 413,
			    "Request body too large", "the body exceeds 8 MiB"));
		body = cn->body ? json_loads(cn->body, 0, &je) : NULL;
		if (!json_is_object(body)) {
			json_decref(body);
			return reply(c, 400, ipa_error("InvalidContentError", 400,
			    "Invalid request body", "the body must be a JSON object"));
		}
		int status = command(body, w != NULL && (strcmp(w, "true") == 0 ||
		    strcmp(w, "1") == 0), &out);
		json_decref(body);
		return reply(c, status, out);
	}
	if (strcmp(method, "GET") == 0 && *rest == '\0') {
		pthread_mutex_lock(&st.mu);
		json_t *all = json_pack("{s:O}", "commands", st.commands);
		json_t *copy = json_deep_copy(all);
		pthread_mutex_unlock(&st.mu);
		json_decref(all);
		return reply(c, 200, copy);
	}
	if (strcmp(method, "GET") == 0) {
		size_t i;
		json_t *r, *found = NULL;
		pthread_mutex_lock(&st.mu);
		json_array_foreach(st.commands, i, r)
			if (strncmp(jstr(r, "id"), rest, 36) == 0 && strlen(rest) <= 37)
				found = json_deep_copy(r);
		pthread_mutex_unlock(&st.mu);
		if (found == NULL)
			return reply(c, 404, ipa_error("RequestedObjectNotFoundError", 404,
			    "Command not found", rest));
		return reply(c, 200, found);
	}
	return reply(c, 405, ipa_error("InvalidContentError", 405, "Method not allowed",
	    method));
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

/* --- settings ------------------------------------------------------------- */

static void
from_cmdline(void)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char line[4096], *save = NULL;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (strncmp(t, "ipa-api-url=", 12) == 0 && cfg.api_url == NULL) {
			cfg.api_url = strdup(t + 12);
			cfg.ramdisk = true;
		} else if (strncmp(t, "ipa-advertise-host=", 19) == 0 && !cfg.advertise_host)
			cfg.advertise_host = strdup(t + 19);
		else if (strncmp(t, "ipa-advertise-port=", 19) == 0 && !cfg.advertise_port)
			cfg.advertise_port = atoi(t + 19);
		else if (strncmp(t, "ipa-listen-port=", 16) == 0)
			cfg.listen_port = atoi(t + 16);
		else if (strcmp(t, "ipa-insecure=1") == 0)
			cfg.insecure = true;
		else if (strncmp(t, "ipa-ca-file=", 12) == 0 && cfg.ca_file == NULL)
			cfg.ca_file = strdup(t + 12);
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: ingot-agent [--api-url URL] [--listen ADDR:PORT] "
	    "[--advertise-host H] [--advertise-port P] [--mac MAC]... [--disk FILE] "
	    "[--heartbeat-interval S] [--insecure | --ca-file PEM] [--no-power]\n"
	    "       ingot-agent write-image URL DISK [ALGO:HEX] [FORMAT]\n"
	    "       ingot-agent root-device HINTS-JSON\n");
}

static void
on_signal(int s)
{
	(void)s;
	quit = 1;
}

/* ingot-agent write-image: one image write, for tests and benchmarks. */
static int
cli_write(int argc, char **argv)
{
	struct iw_opts o = { 0 };
	struct iw_result r;
	char err[1024], algo[16] = "";

	if (argc < 4) {
		usage(stderr);
		return 2;
	}
	o.url = argv[2];
	o.disk = argv[3];
	if (argc > 4 && argv[4][0]) {
		const char *c = strchr(argv[4], ':');
		if (c == NULL || c - argv[4] >= (long)sizeof(algo)) {
			fprintf(stderr, "ingot-agent: checksum must be ALGO:HEX\n");
			return 2;
		}
		snprintf(algo, sizeof(algo), "%.*s", (int)(c - argv[4]), argv[4]);
		o.hash_algo = algo;
		o.hash_value = c + 1;
	}
	if (argc > 5 && argv[5][0])
		o.disk_format = argv[5];
	o.qcow2_buffer_max = cfg.qcow2_buffer_max;
	o.insecure = cfg.insecure;
	o.ca_file = cfg.ca_file;
	if (iw_write(&o, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ingot-agent: %s\n", err);
		return 1;
	}
	printf("{\"format\": \"%s\", \"bytes_in\": %llu, \"image_size\": %llu, "
	    "\"bytes_written\": %llu, \"seconds\": %.3f, \"hash\": \"%s\"}\n", r.format,
	    (unsigned long long)r.bytes_in, (unsigned long long)r.image_size,
	    (unsigned long long)r.bytes_written, r.seconds, r.hash);
	return 0;
}

/* ingot-agent root-device HINTS: which disk the hints choose here. */
static int
cli_root(int argc, char **argv)
{
	struct disk *d = NULL;
	json_t *h = argc > 2 ? json_loads(argv[2], JSON_DECODE_ANY, NULL) : NULL;
	char err[512];
	int n = disk_list(&d, cfg.disk), i;

	i = disk_root_device(d, n, h, err, sizeof(err));
	json_decref(h);
	if (i < 0) {
		fprintf(stderr, "ingot-agent: %s\n", err);
		free(d);
		return 1;
	}
	printf("%s\n", d[i].name);
	free(d);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-url", required_argument, NULL, 'a' },
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise-host", required_argument, NULL, 'H' },
		{ "advertise-port", required_argument, NULL, 'P' },
		{ "mac", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "heartbeat-interval", required_argument, NULL, 'i' },
		{ "qcow2-buffer-mib", required_argument, NULL, 'q' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "no-power", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct MHD_Daemon *d;
	pthread_t hb;
	int ch;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': cfg.api_url = optarg; break;
		case 'l': {
			char *c = strrchr(optarg, ':');
			if (c == NULL) {
				fprintf(stderr, "ingot-agent: --listen takes ADDR:PORT\n");
				return 2;
			}
			*c = '\0';
			cfg.listen_addr = optarg;
			cfg.listen_port = atoi(c + 1);
			break;
		}
		case 'H': cfg.advertise_host = optarg; break;
		case 'P': cfg.advertise_port = atoi(optarg); break;
		case 'm':
			if (cfg.nmacs < 16)
				cfg.macs[cfg.nmacs++] = optarg;
			break;
		case 'd': cfg.disk = optarg; break;
		case 'i': cfg.heartbeat_interval = atof(optarg); break;
		case 'q': cfg.qcow2_buffer_max = (size_t)atol(optarg) << 20; break;
		case 'k': cfg.insecure = true; break;
		case 'c': cfg.ca_file = optarg; break;
		case 'n': cfg.no_power = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc && strcmp(argv[optind], "write-image") == 0)
		return cli_write(argc - optind + 1, argv + optind - 1);
	if (optind < argc && strcmp(argv[optind], "root-device") == 0)
		return cli_root(argc - optind + 1, argv + optind - 1);
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	from_cmdline();
	if (cfg.api_url == NULL) {
		fprintf(stderr, "ingot-agent: no API URL (--api-url or ipa-api-url= on the "
		    "kernel command line)\n");
		return 2;
	}
	/* A ramdisk built with CA_FILE= carries ingotd's CA here. */
	if (cfg.ca_file == NULL && access(INGOT_AGENT_CA, R_OK) == 0)
		cfg.ca_file = INGOT_AGENT_CA;
	if (cfg.ca_file != NULL && !cfg.insecure && access(cfg.ca_file, R_OK) != 0) {
		fprintf(stderr, "ingot-agent: cannot read CA file %s: %s\n", cfg.ca_file,
		    strerror(errno));
		return 2;
	}
	size_t ul = strlen(cfg.api_url);
	while (ul > 0 && cfg.api_url[ul - 1] == '/')
		cfg.api_url[--ul] = '\0';
	if (cfg.listen_port <= 0 || cfg.listen_port > 65535) {
		fprintf(stderr, "ingot-agent: invalid listen port\n");
		return 2;
	}
	if (cfg.nmacs == 0)
		macs_from_sysfs();
	if (cfg.nmacs == 0) {
		fprintf(stderr, "ingot-agent: no network interfaces to look up by\n");
		return 2;
	}
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	st.commands = json_array();

	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
	    .sin6_port = htons((uint16_t)cfg.listen_port) };
	struct sockaddr_in sa4 = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)cfg.listen_port) };
	const struct sockaddr *sa = (const struct sockaddr *)&sa4;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	if (inet_pton(AF_INET, cfg.listen_addr, &sa4.sin_addr) != 1) {
		if (inet_pton(AF_INET6, cfg.listen_addr, &sa6.sin6_addr) != 1) {
			fprintf(stderr, "ingot-agent: invalid listen address %s\n",
			    cfg.listen_addr);
			return 2;
		}
		sa = (const struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	}
	d = MHD_start_daemon(flags, (uint16_t)cfg.listen_port, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "ingot-agent: cannot listen on %s:%d: %s\n", cfg.listen_addr,
		    cfg.listen_port, strerror(errno));
		return 1;
	}
	alog("%s listening on %s:%d, API %s", AGENT_VERSION, cfg.listen_addr,
	    cfg.listen_port, cfg.api_url);
	lookup();
	if (!quit)
		pthread_create(&hb, NULL, heartbeat_loop, NULL);
	while (!quit)
		pause();
	alog("stopping");
	pthread_mutex_lock(&st.mu);
	st.stop = true;
	pthread_cond_broadcast(&st.cv);
	pthread_mutex_unlock(&st.mu);
	if (st.node != NULL)
		pthread_join(hb, NULL);
	MHD_stop_daemon(d);
	pthread_mutex_lock(&st.mu);
	json_decref(st.commands);
	json_decref(st.node);
	pthread_mutex_unlock(&st.mu);
	curl_global_cleanup();
	return 0;
}
