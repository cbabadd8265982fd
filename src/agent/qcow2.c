/*
 * qcow2 to raw, converted while the image streams in, without seeking.
 *
 * The file is consumed one host cluster at a time.  Cluster 0 is the
 * header; the L1 table says where the L2 tables are; each L2 table maps
 * guest clusters to host clusters (plain, compressed or zero).  A data
 * cluster whose L2 table has been read is written at its guest offset
 * straight away.  While some L2 table is still ahead in the stream, a
 * cluster that is not yet known is kept in memory (bounded) and looked at
 * again after each new table; images written by qemu put each L2 table
 * before its data, so in practice only a few metadata clusters wait.
 * Zero and unallocated guest clusters are never written: the ranges that
 * no data cluster covered are zeroed (hole punch, BLKZEROOUT) at the end.
 *
 * Refused: backing files, encryption, external data files, extended L2
 * entries, unknown incompatible features.
 */
#include <endian.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "qcow2.h"

#define QCOW_MAGIC		0x514649fbu
#define L1E_OFFSET_MASK		0x00fffffffffffe00ULL
#define L2E_OFFSET_MASK		0x00fffffffffffe00ULL
#define L2E_COMPRESSED		(1ULL << 62)
#define L2E_ZERO		1ULL

enum { TAG_DATA = 0, TAG_COMP = 1, TAG_L2 = 2, TAG_SEEN_L2 = 3 };

struct hent {
	uint64_t	key;		/* (host cluster << 2 | tag) + 1; 0 = empty */
	uint64_t	val;
};

struct crange {
	uint64_t	start, end;	/* host bytes [start, end) */
	uint64_t	guest;		/* guest cluster index */
	uint8_t		*buf;
	size_t		have;
	bool		done;
};

struct bcl {
	uint64_t	host;
	uint8_t		*data;
	size_t		len;
};

struct q2 {
	struct sink	 out;		/* where guest clusters go */
	bool		 header_done;
	uint32_t	 cbits;
	uint64_t	 cs;
	uint64_t	 vsize;
	uint64_t	 l1_off;
	uint32_t	 l1_size;
	int		 ctype;		/* 0 zlib, 1 zstd */
	uint8_t		*l1raw;
	size_t		 l1_have;
	bool		 l1_done;
	size_t		 l2_pending;
	uint8_t		*cl;		/* current cluster being filled */
	size_t		 cl_len;
	uint64_t	 pos;		/* host offset of cl[0] */
	struct hent	*map;
	size_t		 map_cap, map_n;
	struct crange	*cr;
	size_t		 ncr, cr_cap;
	struct bcl	*bufd;
	size_t		 nbuf, buf_cap, buf_bytes, buf_max;
	uint8_t		*written;	/* bitmap of guest clusters written */
	uint64_t	 nguest;
	uint64_t	 data_mapped, data_seen;
	uint8_t		*zbuf;		/* one decompressed cluster */
};

/* --- a multimap host cluster -> value (open addressing) ---------------- */

static uint64_t
hash64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int
map_put(struct q2 *q, uint64_t hc, int tag, uint64_t val)
{
	if ((q->map_n + 1) * 2 > q->map_cap) {
		size_t ncap = q->map_cap ? q->map_cap * 2 : 1024;
		struct hent *n = calloc(ncap, sizeof(*n));
		if (n == NULL)
			return -1;
		for (size_t i = 0; i < q->map_cap; i++) {
			if (q->map[i].key == 0)
				continue;
			size_t j = hash64(q->map[i].key) & (ncap - 1);
			while (n[j].key != 0)
				j = (j + 1) & (ncap - 1);
			n[j] = q->map[i];
		}
		free(q->map);
		q->map = n;
		q->map_cap = ncap;
	}
	uint64_t key = ((hc << 2) | (uint64_t)tag) + 1;
	size_t j = hash64(key) & (q->map_cap - 1);
	while (q->map[j].key != 0)
		j = (j + 1) & (q->map_cap - 1);
	q->map[j].key = key;
	q->map[j].val = val;
	q->map_n++;
	return 0;
}

