/*
 * The config drive partition.  IPA (partition_utils) decodes the config
 * drive, adds a partition in the last 64 MiB of the root disk with sgdisk
 * or parted and copies the image into it.  ingot-agent does the same
 * without those programs (the ramdisk has none): the partition table was
 * just written by the image, pt_read has checked it (CRCs, bounds), and
 * adding one entry is a bounded change made here in the order that keeps
 * the disk bootable at every step: the image into free space first, read
 * back and compared; then, for GPT, the backup table at the disk's end
 * (a whole-disk image put its backup at the image's end), the primary
 * table, and last the stale backup header zeroed.  Nothing is written
 * below the end of the last partition.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <zlib.h>

#include "cdpart.h"
#include "parttable.h"
#include "bytes.h"

#define SECTOR		512u
#define ALIGN		2048u		/* sectors: 1 MiB */
#define WINDOW		(CDP_MAX / SECTOR)

/* Linux filesystem data, as sgdisk's default 8300 (mixed-endian bytes). */
static const uint8_t LINUX_FS[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
    0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };





/* --- decoding ------------------------------------------------------------------ */

static unsigned char *
unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s), m = 0, pad;
	char *c = malloc(n + 1);
	unsigned char *out = NULL;
	int r;

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			c[m++] = s[i];
	if (m > 0 && m % 4 == 0 && (out = malloc(m / 4 * 3 + 1)) != NULL) {
		pad = (c[m - 1] == '=') + (c[m - 2] == '=');
		if ((r = EVP_DecodeBlock(out, (unsigned char *)c, (int)m)) < 0) {
			free(out);
			out = NULL;
		} else
			*len = (size_t)r - pad;
	}
	free(c);
	return out;
}

/* gunzip within CDP_MAX: 0, or -1 with err. */
static int
gunzip(const unsigned char *in, size_t n, unsigned char **out, size_t *len,
    char *err, size_t errlen)
{
	unsigned char *buf = malloc(CDP_MAX + 1);
	z_stream z = { 0 };
	int r = Z_DATA_ERROR;

	if (buf != NULL && inflateInit2(&z, 16 + MAX_WBITS) == Z_OK) {
		z.next_in = (unsigned char *)in;
		z.avail_in = (uInt)n;
		z.next_out = buf;
		z.avail_out = CDP_MAX + 1;
		while ((r = inflate(&z, Z_FINISH)) == Z_OK || (r == Z_BUF_ERROR &&
		    z.avail_out > 0 && z.avail_in > 0))
			;
		inflateEnd(&z);
	}
	if (r != Z_STREAM_END || z.total_out > CDP_MAX) {
		snprintf(err, errlen, r == Z_STREAM_END || z.avail_out == 0 ?
		    "config drive is larger than %u MiB" : "config drive: bad gzip data",
		    CDP_MAX >> 20);
		free(buf);
		return -1;
	}
	*out = buf;
	*len = z.total_out;
	return 0;
}

int
cdp_decode(const char *b64, unsigned char **out, size_t *len, char *err,
    size_t errlen)
{
	unsigned char *raw;
	size_t n = 0;
	int rc;

	if (strstr(b64, "://") != NULL) {
		snprintf(err, errlen, "config drive URLs are not supported");
		return -1;
	}
	if ((raw = unbase64(b64, &n)) == NULL) {
		snprintf(err, errlen, "config drive is not base64");
		return -1;
	}
	if (n >= 2 && raw[0] == 0x1f && raw[1] == 0x8b) {
		rc = gunzip(raw, n, out, len, err, errlen);
		free(raw);
		return rc;
	}
	if (n == 0 || n > CDP_MAX) {
		snprintf(err, errlen, "config drive is empty or larger than %u MiB",
		    CDP_MAX >> 20);
		free(raw);
		return -1;
	}
	*out = raw;
	*len = n;
	return 0;
}

/* --- disk I/O ------------------------------------------------------------------- */

static int
pwrite_all(int fd, const void *p, size_t n, uint64_t off, char *err, size_t errlen)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = pwrite(fd, b, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "write at byte %llu failed: %s",
			    (unsigned long long)off, w < 0 ? strerror(errno) : "short write");
			return -1;
		}
		b += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static int
