#include "images.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"
#include "log.h"
#include "util.h"

#define MAX_DIRS	16
#define MAX_HOSTS	32
#define MAX_HOPS	5
#define STALL_BYTES	1024L	/* per second, below which a download stalls */

enum job_state { J_QUEUED, J_RUNNING, J_READY, J_FAILED };

struct job {
	char		 node[40];
	char		 id[33];	/* served as /images/{id}: random */
	char		*src;
	char		 algo[16];
	char		 value[160];
	char		 fmt[32];
	bool		 file_ok;
	enum job_state	 st;
	bool		 orphan;	/* released while running */
	_Atomic bool	 cancel;
	char		 err[512];
	struct job	*next;
};

/* The module's state: its settings, and the download jobs and their threads. */
static struct {
	struct images_conf	 ic;
	char			 cache_dir[512];
	char			 dirs[MAX_DIRS][PATH_MAX];	/* file_url_allowed_paths */
	int			 ndirs;
	char			 hosts[MAX_HOSTS][256];	/* the host allow-list */
	int			 nhosts;
	pthread_mutex_t		 jmtx;
	pthread_cond_t		 jcv;
	struct job		*jobs;		/* one per node with a deploy */
	bool			 stopping;
	pthread_t		*threads;
	int			 nthreads;
	void			(*on_done)(const char *);
} img = {
	.jmtx = PTHREAD_MUTEX_INITIALIZER,
	.jcv = PTHREAD_COND_INITIALIZER,
};

/* --- configuration ------------------------------------------------------ */

static void
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		memmove(s, s + 1, strlen(s));
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

static int
parse_dirs(const char *list, char *err, size_t len)
{
	char buf[4096], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		trim(t);
		if (*t == '\0')
			continue;
		if (*t != '/' || img.ndirs == MAX_DIRS) {
			snprintf(err, len, "[deploy] file_url_allowed_paths: '%s' is not an "
			    "absolute directory (or more than %d are listed)", t, MAX_DIRS);
			return -1;
		}
		/* The real path: a symlinked directory is allowed as what it is. */
		if (realpath(t, img.dirs[img.ndirs]) == NULL) {
			log_warn("[deploy] file_url_allowed_paths: %s: %s (ignored)", t,
			    strerror(errno));
			continue;
		}
		if (strcmp(img.dirs[img.ndirs], "/") == 0) {
			snprintf(err, len, "[deploy] file_url_allowed_paths: / would allow "
			    "every file");
			return -1;
		}
		img.ndirs++;
	}
	return 0;
}

static void
parse_hosts(const char *list)
{
	char buf[4096], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (char *t = strtok_r(buf, ",", &save); t != NULL && img.nhosts < MAX_HOSTS;
	    t = strtok_r(NULL, ",", &save)) {
		trim(t);
		if (*t != '\0')
			snprintf(img.hosts[img.nhosts++], sizeof(img.hosts[0]), "%s", t);
	}
}

static bool
is_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 32 && (s[n] == '\0' || strcmp(s + n, ".part") == 0);
}

/* Files a previous run left: not served any more, so deleted. */
static void
clear_cache(void)
{
	DIR *d = opendir(img.cache_dir);
	struct dirent *e;
	char p[PATH_MAX + 600];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!is_id(e->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s", img.cache_dir, e->d_name);
		unlink(p);
	}
	closedir(d);
}

static void *download_main(void *arg);

int
images_init(const struct images_conf *c, char *err, size_t len)
{
	img.ic = *c;
	img.ndirs = img.nhosts = 0;
	snprintf(img.cache_dir, sizeof(img.cache_dir), "%s", c->cache_dir);
	if (mkdir(img.cache_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, len, "cannot create image cache %s: %s", img.cache_dir,
		    strerror(errno));
		return -1;
	}
	if (parse_dirs(c->file_allowed, err, len) != 0)
		return -1;
	parse_hosts(c->allowed_hosts);
	img.ic.file_allowed = img.ic.allowed_hosts = NULL;
	if (img.ic.timeout <= 0)
		img.ic.timeout = 3600;
	if (img.ic.stall_timeout <= 0)
		img.ic.stall_timeout = 60;
	if (img.ic.max_size <= 0)
		img.ic.max_size = 20480LL << 20;
	if (img.ic.workers <= 0)
		img.ic.workers = 4;
	clear_cache();
	img.stopping = false;
	img.nthreads = img.ic.workers;
	img.threads = util_calloc((size_t)img.nthreads, sizeof(*img.threads));
	for (int i = 0; i < img.nthreads; i++)
		pthread_create(&img.threads[i], NULL, download_main, NULL);
	return 0;
}

