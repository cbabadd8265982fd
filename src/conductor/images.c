#include "boot_ipxe.h"
#include "images.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static char cache_dir[512];
static pthread_mutex_t verify_mtx = PTHREAD_MUTEX_INITIALIZER;

struct verified {
	char	id[65];
	char	algo[16];
	char	value[160];
	off_t	size;
	time_t	mtime;
};
static struct verified seen[64];
static int nseen;

int
images_init(const char *dir, char *err, size_t len)
{
	snprintf(cache_dir, sizeof(cache_dir), "%s", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, len, "cannot create image cache %s: %s", dir, strerror(errno));
		return -1;
	}
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

static void
id_of(const char *source, char id[65])
{
	unsigned char out[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(source, strlen(source), out, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 16; i++)
		snprintf(id + i * 2, 3, "%02x", out[i]);
}

static int
download(const char *url, const char *dest, char *err, size_t len)
{
	char tmp[700];
	CURL *c;
	FILE *fp;
	CURLcode rc;
	long code = 0;

	snprintf(tmp, sizeof(tmp), "%s.part", dest);
	if ((fp = fopen(tmp, "wb")) == NULL) {
		snprintf(err, len, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, fp);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (fclose(fp) != 0 || rc != CURLE_OK || code >= 400) {
		unlink(tmp);
		snprintf(err, len, "cannot download image %s: %s", url,
		    rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP error");
		return -1;
	}
	if (rename(tmp, dest) != 0) {
		snprintf(err, len, "cannot store image: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The expected hash: image_os_hash_algo/value, else image_checksum (md5). */
static int
expected_hash(json_t *ii, char *algo, size_t alen, char *value, size_t vlen)
{
	const char *a = json_string_value(json_object_get(ii, "image_os_hash_algo"));
	const char *v = json_string_value(json_object_get(ii, "image_os_hash_value"));
	const char *c = json_string_value(json_object_get(ii, "image_checksum"));

	if (a != NULL && v != NULL) {
		snprintf(algo, alen, "%s", a);
		snprintf(value, vlen, "%s", v);
		return 0;
	}
	if (c != NULL) {
		const char *colon = strchr(c, ':');
		if (colon != NULL) {
			snprintf(algo, alen, "%.*s", (int)(colon - c), c);
			snprintf(value, vlen, "%s", colon + 1);
		} else {
			snprintf(algo, alen, "%s", strlen(c) == 64 ? "sha256" :
			    strlen(c) == 128 ? "sha512" : "md5");
			snprintf(value, vlen, "%s", c);
		}
		return 0;
	}
	return -1;
}

static bool
already_verified(const char *id, const char *algo, const char *value, struct stat *st)
{
	bool ok = false;

	pthread_mutex_lock(&verify_mtx);
	for (int i = 0; i < nseen; i++)
		if (strcmp(seen[i].id, id) == 0 && strcmp(seen[i].algo, algo) == 0 &&
		    strcmp(seen[i].value, value) == 0 && seen[i].size == st->st_size &&
		    seen[i].mtime == st->st_mtime)
			ok = true;
	pthread_mutex_unlock(&verify_mtx);
	return ok;
}

static void
remember(const char *id, const char *algo, const char *value, struct stat *st)
{
	pthread_mutex_lock(&verify_mtx);
	int slot = nseen < 64 ? nseen++ : (int)(st->st_mtime % 64);
	snprintf(seen[slot].id, sizeof(seen[slot].id), "%s", id);
	snprintf(seen[slot].algo, sizeof(seen[slot].algo), "%s", algo);
	snprintf(seen[slot].value, sizeof(seen[slot].value), "%s", value);
	seen[slot].size = st->st_size;
	seen[slot].mtime = st->st_mtime;
	pthread_mutex_unlock(&verify_mtx);
}

json_t *
images_prepare(const char *node_uuid, json_t *ii, char *err, size_t len)
{
	const char *src = json_string_value(json_object_get(ii, "image_source"));
	const char *fmt = json_string_value(json_object_get(ii, "image_disk_format"));
	char id[65], path[600], algo[16], value[160], got[160], url[700];
	struct stat st;

	(void)node_uuid;
	if (src == NULL) {
		snprintf(err, len, "instance_info.image_source is missing");
		return NULL;
	}
	if (expected_hash(ii, algo, sizeof(algo), value, sizeof(value)) != 0) {
		snprintf(err, len, "instance_info needs image_os_hash_algo and "
		    "image_os_hash_value, or image_checksum");
		return NULL;
	}
	id_of(src, id);
	snprintf(path, sizeof(path), "%s/%s", cache_dir, id);
	if (strncmp(src, "file://", 7) == 0) {
		unlink(path);
		if (symlink(src + 7, path) != 0) {
			snprintf(err, len, "cannot cache image %s: %s", src, strerror(errno));
			return NULL;
		}
	} else if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0) {
		if (stat(path, &st) != 0 && download(src, path, err, len) != 0)
			return NULL;
	} else {
		snprintf(err, len, "image_source %s: only file:// and http(s):// are "
		    "supported", src);
		return NULL;
	}
	if (stat(path, &st) != 0) {
		snprintf(err, len, "image %s is not readable", src);
		return NULL;
	}
	if (!already_verified(id, algo, value, &st)) {
		if (images_hash_file(path, algo, got, sizeof(got)) != 0) {
			snprintf(err, len, "cannot checksum image %s with %s", src, algo);
			return NULL;
		}
		if (strcasecmp(got, value) != 0) {
			if (strncmp(src, "file://", 7) != 0)
				unlink(path);
			snprintf(err, len, "image %s: %s checksum mismatch (expected %s, "
			    "got %s)", src, algo, value, got);
			return NULL;
		}
		remember(id, algo, value, &st);
		log_info("image %s verified (%s, %lld bytes)", src, algo,
		    (long long)st.st_size);
	}
	char base[400];
	boot_ipxe_base_url(base, sizeof(base));
	snprintf(url, sizeof(url), "%s/images/%s", base, id);
	return json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s, s:b, s:s?}", "id", id,
	    "urls", url, "os_hash_algo", algo, "os_hash_value", value,
	    "disk_format", fmt ? fmt : "raw", "container_format", "bare",
	    "stream_raw_images", 1, "checksum",
	    strcmp(algo, "md5") == 0 ? value : NULL);
}

int
images_path(const char *id, char *path, size_t len)
{
	size_t n = strlen(id);

	if (n != 32)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", id[i]))
			return -1;
	snprintf(path, len, "%s/%s", cache_dir, id);
	return access(path, R_OK) == 0 ? 0 : -1;
}
