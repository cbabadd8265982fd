/*
 * The small parsers of src/common/util.c: MAC addresses, UUIDs, logical
 * names, integers.  Each result is checked against what it promises.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	free(s);
	return 0;
}