/* --- checks ------------------------------------------------------------- */

bool
images_file_allowed(const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (path == NULL || *path != '/' || realpath(path, real) == NULL ||
	    stat(real, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	for (int i = 0; i < img.ndirs; i++) {
		size_t n = strlen(img.dirs[i]);
		if (strncmp(real, img.dirs[i], n) == 0 && real[n] == '/')
			return true;
	}
	return false;
}

static bool
has_scheme(const char *s, const char *scheme)
{
	return strncasecmp(s, scheme, strlen(scheme)) == 0;
}

/* An http(s) URL to an allowed host (its scheme and host as curl reads them). */
static int
check_url(const char *url, char *err, size_t len)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0)) {
		ok = img.nhosts == 0;
		for (int i = 0; i < img.nhosts && !ok; i++) {
			const char *h = img.hosts[i];
			size_t hl = strlen(host);
			/* [::1] in URLs, ::1 in the list */
			if (host[0] == '[' && hl > 2 && strlen(h) == hl - 2 &&
			    strncasecmp(host + 1, h, hl - 2) == 0)
				ok = true;
			else if (strcasecmp(host, h) == 0)
				ok = true;
		}
		if (!ok)
			snprintf(err, len, "image host %s is not in [deploy] "
			    "image_allowed_hosts", host);
	} else {
		snprintf(err, len, "image_source must be an http:// or https:// URL "
		    "(or file:// from a directory the operator allows)");
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

int
images_check_source(const char *src, bool project_scoped, char *err, size_t len)
{
	if (src == NULL)
		return 0;
	if (has_scheme(src, "file:")) {
		if (project_scoped) {
			snprintf(err, len, "file:// image sources may only be set by the "
			    "system scope");
			return -1;
		}
		if (img.ndirs == 0) {
			snprintf(err, len, "file:// image sources are disabled "
			    "([deploy] file_url_allowed_paths is empty)");
			return -1;
		}
		if (!has_scheme(src, "file://") || !images_file_allowed(src + 7)) {
			snprintf(err, len, "image_source %.300s is not a file in [deploy] "
			    "file_url_allowed_paths", src);
			return -1;
		}
		return 0;
	}
	return check_url(src, err, len);
}

/* --- the expected checksum ---------------------------------------------- */

static bool
hex_of_len(const char *v, size_t n)
{
	return strlen(v) == n && strspn(v, "0123456789abcdefABCDEF") == n;
}

/* image_os_hash_algo/value, else image_checksum ([algo:]hex, md5 by length). */
int
images_expected_hash(json_t *ii, char *algo, size_t alen, char *value, size_t vlen,
    char *err, size_t len)
{
	const char *a = json_string_value(json_object_get(ii, "image_os_hash_algo"));
	const char *v = json_string_value(json_object_get(ii, "image_os_hash_value"));
	const char *c = json_string_value(json_object_get(ii, "image_checksum"));
	char ab[16] = "", vb[160] = "";
	size_t want;

	if (a != NULL && v != NULL) {
		snprintf(ab, sizeof(ab), "%s", a);
		snprintf(vb, sizeof(vb), "%s", v);
	} else if (c != NULL) {
		const char *colon = strchr(c, ':');
		if (colon != NULL) {
			snprintf(ab, sizeof(ab), "%.*s", (int)(colon - c), c);
			snprintf(vb, sizeof(vb), "%s", colon + 1);
		} else {
			snprintf(ab, sizeof(ab), "%s", strlen(c) == 64 ? "sha256" :
			    strlen(c) == 128 ? "sha512" : "md5");
			snprintf(vb, sizeof(vb), "%s", c);
		}
	} else {
		snprintf(err, len, "instance_info needs image_os_hash_algo and "
		    "image_os_hash_value, or image_checksum");
		return -1;
	}
	want = strcasecmp(ab, "md5") == 0 ? 32 : strcasecmp(ab, "sha256") == 0 ? 64 :
	    strcasecmp(ab, "sha512") == 0 ? 128 : 0;
	if (want == 0 || !hex_of_len(vb, want)) {
		snprintf(err, len, "the image checksum must be md5, sha256 or sha512 "
		    "in hex");
		return -1;
	}
	for (char *p = ab; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	for (char *p = vb; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	snprintf(algo, alen, "%s", ab);
	snprintf(value, vlen, "%s", vb);
	return 0;
}

int
images_hash_file(const char *path, const char *algo, char *hex, size_t len)
{
	const EVP_MD *md = EVP_get_digestbyname(algo);
	unsigned char buf[1 << 16], out[EVP_MAX_MD_SIZE];
	unsigned int outlen = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd;

	if (md == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, md, NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	EVP_DigestFinal_ex(ctx, out, &outlen);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (n < 0 || len < outlen * 2 + 1)
		return -1;
	for (unsigned int i = 0; i < outlen; i++)
		snprintf(hex + i * 2, 3, "%02x", out[i]);
	return 0;
}

/* --- one download: into {id}.part, hashed as it is written ---------------- */

struct sink {
	struct job	*job;
	int		 fd;
	EVP_MD_CTX	*md;
	long long	 bytes;
	bool		 too_big, write_failed;
};

static int
sink_reset(struct sink *s)
{
	s->bytes = 0;
	EVP_DigestInit_ex(s->md, EVP_get_digestbyname(s->job->algo), NULL);
	return ftruncate(s->fd, 0) == 0 && lseek(s->fd, 0, SEEK_SET) == 0 ? 0 : -1;
}

static int
sink_put(struct sink *s, const void *p, size_t n)
{
	const char *c = p;
	size_t done = 0;

	if (s->bytes + (long long)n > img.ic.max_size) {
		s->too_big = true;
		return -1;
	}
	while (done < n) {
		ssize_t w = write(s->fd, c + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->write_failed = true;
			return -1;
		}
		done += (size_t)w;
	}
	EVP_DigestUpdate(s->md, p, n);
	s->bytes += (long long)n;
	return 0;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (s->job->cancel)
		return 0;
	return sink_put(s, p, size * n) == 0 ? size * n : 0;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct sink *s = arg;

	(void)dt; (void)dn; (void)ut; (void)un;
	return s->job->cancel ? 1 : 0;
}

/* A curl handle for one GET of url into the sink, at most left seconds. */
static CURL *
new_request(struct sink *s, const char *url, long left, char *ebuf)
{
	CURL *c;

	httpc_init();
	c = curl_easy_init();

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, left);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)img.ic.stall_timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)img.ic.max_size);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	return c;
}

