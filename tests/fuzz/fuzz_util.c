/*
 * The small parsers of src/common/util.c: MAC addresses, UUIDs, logical
 * names, integers; and the HTTP Range header of served files
 * (src/api/range.c).  Each result is checked against what it promises.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A range lies within the file; anything else is the whole file. */
static void
check_range(const char *h, uint64_t fsize)
{
	uint64_t off, len;
	char cr[64];
	enum range_kind k = range_parse(h, NULL, fsize, &off, &len);

	if (k == RANGE_PARTIAL && (len == 0 || off >= fsize || len > fsize - off))
		abort();
	if (k != RANGE_PARTIAL && (off != 0 || len != fsize))
		abort();
	if (k != RANGE_NONE && strchr(h, ',') != NULL)
		abort();
	range_content_range(k, off, len, fsize, cr, sizeof(cr));
	if ((k == RANGE_NONE) != (cr[0] == '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), mac[18], again[18];
	long v, lo, hi;

	memcpy(s, data, size);
	s[size] = '\0';

	if (util_normalize_mac(s, mac)) {
		/* 17 characters, lower-case hex pairs, unicast, not all zero;
		 * normalising the result gives it back. */
		if (strlen(mac) != 17 || !util_normalize_mac(mac, again) ||
		    strcmp(mac, again) != 0)
			abort();
		for (int i = 0; i < 17; i++)
			if (i % 3 == 2 ? mac[i] != ':' : !(isdigit((unsigned char)mac[i]) ||
			    (mac[i] >= 'a' && mac[i] <= 'f')))
				abort();
		if (strcmp(mac, "00:00:00:00:00:00") == 0 ||
		    (strtoul(mac, NULL, 16) & 1) != 0)
			abort();
		if (strncasecmp(s, mac, 2) != 0)
			abort();
	}
	if (util_is_uuid(s) && strlen(s) != 36)
		abort();
	if (util_is_valid_name(s)) {
		size_t n = strlen(s);
		if (n == 0 || n > 255)
			abort();
	}
	/* Bounds from the first bytes, the number from the whole string. */
	lo = size > 0 ? -(long)data[0] * 1000 : 0;
	hi = size > 1 ? (long)data[1] * 1000 : 65535;
	if (util_parse_int(s, lo, hi, &v)) {
		char *end;
		errno = 0;
		long w = strtol(s, &end, 10);
		if (v < lo || v > hi || v != w || *end != '\0' || errno != 0)
			abort();
	}
	if (util_parse_int(s, 0, 65535, &v) && (v < 0 || v > 65535))
		abort();
	check_range(s, size > 2 ? (uint64_t)data[2] << (data[0] % 40) : 0);
	free(s);
	return 0;
}
