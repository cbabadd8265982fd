/* HTTP byte ranges of served files (range.c). */
#ifndef INGOT_RANGE_H
#define INGOT_RANGE_H

#include <stddef.h>
#include <stdint.h>

enum range_kind {
	RANGE_NONE,		/* no usable Range: the whole file, 200 */
	RANGE_PARTIAL,		/* one satisfiable range: 206 */
	RANGE_UNSATISFIABLE,	/* 416 */
};

/* The Range and If-Range headers (either NULL) of a request for a file of
 * size bytes; *off and *len: the bytes to send (the whole file unless
 * RANGE_PARTIAL). */
enum range_kind	range_parse(const char *, const char *, uint64_t, uint64_t *,
		    uint64_t *);
/* The Content-Range value for a 206 or 416 ("" otherwise). */
void		range_content_range(enum range_kind, uint64_t, uint64_t, uint64_t,
		    char *, size_t);

#endif