/* One GET of url; on a redirect (*moved) url becomes its target. */
static CURLcode
get_once(struct sink *s, char *url, size_t ulen, long left, long *code,
    bool *moved, char *ebuf)
{
	CURL *c;
	CURLcode rc;
	char *loc = NULL;

	*code = 0;
	ebuf[0] = '\0';
	c = new_request(s, url, left, ebuf);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	*moved = rc == CURLE_OK && *code >= 300 && *code < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK &&
	    loc != NULL;
	if (*moved)
		snprintf(url, ulen, "%s", loc);
	curl_easy_cleanup(c);
	return rc;
}

/* Why the transfer failed (cancel, size, cache, time, curl), or 0. */
static int
transfer_error(const struct sink *s, CURLcode rc, const char *ebuf,
    time_t deadline, char *err, size_t len)
{
	if (s->job->cancel) {
		snprintf(err, len, "image download cancelled");
		return -1;
	}
	if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(err, len, "the image is larger than [deploy] image_max_size "
		    "(%lld MiB)", img.ic.max_size >> 20);
		return -1;
	}
	if (s->write_failed) {
		snprintf(err, len, "cannot write the image to the cache: %s",
		    strerror(errno));
		return -1;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT && time(NULL) < deadline) {
		snprintf(err, len, "image download stalled (less than %ld bytes/s "
		    "for [deploy] image_download_stall_timeout, %d s)", STALL_BYTES,
		    img.ic.stall_timeout);
		return -1;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, len, "image download took longer than [deploy] "
		    "image_download_timeout (%d s)", img.ic.timeout);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, len, "cannot download the image: %s",
		    ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* The HTTP answer: 1 for a redirect to follow, 0 for the image, -1 with err. */