/* Calls fn for each value stored under (hc, tag); returns how many. */
static size_t
map_each(struct q2 *q, uint64_t hc, int tag, int (*fn)(struct q2 *, uint64_t, void *),
    void *arg, int *rc)
{
	uint64_t key = ((hc << 2) | (uint64_t)tag) + 1;
	size_t n = 0;

	if (q->map_cap == 0)
		return 0;
	for (size_t j = hash64(key) & (q->map_cap - 1); q->map[j].key != 0;
	    j = (j + 1) & (q->map_cap - 1)) {
		if (q->map[j].key != key)
			continue;
		n++;
		if (fn != NULL && *rc == 0)
			*rc = fn(q, q->map[j].val, arg);
	}
	return n;
}

/* --- header ------------------------------------------------------------ */

static uint32_t
be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return be64toh(v);
}

/* Version 3: the incompatible features and the header length. */
static int
header_v3(const uint8_t *h, size_t n, uint64_t cs, uint64_t *incompat,
    uint32_t *hdr_len, char *err, size_t len)
{
	if (n < 104) {
		snprintf(err, len, "truncated qcow2 header");
		return -1;
	}
	*incompat = be64(h + 72);
	*hdr_len = be32(h + 100);
	if (*hdr_len < 104 || *hdr_len > cs || *hdr_len > n) {
		snprintf(err, len, "qcow2 header length %u is invalid", *hdr_len);
		return -1;
	}
	return 0;
}

/* Refuses what the reader cannot do; sets the compression type. */
static int
header_features(struct q2 *q, const uint8_t *h, uint64_t incompat, uint32_t hdr_len,
    char *err, size_t len)
{
	if (incompat & 2) {
		snprintf(err, len, "the qcow2 image is marked corrupt");
		return -1;
	}
	if (incompat & 4) {
		snprintf(err, len, "qcow2 images with an external data file are refused");
		return -1;
	}
	if (incompat & 16) {
		snprintf(err, len, "qcow2 extended L2 entries are not supported");
		return -1;
	}
	if (incompat & ~(uint64_t)(1 | 8)) {
		snprintf(err, len, "qcow2 image uses unknown incompatible features %#llx",
		    (unsigned long long)incompat);
		return -1;
	}
	q->ctype = (incompat & 8) && hdr_len > 104 ? h[104] : 0;
	if (q->ctype > 1) {
		snprintf(err, len, "qcow2 compression type %d is not supported", q->ctype);
		return -1;
	}
	return 0;
}

/* The sizes agree with each other and with the disk; the tables allocated. */
static int
header_geometry(struct q2 *q, char *err, size_t len)
{
	uint64_t per_l2 = q->cs / 8;

	if (q->vsize == 0 || q->l1_size == 0 || (uint64_t)q->l1_size * 8 > (32u << 20) ||
	    (q->vsize + q->cs - 1) / q->cs > (uint64_t)q->l1_size * per_l2 ||
	    q->l1_off == 0 || (q->l1_off & (q->cs - 1)) != 0) {
		snprintf(err, len, "qcow2 header is inconsistent (size %llu, L1 %u entries "
		    "at %llu)", (unsigned long long)q->vsize, q->l1_size,
		    (unsigned long long)q->l1_off);
		return -1;
	}
	if (q->out.size != 0 && q->vsize > q->out.size) {
		snprintf(err, len, "the image (%llu bytes) does not fit on the disk "
		    "(%llu bytes)", (unsigned long long)q->vsize,
		    (unsigned long long)q->out.size);
		return -1;
	}
	q->nguest = (q->vsize + q->cs - 1) / q->cs;
	if ((q->written = calloc((q->nguest + 7) / 8, 1)) == NULL ||
	    (q->l1raw = malloc((size_t)q->l1_size * 8)) == NULL ||
	    (q->zbuf = malloc(q->cs)) == NULL ||
	    (q->cl = malloc(q->cs)) == NULL) {
		snprintf(err, len, "out of memory for a qcow2 image of %llu bytes",
		    (unsigned long long)q->vsize);
		return -1;
	}
	return 0;
}

