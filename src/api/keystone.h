/*
 * [auth] strategy = keystone: X-Auth-Token validated against a Keystone v3
 * endpoint (GET /auth/tokens with ingotd's own service token), results
 * remembered for a bounded time.
 */
#ifndef INGOT_API_KEYSTONE_H
#define INGOT_API_KEYSTONE_H

#include <stddef.h>

struct ident;

struct keystone_conf {
	const char	*url;		/* http://host:5000/v3 */
	const char	*username;	/* ingotd's service user ... */
	const char	*password;
	const char	*project;
	const char	*user_domain;
	const char	*project_domain;
	const char	*service_token_file;	/* ... or a fixed service token */
	int		 cache_seconds;
};

enum ks_result { KS_OK, KS_INVALID, KS_UNAVAILABLE };

int	keystone_configure(const struct keystone_conf *c, char *err, size_t len);
/* Validates a user's token; KS_UNAVAILABLE: why in msg (no secrets). */
enum ks_result keystone_validate(const char *token, struct ident *out, char *msg,
	    size_t len);

#endif
