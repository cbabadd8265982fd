/*
 * A route of the REST API: method and path pattern, the handler, the
 * microversion that introduced it, who may call it (its access policy),
 * the object it loads and the body it takes.  The rows are in routes.def;
 * router.c serves them, auth.c decides their policy, and docs/api.md's
 * table of routes is printed from them (ingotd --print-routes markdown).
 */
#ifndef INGOT_API_ROUTE_H
#define INGOT_API_ROUTE_H

#include <stdbool.h>
#include <stdio.h>

#include "api.h"
#include "ierr.h"

/* A caller's role, system- or project-scoped (auth.c). */
enum auth_role { ROLE_NONE, ROLE_READER, ROLE_MEMBER, ROLE_ADMIN };

/* Who may call a route: anyone, deploy ramdisks, or system-scoped users
 * with at least this role (noauth: everyone is the system admin). */
enum route_system {
	SYS_PUBLIC,		/* discovery: anyone, on every listener */
	SYS_PAGE,		/* the web console's files: anyone, API listener only */
	SYS_RAMDISK,		/* anyone, on provisioning listeners only */
	SYS_SANBOOT,		/* anyone, on tenant networks' listeners only */
	SYS_READER,
	SYS_MEMBER,
	SYS_ADMIN,
};

/*
 * What a project-scoped caller may do.  On a route that loads a node or a
 * network, a project first must see the object (a node it owns or
 * leases; a network of its project, or shared): else 404, as for an
 * object that does not exist.  Then this rule, then the role.
 */
enum route_project {
	PRJ_NONE,		/* no project may (403) */
	PRJ_ANY,		/* every project (the handler filters what it sees) */
	PRJ_USER,		/* the node's owner or lessee; any network it sees */
	PRJ_OWNER,		/* the node's owner; the network's project */
	PRJ_PROVISION,		/* owner; lessee (its admin for verbs preparing the node) */
	PRJ_NET_CREATE,		/* unshared tenant networks of its own project */
	PRJ_OWNER_LESSEE_ADMIN,	/* the node's owner (the row's role); its lessee's admin */
};

/* The object a route loads from its first '*' before the policy decides. */
enum route_load {
	LOAD_NONE,
	LOAD_NODE,		/* UUID, or name from 1.5 */
	LOAD_NETWORK,		/* UUID or name */
	LOAD_PORT,		/* UUID or MAC address; name from 1.88 */
	LOAD_PORTGROUP,		/* UUID or name */
	LOAD_ALLOCATION,	/* UUID or name */
	LOAD_CHASSIS,		/* UUID */
	LOAD_TEMPLATE,		/* deploy template: UUID or name */
	LOAD_RULE,		/* inspection rule: UUID */
};

/* The request body a route takes, parsed before its handler (q->json). */
enum route_body {
	BODY_NONE,
	BODY_OBJECT,
	BODY_ARRAY,
	BODY_OPTIONAL,		/* an object when there is a body */
};

struct route_access {
	enum route_system	 system;
	enum route_project	 project;
	enum auth_role		 project_role;	/* the least project role */
};

struct route {
	const char		*method;
	const char		*pattern;	/* segments, '*' matches one */
	void			(*fn)(struct req *, struct resp *);
	int			 since;		/* first microversion 1.since */
	enum route_load		 load;
	enum route_body		 body;
	struct route_access	 access;
};

/*
 * Serve table (ended by a row with a NULL method) and load route objects
 * with load instead of routes.def and the store; NULL: those.  For the
 * HTTP fuzzer, before any request.
 */
void	api_router_use(const struct route *table,
	    json_t *(*load)(const struct resource *, const char *field, const char *value));
/* Routes the request (404, 405), then serves it (router.c). */
void	api_dispatch(struct req *q, struct resp *r);
/* The 404 of rt's object when it does not exist (or is not seen). */
void	route_not_found(const struct route *rt, const struct req *q, struct ierr *e);
/* docs/api.md's table of routes. */
void	api_print_routes(FILE *fp);

#endif