static int
parse_header(struct q2 *q, const uint8_t *h, size_t n, char *err, size_t len)
{
	uint32_t version, hdr_len = 72;
	uint64_t incompat = 0, backing;

	if (n < 72 || be32(h) != QCOW_MAGIC) {
		snprintf(err, len, "not a qcow2 image");
		return -1;
	}
	version = be32(h + 4);
	if (version != 2 && version != 3) {
		snprintf(err, len, "qcow2 version %u is not supported", version);
		return -1;
	}
	backing = be64(h + 8);
	q->cbits = be32(h + 20);
	q->vsize = be64(h + 24);
	if (be32(h + 32) != 0) {
		snprintf(err, len, "encrypted qcow2 images are refused");
		return -1;
	}
	q->l1_size = be32(h + 36);
	q->l1_off = be64(h + 40);
	if (backing != 0) {
		snprintf(err, len, "qcow2 images with a backing file are refused");
		return -1;
	}
	if (q->cbits < 9 || q->cbits > 21) {
		snprintf(err, len, "qcow2 cluster size 2^%u is invalid", q->cbits);
		return -1;
	}
	q->cs = 1ULL << q->cbits;
	if ((version == 3 && header_v3(h, n, q->cs, &incompat, &hdr_len, err, len) != 0) ||
	    header_features(q, h, incompat, hdr_len, err, len) != 0 ||
	    header_geometry(q, err, len) != 0)
		return -1;
	q->header_done = true;
	return 0;
}

/* --- writing guest clusters --------------------------------------------- */

static int
write_guest(struct q2 *q, uint64_t g, const uint8_t *p, size_t n, char *err, size_t len)
{
	uint64_t off = g * q->cs;
	size_t w = n;

	if (off + w > q->vsize)
		w = (size_t)(q->vsize - off);
	if (q->out.write(q->out.ctx, off, p, w, err, len) != 0)
		return -1;
	q->written[g / 8] |= (uint8_t)(1u << (g % 8));
	return 0;
}

/* A zlib (raw deflate) cluster into q->zbuf; bytes out, or -1. */
static long
inflate_cluster(struct q2 *q, struct crange *c)
{
	z_stream z = { 0 };
	size_t got;
	int zr;

	if (inflateInit2(&z, -12) != Z_OK)
		return -2;
	z.next_in = c->buf;
	z.avail_in = (uInt)c->have;
	z.next_out = q->zbuf;
	z.avail_out = (uInt)q->cs;
	zr = inflate(&z, Z_FINISH);
	got = q->cs - z.avail_out;
	inflateEnd(&z);
	if (zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && got == q->cs))
		return -1;
	return (long)got;
}

/* A zstd cluster into q->zbuf: all of it, or -1. */
static long
unzstd_cluster(struct q2 *q, struct crange *c)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { c->buf, c->have, 0 };
	ZSTD_outBuffer out = { q->zbuf, q->cs, 0 };
	size_t zr = 0;

	while (out.pos < out.size && in.pos < in.size) {
		zr = ZSTD_decompressStream(d, &out, &in);
		if (ZSTD_isError(zr) || zr == 0)
			break;
	}
	ZSTD_freeDCtx(d);
	if (ZSTD_isError(zr) || out.pos != q->cs)
		return -1;
	return (long)out.pos;
}

static int
decompress(struct q2 *q, struct crange *c, char *err, size_t len)
{
	long got = q->ctype == 0 ? inflate_cluster(q, c) : unzstd_cluster(q, c);

	if (got == -2) {
		snprintf(err, len, "zlib init failed");
		return -1;
	}
	if (got < 0) {
		snprintf(err, len, "compressed qcow2 cluster at %llu is corrupt",
		    (unsigned long long)c->start);
		return -1;
	}
	if ((uint64_t)got < q->cs)
		memset(q->zbuf + got, 0, q->cs - (uint64_t)got);
	return write_guest(q, c->guest, q->zbuf, q->cs, err, len);
}

struct disp {
	uint64_t	 h;		/* host offset of the cluster */
	const uint8_t	*p;
	size_t		 n;
	char		*err;
	size_t		 len;
	bool		 parsed;	/* new metadata learned */
	uint64_t	 cov[2][256];	/* compressed ranges seen in the cluster */
	size_t		 ncov;
	bool		 cov_overflow;
};

