/*
 * /v1/allocations (Ironic 1.52) and /v1/nodes/{node}/allocation.
 *
 * A project-scoped caller creates allocations owned by its project
 * (another owner: 403), whose candidates are its nodes (owned or leased):
 * candidate_nodes and a backfilled node it does not see are "not found"
 * (400, as Ironic), and it lists, reads, changes and deletes only its own
 * allocations.  The conductor picks and claims the node
 * (conductor/allocation.c).
 */
#include <string.h>

#include "api.h"
#include "auth.h"
#include "conductor.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define MAX_CANDIDATES	1000

/* A node by UUID or name that the caller sees, or NULL. */
static json_t *
seen_node(const char *id)
{
	json_t *n = NULL;

	if (id == NULL)
		return NULL;
	if (util_is_uuid(id))
		n = store_get(store_thread(), &model_node, "uuid", id);
	else if (util_is_valid_name(id))
		n = store_get(store_thread(), &model_node, "name", id);
	if (n != NULL && auth_project_scoped() && !auth_is_my_project(jstr(n, "owner")) &&
	    !auth_is_my_project(jstr(n, "lessee"))) {
		json_decref(n);
		n = NULL;
	}
	return n;
}

static bool
check_keys(struct req *q, struct resp *r, json_t *b)
{
	static const struct { const char *k; int since; } keys[] = {
		{ "candidate_nodes", 52 }, { "extra", 52 }, { "name", 52 },
		{ "node", 58 }, { "owner", 60 }, { "resource_class", 52 },
		{ "traits", 52 }, { "uuid", 52 }, { NULL, 0 },
	};
	const char *k;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(b, tmp, k, v) {
		int i;
		for (i = 0; keys[i].k != NULL && strcmp(keys[i].k, k) != 0; i++)
			;
		if (keys[i].k == NULL || q->minor < keys[i].since) {
			api_error(r, keys[i].k && strcmp(k, "owner") == 0 ? 406 : 400,
			    "%s %s when creating an allocation%s",
			    keys[i].k ? "Cannot set" : "Unknown attribute", k,
			    keys[i].k ? " in this API version" : "");
			return false;
		}
		if (json_is_null(v))
			json_object_del(b, k);
	}
	return true;
}

static bool
check_fields(struct resp *r, json_t *b)
{
	const char *name = jstr(b, "name"), *rc = jstr(b, "resource_class");
	json_t *extra = json_object_get(b, "extra");

	if (json_object_get(b, "name") && (name == NULL || !util_is_valid_name(name) ||
	    util_is_uuid(name))) {
		api_error(r, 400, "Cannot create allocation with invalid name '%s'",
		    name ? name : "(not a string)");
		return false;
	}
	if ((json_object_get(b, "resource_class") && (rc == NULL || strlen(rc) > 80)) ||
	    (extra != NULL && !json_is_object(extra)) ||
	    (json_object_get(b, "uuid") && !util_is_uuid(jstr(b, "uuid"))) ||
	    (json_object_get(b, "owner") && (jstr(b, "owner") == NULL ||
	    strlen(jstr(b, "owner")) > 255))) {
		api_error(r, 400, "Invalid allocation: resource_class a string of at most "
		    "80 characters, extra an object, uuid a UUID, owner a string.");
		return false;
	}
	return api_traits_check(r, json_object_get(b, "traits"), "traits");
}

/* The owner: a project's own (403 for another), or as a system user gave. */
static bool
set_owner(struct resp *r, json_t *b)
{
	const char *o = jstr(b, "owner");

	if (!auth_project_scoped())
		return true;
	if (o != NULL && !auth_is_my_project(o)) {
		api_error(r, 403, "Cannot create allocation with an owner Project ID value "
		    "%s not matching the requestor Project ID %s.", o,
		    auth_current()->project);
		return false;
	}
	json_object_set_new(b, "owner", json_string(auth_current()->project));
	return true;
}

