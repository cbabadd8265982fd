/*
 * The write-combining output to a disk: two page-aligned buffers, one
 * filling while a writer thread puts the other on the device.  Zero
 * ranges use BLKZEROOUT on a device and hole punching in a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diskout.h"

#define WBUF		(4u << 20)
#define DIRECT_MIN	(1u << 20)	/* chunks written without a copy */

void *
diskout_alloc(size_t n)
{
	void *p = NULL;

	return posix_memalign(&p, 4096, n) == 0 ? p : NULL;
}

int
diskout_pwrite(int fd, const uint8_t *p, size_t n, uint64_t off, char *err, size_t len)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (err != NULL)
				snprintf(err, len, "write at byte %llu failed: %s",
				    (unsigned long long)off, w < 0 ? strerror(errno) :
				    "short write");
			return w < 0 ? errno : EIO;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * Through the O_DIRECT descriptor when there is one and the chunk is
 * aligned (page-aligned memory, offset and length in whole 4 KiB blocks):
 * no copy into the page cache and nothing left to flush at fsync.
 * Everything else (the tail, small qcow2 pieces) through the buffered one.
 */
static int
out_pwrite(struct diskout *o, const uint8_t *p, size_t n, uint64_t off, char *err,
    size_t len)
{
	if (o->dfd >= 0 && ((uintptr_t)p & 4095) == 0 && (off & 4095) == 0 &&
	    (n & 4095) == 0) {
		int e = diskout_pwrite(o->dfd, p, n, off, err, len);
		if (e != EINVAL)
			return e;
		close(o->dfd);	/* not for this file system after all */
		o->dfd = -1;
	}
	return diskout_pwrite(o->fd, p, n, off, err, len);
}

int
diskout_direct(struct diskout *o, const char *path)
{
	if (o->dfd >= 0)
		return 0;
	o->dfd = open(path, O_WRONLY | O_CLOEXEC | O_DIRECT);
	return o->dfd >= 0 ? 0 : -1;
}

static void *
writer(void *arg)
{
	struct diskout *o = arg;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		while (!o->job && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		if (!o->job)
			break;
		const uint8_t *p = o->job_p;
		size_t n = o->job_len;
		uint64_t off = o->job_off;
		pthread_mutex_unlock(&o->mu);
		int e = o->werr ? 0 : out_pwrite(o, p, n, o->base + off, NULL, 0);
		pthread_mutex_lock(&o->mu);
		if (e != 0 && o->werr == 0) {
			o->werr = e;
			o->werr_off = off;
		}
		o->job = false;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

/* Waits until the writer is idle; reports a background write error. */
static int
drain(struct diskout *o, char *err, size_t len)
{
	int e;

	pthread_mutex_lock(&o->mu);
	while (o->job)
		pthread_cond_wait(&o->cv, &o->mu);
	e = o->werr;
	pthread_mutex_unlock(&o->mu);
	if (e != 0) {
		snprintf(err, len, "write at byte %llu failed: %s",
		    (unsigned long long)o->werr_off, strerror(e));
		return -1;
	}
	return 0;
}

int
diskout_open(struct diskout *o, const char *path, char *err, size_t len)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->dfd = -1;
	if ((o->fd = open(path, O_RDWR | O_CLOEXEC)) < 0 || fstat(o->fd, &st) != 0) {
		snprintf(err, len, "cannot open disk %s: %s", path, strerror(errno));
		if (o->fd >= 0)
			close(o->fd);
		o->fd = -1;
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		o->blk = true;
		if (ioctl(o->fd, BLKGETSIZE64, &o->dev_size) != 0)
			o->dev_size = 0;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "disk %s is neither a block device nor a file", path);
		close(o->fd);
		o->fd = -1;
		return -1;
	}
	o->cap = WBUF;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	if ((o->buf[0] = diskout_alloc(o->cap)) == NULL ||
	    (o->buf[1] = diskout_alloc(o->cap)) == NULL ||
	    pthread_create(&o->th, NULL, writer, o) != 0) {
		snprintf(err, len, "out of memory");
		free(o->buf[0]);
		free(o->buf[1]);
		close(o->fd);
		o->fd = -1;
		return -1;
	}
	o->th_up = true;
	return 0;
}

int
diskout_open_at(struct diskout *o, const char *path, uint64_t base, uint64_t size,
    char *err, size_t len)
{
	if (diskout_open(o, path, err, len) != 0)
		return -1;
	if (size == 0 || (o->dev_size != 0 && (base > o->dev_size ||
	    size > o->dev_size - base))) {
		char e[256];

		snprintf(err, len, "bytes %llu to %llu are not on disk %s",
		    (unsigned long long)base, (unsigned long long)(base + size), path);
		diskout_close(o, false, e, sizeof(e));
		return -1;
	}
	o->base = base;
	o->dev_size = size;
	return 0;
}

