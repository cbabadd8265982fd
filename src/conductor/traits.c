/*
 * A node's traits (Ironic 1.37): replaced, added or removed under the
 * node's lock, kept sorted and unique, at most COND_MAX_TRAITS.  The API
 * checks the names (src/api/traits.c); allocations read them.
 */
#include <stdlib.h>
#include <string.h>

#include "conductor.h"
#include "log.h"
#include "node.h"

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of list, sorted, without repeats, as a new array. */
static json_t *
sorted_unique(json_t *list)
{
	size_t n = json_array_size(list), i;
	const char **v = calloc(n + 1, sizeof(*v));
	json_t *out = json_array(), *x;

	if (v == NULL)
		return out;
	json_array_foreach(list, i, x)
		v[i] = json_string_value(x) ? json_string_value(x) : "";
	qsort(v, n, sizeof(*v), by_name);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			json_array_append_new(out, json_string(v[i]));
	free(v);
	return out;
}

/* The node's traits after op, or NULL with e set. */
static json_t *
edited(json_t *node, enum cond_traits_op op, json_t *arg, struct ierr *e)
{
	json_t *cur = json_object_get(node, "traits"), *next, *x;
	const char *t = json_string_value(arg);
	size_t i;

	if (!json_is_array(cur))
		cur = NULL;
	if (op == TRAITS_REPLACE)
		return json_deep_copy(arg);
	if (op == TRAITS_CLEAR)
		return json_array();
	next = cur ? json_deep_copy(cur) : json_array();
	if (op == TRAITS_ADD) {
		json_array_append_new(next, json_string(t));
		return next;
	}
	json_array_foreach(next, i, x)
		if (json_string_value(x) && strcmp(json_string_value(x), t) == 0) {
			json_array_remove(next, i);
			return next;
		}
	json_decref(next);
	ierr_set(e, IG_ENOTFOUND, "Node %s doesn't have a trait '%s'",
	    node_get(node, "uuid"), t);
	return NULL;
}

int
cond_node_traits(json_t *in, enum cond_traits_op op, json_t *arg, struct ierr *e)
{
	const char *uuid = node_get(in, "uuid");
	json_t *node, *next, *uniq;
	int rc = -1;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if ((next = edited(node, op, arg, e)) == NULL)
		goto out;
	uniq = sorted_unique(next);
	json_decref(next);
	if (json_array_size(uniq) > COND_MAX_TRAITS) {
		ierr_set(e, IG_EINVAL, "Could not modify traits for node %s as it would "
		    "exceed the maximum number of traits per node (%zu vs. %d)", uuid,
		    json_array_size(uniq), COND_MAX_TRAITS);
		json_decref(uniq);
		goto out;
	}
	json_object_set_new(node, "traits", uniq);
	if (node_save(node, e) != 0)
		goto out;
	log_info("traits now %zu", json_array_size(uniq));
	rc = 0;
out:
	node_unlock(uuid);
	json_decref(node);
	return rc;
}