static int
feed_range(struct q2 *q, uint64_t idx, void *arg)
{
	struct disp *d = arg;
	struct crange *c = &q->cr[idx];
	uint64_t want = c->start + c->have;

	if (d->ncov < 256) {
		d->cov[0][d->ncov] = c->start > d->h ? c->start : d->h;
		d->cov[1][d->ncov] = c->end < d->h + d->n ? c->end : d->h + d->n;
		d->ncov++;
	} else {
		d->cov_overflow = true;
	}
	if (c->done || want < d->h || want >= d->h + d->n)
		return 0;
	size_t take = (size_t)(d->h + d->n - want);
	if (take > c->end - want)
		take = (size_t)(c->end - want);
	memcpy(c->buf + c->have, d->p + (want - d->h), take);
	c->have += take;
	if (c->start + c->have == c->end) {
		c->done = true;
		int rc = decompress(q, c, d->err, d->len);
		free(c->buf);
		c->buf = NULL;
		return rc;
	}
	return 0;
}

static int
write_data(struct q2 *q, uint64_t g, void *arg)
{
	struct disp *d = arg;

	if (q->written[g / 8] & (1u << (g % 8)))
		return 0;
	q->data_seen++;
	if (d->n < q->cs) {
		memcpy(q->zbuf, d->p, d->n);
		memset(q->zbuf + d->n, 0, q->cs - d->n);
		return write_guest(q, g, q->zbuf, q->cs, d->err, d->len);
	}
	return write_guest(q, g, d->p, d->n, d->err, d->len);
}

static int
add_range(struct q2 *q, uint64_t e, uint64_t g, char *err, size_t len)
{
	uint32_t x = 62 - (q->cbits - 8);
	uint64_t off = e & ((1ULL << x) - 1);
	uint64_t sectors = ((e >> x) & ((1ULL << (q->cbits - 8)) - 1)) + 1;
	uint64_t size = sectors * 512 - (off & 511);
	struct crange *c;

	if (size > 2 * q->cs || off < q->cs) {
		snprintf(err, len, "qcow2 compressed cluster entry is invalid");
		return -1;
	}
	if (q->ncr == q->cr_cap) {
		size_t ncap = q->cr_cap ? q->cr_cap * 2 : 256;
		struct crange *n = realloc(q->cr, ncap * sizeof(*n));
		if (n == NULL)
			goto oom;
		q->cr = n;
		q->cr_cap = ncap;
	}
	c = &q->cr[q->ncr];
	*c = (struct crange){ .start = off, .end = off + size, .guest = g };
	if ((c->buf = malloc(size)) == NULL)
		goto oom;
	for (uint64_t hc = off >> q->cbits; hc <= (off + size - 1) >> q->cbits; hc++)
		if (map_put(q, hc, TAG_COMP, q->ncr) != 0)
			goto oom;
	q->ncr++;
	return 0;
oom:
	snprintf(err, len, "out of memory");
	return -1;
}

static int
parse_l2(struct q2 *q, uint64_t l1i, void *arg)
{
	struct disp *d = arg;
	uint64_t per = q->cs / 8;

	for (uint64_t j = 0; j < per && j * 8 + 8 <= d->n; j++) {
		uint64_t e = be64(d->p + j * 8), g = l1i * per + j;
		if (g >= q->nguest)
			break;
		if (e & L2E_COMPRESSED) {
			if (add_range(q, e, g, d->err, d->len) != 0)
				return -1;
			continue;
		}
		uint64_t off = e & L2E_OFFSET_MASK;
		if ((e & L2E_ZERO) || off == 0)
			continue;
		if ((off & (q->cs - 1)) != 0) {
			snprintf(d->err, d->len, "qcow2 data cluster offset %llu is not "
			    "aligned", (unsigned long long)off);
			return -1;
		}
		if (map_put(q, off >> q->cbits, TAG_DATA, g) != 0) {
			snprintf(d->err, d->len, "out of memory");
			return -1;
		}
		q->data_mapped++;
	}
	/* Each L2 table is read once even if listed twice. */
	q->l2_pending--;
	d->parsed = true;
	return 0;
}

