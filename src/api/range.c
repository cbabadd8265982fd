/*
 * HTTP byte ranges (RFC 9110 section 14) for the files ingotd serves to
 * BMCs: one range is answered 206 with Content-Range; a range that starts
 * past the end is 416 with "Content-Range: bytes *\/SIZE".  Everything
 * else is answered with the whole file (200), as the RFC lets a server
 * do: a malformed header, another unit, several ranges (no multipart
 * bodies: a request of many small or overlapping ranges costs no more
 * than one of the whole file), or an If-Range (ingotd sends no validator
 * it could match).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "range.h"

/* Decimal digits at *s into *v, saturating at UINT64_MAX; the count of
 * digits read (0: none). */
static size_t
digits(const char **s, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	for (; isdigit((unsigned char)**s); (*s)++, n++) {
		unsigned d = (unsigned)(**s - '0');
		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
	}
	return n;
}

static const char *
skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One range-spec "a-b", "a-" or "-n" and nothing after it but spaces. */
static enum range_kind
spec(const char *s, uint64_t size, uint64_t *off, uint64_t *len)
{
	uint64_t a, b;
	size_t na, nb;

	s = skip_ws(s);
	na = digits(&s, &a);
	if (*s++ != '-')
		return RANGE_NONE;
	nb = digits(&s, &b);
	if (*skip_ws(s) != '\0' || (na == 0 && nb == 0) || (na > 0 && nb > 0 && b < a))
		return RANGE_NONE;
	if (na == 0) {			/* the last b bytes */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*len = b < size ? b : size;
		*off = size - *len;
		return RANGE_PARTIAL;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	if (nb == 0 || b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return RANGE_PARTIAL;
}

enum range_kind
range_parse(const char *hdr, const char *if_range, uint64_t size, uint64_t *off,
    uint64_t *len)
{
	enum range_kind k;

	*off = 0;
	*len = size;
	if (hdr == NULL || if_range != NULL)
		return RANGE_NONE;
	hdr = skip_ws(hdr);
	if (strncasecmp(hdr, "bytes", 5) != 0)
		return RANGE_NONE;
	hdr = skip_ws(hdr + 5);
	if (*hdr++ != '=' || strchr(hdr, ',') != NULL)
		return RANGE_NONE;
	k = spec(hdr, size, off, len);
	if (k != RANGE_PARTIAL) {
		*off = 0;
		*len = size;
	}
	return k;
}

void
range_content_range(enum range_kind k, uint64_t off, uint64_t len, uint64_t size,
    char *buf, size_t buflen)
{
	if (k == RANGE_PARTIAL)
		snprintf(buf, buflen, "bytes %llu-%llu/%llu", (unsigned long long)off,
		    (unsigned long long)(off + len - 1), (unsigned long long)size);
	else if (k == RANGE_UNSATISFIABLE)
		snprintf(buf, buflen, "bytes */%llu", (unsigned long long)size);
	else if (buflen > 0)
		buf[0] = '\0';
}
