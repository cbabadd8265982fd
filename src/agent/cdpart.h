/*
 * The config drive on the root disk (cdpart.c), as IPA writes it: the
 * gzip+base64 image decoded, then written to a partition of its own at
 * the end of the disk, added to the disk's GPT or MBR.
 */
#ifndef INGOT_AGENT_CDPART_H
#define INGOT_AGENT_CDPART_H

#include <stddef.h>
#include <stdint.h>

#define CDP_MAX		(64u << 20)	/* a decoded config drive; the end window */

struct cdp_result {
	int		 number;	/* the partition's number (1-based) */
	uint64_t	 offset;	/* bytes */
	uint64_t	 size;		/* bytes */
	char		 sha256[65];	/* of the image, read back from the disk */
	int		 reused;	/* an existing config-2 partition was rewritten */
};

/* base64 text (white space allowed) of a gzipped or plain image, at most
 * CDP_MAX bytes once decoded: malloc'd bytes in *out, or -1 with err. */
int	cdp_decode(const char *b64, unsigned char **out, size_t *len, char *err,
	    size_t errlen);

/*
 * Writes the image to the disk's config-2 partition if it has one big
 * enough, else to a new partition within CDP_MAX of the disk's end (GPT:
 * a free entry, the backup table moved to the disk's end; MBR: a free
 * primary slot, below 2 TiB).  Never over an existing partition; the
 * image is read back and compared before the table is written.
 */
int	cdp_write(const char *disk, const unsigned char *img, size_t len,
	    struct cdp_result *r, char *err, size_t errlen);

#endif
