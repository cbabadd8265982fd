/*
 * Routing: the table of routes (routes.def) and the one path every
 * request takes through it.
 *
 *   match method and path (404, 405)
 *   -> who calls (auth_identify: 401, 503)
 *   -> the route's first microversion (404, as Ironic)
 *   -> load the route's object, once (q->obj)
 *   -> the route's policy on it (auth_allow: 403; 404 for what a project
 *      may not see, the same body as for a missing object)
 *   -> parse the route's body (q->json; 400)
 *   -> 404 when the object does not exist
 *   -> the handler, which finds both in struct req.
 *
 * A system user is told 403 before 400 and 404, a project 404 before 403
 * and 400: what a caller may not do is refused before its input is read,
 * and a project learns nothing of objects it does not see.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "jsonutil.h"
#include "log.h"
#include "route.h"
#include "store.h"
#include "util.h"

static const struct route default_routes[] = {
#define ROUTE(m, p, fn, since, load, body, sys, prj, role)			\
	{ #m, p, fn, since, LOAD_##load, BODY_##body,				\
	    { SYS_##sys, PRJ_##prj, ROLE_##role } },
#include "routes.def"
#undef ROUTE
	{ .method = NULL },
};

static json_t *
store_load(const struct resource *res, const char *field, const char *value)
{
	return store_get(store_thread(), res, field, value);
}

/* The table served and how its objects are loaded (api_router_use). */
static const struct route *routes = default_routes;
static json_t *(*loader)(const struct resource *, const char *, const char *) = store_load;

void
api_router_use(const struct route *table,
    json_t *(*load)(const struct resource *, const char *field, const char *value))
{
	routes = table != NULL ? table : default_routes;
	loader = load != NULL ? load : store_load;
}

/* --- matching ----------------------------------------------------------- */

#define MAX_SEGS 12

static int
split(char *path, char **segs)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(path, "/", &save); t != NULL;
	    t = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return -1;
		segs[n++] = t;
	}
	return n;
}

static bool
match(const char *pattern, char **segs, int nsegs, struct req *q)
{
	char pat[256], *psegs[MAX_SEGS];
	int np, nargs = 0;

	snprintf(pat, sizeof(pat), "%s", pattern);
	np = split(pat, psegs);
	if (np != nsegs)
		return false;
	for (int i = 0; i < np; i++) {
		if (strcmp(psegs[i], "*") == 0) {
			if (nargs < API_MAX_ARGS)
				q->args[nargs++] = segs[i];
		} else if (strcmp(psegs[i], segs[i]) != 0) {
			return false;
		}
	}
	return true;
}

/*
 * The deploy ramdisks' routes are public and by default served only on
 * the provisioning networks' listeners (an agent token or a boot file
 * must not be one anonymous request away from anyone who reaches the API
 * port); those listeners serve nothing else but discovery.  A
 * conductor-only ingotd serves discovery, the ramdisks' routes and the
 * verbs other ingotd forward to it, not the rest of the public API.
 */
static bool
route_here(const struct req *q, const struct route *rt)
{
	/* A tenant network's listener: a node's sanboot script, nothing else. */
	if (q->tenant_ns != NULL || rt->access.system == SYS_SANBOOT)
		return q->tenant_ns != NULL && rt->access.system == SYS_SANBOOT;
	if (q->conductor_only && rt->access.system != SYS_PUBLIC &&
	    rt->access.system != SYS_RAMDISK && !api_forward_accepts(q, rt->pattern))
		return false;
	if (q->prov_only)
		return rt->access.system == SYS_PUBLIC || rt->access.system == SYS_RAMDISK;
	return rt->access.system != SYS_RAMDISK || q->ramdisk_here;
}

/* The route for q, with q->args set; NULL with r filled (404, 405). */
static const struct route *
route_find(struct req *q, struct resp *r, char *path)
{
	char *segs[MAX_SEGS];
	bool path_known = false;
	int n;

	if ((n = split(path, segs)) < 0) {
		api_error(r, 404, "The resource could not be found.");
		return NULL;
	}
	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		memset(q->args, 0, sizeof(q->args));
		if (!match(rt->pattern, segs, n, q) || !route_here(q, rt))
			continue;
		path_known = true;
		if (strcmp(rt->method, q->method) == 0) {
			q->route = rt->pattern;
			return rt;
		}
	}
	if (path_known)
		api_error(r, 405, "The method %s is not allowed for this resource.",
		    q->method);
	else
		api_error(r, 404, "The resource could not be found.");
	return NULL;
}