pread_all(int fd, void *p, size_t n, uint64_t off, char *err, size_t errlen)
{
	uint8_t *b = p;

	while (n > 0) {
		ssize_t r = pread(fd, b, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "read at byte %llu failed: %s",
			    (unsigned long long)off, r < 0 ? strerror(errno) : "end of disk");
			return -1;
		}
		b += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int
sync_disk(int fd, char *err, size_t errlen)
{
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "fsync failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
sha256_hex(const unsigned char *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * The image into [off, off + size): the rest of the partition zeroed,
 * synced, the page cache dropped, read back and its SHA-256 compared.
 */
static int
put_image(int fd, uint64_t off, uint64_t size, const unsigned char *img, size_t len,
    char sha[65], char *err, size_t errlen)
{
	unsigned char *back;
	char again[65];
	int rc = -1;

	if (pwrite_all(fd, img, len, off, err, errlen) != 0)
		return -1;
	if (size > len) {
		unsigned char *z = calloc(1, size - len);
		if (z == NULL || pwrite_all(fd, z, size - len, off + len, err, errlen) != 0) {
			free(z);
			return z == NULL ? (snprintf(err, errlen, "out of memory"), -1) : -1;
		}
		free(z);
	}
	if (sync_disk(fd, err, errlen) != 0 || (back = malloc(len)) == NULL)
		return -1;
	(void)posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
	if (pread_all(fd, back, len, off, err, errlen) == 0) {
		sha256_hex(img, len, sha);
		sha256_hex(back, len, again);
		if (strcmp(sha, again) == 0)
			rc = 0;
		else
			snprintf(err, errlen, "config drive read back from the disk differs "
			    "(sha256 %s, wrote %s)", again, sha);
	}
	free(back);
	return rc;
}

/* The disk's size in sectors (512-byte logical sectors only). */
static int
disk_sectors(int fd, uint64_t *sectors, char *err, size_t errlen)
{
	struct stat st;
	uint64_t bytes = 0;
	int ssz = SECTOR;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) != 0 || ioctl(fd, BLKSSZGET, &ssz) != 0) {
			snprintf(err, errlen, "cannot read the disk's size: %s",
			    strerror(errno));
			return -1;
		}
	} else
		bytes = (uint64_t)st.st_size;
	if (ssz != SECTOR) {
		snprintf(err, errlen, "disk has %d-byte sectors; only 512 is supported",
		    ssz);
		return -1;
	}
	*sectors = bytes / SECTOR;
	return 0;
}

/*
 * Where the partition goes: its first sector, for need sectors ending at
 * end (exclusive), aligned to 1 MiB when that stays in the window, above
 * floor (the end of the last partition).  0, or -1 with err.
 */
static int
place(uint64_t end, uint64_t need, uint64_t floor, uint64_t *start, char *err,
    size_t errlen)
{
	uint64_t win = end > WINDOW ? end - WINDOW : 0, s;

	if (need > end || end - need < win) {
		snprintf(err, errlen, "config drive (%llu sectors) does not fit in the "
		    "last %u MiB of the disk", (unsigned long long)need, CDP_MAX >> 20);
		return -1;
	}
	s = (end - need) / ALIGN * ALIGN;
	if (s < win || s < floor)
		s = end - need;
	if (s < floor || s < 1) {
		snprintf(err, errlen, "no free space for the config drive at the end of "
		    "the disk: a partition ends at sector %llu, the config drive needs "
		    "sectors %llu-%llu", (unsigned long long)floor,
		    (unsigned long long)(end - need), (unsigned long long)(end - 1));
		return -1;
	}
	*start = s;
	return 0;
}

/* --- an existing config-2 partition -------------------------------------------- */

/* An ISO9660 primary volume descriptor labelled config-2 at off. */
static bool
is_config2(int fd, uint64_t off)
{
	uint8_t pvd[72];

	if (pread(fd, pvd, sizeof(pvd), (off_t)(off + 32768)) != (ssize_t)sizeof(pvd))
		return false;
	return pvd[0] == 1 && memcmp(pvd + 1, "CD001", 5) == 0 &&
	    memcmp(pvd + 40, "config-2", 8) == 0 && (pvd[48] == ' ' || pvd[48] == 0);
}

static int
reuse(int fd, const struct pt *t, size_t len, struct cdp_result *r, char *err,
    size_t errlen)
{
	for (int i = 0; i < t->n; i++) {
		const struct pt_part *p = &t->part[i];
		if (p->size < len || !is_config2(fd, p->offset))
			continue;
		r->number = p->number;
		r->offset = p->offset;
		r->size = p->size;
		r->reused = 1;
		return 1;
	}
	return 0;
}

/* --- MBR ----------------------------------------------------------------------- */

static int
mbr_add(int fd, uint64_t sectors, const unsigned char *img, size_t len,
    struct cdp_result *r, char *err, size_t errlen)
{
	uint8_t mbr[SECTOR], *e;
	uint64_t floor = 1, end = sectors < UINT32_MAX ? sectors : UINT32_MAX, start;
	int slot = -1;

