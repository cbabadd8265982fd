/*
 * One pass from the URL to the disk: curl (or read(2) for file://) fills a
 * ring of large buffers; a hash thread digests them while a consumer thread
 * decompresses them when gzip or zstd, converts them when qcow2 and writes
 * them (big raw chunks straight from the ring, the rest through a
 * write-combining buffer with its own writer thread).  Reading, hashing,
 * decoding and writing overlap.  Any failure wipes the disk's partition
 * tables.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "disk.h"
#include "diskout.h"
#include "imagewrite.h"
#include "qcow2.h"
#include "ring.h"

#define WBUF		(4u << 20)

/* --- the pipeline ------------------------------------------------------ */

enum comp { C_DETECT, C_NONE, C_GZIP, C_ZSTD };
enum fmt { F_DETECT, F_RAW, F_QCOW2 };

struct iw {
	const struct iw_opts *o;
	struct diskout	 out;
	struct ring	 ring;
	EVP_MD_CTX	*md;		/* NULL: no digest asked for */
	enum comp	 comp;
	enum fmt	 fmt;
	uint8_t		 head[8];	/* first bytes, to detect compression */
	size_t		 headlen;
	uint8_t		 fhead[8];	/* first plain bytes, to detect the format */
	size_t		 fheadlen;
	z_stream	 z;
	bool		 z_init;
	bool		 z_end;		/* the last gzip member / zstd frame ended */
	ZSTD_DStream	*zs;
	uint8_t		*dbuf;		/* decompression output */
	struct q2	*q;
	uint64_t	 raw_off;
	uint64_t	 bytes_in, total;
	double		 last_progress;
	char		 err[512];	/* the consumer's, until the ring ends */
	bool		 failed;
	char		 rerr[512];	/* the reader's */
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
fail(struct iw *w, const char *fmt, const char *a)
{
	if (!w->failed) {
		snprintf(w->err, sizeof(w->err), fmt, a);
		w->failed = true;
	}
	return -1;
}

static int
plain_format(struct iw *w, const uint8_t *p, size_t n)
{
	const char *want = w->o->disk_format;
	bool q = n >= 4 && memcmp(p, "QFI\xfb", 4) == 0;

	if (want != NULL && strcasecmp(want, "qcow2") == 0 && !q)
		return fail(w, "the image is not qcow2 as its disk_format says", NULL);
	if (want != NULL && strcasecmp(want, "raw") == 0 && q)
		return fail(w, "the image is qcow2 but its disk_format says raw", NULL);
	if (want != NULL && strcasecmp(want, "raw") != 0 && strcasecmp(want, "qcow2") != 0)
		return fail(w, "disk_format %s is not supported (raw, qcow2)", want);
	w->fmt = q ? F_QCOW2 : F_RAW;
	if (q) {
		struct sink s = diskout_sink(&w->out);
		if ((w->q = q2_new(&s, w->o->qcow2_buffer_max)) == NULL)
			return fail(w, "out of memory", NULL);
	}
	return 0;
}

static int
plain(struct iw *w, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (w->fmt == F_DETECT) {
		/* Hold back the first bytes until the format is known. */
		if (w->fheadlen < 4) {
			size_t take = 4 - w->fheadlen < n ? 4 - w->fheadlen : n;
			memcpy(w->fhead + w->fheadlen, p, take);
			w->fheadlen += take;
			p += take;
			n -= take;
			if (w->fheadlen < 4)
				return 0;
		}
		if (plain_format(w, w->fhead, w->fheadlen) != 0)
			return -1;
		if (plain(w, w->fhead, w->fheadlen) != 0)
			return -1;
		if (n == 0)
			return 0;
	}
	if (w->fmt == F_QCOW2) {
		if (q2_feed(w->q, p, n, w->err, sizeof(w->err)) != 0) {
			w->failed = true;
			return -1;
		}
		return 0;
	}
	if (diskout_write(&w->out, w->raw_off, p, n, w->err, sizeof(w->err)) != 0) {
		w->failed = true;
		return -1;
	}
	w->raw_off += n;
	return 0;
}

static int
gunzip(struct iw *w, const uint8_t *p, size_t n)
{
	w->z.next_in = (Bytef *)(uintptr_t)p;
	w->z.avail_in = (uInt)n;
	do {
		w->z.next_out = w->dbuf;
		w->z.avail_out = WBUF;
		int zr = inflate(&w->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members continue the stream */
			w->z_end = true;
			if (plain(w, w->dbuf, WBUF - w->z.avail_out) != 0)
				return -1;
			if (w->z.avail_in == 0)
				return 0;
			inflateReset(&w->z);
			continue;
		}
		w->z_end = false;
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && w->z.avail_in == 0))
			return fail(w, "the gzip stream is corrupt%s", "");
		if (plain(w, w->dbuf, WBUF - w->z.avail_out) != 0)
			return -1;
	} while (w->z.avail_in > 0 || w->z.avail_out == 0);
	return 0;
}

