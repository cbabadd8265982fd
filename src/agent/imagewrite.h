/*
 * Streams an image from a URL (http, https, file) onto a disk in one pass:
 * the bytes are hashed as they arrive, decompressed (gzip, zstd) and, for
 * qcow2, converted to the raw disk layout while streaming.
 */
#ifndef INGOT_AGENT_IMAGEWRITE_H
#define INGOT_AGENT_IMAGEWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

/*
 * Where image bytes go: a block device or a regular file.  Writes are
 * combined into 4 MiB buffers that a writer thread puts on the disk while
 * the next buffer fills (download, hashing and decompression overlap the
 * disk writes).
 */
struct iw_out {
	int		 fd;
	bool		 blk;		/* block device (else regular file) */
	uint64_t	 dev_size;	/* 0: unknown / growable file */
	uint8_t		*buf[2];	/* the one filling and the one being written */
	int		 cur;
	size_t		 cap, len;
	uint64_t	 off;		/* device offset of buf[cur][0] */
	uint64_t	 written;	/* bytes handed to the device */
	uint64_t	 end;		/* highest offset written + 1 */
	/* writer thread */
	pthread_t	 th;
	bool		 th_up;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 job;		/* a buffer is being written */
	const uint8_t	*job_p;
	size_t		 job_len;
	uint64_t	 job_off;
	bool		 stop;
	int		 werr;		/* errno of a failed background write */
	uint64_t	 werr_off;
};

int	iw_out_open(struct iw_out *o, const char *path, char *err, size_t len);
int	iw_out_write(struct iw_out *o, uint64_t off, const void *p, size_t n,
	    char *err, size_t len);
int	iw_out_zero(struct iw_out *o, uint64_t off, uint64_t n, char *err, size_t len);
int	iw_out_flush(struct iw_out *o, char *err, size_t len);
int	iw_out_close(struct iw_out *o, bool sync, char *err, size_t len);

/* Streaming qcow2 -> raw conversion (qcow2.c). */
struct q2;
struct q2 *q2_new(struct iw_out *out, size_t buffer_max);
int	q2_feed(struct q2 *q, const uint8_t *p, size_t n, char *err, size_t len);
int	q2_finish(struct q2 *q, char *err, size_t len);
uint64_t q2_virtual_size(const struct q2 *q);
void	q2_free(struct q2 *q);

typedef void (*iw_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct iw_opts {
	const char	*url;
	const char	*disk;		/* device or file path */
	const char	*hash_algo;	/* sha256, sha512, md5 (NULL: none) */
	const char	*hash_value;
	const char	*disk_format;	/* raw, qcow2, NULL: detect */
	bool		 insecure;	/* skip TLS verification */
	const char	*ca_file;	/* CA(s) for https (NULL: the system's) */
	size_t		 qcow2_buffer_max;
	iw_progress_fn	 progress;
	void		*progress_arg;
};

struct iw_result {
	uint64_t	 bytes_in;	/* bytes downloaded */
	uint64_t	 image_size;	/* bytes of the disk image (virtual size) */
	uint64_t	 bytes_written;	/* data bytes written to the disk */
	char		 format[32];	/* e.g. "qcow2", "raw+gzip" */
	char		 hash[129];	/* hex digest computed */
	double		 seconds;
};

/*
 * Writes the image.  On any failure (download, format, checksum) the
 * disk's partition tables are wiped so a half-written image never boots.
 */
int	iw_write(const struct iw_opts *o, struct iw_result *r, char *err, size_t len);

/* Zeroes the first and last MiB of a disk (partition tables, GPT backup). */
int	iw_wipe_metadata(const char *disk, char *err, size_t len);
/* Zeroes a whole disk (discard/zero-out when the device can). */
int	iw_erase(const char *disk, char *err, size_t len);

#endif
