/*
 * Authentication and authorisation of API requests.
 *
 * [auth] strategy = noauth (every caller is the system admin; refused
 * unless the API listens on loopback only) or http_basic (an htpasswd file
 * with bcrypt hashes, as Ironic's http_basic, plus a roles file mapping
 * each user to a project and roles) or keystone (X-Auth-Token validated
 * by a Keystone v3 endpoint, keystone.c).  Policy: see docs/security.md.
 */
#ifndef INGOT_API_AUTH_H
#define INGOT_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"
#include "keystone.h"
#include "ierr.h"
#include "route.h"

struct ident {
	char		 user[64];
	char		 project[64];	/* "" for system scope; keystone: the ID */
	char		 project_name[128];	/* keystone: the name ("" otherwise) */
	bool		 system;
	enum auth_role	 role;
};

struct auth_conf {
	const char	*strategy;	/* noauth, http_basic, keystone */
	const char	*htpasswd_file;
	const char	*roles_file;
	const char	*listen;	/* to refuse noauth off loopback */
	int		 failed_auth_window_ms;	/* one bcrypt per user+source in it */
	struct keystone_conf keystone;
};

int	auth_configure(const struct auth_conf *c, char *err, size_t len);
/*
 * auth_act_as - this thread acts as the http_basic user name, without its
 * password: for callers in the process that have no request (the fuzzers).
 * 0, or -1 when there is no such user with a role.
 */
int	auth_act_as(const char *name);
/* Reads the htpasswd and roles files again (SIGHUP) and replaces the
 * users at once; a file that does not parse changes nothing. */
int	auth_reload(const char *htpasswd_file, const char *roles_file, char *err,
	    size_t len);
bool	auth_basic_enabled(void);

/*
 * auth_identify - who calls rt: sets the thread's identity (the system
 * admin for public routes and noauth).  0, or -1 with e: IG_EAUTH (401)
 * or IG_EUNAVAIL (503, Keystone unreachable).
 */
int	auth_identify(struct req *q, const struct route *rt, struct ierr *e);
/*
 * auth_allow - rt's policy for the identified caller on q->obj, the
 * object the route loaded (NULL: none, or it does not exist).  0, or -1
 * with e: IG_EFORBIDDEN (403), or IG_ENOTFOUND (404: the router answers
 * as for a missing object) for a node or network a project may not see.
 */
int	auth_allow(const struct route *rt, struct req *q, struct ierr *e);
/* The identity of the request this thread serves. */
const struct ident *auth_current(void);
/* Project-scoped caller (sees only its projects' objects). */
bool	auth_project_scoped(void);
/* The WWW-Authenticate header of a 401. */
const char *auth_www_authenticate(void);
/*
 * JSON Patch policy for one pointer of an operation on obj (a res):
 * write (path of add/replace/remove, from of move) or read (from of copy,
 * path of test).  false with why for a 403.
 */
bool	auth_patch_field(const struct resource *res, json_t *obj, const char *ptr,
	    bool write, char *why, size_t len);
/* The caller may read secrets (the system admin, or noauth). */
bool	auth_may_read_secrets(void);
/* A project-scoped caller's project is p (its ID or, with keystone, name). */
bool	auth_is_my_project(const char *p);

#endif