static int
check_status(long code, bool moved, char *err, size_t len)
{
	if (moved) {
		if (!img.ic.follow_redirects) {
			snprintf(err, len, "the image server answered with a redirect "
			    "(HTTP %ld), and [deploy] image_follow_redirects is off", code);
			return -1;
		}
		return 1;
	}
	if (code < 200 || code >= 300) {
		snprintf(err, len, "cannot download the image: HTTP %ld", code);
		return -1;
	}
	return 0;
}

/* Downloads first into the sink, following up to MAX_HOPS redirects, each
 * to an allowed host, all within [deploy] image_download_timeout. */
static int
fetch_http(struct sink *s, const char *first, char *err, size_t len)
{
	char url[2048], ebuf[CURL_ERROR_SIZE];
	time_t deadline = time(NULL) + img.ic.timeout;

	snprintf(url, sizeof(url), "%s", first);
	for (int hop = 0; hop <= MAX_HOPS; hop++) {
		long code, left = (long)(deadline - time(NULL));
		CURLcode rc;
		bool moved;
		int st;

		if (check_url(url, err, len) != 0)
			return -1;
		if (left <= 0 || sink_reset(s) != 0) {
			snprintf(err, len, "image download took longer than [deploy] "
			    "image_download_timeout (%d s)", img.ic.timeout);
			return -1;
		}
		rc = get_once(s, url, sizeof(url), left, &code, &moved, ebuf);
		if (transfer_error(s, rc, ebuf, deadline, err, len) != 0)
			return -1;
		if ((st = check_status(code, moved, err, len)) <= 0)
			return st;
	}
	snprintf(err, len, "the image server redirected more than %d times", MAX_HOPS);
	return -1;
}

/* A local image: copied (hashed on the way) so that what is served is
 * exactly what was verified. */
static int
fetch_file(struct sink *s, const char *path, char *err, size_t len)
{
	char real[PATH_MAX], buf[1 << 16];
	time_t deadline = time(NULL) + img.ic.timeout;
	struct stat st;
	ssize_t n;
	int fd;

	if (!s->job->file_ok || !images_file_allowed(path) ||
	    realpath(path, real) == NULL) {
		snprintf(err, len, "image_source is not a file in [deploy] "
		    "file_url_allowed_paths");
		return -1;
	}
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		snprintf(err, len, "cannot read the image");
		return -1;
	}
	if (sink_reset(s) != 0) {
		close(fd);
		snprintf(err, len, "cannot write the image to the cache");
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (s->job->cancel || time(NULL) > deadline) {
			close(fd);
			snprintf(err, len, s->job->cancel ? "image copy cancelled" :
			    "image copy took longer than [deploy] image_download_timeout");
			return -1;
		}
		if (sink_put(s, buf, (size_t)n) != 0)
			break;
	}
	close(fd);
	if (s->too_big) {
		snprintf(err, len, "the image is larger than [deploy] image_max_size "
		    "(%lld MiB)", img.ic.max_size >> 20);
		return -1;
	}
	if (n != 0) {
		snprintf(err, len, "cannot copy the image into the cache");
		return -1;
	}
	return 0;
}

static void
job_paths(const struct job *j, char *final, char *part, size_t len)
{
	snprintf(final, len, "%s/%s", img.cache_dir, j->id);
	snprintf(part, len, "%s/%s.part", img.cache_dir, j->id);
}