static int
unzstd(struct iw *w, const uint8_t *p, size_t n)
{
	ZSTD_inBuffer in = { p, n, 0 };

	while (in.pos < in.size) {
		ZSTD_outBuffer out = { w->dbuf, WBUF, 0 };
		size_t zr = ZSTD_decompressStream(w->zs, &out, &in);
		if (ZSTD_isError(zr))
			return fail(w, "the zstd stream is corrupt: %s", ZSTD_getErrorName(zr));
		w->z_end = zr == 0;
		if (plain(w, w->dbuf, out.pos) != 0)
			return -1;
	}
	for (;;) {	/* drain what the decoder still holds */
		ZSTD_outBuffer out = { w->dbuf, WBUF, 0 };
		ZSTD_inBuffer none = { NULL, 0, 0 };
		size_t zr = ZSTD_decompressStream(w->zs, &out, &none);
		if (ZSTD_isError(zr))
			return fail(w, "the zstd stream is corrupt: %s", ZSTD_getErrorName(zr));
		if (out.pos == 0)
			break;
		if (plain(w, w->dbuf, out.pos) != 0)
			return -1;
	}
	return 0;
}

static int
decompressed(struct iw *w, const uint8_t *p, size_t n)
{
	if (w->comp == C_NONE)
		return plain(w, p, n);
	if (w->comp == C_GZIP)
		return gunzip(w, p, n);
	return unzstd(w, p, n);
}

static int
setup_comp(struct iw *w)
{
	const uint8_t *h = w->head;

	if (w->headlen >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		w->comp = C_GZIP;
		if (inflateInit2(&w->z, 16 + MAX_WBITS) != Z_OK)
			return fail(w, "zlib init failed%s", "");
		w->z_init = true;
	} else if (w->headlen >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f &&
	    h[3] == 0xfd) {
		w->comp = C_ZSTD;
		if ((w->zs = ZSTD_createDStream()) == NULL)
			return fail(w, "zstd init failed%s", "");
		ZSTD_initDStream(w->zs);
	} else {
		w->comp = C_NONE;
		return 0;
	}
	if ((w->dbuf = diskout_alloc(WBUF)) == NULL)
		return fail(w, "out of memory%s", "");
	return 0;
}

/* The consumer thread: every byte read, in order. */
static int
consume(void *arg, const uint8_t *p, size_t n)
{
	struct iw *w = arg;

	if (w->comp == C_DETECT) {
		size_t take = 4 - w->headlen < n ? 4 - w->headlen : n;
		memcpy(w->head + w->headlen, p, take);
		w->headlen += take;
		p += take;
		n -= take;
		if (w->headlen < 4)
			return 0;
		if (setup_comp(w) != 0 || decompressed(w, w->head, w->headlen) != 0)
			return -1;
	}
	if (n > 0 && decompressed(w, p, n) != 0)
		return -1;
	return 0;
}

/* The reader thread: n more bytes are in the ring. */
static void
read_progress(struct iw *w, size_t n)
{
	w->bytes_in += n;
	if (w->o->progress != NULL) {
		double t = now_s();
		if (t - w->last_progress >= 1.0) {
			w->last_progress = t;
			w->o->progress(w->o->progress_arg, w->bytes_in, w->total);
		}
	}
}

static size_t
on_data(char *p, size_t sz, size_t n, void *arg)
{
	struct iw *w = arg;

	if (ring_put(&w->ring, (const uint8_t *)p, sz * n) != 0)
		return 0;
	read_progress(w, sz * n);
	return sz * n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ul, curl_off_t un)
{
	struct iw *w = arg;

	(void)dlnow; (void)ul; (void)un;
	if (dltotal > 0)
		w->total = (uint64_t)dltotal;
	return 0;
}

