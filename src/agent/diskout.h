/*
 * Where image bytes go: a block device or a regular file.  Writes are
 * combined into 4 MiB buffers that a writer thread puts on the disk while
 * the next buffer fills (download, hashing and decompression overlap the
 * disk writes).
 */
#ifndef INGOT_AGENT_DISKOUT_H
#define INGOT_AGENT_DISKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "sink.h"

struct diskout {
	int		 fd;
	int		 dfd;		/* the same, O_DIRECT (-1: none) */
	bool		 blk;		/* block device (else regular file) */
	uint64_t	 dev_size;	/* 0: unknown / growable file */
	uint64_t	 base;		/* device offset of offset 0 (a partition) */
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

int	diskout_open(struct diskout *o, const char *path, char *err, size_t len);
/* The window [base, base + size) of the device only (a partition): offsets
 * are relative to base, and nothing is written past size. */
int	diskout_open_at(struct diskout *o, const char *path, uint64_t base,
	    uint64_t size, char *err, size_t len);
/* Aligned writes bypass the page cache from now on; -1 if the file system
 * refuses O_DIRECT (writes stay buffered). */
int	diskout_direct(struct diskout *o, const char *path);
int	diskout_write(struct diskout *o, uint64_t off, const void *p, size_t n,
	    char *err, size_t len);
int	diskout_zero(struct diskout *o, uint64_t off, uint64_t n, char *err, size_t len);
int	diskout_flush(struct diskout *o, char *err, size_t len);
int	diskout_close(struct diskout *o, bool sync, char *err, size_t len);

/* The output as a sink (its size is dev_size as of this call). */
struct sink diskout_sink(struct diskout *o);

/* A page-aligned buffer (the kernel copies to and from it at full speed). */
void	*diskout_alloc(size_t n);
/* pwrite until done; errno value or 0; err may be NULL. */
int	diskout_pwrite(int fd, const uint8_t *p, size_t n, uint64_t off, char *err,
	    size_t len);

#endif
