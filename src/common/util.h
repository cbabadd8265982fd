/* Small helpers shared by every component. */
#ifndef INGOT_UTIL_H
#define INGOT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <time.h>

#define UUID_STR_LEN 37

void	util_uuid_new(char out[UUID_STR_LEN]);
bool	util_is_uuid(const char *s);
/* Ironic's logical name rules: RFC 3986 unreserved characters, at most 255. */
bool	util_is_valid_name(const char *s);
/* Accepts aa:bb:cc:dd:ee:ff (any case, also '-' separated); writes the
 * lower-case colon form. Multicast and all-zero addresses are rejected. */
bool	util_normalize_mac(const char *in, char out[18]);
/* ISO 8601 UTC with microseconds and +00:00, as Ironic prints it. */
void	util_now_iso(char out[40]);
double	util_mono_now(void);
/* *ts = CLOCK_REALTIME now + ms (a pthread_cond_timedwait deadline). */
void	util_deadline_ms(struct timespec *ts, long ms);
/* Seconds since the epoch (wall clock: survives restarts, may jump). */
double	util_wall_now(void);
char	*util_strdup(const char *s);	/* aborts on OOM */
/* A name (or text) mentioning password, secret, token, key or credential,
 * in any case (IPMI_PASSWORD, redfish.Password). */
bool	util_is_secret_key(const char *s);
/* A deep copy with every secret-named member, at any depth, "******". */
json_t	*util_mask_secrets(json_t *v);
void	*util_calloc(size_t n, size_t sz);
/* nbytes from the kernel's CSPRNG as 2*nbytes hex digits and a NUL in out
 * (tokens, ids); false when no randomness could be had. */
bool	util_random_hex(char *out, size_t nbytes);
bool	util_parse_int(const char *s, long min, long max, long *out);

#endif