static int
parse_l1(struct q2 *q, char *err, size_t len)
{
	for (uint32_t i = 0; i < q->l1_size; i++) {
		uint64_t off = be64(q->l1raw + (size_t)i * 8) & L1E_OFFSET_MASK;
		if (off == 0)
			continue;
		if ((off & (q->cs - 1)) != 0 || off < q->cs) {
			snprintf(err, len, "qcow2 L2 table offset %llu is invalid",
			    (unsigned long long)off);
			return -1;
		}
		if (map_put(q, off >> q->cbits, TAG_L2, i) != 0) {
			snprintf(err, len, "out of memory");
			return -1;
		}
		q->l2_pending++;
	}
	q->l1_done = true;
	free(q->l1raw);
	q->l1raw = NULL;
	return 0;
}

static int
cmp_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

/* Do the compressed ranges met cover the whole cluster? */
static bool
covered(struct disp *d)
{
	uint64_t iv[256][2], at = d->h;

	for (size_t i = 0; i < d->ncov; i++) {
		iv[i][0] = d->cov[0][i];
		iv[i][1] = d->cov[1][i];
	}
	qsort(iv, d->ncov, sizeof(iv[0]), cmp_start);
	for (size_t i = 0; i < d->ncov; i++) {
		if (iv[i][0] > at)
			return false;
		if (iv[i][1] > at)
			at = iv[i][1];
	}
	return at >= d->h + d->n;
}

/* Finds an unread L2 table at host cluster hc, marks it read. */
static bool
take_l2(struct q2 *q, uint64_t hc, uint64_t *l1i)
{
	uint64_t key = ((hc << 2) | TAG_L2) + 1;

	if (q->map_cap == 0)
		return false;
	for (size_t j = hash64(key) & (q->map_cap - 1); q->map[j].key != 0;
	    j = (j + 1) & (q->map_cap - 1)) {
		if (q->map[j].key == key) {
			q->map[j].key = ((hc << 2) | TAG_SEEN_L2) + 1;
			*l1i = q->map[j].val;
			return true;
		}
	}
	return false;
}

/* A cluster holding (part of) the unread L1 table: copied; parsed when whole. */
static int
l1_part(struct q2 *q, struct disp *d)
{
	uint64_t a = d->h > q->l1_off ? d->h : q->l1_off;
	uint64_t b = d->h + d->n < q->l1_off + q->l1_size * 8ULL ?
	    d->h + d->n : q->l1_off + q->l1_size * 8ULL;

	memcpy(q->l1raw + (a - q->l1_off), d->p + (a - d->h), (size_t)(b - a));
	if (b - a > 0 && a - q->l1_off == q->l1_have)
		q->l1_have += (size_t)(b - a);
	if (q->l1_have == q->l1_size * 8ULL) {
		if (parse_l1(q, d->err, d->len) != 0)
			return -1;
		d->parsed = true;
	}
	return 0;
}

/*
 * The L2 tables at host cluster hc, parsed the first time they are seen
 * (then retagged); *known: hc holds an L2 table, new or already read.
 * parse_l2 may grow the map, so look the entry up afresh each time.
 */
static int
l2_tables(struct q2 *q, struct disp *d, uint64_t hc, bool *known)
{
	uint64_t l1i;
	int rc = 0;

	while (take_l2(q, hc, &l1i)) {
		*known = true;
		if (parse_l2(q, l1i, d) != 0)
			return -1;
	}
	if (!*known && map_each(q, hc, TAG_SEEN_L2, NULL, NULL, &rc) > 0)
		*known = true;
	return 0;
}

