#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <uuid/uuid.h>

#include "log.h"

void
util_uuid_new(char out[UUID_STR_LEN])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

bool
util_is_uuid(const char *s)
{
	uuid_t u;

	return s != NULL && strlen(s) == 36 && uuid_parse(s, u) == 0;
}

bool
util_is_valid_name(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 255)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'))
			return false;
	}
	return true;
}

bool
util_normalize_mac(const char *in, char out[18])
{
	unsigned int v[6];
	char sep;
	int n;
	bool zero = true;

	if (in == NULL || strlen(in) != 17)
		return false;
	sep = in[2];
	if (sep != ':' && sep != '-')
		return false;
	for (int i = 0; i < 6; i++) {
		const char *p = in + i * 3;
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return false;
		if (i < 5 && p[2] != sep)
			return false;
		n = sscanf(p, "%2x", &v[i]);
		if (n != 1)
			return false;
		if (v[i] != 0)
			zero = false;
	}
	if (zero || (v[0] & 1))
		return false;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", v[0] & 0xffu, v[1] & 0xffu, v[2] & 0xffu,
	    v[3] & 0xffu, v[4] & 0xffu, v[5] & 0xffu);
	return true;
}

void
util_now_iso(char out[40])
{
	struct timespec now;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%.20s.%06d+00:00", base, (int)(now.tv_nsec / 1000) % 1000000);
}

double
util_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
util_deadline_ms(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

double
util_wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *
util_strdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d == NULL)
		fatalx("out of memory");
	return d;
}

void *
util_calloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

bool
util_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Every member whose name is a secret's, at any depth, becomes "******". */
static void
mask_in_place(json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > 64)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (util_is_secret_key(k) && !json_is_null(x))
				json_object_set_new(v, k, json_string("******"));
			else
				mask_in_place(x, depth + 1);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			mask_in_place(x, depth + 1);
	}
}

bool
util_is_secret_key(const char *s)
{
	static const char *const words[] = { "password", "secret", "token", "key",
	    "credential", NULL };

	for (size_t i = 0; words[i] != NULL; i++)
		if (strcasestr(s, words[i]) != NULL)
			return true;
	return false;
}

json_t *
util_mask_secrets(json_t *v)
{
	json_t *out = json_deep_copy(v);

	mask_in_place(out, 0);
	return out;
}

bool
util_random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t got = 0;

	if (nbytes > sizeof(b))
		return false;
	while (got < nbytes) {
		ssize_t n = getrandom(b + got, nbytes - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	for (size_t i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	explicit_bzero(b, sizeof(b));
	return true;
}