/* candidate_nodes by UUID or name -> UUIDs of nodes the caller sees. */
static bool
resolve_candidates(struct resp *r, json_t *b)
{
	json_t *c = json_object_get(b, "candidate_nodes"), *out, *x, *n;
	size_t i;

	if (c == NULL)
		return true;
	if (!json_is_array(c) || json_array_size(c) > MAX_CANDIDATES) {
		api_error(r, 400, "candidate_nodes must be a list of at most %d node "
		    "UUIDs or names.", MAX_CANDIDATES);
		return false;
	}
	out = json_array();
	json_array_foreach(c, i, x) {
		if ((n = seen_node(json_string_value(x))) == NULL) {
			api_error(r, 400, "Node %.300s could not be found.",
			    json_string_value(x) ? json_string_value(x) : "(not a string)");
			json_decref(out);
			return false;
		}
		json_array_append(out, json_object_get(n, "uuid"));
		json_decref(n);
	}
	json_object_set_new(b, "candidate_nodes", out);
	return true;
}

static json_t *
render(struct req *q, json_t *a, const struct fieldset *fs)
{
	return api_render(q, &model_allocation, a, fs, true);
}

void
h_allocation_create(struct req *q, struct resp *r)
{
	json_t *b = q->json, *node = NULL;
	char uuid[UUID_STR_LEN];
	struct ierr e = { 0 };

	if (!check_keys(q, r, b) || !check_fields(r, b) || !set_owner(r, b) ||
	    !resolve_candidates(r, b))
		return;
	if (json_object_get(b, "node") != NULL &&
	    (node = seen_node(jstr(b, "node"))) == NULL) {
		api_error(r, 400, "Node %.300s could not be found.", jstr(b, "node") ?
		    jstr(b, "node") : "(not a string)");
		return;
	}
	if (jstr(b, "resource_class") == NULL) {
		if (node == NULL || jstr(node, "resource_class") == NULL) {
			api_error(r, 400, "The resource_class field is mandatory when not "
			    "backfilling");
			goto out;
		}
		json_object_set(b, "resource_class", json_object_get(node, "resource_class"));
	}
	if (jstr(b, "uuid") == NULL) {
		if (node != NULL && jstr(node, "instance_uuid") != NULL)
			snprintf(uuid, sizeof(uuid), "%s", jstr(node, "instance_uuid"));
		else
			util_uuid_new(uuid);
		json_object_set_new(b, "uuid", json_string(uuid));
	}
	json_object_del(b, "node");
	if (cond_allocation_create(b, node ? jstr(node, "uuid") : NULL, &e) != 0) {
		api_ierr(r, &e);
		goto out;
	}
	log_info("allocation %s: %s", jstr(b, "uuid"), jstr(b, "state"));
	snprintf(r->location, sizeof(r->location), "%s/v1/allocations/%s", q->base,
	    jstr(b, "uuid"));
	api_json(r, 201, render(q, b, NULL));
out:
	json_decref(node);
}

