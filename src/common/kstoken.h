/*
 * A Keystone v3 password session: one service user's project-scoped token,
 * fetched when first needed, renewed before it expires or when a service
 * refused it, and the service catalog that came with it.  Used by the
 * API's token validation ([auth] strategy keystone) and by the conductor's
 * calls to other services (the cinder storage interface).  The token and
 * the password are never logged; the token is wiped when replaced.
 */
#ifndef INGOT_KSTOKEN_H
#define INGOT_KSTOKEN_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define KS_TOKEN_MAX	1024

struct ks_session {
	const char	*url;		/* http://host:5000/v3, no trailing slash */
	const char	*username;
	const char	*password;
	const char	*project;
	const char	*user_domain;	/* names; "Default" when NULL or "" */
	const char	*project_domain;
	int		 timeout;	/* seconds per request; 0: 10 */
	/* state, under mtx */
	pthread_mutex_t	 mtx;
	char		 token[KS_TOKEN_MAX];
	time_t		 expires;
	json_t		*catalog;	/* the token's catalog, or NULL */
	char		 project_id[64];
};

/* "2026-11-28T23:14:04.000000Z" -> time_t; 0 if unparsable. */
time_t	ks_parse_time(const char *s);
/* Initialises s (mtx, empty state) with the settings already in it. */
void	ks_session_init(struct ks_session *s);
/*
 * A valid token copied into out (renewed first when renew, or when it
 * expires within two minutes): 0, or -1 with why in msg (no secrets).
 */
int	ks_session_token(struct ks_session *s, bool renew, char *out, size_t outlen,
	    char *msg, size_t len);
/* The catalog's endpoint of one of types (NULL-terminated) at iface
 * ("public", "internal", "admin") into out: 0, or -1 (why in msg).  Takes
 * a token first when none is held. */
int	ks_session_endpoint(struct ks_session *s, const char *const *types,
	    const char *iface, char *out, size_t outlen, char *msg, size_t len);
/* The service project's id (after a token was taken), into out. */
void	ks_session_project_id(struct ks_session *s, char *out, size_t outlen);

#endif