static int
finish_stream(struct iw *w)
{
	if (w->comp == C_DETECT) {
		/* fewer than 4 bytes in all */
		if (setup_comp(w) != 0 || decompressed(w, w->head, w->headlen) != 0)
			return -1;
	}
	if ((w->comp == C_GZIP || w->comp == C_ZSTD) && !w->z_end)
		return fail(w, "the compressed image is truncated%s", "");
	if (w->fmt == F_DETECT && w->fheadlen > 0) {
		if (plain_format(w, w->fhead, w->fheadlen) != 0)
			return -1;
		if (w->fmt == F_RAW) {
			if (diskout_write(&w->out, 0, w->fhead, w->fheadlen, w->err,
			    sizeof(w->err)) != 0)
				return -1;
			w->raw_off = w->fheadlen;
		} else {
			return fail(w, "truncated qcow2 image%s", "");
		}
	}
	if (w->fmt == F_QCOW2 && q2_finish(w->q, w->err, sizeof(w->err)) != 0) {
		w->failed = true;
		return -1;
	}
	if (w->fmt == F_DETECT)
		return fail(w, "the image is empty%s", "");
	return 0;
}

/* file:///a%20b -> /a b */
static void
file_path(const char *path, char *p, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; path[i] != '\0' && j + 1 < len; i++) {
		unsigned int c;
		if (path[i] == '%' && sscanf(path + i + 1, "%2x", &c) == 1 &&
		    isxdigit((unsigned char)path[i + 1]) && isxdigit((unsigned char)path[i + 2])) {
			p[j++] = (char)c;
			i += 2;
		} else {
			p[j++] = path[i];
		}
	}
	p[j] = '\0';
}