/* What a cluster is, acted upon; *known: fully accounted for. */
static int
dispatch(struct q2 *q, struct disp *d, bool *known)
{
	uint64_t hc = d->h >> q->cbits;
	int rc = 0;

	*known = false;
	if (d->h == 0) {
		*known = true;
		return q->header_done ? 0 : parse_header(q, d->p, d->n, d->err, d->len);
	}
	if (d->h + d->n > q->l1_off && d->h < q->l1_off + q->l1_size * 8ULL) {
		*known = true;		/* the L1 table (or a part of it) */
		return q->l1_done ? 0 : l1_part(q, d);
	}
	if (q->l1_done) {
		if ((rc = l2_tables(q, d, hc, known)) != 0 || *known)
			return rc;
	}
	if (map_each(q, hc, TAG_DATA, write_data, d, &rc) > 0) {
		*known = true;
		return rc;
	}
	map_each(q, hc, TAG_COMP, feed_range, d, &rc);
	if (rc == 0 && d->ncov > 0 && !d->cov_overflow)
		*known = covered(d);
	return rc;
}

static int
keep(struct q2 *q, uint64_t h, const uint8_t *p, size_t n, char *err, size_t len)
{
	if (q->buf_bytes + n > q->buf_max) {
		snprintf(err, len, "the qcow2 image cannot be streamed: more than %zu MiB "
		    "of it comes before the tables that place it", q->buf_max >> 20);
		return -1;
	}
	if (q->nbuf == q->buf_cap) {
		size_t ncap = q->buf_cap ? q->buf_cap * 2 : 64;
		struct bcl *nb = realloc(q->bufd, ncap * sizeof(*nb));
		if (nb == NULL)
			goto oom;
		q->bufd = nb;
		q->buf_cap = ncap;
	}
	if ((q->bufd[q->nbuf].data = malloc(n)) == NULL)
		goto oom;
	memcpy(q->bufd[q->nbuf].data, p, n);
	q->bufd[q->nbuf].host = h;
	q->bufd[q->nbuf].len = n;
	q->nbuf++;
	q->buf_bytes += n;
	return 0;
oom:
	snprintf(err, len, "out of memory");
	return -1;
}

static bool
pending(const struct q2 *q)
{
	return !q->l1_done || q->l2_pending > 0;
}

static void
drop_buffered(struct q2 *q)
{
	for (size_t i = 0; i < q->nbuf; i++)
		free(q->bufd[i].data);
	q->nbuf = 0;
	q->buf_bytes = 0;
}

/* Looks again at the kept clusters after new tables were read. */
static int
revisit(struct q2 *q, char *err, size_t len)
{
	bool again = true;

	while (again) {
		again = false;
		size_t w = 0;
		for (size_t i = 0; i < q->nbuf; i++) {
			struct bcl *b = &q->bufd[i];
			struct disp d = { .h = b->host, .p = b->data, .n = b->len, .err = err, .len = len };
			bool known;
			if (dispatch(q, &d, &known) != 0) {
				/* Keep what is still held, so each is freed once. */
				while (i < q->nbuf)
					q->bufd[w++] = q->bufd[i++];
				q->nbuf = w;
				return -1;
			}
			again |= d.parsed;
			if (known) {
				q->buf_bytes -= b->len;
				free(b->data);
			} else {
				q->bufd[w++] = *b;
			}
		}
		q->nbuf = w;
	}
	if (!pending(q))
		drop_buffered(q);
	return 0;
}

static int
cluster(struct q2 *q, uint64_t h, const uint8_t *p, size_t n, char *err, size_t len)
{
	struct disp d = { .h = h, .p = p, .n = n, .err = err, .len = len };
	bool known;

	if (dispatch(q, &d, &known) != 0)
		return -1;
	if (!known && pending(q) && keep(q, h, p, n, err, len) != 0)
		return -1;
	if (d.parsed && revisit(q, err, len) != 0)
		return -1;
	return 0;
}

struct q2 *
q2_new(const struct sink *out, size_t buffer_max)
{
	struct q2 *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->out = *out;
	q->buf_max = buffer_max ? buffer_max : (256u << 20);
	return q;
}

static int feed_clusters(struct q2 *, const uint8_t *, size_t, char *, size_t);

/* The header is parsed from the first bytes, then replayed as clusters. */
static int
start(struct q2 *q, char *err, size_t len)
{
	uint8_t *hdr = q->cl;
	size_t n = q->cl_len;
	int rc;

	q->cl = NULL;
	q->cl_len = 0;
	rc = parse_header(q, hdr, n, err, len);
	if (rc == 0)
		rc = feed_clusters(q, hdr, n, err, len);
	free(hdr);
	return rc;
}

