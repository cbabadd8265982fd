/*
 * A node's traits (Ironic 1.37): GET, PUT {"traits": [...]} to replace
 * them, PUT .../traits/{trait} to add one, DELETE to remove one or all.
 * A name is one of os-traits' standard names or CUSTOM_[A-Z0-9_]+, at
 * most 255 characters, as Ironic checks them; the conductor keeps at
 * most 50 per node.  Every change takes the node's lock.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "jsonutil.h"
#include "log.h"

static const char *const std_traits[] = {
#include "os_traits.inc"
};

static int
cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool
api_trait_valid(const char *t)
{
	size_t n = t != NULL ? strlen(t) : 0;

	if (n == 0 || n > 255)
		return false;
	if (strncmp(t, "CUSTOM_", 7) == 0)
		return n > 7 && strspn(t + 7, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
		    n - 7;
	return bsearch(t, std_traits, sizeof(std_traits) / sizeof(std_traits[0]),
	    sizeof(std_traits[0]), cmp_name) != NULL;
}

bool
api_traits_check(struct resp *r, json_t *list, const char *what)
{
	json_t *t;
	size_t i;

	if (list == NULL || json_is_null(list))
		return true;
	if (!json_is_array(list)) {
		api_error(r, 400, "Invalid %s: a list of trait names is expected.", what);
		return false;
	}
	json_array_foreach(list, i, t)
		if (!api_trait_valid(json_string_value(t))) {
			api_error(r, 400, "Invalid trait %.300s in %s: a trait is a standard "
			    "trait name (os-traits) or CUSTOM_ followed by A-Z, 0-9 and _, "
			    "at most 255 characters.", json_string_value(t) ?
			    json_string_value(t) : "(not a string)", what);
			return false;
		}
	return true;
}

void
h_node_traits(struct req *q, struct resp *r)
{
	api_json(r, 200, json_pack("{s:O}", "traits", json_object_get(q->obj, "traits")));
}

static void
apply(struct req *q, struct resp *r, enum cond_traits_op op, json_t *arg)
{
	struct ierr e = { 0 };

	if (cond_node_traits(q->obj, op, arg, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

/* PUT /v1/nodes/{node}/traits {"traits": [...]}: replaces them all. */
void
h_node_traits_set(struct req *q, struct resp *r)
{
	json_t *list = json_object_get(q->json, "traits");

	if (json_object_size(q->json) != 1 || !json_is_array(list)) {
		api_error(r, 400, "A single node trait may be added via PUT "
		    "/v1/nodes/<node identifier>/traits/<trait> with no body, or all "
		    "node traits may be replaced via PUT /v1/nodes/<node "
		    "identifier>/traits with the list of traits (and nothing else) in "
		    "the body: {\"traits\": [...]}.");
		return;
	}
	if (api_traits_check(r, list, "traits"))
		apply(q, r, TRAITS_REPLACE, list);
}

/* PUT /v1/nodes/{node}/traits/{trait}: adds one; no body. */
void
h_node_trait_add(struct req *q, struct resp *r)
{
	const char *t = q->args[1];
	json_t *body = q->body_len > 0 ? json_loadb(q->body, q->body_len, 0, NULL) : NULL;
	bool has_body = body != NULL ? !(json_is_object(body) && json_object_size(body) == 0) :
	    q->body_len > 0;
	json_t *name;

	json_decref(body);
	if (has_body) {
		api_error(r, 400, "No body should be provided when adding a trait");
		return;
	}
	if (!api_trait_valid(t)) {
		api_error(r, 400, "Invalid trait %.300s: a trait is a standard trait "
		    "name (os-traits) or CUSTOM_ followed by A-Z, 0-9 and _, at most "
		    "255 characters.", t);
		return;
	}
	name = json_string(t);
	apply(q, r, TRAITS_ADD, name);
	json_decref(name);
	if (r->status == 204)
		snprintf(r->location, sizeof(r->location), "%s/v1/nodes/%s/traits/%s",
		    q->base, jstr(q->obj, "uuid"), t);
}

/* DELETE /v1/nodes/{node}/traits: removes them all. */
void
h_node_traits_clear(struct req *q, struct resp *r)
{
	apply(q, r, TRAITS_CLEAR, NULL);
}

/* DELETE /v1/nodes/{node}/traits/{trait}: 404 when the node lacks it. */
void
h_node_trait_remove(struct req *q, struct resp *r)
{
	json_t *name = json_string(q->args[1]);

	if (name == NULL) {
		api_error(r, 404, "Node %s doesn't have a trait", jstr(q->obj, "uuid"));
		return;
	}
	apply(q, r, TRAITS_REMOVE, name);
	json_decref(name);
}