	if (pread_all(fd, mbr, SECTOR, 0, err, errlen) != 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		uint8_t *p = mbr + 446 + 16 * i;
		uint64_t pend = (uint64_t)le32(p + 8) + le32(p + 12);
		if (p[4] == 0 && slot < 0)
			slot = i;
		else if (p[4] != 0 && pend > floor)
			floor = pend;		/* extended partitions included */
	}
	if (slot < 0) {
		snprintf(err, errlen, "the disk's MBR has no free primary partition slot "
		    "for the config drive");
		return -1;
	}
	if (floor > end) {
		snprintf(err, errlen, "a partition reaches past the disk's end");
		return -1;
	}
	if (place(end, (len + SECTOR - 1) / SECTOR, floor, &start, err, errlen) != 0)
		return -1;
	r->number = slot + 1;
	r->offset = start * SECTOR;
	r->size = (end - start) * SECTOR;
	if (put_image(fd, r->offset, r->size, img, len, r->sha256, err, errlen) != 0)
		return -1;
	e = mbr + 446 + 16 * slot;
	memset(e, 0, 16);
	e[1] = 0xfe, e[2] = 0xff, e[3] = 0xff;		/* CHS: LBA only */
	e[4] = 0x83;
	e[5] = 0xfe, e[6] = 0xff, e[7] = 0xff;
	put32(e + 8, (uint32_t)start);
	put32(e + 12, (uint32_t)(end - start));
	if (pwrite_all(fd, mbr, SECTOR, 0, err, errlen) != 0)
		return -1;
	return sync_disk(fd, err, errlen);
}

/* --- GPT ----------------------------------------------------------------------- */

struct gpt {
	uint8_t		 hdr[SECTOR];
	uint8_t		*ent;		/* the entries array */
	size_t		 entbytes;
	uint64_t	 entsec;	/* its sectors */
	uint64_t	 alt, first, last, elba;
	uint32_t	 hsize, count, esize;
};

