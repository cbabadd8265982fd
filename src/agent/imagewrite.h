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

typedef void (*iw_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct iw_opts {
	const char	*url;
	const char	*disk;		/* device or file path */
	uint64_t	 offset;	/* with size: into this window of the disk */
	uint64_t	 size;		/* (a partition); 0: the whole disk */
	const char	*hash_algo;	/* sha256, sha512, md5 (NULL: none) */
	const char	*hash_value;
	const char	*disk_format;	/* raw, qcow2, NULL: detect */
	bool		 insecure;	/* skip TLS verification */
	const char	*ca_file;	/* CA(s) for https (NULL: the system's) */
	size_t		 qcow2_buffer_max;
	bool		 direct_io;	/* aligned writes with O_DIRECT */
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


#endif