/* --- what a route loads -------------------------------------------------- */

static const struct {
	const struct resource	*res;
	const char		*name;		/* in the 404 */
} loadable[] = {
	[LOAD_NODE] = { &model_node, "Node" },
	[LOAD_NETWORK] = { &model_network, "Network" },
	[LOAD_PORT] = { &model_port, "Port" },
	[LOAD_PORTGROUP] = { &model_portgroup, "Portgroup" },
	[LOAD_ALLOCATION] = { &model_allocation, "Allocation" },
	[LOAD_CHASSIS] = { &model_chassis, "Chassis" },
	[LOAD_TEMPLATE] = { &model_deploy_template, "Deploy template" },
	[LOAD_RULE] = { &model_inspection_rule, "Inspection rule" },
};

/*
 * The object named by the route's first '*': by UUID, or by what else
 * names it (nodes: a name from 1.5; networks, portgroups, allocations: a name;
 * ports: a MAC address, or a name from 1.88).  NULL when there is none.
 */
static json_t *
load(const struct route *rt, const struct req *q)
{
	const struct resource *res = loadable[rt->load].res;
	const char *id = q->args[0];
	char mac[18];

	if (rt->load == LOAD_NONE || id == NULL)
		return NULL;
	if (util_is_uuid(id))
		return loader(res, "uuid", id);
	switch (rt->load) {
	case LOAD_NODE:
		if (q->minor < 5 || !util_is_valid_name(id))
			return NULL;
		return loader(res, "name", id);
	case LOAD_PORTGROUP:
	case LOAD_ALLOCATION:
		if (!util_is_valid_name(id))
			return NULL;
		/* FALLTHROUGH */
	case LOAD_NETWORK:
	case LOAD_TEMPLATE:
		return loader(res, "name", id);
	case LOAD_PORT:	/* a MAC address; from 1.88 a name */
		if (util_normalize_mac(id, mac))
			return loader(res, "address", mac);
		if (q->minor < 88 || !util_is_valid_name(id))
			return NULL;
		return loader(res, "name", id);
	default:
		return NULL;
	}
}

void
route_not_found(const struct route *rt, const struct req *q, struct ierr *e)
{
	ierr_set(e, IG_ENOTFOUND, "%s %s could not be found.",
	    loadable[rt->load].name ? loadable[rt->load].name : "Resource",
	    q->args[0] ? q->args[0] : "");
}

/* Parses the route's body into q->json; false with r filled (400). */
static bool
take_body(const struct route *rt, struct req *q, struct resp *r)
{
	switch (rt->body) {
	case BODY_NONE:
		return true;
	case BODY_OPTIONAL:
		if (q->body_len == 0)
			return true;
		/* FALLTHROUGH */
	case BODY_OBJECT:
		return (q->json = api_body(q, r, false)) != NULL;
	case BODY_ARRAY:
		return (q->json = api_body(q, r, true)) != NULL;
	}
	return true;
}

/* --- serving ----------------------------------------------------------- */

static void
serve(const struct route *rt, struct req *q, struct resp *r)
{
	struct ierr e = { 0 };

	if (auth_identify(q, rt, &e) != 0)
		goto refuse;
	if (!auth_current()->system)
		log_set_project(auth_current()->project);
	if (q->minor < rt->since) {
		ierr_set(&e, IG_ENOTFOUND, "The resource could not be found at API "
		    "version 1.%d; it needs 1.%d or later.", q->minor, rt->since);
		goto refuse;
	}
	q->obj = load(rt, q);
	if (auth_allow(rt, q, &e) != 0) {
		/* What a project may not see gets the body of what is not there. */
		if (e.code == IG_ENOTFOUND)
			route_not_found(rt, q, &e);
		goto refuse;
	}
	if (!take_body(rt, q, r))
		return;
	if (rt->load != LOAD_NONE && q->obj == NULL) {
		route_not_found(rt, q, &e);
		goto refuse;
	}
	if (rt->load == LOAD_NODE)
		log_set_node(jstr(q->obj, "uuid"));
	rt->fn(q, r);
	return;
refuse:
	api_ierr(r, &e);
	if (e.code == IG_EAUTH)
		r->www_authenticate = auth_www_authenticate();
}