/* Fetches and verifies; the image appears under its id only once verified. */
static int
run_job(struct job *j, char *err, size_t len)
{
	char final[700], part[700], got[EVP_MAX_MD_SIZE * 2 + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct sink s = { .job = j };
	int rc;

	job_paths(j, final, part, sizeof(final));
	s.fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s.fd < 0) {
		snprintf(err, len, "cannot write the image to the cache: %s",
		    strerror(errno));
		return -1;
	}
	s.md = EVP_MD_CTX_new();
	rc = has_scheme(j->src, "file://") ? fetch_file(&s, j->src + 7, err, len) :
	    fetch_http(&s, j->src, err, len);
	if (rc == 0 && fsync(s.fd) != 0) {
		snprintf(err, len, "cannot write the image to the cache: %s",
		    strerror(errno));
		rc = -1;
	}
	close(s.fd);
	if (rc == 0) {
		EVP_DigestFinal_ex(s.md, md, &mdlen);
		for (unsigned int i = 0; i < mdlen; i++)
			snprintf(got + i * 2, 3, "%02x", md[i]);
		/* Neither digest in the message: it would tell the caller the
		 * checksum of whatever the source held. */
		if (strcmp(got, j->value) != 0) {
			snprintf(err, len, "image checksum mismatch (%s)", j->algo);
			rc = -1;
		}
	}
	EVP_MD_CTX_free(s.md);
	if (rc == 0 && rename(part, final) != 0) {
		snprintf(err, len, "cannot store the image: %s", strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		unlink(part);
		return -1;
	}
	log_info("image for node %s verified (%s, %lld bytes)", j->node, j->algo,
	    s.bytes);
	return 0;
}

static void
job_free(struct job *j, bool files)
{
	char final[700], part[700];

	if (files) {
		job_paths(j, final, part, sizeof(final));
		unlink(final);
		unlink(part);
	}
	free(j->src);
	free(j);
}

static void *
download_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&img.jmtx);
	while (!img.stopping) {
		struct job *j;
		char err[512] = "";
		int rc;

		for (j = img.jobs; j != NULL && j->st != J_QUEUED; j = j->next)
			;
		if (j == NULL) {
			pthread_cond_wait(&img.jcv, &img.jmtx);
			continue;
		}
		j->st = J_RUNNING;
		pthread_mutex_unlock(&img.jmtx);
		log_set_node(j->node);
		rc = run_job(j, err, sizeof(err));
		if (rc != 0)
			log_error("image for node %s: %s", j->node, err);
		log_set_node(NULL);
		pthread_mutex_lock(&img.jmtx);
		if (j->orphan) {
			job_free(j, true);
			continue;
		}
		j->st = rc == 0 ? J_READY : J_FAILED;
		snprintf(j->err, sizeof(j->err), "%s", err);
		if (img.on_done != NULL) {
			char id[sizeof(j->node)];

			snprintf(id, sizeof(id), "%s", j->node);
			pthread_mutex_unlock(&img.jmtx);
			img.on_done(id);	/* the job may be gone meanwhile */
			pthread_mutex_lock(&img.jmtx);
		}
	}
	pthread_mutex_unlock(&img.jmtx);
	return NULL;
}

void
images_on_done(void (*fn)(const char *))
{
	img.on_done = fn;
}

/* --- the conductor's side --------------------------------------------- */

static struct job **
find(const char *node)
{
	struct job **pp;

	for (pp = &img.jobs; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->node, node) == 0)
			break;
	return pp;
}

/* Takes the job off the table (lock held); a running one is cancelled and
 * freed by its download thread. */
static void
detach(struct job **pp)
{
	struct job *j = *pp;

	*pp = j->next;
	j->next = NULL;
	if (j->st == J_RUNNING) {
		j->cancel = true;
		j->orphan = true;
	} else {
		job_free(j, true);
	}
}

static void
random_id(char id[33])
{
	if (!util_random_hex(id, 16))
		fatalx("no randomness for an image id");
}

static json_t *
image_info(const struct job *j, const char *base)
{
	char url[500];

	snprintf(url, sizeof(url), "%s/images/%s", base, j->id);
	return json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:b, s:s?}", "id", j->id,
	    "urls", url, "os_hash_algo", j->algo, "os_hash_value", j->value,
	    "disk_format", j->fmt, "container_format", "bare",
	    "stream_raw_images", 1, "checksum",
	    strcmp(j->algo, "md5") == 0 ? j->value : NULL);
}

