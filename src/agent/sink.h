/*
 * Where a decoder puts what it decodes: a byte-addressed destination (a
 * disk, a file, a test buffer) seen through two functions and a context.
 * The qcow2 reader writes only through this; it knows nothing of disks.
 */
#ifndef INGOT_AGENT_SINK_H
#define INGOT_AGENT_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink {
	void		*ctx;
	uint64_t	 size;		/* bytes it holds; 0: unknown or growable */
	/* Both return 0, or -1 with a reason in err. */
	int		(*write)(void *ctx, uint64_t off, const void *p, size_t n,
			    char *err, size_t len);
	int		(*zero)(void *ctx, uint64_t off, uint64_t n, char *err,
			    size_t len);
};

#endif