static int
feed_clusters(struct q2 *q, const uint8_t *p, size_t n, char *err, size_t len)
{
	while (n > 0) {
		size_t take = q->cs - q->cl_len < n ? (size_t)q->cs - q->cl_len : n;
		memcpy(q->cl + q->cl_len, p, take);
		q->cl_len += take;
		p += take;
		n -= take;
		if (q->cl_len == q->cs) {
			if (cluster(q, q->pos, q->cl, q->cl_len, err, len) != 0)
				return -1;
			q->pos += q->cs;
			q->cl_len = 0;
		}
	}
	return 0;
}

int
q2_feed(struct q2 *q, const uint8_t *p, size_t n, char *err, size_t len)
{
	static const size_t hmax = 4096;

	if (!q->header_done) {
		/* Gather 4 KiB (header and extensions) before the cluster size is known. */
		if (q->cl == NULL && (q->cl = malloc(hmax)) == NULL) {
			snprintf(err, len, "out of memory");
			return -1;
		}
		size_t take = hmax - q->cl_len < n ? hmax - q->cl_len : n;
		memcpy(q->cl + q->cl_len, p, take);
		q->cl_len += take;
		p += take;
		n -= take;
		if (q->cl_len < hmax)
			return 0;
		if (start(q, err, len) != 0)
			return -1;
	}
	return feed_clusters(q, p, n, err, len);
}

/* A last compressed cluster may claim sectors past the end of file. */
static int
finish_compressed(struct q2 *q, char *err, size_t len)
{
	for (size_t i = 0; i < q->ncr; i++) {
		struct crange *c = &q->cr[i];
		if (c->done)
			continue;
		if (c->start + c->have < q->pos || c->have == 0) {
			snprintf(err, len, "truncated qcow2 image: compressed data missing");
			return -1;
		}
		c->done = true;
		if (decompress(q, c, err, len) != 0)
			return -1;
	}
	return 0;
}

/* Guest clusters nothing wrote read as zeros. */
static int
zero_unwritten(struct q2 *q, char *err, size_t len)
{
	for (uint64_t g = 0; g < q->nguest;) {
		if (q->written[g / 8] & (1u << (g % 8))) {
			g++;
			continue;
		}
		uint64_t s = g;
		while (g < q->nguest && !(q->written[g / 8] & (1u << (g % 8))))
			g++;
		uint64_t off = s * q->cs, end = g * q->cs;
		if (end > q->vsize)
			end = q->vsize;
		if (q->out.zero(q->out.ctx, off, end - off, err, len) != 0)
			return -1;
	}
	return 0;
}

int
q2_finish(struct q2 *q, char *err, size_t len)
{
	if (!q->header_done && start(q, err, len) != 0)
		return -1;
	if (q->cl_len > 0) {
		if (cluster(q, q->pos, q->cl, q->cl_len, err, len) != 0)
			return -1;
		q->pos += q->cl_len;
		q->cl_len = 0;
	}
	if (pending(q)) {
		snprintf(err, len, "truncated qcow2 image: %s", q->l1_done ?
		    "an L2 table is missing" : "the L1 table is missing");
		return -1;
	}
	if (finish_compressed(q, err, len) != 0)
		return -1;
	if (q->data_seen < q->data_mapped) {
		snprintf(err, len, "truncated qcow2 image: %llu of %llu data clusters "
		    "missing", (unsigned long long)(q->data_mapped - q->data_seen),
		    (unsigned long long)q->data_mapped);
		return -1;
	}
	return zero_unwritten(q, err, len);
}

uint64_t
q2_virtual_size(const struct q2 *q)
{
	return q->vsize;
}

void
q2_free(struct q2 *q)
{
	if (q == NULL)
		return;
	drop_buffered(q);
	for (size_t i = 0; i < q->ncr; i++)
		free(q->cr[i].buf);
	free(q->cr);
	free(q->bufd);
	free(q->map);
	free(q->written);
	free(q->l1raw);
	free(q->zbuf);
	free(q->cl);
	free(q);
}
