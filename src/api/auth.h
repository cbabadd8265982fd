/*
 * Authentication and authorisation of API requests.
 *
 * [auth] strategy = noauth (every caller is the system admin; refused
 * unless the API listens on loopback only) or http_basic (an htpasswd file
 * with bcrypt hashes, as Ironic's http_basic, plus a roles file mapping
 * each user to a project and roles).  Policy: see docs/security.md.
 */
#ifndef INGOT_API_AUTH_H
#define INGOT_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

enum auth_role { ROLE_NONE, ROLE_READER, ROLE_MEMBER, ROLE_ADMIN };

struct ident {
	char		 user[64];
	char		 project[64];	/* "" for system scope */
	bool		 system;
	enum auth_role	 role;
};

struct auth_conf {
	const char	*strategy;	/* noauth, http_basic */
	const char	*htpasswd_file;
	const char	*roles_file;
	const char	*listen;	/* to refuse noauth off loopback */
};

int	auth_configure(const struct auth_conf *c, char *err, size_t len);

/*
 * Authenticates the request and checks the route's policy; false: r holds
 * the error (401, 403 or 404).  Sets the thread's current identity.
 */
bool	auth_check(struct req *q, struct resp *r, const char *method,
	    const char *pattern);
/* Discovery and the agents' endpoints (lookup, heartbeat, images, boot). */
bool	auth_public_route(const char *pattern);
/* The identity of the request this thread serves. */
const struct ident *auth_current(void);
/* Project-scoped caller (sees only its projects' objects). */
bool	auth_project_scoped(void);

#endif