enum images_state
images_request(const char *node, json_t *ii, bool file_ok, const char *base,
    json_t **info, char *err, size_t len)
{
	const char *src = json_string_value(json_object_get(ii, "image_source"));
	const char *fmt = json_string_value(json_object_get(ii, "image_disk_format"));
	char algo[16], value[160];
	enum images_state rc = IMAGES_PENDING;
	struct job **pp, *j;

	*info = NULL;
	if (src == NULL) {
		snprintf(err, len, "instance_info.image_source is missing");
		return IMAGES_FAILED;
	}
	if (images_expected_hash(ii, algo, sizeof(algo), value, sizeof(value), err, len) != 0)
		return IMAGES_FAILED;
	pthread_mutex_lock(&img.jmtx);
	pp = find(node);
	j = *pp;
	/* instance_info changed while the node waited: start afresh. */
	if (j != NULL && (strcmp(j->src, src) != 0 || strcmp(j->algo, algo) != 0 ||
	    strcmp(j->value, value) != 0 || j->file_ok != file_ok ||
	    strcmp(j->fmt, fmt ? fmt : "raw") != 0)) {
		detach(pp);
		j = NULL;
	}
	if (j != NULL) {
		struct job copy = { 0 };
		if (j->st == J_READY) {
			copy = *j;	/* the fields image_info reads */
			copy.src = NULL;
			rc = IMAGES_READY;
		} else if (j->st == J_FAILED) {
			snprintf(err, len, "%s", j->err);
			rc = IMAGES_FAILED;
		}
		pthread_mutex_unlock(&img.jmtx);
		if (rc == IMAGES_READY)
			*info = image_info(&copy, base);
		return rc;
	}
	pthread_mutex_unlock(&img.jmtx);
	if (images_check_source(src, !file_ok, err, len) != 0)
		return IMAGES_FAILED;
	j = util_calloc(1, sizeof(*j));
	snprintf(j->node, sizeof(j->node), "%s", node);
	random_id(j->id);
	j->src = util_strdup(src);
	snprintf(j->algo, sizeof(j->algo), "%s", algo);
	snprintf(j->value, sizeof(j->value), "%s", value);
	snprintf(j->fmt, sizeof(j->fmt), "%s", fmt ? fmt : "raw");
	j->file_ok = file_ok;
	pthread_mutex_lock(&img.jmtx);
	pp = find(node);
	if (*pp != NULL)
		detach(pp);
	j->next = img.jobs;
	img.jobs = j;
	pthread_cond_signal(&img.jcv);
	pthread_mutex_unlock(&img.jmtx);
	log_info("image download queued");
	return IMAGES_PENDING;
}

void
images_release(const char *node)
{
	struct job **pp;

	pthread_mutex_lock(&img.jmtx);
	pp = find(node);
	if (*pp != NULL)
		detach(pp);
	pthread_mutex_unlock(&img.jmtx);
}

int
images_path(const char *id, char *path, size_t len)
{
	struct job *j;
	int rc = -1;

	if (id == NULL || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
		return -1;
	pthread_mutex_lock(&img.jmtx);
	for (j = img.jobs; j != NULL; j = j->next)
		if (j->st == J_READY && strcmp(j->id, id) == 0) {
			snprintf(path, len, "%s/%s", img.cache_dir, j->id);
			rc = 0;
		}
	pthread_mutex_unlock(&img.jmtx);
	return rc;
}

void
images_shutdown(void)
{
	pthread_mutex_lock(&img.jmtx);
	img.stopping = true;
	for (struct job *j = img.jobs; j != NULL; j = j->next)
		j->cancel = true;
	pthread_cond_broadcast(&img.jcv);
	pthread_mutex_unlock(&img.jmtx);
	for (int i = 0; i < img.nthreads; i++)
		pthread_join(img.threads[i], NULL);
	free(img.threads);
	img.threads = NULL;
	img.nthreads = 0;
	while (img.jobs != NULL)
		detach(&img.jobs);
}