/* Hands the filled buffer to the writer and switches to the other one. */
int
diskout_flush(struct diskout *o, char *err, size_t len)
{
	if (o->len == 0)
		return 0;
	if (drain(o, err, len) != 0)
		return -1;
	pthread_mutex_lock(&o->mu);
	o->job_p = o->buf[o->cur];
	o->job_len = o->len;
	o->job_off = o->off;
	o->job = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->mu);
	o->written += o->len;
	o->off += o->len;
	o->cur ^= 1;
	o->len = 0;
	return 0;
}

int
diskout_write(struct diskout *o, uint64_t off, const void *p, size_t n, char *err,
    size_t len)
{
	if (o->dev_size != 0 && off + n > o->dev_size) {
		snprintf(err, len, "the image does not fit on the %s (%llu bytes)",
		    o->base != 0 ? "partition" : "disk", (unsigned long long)o->dev_size);
		return -1;
	}
	if (off + n > o->end)
		o->end = off + n;
	if (o->len > 0 && off != o->off + o->len && diskout_flush(o, err, len) != 0)
		return -1;
	if (o->len == 0 && n >= DIRECT_MIN) {
		/*
		 * A big chunk (a raw image's download buffer) is written from
		 * where it is, without a copy: memory bandwidth, not the disk,
		 * is what limits a copy more.
		 */
		if (drain(o, err, len) != 0 ||
		    out_pwrite(o, p, n, o->base + off, err, len) != 0)
			return -1;
		o->written += n;
		return 0;
	}
	if (o->len == 0)
		o->off = off;
	while (n > 0) {
		size_t take = o->cap - o->len < n ? o->cap - o->len : n;
		memcpy(o->buf[o->cur] + o->len, p, take);
		o->len += take;
		p = (const uint8_t *)p + take;
		n -= take;
		if (o->len == o->cap && diskout_flush(o, err, len) != 0)
			return -1;
	}
	return 0;
}

/*
 * Zeroes without writing zeros where it can: BLKZEROOUT on a device, a
 * hole or a longer file in a file.  1: done, 0: write zeros instead.
 */
static int
zero_fast(struct diskout *o, uint64_t off, uint64_t n, char *err, size_t len)
{
	struct stat st;

	if (o->blk) {
		uint64_t r[2] = { off, n };
		return ioctl(o->fd, BLKZEROOUT, r) == 0;
	}
	if (fstat(o->fd, &st) != 0)
		return 0;
	if (off < (uint64_t)st.st_size) {
		if (fallocate(o->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		    (off_t)off, (off_t)n) != 0)
			return 0;
		if (off + n <= (uint64_t)st.st_size)
			return 1;
	}
	if (ftruncate(o->fd, (off_t)(off + n)) == 0)
		return 1;
	snprintf(err, len, "cannot extend the disk file: %s", strerror(errno));
	return -1;
}

int
diskout_zero(struct diskout *o, uint64_t off, uint64_t n, char *err, size_t len)
{
	static const uint8_t zeros[65536];
	int rc;

	if (n == 0)
		return 0;
	if (o->base != 0 && off + n > o->dev_size) {
		snprintf(err, len, "the image does not fit in the partition (%llu bytes)",
		    (unsigned long long)o->dev_size);
		return -1;
	}
	if (diskout_flush(o, err, len) != 0 || drain(o, err, len) != 0)
		return -1;
	if (off + n > o->end)
		o->end = off + n;
	off += o->base;
	if ((rc = zero_fast(o, off, n, err, len)) != 0)
		return rc > 0 ? 0 : -1;
	while (n > 0) {
		size_t w = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		if (diskout_pwrite(o->fd, zeros, w, off, err, len) != 0)
			return -1;
		off += w;
		n -= w;
	}
	return 0;
}

int
diskout_close(struct diskout *o, bool sync, char *err, size_t len)
{
	int rc = 0;

	if (o->fd < 0)
		return 0;
	if (diskout_flush(o, err, len) != 0 || drain(o, err, len) != 0)
		rc = -1;
	if (o->th_up) {
		pthread_mutex_lock(&o->mu);
		o->stop = true;
		pthread_cond_broadcast(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->th, NULL);
		o->th_up = false;
	}
	if (rc == 0 && sync && fsync(o->fd) != 0) {
		snprintf(err, len, "fsync failed: %s", strerror(errno));
		rc = -1;
	}
	close(o->fd);
	o->fd = -1;
	if (o->dfd >= 0)
		close(o->dfd);
	o->dfd = -1;
	free(o->buf[0]);
	free(o->buf[1]);
	o->buf[0] = o->buf[1] = NULL;
	pthread_mutex_destroy(&o->mu);
	pthread_cond_destroy(&o->cv);
	return rc;
}

static int
sink_write(void *ctx, uint64_t off, const void *p, size_t n, char *err, size_t len)
{
	return diskout_write(ctx, off, p, n, err, len);
}

static int
sink_zero(void *ctx, uint64_t off, uint64_t n, char *err, size_t len)
{
	return diskout_zero(ctx, off, n, err, len);
}

struct sink
diskout_sink(struct diskout *o)
{
	return (struct sink){ .ctx = o, .size = o->dev_size, .write = sink_write,
	    .zero = sink_zero };
}