static int
gpt_load(int fd, uint64_t sectors, struct gpt *g, char *err, size_t errlen)
{
	if (pread_all(fd, g->hdr, SECTOR, SECTOR, err, errlen) != 0)
		return -1;
	g->hsize = le32(g->hdr + 12);
	g->alt = le64(g->hdr + 32);
	g->first = le64(g->hdr + 40);
	g->last = le64(g->hdr + 48);
	g->elba = le64(g->hdr + 72);
	g->count = le32(g->hdr + 80);
	g->esize = le32(g->hdr + 84);
	g->entbytes = (size_t)g->count * g->esize;	/* pt_read bounded both */
	g->entsec = (g->entbytes + SECTOR - 1) / SECTOR;
	if (g->alt >= sectors || g->last >= sectors || g->elba + g->entsec > g->first ||
	    g->entsec + 2 > sectors) {
		snprintf(err, errlen, "the GPT describes a disk larger than this one "
		    "(backup header at sector %llu of %llu)", (unsigned long long)g->alt,
		    (unsigned long long)sectors);
		return -1;
	}
	if ((g->ent = calloc(1, g->entsec * SECTOR)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return pread_all(fd, g->ent, g->entbytes, g->elba * SECTOR, err, errlen);
}

/* The first free entry and the end of the last partition (exclusive). */
static int
gpt_scan(const struct gpt *g, uint64_t *floor)
{
	static const uint8_t zero[16];
	int slot = -1;

	*floor = g->first;
	for (uint32_t i = 0; i < g->count; i++) {
		const uint8_t *e = g->ent + (size_t)i * g->esize;
		if (memcmp(e, zero, 16) == 0) {
			if (slot < 0)
				slot = (int)i;
		} else if (le64(e + 40) + 1 > *floor)
			*floor = le64(e + 40) + 1;
	}
	return slot;
}

static void
gpt_entry(uint8_t *e, uint64_t first, uint64_t last)
{
	static const char name[] = "config-2";
	uuid_t u;

	memset(e, 0, 128);
	memcpy(e, LINUX_FS, 16);
	uuid_generate_random(u);
	memcpy(e + 16, u, 16);
	put64(e + 32, first);
	put64(e + 40, last);
	for (size_t i = 0; i < sizeof(name) - 1; i++)
		e[56 + 2 * i] = (uint8_t)name[i];	/* UTF-16LE */
}

/* A header for this position (my, alternate, entries), its CRC set. */
static void
gpt_header(uint8_t *h, uint32_t hsize, uint64_t my, uint64_t alt, uint64_t elba)
{
	put64(h + 24, my);
	put64(h + 32, alt);
	put64(h + 72, elba);
	put32(h + 16, 0);
	put32(h + 16, (uint32_t)crc32(0L, h, hsize));
}

/* Both tables written for a disk of `sectors`: backup first, then primary
 * and the protective MBR's size, then the old backup header zeroed. */
static int
gpt_commit(int fd, struct gpt *g, uint64_t sectors, uint64_t start, char *err,
    size_t errlen)
{
	uint64_t alt = sectors - 1, belba = alt - g->entsec, oldalt = g->alt;
	uint8_t mbr[SECTOR], zero[SECTOR] = { 0 };

	put64(g->hdr + 48, belba - 1);
	put32(g->hdr + 88, (uint32_t)crc32(0L, g->ent, (uInt)g->entbytes));
	gpt_header(g->hdr, g->hsize, alt, 1, belba);
	if (pwrite_all(fd, g->ent, g->entsec * SECTOR, belba * SECTOR, err, errlen) ||
	    pwrite_all(fd, g->hdr, SECTOR, alt * SECTOR, err, errlen) ||
	    sync_disk(fd, err, errlen))
		return -1;
	gpt_header(g->hdr, g->hsize, 1, alt, g->elba);
	if (pwrite_all(fd, g->ent, g->entbytes, g->elba * SECTOR, err, errlen) ||
	    pwrite_all(fd, g->hdr, SECTOR, SECTOR, err, errlen) ||
	    pread_all(fd, mbr, SECTOR, 0, err, errlen))
		return -1;
	if (mbr[446 + 4] == 0xee) {
		put32(mbr + 446 + 12, sectors - 1 < UINT32_MAX ? (uint32_t)(sectors - 1) :
		    UINT32_MAX);
		if (pwrite_all(fd, mbr, SECTOR, 0, err, errlen) != 0)
			return -1;
	}
	if (oldalt != alt && oldalt < start &&
	    pwrite_all(fd, zero, SECTOR, oldalt * SECTOR, err, errlen) != 0)
		return -1;
	return sync_disk(fd, err, errlen);
}

static int
gpt_add(int fd, uint64_t sectors, const unsigned char *img, size_t len,
    struct cdp_result *r, char *err, size_t errlen)
{
	struct gpt g = { 0 };
	uint64_t floor, start, end;
	int slot, rc = -1;

	if (gpt_load(fd, sectors, &g, err, errlen) != 0)
		goto out;
	end = sectors - 1 - g.entsec;		/* the new last usable + 1 */
	if ((slot = gpt_scan(&g, &floor)) < 0) {
		snprintf(err, errlen, "the disk's GPT has no free entry for the config "
		    "drive");
		goto out;
	}
	if (place(end, (len + SECTOR - 1) / SECTOR, floor, &start, err, errlen) != 0)
		goto out;
	r->number = slot + 1;
	r->offset = start * SECTOR;
	r->size = (end - start) * SECTOR;
	if (put_image(fd, r->offset, r->size, img, len, r->sha256, err, errlen) != 0)
		goto out;
	gpt_entry(g.ent + (size_t)slot * g.esize, start, end - 1);
	rc = gpt_commit(fd, &g, sectors, start, err, errlen);
out:
	free(g.ent);
	return rc;
}

/* --- the partition ------------------------------------------------------------- */

static int
rewrite(int fd, const unsigned char *img, size_t len, struct cdp_result *r,
    char *err, size_t errlen)
{
	return put_image(fd, r->offset, r->size, img, len, r->sha256, err, errlen);
}

int
cdp_write(const char *disk, const unsigned char *img, size_t len,
    struct cdp_result *r, char *err, size_t errlen)
{
	struct pt t;
	uint64_t sectors;
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	if (len == 0 || len > CDP_MAX) {
		snprintf(err, errlen, "config drive is empty or too big");
		return -1;
	}
	if (pt_read(disk, &t, err, errlen) != 0)
		return -1;
	if ((fd = open(disk, O_RDWR | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", disk, strerror(errno));
		return -1;
	}
	if (disk_sectors(fd, &sectors, err, errlen) != 0)
		goto out;
	if (reuse(fd, &t, len, r, err, errlen))
		rc = rewrite(fd, img, len, r, err, errlen);
	else if (t.gpt)
		rc = gpt_add(fd, sectors, img, len, r, err, errlen);
	else
		rc = mbr_add(fd, sectors, img, len, r, err, errlen);
	if (rc == 0)
		(void)ioctl(fd, BLKRRPART);	/* a file or a busy disk: no matter */
out:
	close(fd);
	return rc;
}