void
h_allocations_list(struct req *q, struct resp *r)
{
	static const char *const eq[] = { "resource_class", "state", "owner", NULL };
	struct store_query sq = { 0 };
	struct fieldset fs;
	json_t *v[8] = { NULL }, *node = NULL;
	bool given;
	int nv = 0;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_allocation, &fs, &given))
		return;
	if (api_query(q, "owner") != NULL && q->minor < 60) {
		api_error(r, 406, "The owner filter needs API version 1.60 or later.");
		return;
	}
	if (auth_project_scoped()) {
		const char *o = api_query(q, "owner");
		if (o != NULL && !auth_is_my_project(o)) {
			api_error(r, 403, "Access was denied: allocations of another project.");
			return;
		}
		v[nv] = json_string(auth_current()->project);
		sq.filters[sq.nfilters++] = (struct store_filter){ "owner", SO_EQ, v[nv++],
		    NULL, NULL };
	}
	if (api_query(q, "node") != NULL) {
		if ((node = seen_node(api_query(q, "node"))) == NULL) {
			api_error(r, 400, "Node %.300s could not be found.", api_query(q, "node"));
			goto out;
		}
		v[nv] = json_incref(json_object_get(node, "uuid"));
		sq.filters[sq.nfilters++] = (struct store_filter){ "node_uuid", SO_EQ, v[nv++],
		    NULL, NULL };
	}
	for (int i = 0; eq[i] != NULL; i++) {
		if (api_query(q, eq[i]) == NULL || (auth_project_scoped() &&
		    strcmp(eq[i], "owner") == 0))
			continue;
		v[nv] = json_string(api_query(q, eq[i]));
		sq.filters[sq.nfilters++] = (struct store_filter){ eq[i], SO_EQ, v[nv++],
		    NULL, NULL };
	}
	if (sq.marker != NULL && auth_project_scoped()) {
		json_t *m = store_get(store_thread(), &model_allocation, "uuid", sq.marker);
		bool mine = m != NULL && auth_is_my_project(jstr(m, "owner"));
		json_decref(m);
		if (!mine) {
			api_error(r, 400, "Marker %s could not be found.", sq.marker);
			goto out;
		}
	}
	api_list_text(q, r, &model_allocation, &sq, given ? &fs : NULL, true,
	    "v1/allocations");
out:
	json_decref(node);
	for (int i = 0; i < nv; i++)
		json_decref(v[i]);
}

void
h_allocation_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;

	if (api_fields(q, r, &model_allocation, &fs, &given))
		api_json(r, 200, render(q, q->obj, given ? &fs : NULL));
}

void
h_allocation_patch(struct req *q, struct resp *r)
{
	json_t *upd;
	const char *name;
	char err[256], now[40];
	int rc;

	if ((upd = api_patch(q, r, &model_allocation, q->obj, q->json)) == NULL)
		return;
	name = jstr(upd, "name");
	if (name != NULL && (!util_is_valid_name(name) || util_is_uuid(name))) {
		api_error(r, 400, "Cannot update allocation with invalid name '%s'", name);
		goto done;
	}
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	rc = store_update(store_thread(), &model_allocation, upd, err, sizeof(err));
	if (rc == STORE_DUP)
		api_error(r, 409, "An allocation with name %s already exists.", name ? name : "");
	else if (rc != STORE_OK)
		api_error(r, rc == STORE_NOTFOUND ? 404 : 500, "Could not update allocation "
		    "%s", jstr(upd, "uuid"));
	else
		api_json(r, 200, render(q, upd, NULL));
done:
	json_decref(upd);
}

static void
delete_alloc(struct resp *r, json_t *a)
{
	struct ierr e = { 0 };

	if (cond_allocation_delete(a, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

void
h_allocation_delete(struct req *q, struct resp *r)
{
	delete_alloc(r, q->obj);
}

/* The allocation of the route's node; NULL with r filled (404, 403). */
static json_t *
node_allocation(struct req *q, struct resp *r)
{
	const char *nu = jstr(q->obj, "uuid");
	json_t *a = store_get(store_thread(), &model_allocation, "node_uuid", nu);

	if (a == NULL) {
		api_error(r, 404, "Allocation for node %s was not found", q->args[0]);
		return NULL;
	}
	if (auth_project_scoped() && !auth_is_my_project(jstr(a, "owner"))) {
		api_error(r, 403, "Access was denied: the allocation of node %s belongs "
		    "to another project.", q->args[0]);
		json_decref(a);
		return NULL;
	}
	return a;
}

void
h_node_allocation_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;
	json_t *a;

	if (!api_fields(q, r, &model_allocation, &fs, &given) ||
	    (a = node_allocation(q, r)) == NULL)
		return;
	api_json(r, 200, render(q, a, given ? &fs : NULL));
	json_decref(a);
}

void
h_node_allocation_delete(struct req *q, struct resp *r)
{
	json_t *a = node_allocation(q, r);

	if (a != NULL)
		delete_alloc(r, a);
	json_decref(a);
}