static int
read_file(struct iw *w, const char *path)
{
	char p[4096];
	int fd;
	struct stat st;
	uint8_t *buf;

	file_path(path, p, sizeof(p));
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		snprintf(w->rerr, sizeof(w->rerr), "cannot read image %.300s: %s", p,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	w->total = (uint64_t)st.st_size;
	/* Whole slots straight from read(2): no copy before the disk write. */
	while ((buf = ring_slot(&w->ring)) != NULL) {
		ssize_t r = read(fd, buf, RING_SLOT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(w->rerr, sizeof(w->rerr), "image read failed after %llu "
			    "bytes: %s", (unsigned long long)w->bytes_in, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		ring_commit(&w->ring, (size_t)r);
		read_progress(w, (size_t)r);
	}
	close(fd);
	return w->rerr[0] ? -1 : 0;
}

static CURLcode
download(struct iw *w)
{
	const struct iw_opts *o = w->o;
	CURL *c = curl_easy_init();
	CURLcode cr;

	if (c == NULL)
		return CURLE_OUT_OF_MEMORY;
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, w);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 4L << 20);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (o->ca_file != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	}
	cr = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return cr;
}

static const EVP_MD *
digest(const char *algo)
{
	if (algo == NULL)
		return NULL;
	if (strcasecmp(algo, "sha256") == 0)
		return EVP_sha256();
	if (strcasecmp(algo, "sha512") == 0)
		return EVP_sha512();
	if (strcasecmp(algo, "md5") == 0)
		return EVP_md5();
	return NULL;
}

static int
check_opts(const struct iw_opts *o, const EVP_MD *md, char *err, size_t len)
{
	if (o->hash_algo != NULL && md == NULL) {
		snprintf(err, len, "image hash algorithm %s is not supported (sha256, "
		    "sha512, md5)", o->hash_algo);
		return -1;
	}
	if (o->hash_algo != NULL && (o->hash_value == NULL ||
	    strlen(o->hash_value) != (size_t)EVP_MD_size(md) * 2)) {
		snprintf(err, len, "image hash value is missing or not a %s digest",
		    o->hash_algo);
		return -1;
	}
	if (o->url == NULL || (strncmp(o->url, "http://", 7) != 0 &&
	    strncmp(o->url, "https://", 8) != 0 && strncmp(o->url, "file://", 7) != 0)) {
		snprintf(err, len, "image URL must be http://, https:// or file://");
		return -1;
	}
	return 0;
}

/* Runs the reader on this thread until the image is read or refused. */
static int
pump_read(struct iw *w)
{
	CURLcode cr;

	if (strncmp(w->o->url, "file://", 7) == 0)
		return read_file(w, w->o->url + 7);
	if ((cr = download(w)) != CURLE_OK) {
		snprintf(w->rerr, sizeof(w->rerr), "image download failed after %llu "
		    "bytes: %s", (unsigned long long)w->bytes_in, curl_easy_strerror(cr));
		return -1;
	}
	return 0;
}

/* The hex digest of everything read. */
static void
digest_hex(EVP_MD_CTX *md, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	EVP_DigestFinal_ex(md, d, &dl);
	for (unsigned int i = 0; i < dl; i++)
		snprintf(out + i * 2, 3, "%02x", d[i]);
}

/* Reads the image onto the open output, checks its digest, closes the output. */
static int
pump(struct iw *w, const EVP_MD *md, struct iw_result *r)
{
	const struct iw_opts *o = w->o;
	int rrc;

	if (md != NULL && ((w->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(w->md, md, NULL) != 1)) {
		snprintf(w->err, sizeof(w->err), "cannot start hashing");
		return -1;
	}
	if (ring_start(&w->ring, w->md, consume, w) != 0) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		return -1;
	}
	rrc = pump_read(w);
	/* The consumer's error first: it is why the reader stopped. */
	if (ring_end(&w->ring) != 0 || w->failed)
		return -1;
	if (rrc != 0) {
		snprintf(w->err, sizeof(w->err), "%s", w->rerr);
		return -1;
	}
	if (finish_stream(w) != 0)
		return -1;
	if (w->md != NULL) {
		digest_hex(w->md, r->hash);
		if (strcasecmp(r->hash, o->hash_value) != 0) {
			/* Not the digest of what was read: the error reaches the
			 * node's last_error, which tenants read. */
			snprintf(w->err, sizeof(w->err), "image checksum mismatch (%s)",
			    o->hash_algo);
			return -1;
		}
	}
	return diskout_close(&w->out, true, w->err, sizeof(w->err));
}

/* What was done, into r; frees the pipeline. */
static void
pump_end(struct iw *w, struct iw_result *r, double t0)
{
	r->bytes_in = w->bytes_in;
	r->bytes_written = w->out.written;
	r->image_size = w->fmt == F_QCOW2 ? q2_virtual_size(w->q) : w->raw_off;
	snprintf(r->format, sizeof(r->format), "%s%s", w->fmt == F_QCOW2 ? "qcow2" : "raw",
	    w->comp == C_GZIP ? "+gzip" : w->comp == C_ZSTD ? "+zstd" : "");
	r->seconds = now_s() - t0;
	ring_end(&w->ring);
	EVP_MD_CTX_free(w->md);
	if (w->z_init)
		inflateEnd(&w->z);
	if (w->zs != NULL)
		ZSTD_freeDStream(w->zs);
	free(w->dbuf);
	q2_free(w->q);
}

int
iw_write(const struct iw_opts *o, struct iw_result *r, char *err, size_t len)
{
	struct iw w = { .o = o };
	const EVP_MD *md = digest(o->hash_algo);
	double t0 = now_s();
	int rc;
	char werr[256];

	memset(r, 0, sizeof(*r));
	if (check_opts(o, md, err, len) != 0)
		return -1;
	if ((o->size != 0 ? diskout_open_at(&w.out, o->disk, o->offset, o->size, err, len) :
	    diskout_open(&w.out, o->disk, err, len)) != 0)
		return -1;
	if (o->direct_io)
		(void)diskout_direct(&w.out, o->disk);
	w.last_progress = t0;
	rc = pump(&w, md, r);
	pump_end(&w, r, t0);
	if (rc != 0) {
		snprintf(err, len, "%s", w.err[0] ? w.err : "image write failed");
		diskout_close(&w.out, false, werr, sizeof(werr));
		if (disk_wipe_metadata(o->disk, werr, sizeof(werr)) != 0)
			snprintf(err + strlen(err), len - strlen(err),
			    "; wiping the disk also failed: %s", werr);
	}
	return rc == 0 ? 0 : -1;
}