void
api_dispatch(struct req *q, struct resp *r)
{
	const struct route *rt;
	char path[2048];

	snprintf(path, sizeof(path), "%s", q->path);
	if ((rt = route_find(q, r, path)) != NULL)
		serve(rt, q, r);
	json_decref(q->obj);
	json_decref(q->json);
	q->obj = q->json = NULL;
}

/* --- docs/api.md ----------------------------------------------------------- */

/* The name of a '*' after segment prev, in the docs ("nodes" -> node). */
static void
placeholder(const char *prev, char *out, size_t len)
{
	static const char *const odd[][2] = { { "history", "event" },
	    { "heartbeat", "node" }, { "ipxe", "mac" }, { "boot", "node" },
	    { "*", "file" }, { "conductors", "hostname" }, { "chassis", "chassis" }, { "console", "file" },
	    { "bios", "setting" }, { "indicators", "indicator" }, { "vmedia", "token.iso" },
	    { NULL, NULL } };
	size_t n = strlen(prev);

	for (int i = 0; odd[i][0] != NULL; i++)
		if (strcmp(prev, odd[i][0]) == 0) {
			snprintf(out, len, "%s", odd[i][1]);
			return;
		}
	snprintf(out, len, "%.*s", (int)(n > 1 && prev[n - 1] == 's' ? n - 1 : n), prev);
}

static void
print_path(FILE *fp, const char *pattern)
{
	char pat[256], *segs[MAX_SEGS], name[32];
	int n;

	snprintf(pat, sizeof(pat), "%s", pattern);
	n = split(pat, segs);
	fputc('/', fp);
	for (int i = 0; i < n; i++) {
		if (strcmp(segs[i], "*") == 0) {
			placeholder(i > 0 ? segs[i - 1] : "", name, sizeof(name));
			fprintf(fp, "{%s}", name);
		} else {
			fputs(segs[i], fp);
		}
		if (i + 1 < n)
			fputc('/', fp);
	}
}

/* What a project-scoped caller may do on rt, in words ("" for nothing). */
static const char *
project_words(const struct route *rt)
{
	bool net = rt->load == LOAD_NETWORK;

	if (rt->load == LOAD_ALLOCATION && rt->access.project != PRJ_NONE)
		return "its own (the allocation's owner)";
	switch (rt->access.project) {
	case PRJ_NONE:
		return "";
	case PRJ_ANY:
		return "any";
	case PRJ_USER:
		return net ? "its project's or shared" : "owner or lessee";
	case PRJ_OWNER:
		return net ? "its project's" : "owner";
	case PRJ_PROVISION:
		return "owner or lessee (lessee admin for manage, provide, clean, "
		    "inspect, adopt, service, unhold)";
	case PRJ_NET_CREATE:
		return "unshared tenant networks of its own";
	case PRJ_OWNER_LESSEE_ADMIN:
		return "owner, or the lessee's admin";
	}
	return "";
}

static void
print_access(FILE *fp, const struct route *rt)
{
	static const char *const sys[] = { [SYS_PUBLIC] = "anyone",
	    [SYS_PAGE] = "anyone, on the API listener (the web console's files)",
	    [SYS_RAMDISK] = "anyone, on provisioning listeners (deploy ramdisks)",
	    [SYS_SANBOOT] =
		"the node itself, on its tenant network's listener (its DHCP address)",
	    [SYS_READER] = "system reader", [SYS_MEMBER] = "system member",
	    [SYS_ADMIN] = "system admin" };
	static const char *const role[] = { [ROLE_NONE] = "project",
	    [ROLE_READER] = "project reader", [ROLE_MEMBER] = "project member",
	    [ROLE_ADMIN] = "project admin" };
	const char *p = project_words(rt);

	fputs(sys[rt->access.system], fp);
	if (*p != '\0')
		fprintf(fp, "; %s: %s", role[rt->access.project_role], p);
}

void
api_print_routes(FILE *fp)
{
	fprintf(fp, "<!-- Generated by `ingotd --print-routes markdown` from "
	    "src/api/routes.def; do not edit. -->\n");
	fprintf(fp, "| method | path | since | who may call it |\n|---|---|---|---|\n");
	for (const struct route *rt = routes; rt->method != NULL; rt++) {
		fprintf(fp, "| %s | `", rt->method);
		print_path(fp, rt->pattern);
		fprintf(fp, "` | 1.%d | ", rt->since);
		print_access(fp, rt);
		fprintf(fp, " |\n");
	}
}
