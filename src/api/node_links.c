/*
 * What Ironic's API 1.82 to 1.86 added to nodes: shards (1.82: the
 * `shard` field, its filters and GET /v1/shards), parent and child nodes
 * (1.83: `parent_node`, GET /v1/nodes/{node}/children and the list's
 * child filters) and the firmware components (1.86).
 */
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "api.h"
#include "auth.h"
#include "store.h"
#include "util.h"

#define SHARD_MAX 255		/* Ironic's column */
#define PARENT_DEPTH_MAX 16	/* a longer chain of parents is refused */

static bool
too_old(struct req *q, struct resp *r, int need)
{
	if (q->minor >= need)
		return false;
	api_error(r, 406, "Request not acceptable. The minimal required API version "
	    "should be 1.%d", need);
	return true;
}

static void
add_filter(struct store_query *sq, const char *field, enum store_op op, json_t *v,
    json_t **held, int *nh)
{
	if (v != NULL)
		held[(*nh)++] = v;
	sq->filters[sq->nfilters].field = field;
	sq->filters[sq->nfilters].op = op;
	sq->filters[sq->nfilters++].value = v;
}

bool
api_shard_query(struct req *q, struct resp *r, json_t **out)
{
	const char *v = api_query(q, "shard");
	char buf[4096], *save = NULL;
	json_t *in;

	*out = NULL;
	if (v == NULL)
		return true;
	if (too_old(q, r, 82))
		return false;
	snprintf(buf, sizeof(buf), "%s", v);
	in = json_array();
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save))
		if (*t != '\0')
			json_array_append_new(in, json_string(t));
	if (json_array_size(in) == 0 || json_array_size(in) > STORE_MAX_IN) {
		api_error(r, 400, "Invalid shard filter: give 1 to %d shard names.",
		    STORE_MAX_IN);
		json_decref(in);
		return false;
	}
	*out = in;
	return true;
}

/* ?shard=a,b (1.82): the nodes of those shards. */
static bool
shard_filter(struct req *q, struct resp *r, struct store_query *sq, json_t **held,
    int *nh)
{
	json_t *in;

	if (!api_shard_query(q, r, &in))
		return false;
	if (in != NULL)
		add_filter(sq, "shard", SO_IN, in, held, nh);
	return true;
}

/* The UUID of the node named ident (UUID or name), or NULL. */
static json_t *
find_node(const char *ident)
{
	if (util_is_uuid(ident))
		return store_get(store_thread(), &model_node, "uuid", ident);
	if (!util_is_valid_name(ident))
		return NULL;
	return store_get(store_thread(), &model_node, "name", ident);
}

/* ?include_children, ?parent_node (1.83); without them, child nodes are
 * not listed (at every version, as Ironic's database layer does). */
static bool
child_filters(struct req *q, struct resp *r, struct store_query *sq, json_t **held,
    int *nh)
{
	const char *parent = api_query(q, "parent_node");
	int inc = -1;
	json_t *p;

	if (!api_query_bool(q, r, "include_children", &inc))
		return false;
	if ((inc >= 0 || parent != NULL) && too_old(q, r, 83))
		return false;
	if (inc == 1)
		return true;
	if (parent == NULL) {
		add_filter(sq, "parent_node", SO_NULL, NULL, held, nh);
		return true;
	}
	p = find_node(parent);
	add_filter(sq, "parent_node", SO_EQ, json_string(p ? jstr(p, "uuid") : parent),
	    held, nh);
	json_decref(p);
	return true;
}

bool
api_node_link_filters(struct req *q, struct resp *r, struct store_query *sq,
    json_t **held, int *nh)
{
	int sharded = -1;

	if (!shard_filter(q, r, sq, held, nh) ||
	    !api_query_bool(q, r, "sharded", &sharded))
		return false;
	if (sharded >= 0) {
		if (too_old(q, r, 82))
			return false;
		add_filter(sq, "shard", sharded ? SO_NOTNULL : SO_NULL, NULL, held, nh);
	}
	return child_filters(q, r, sq, held, nh);
}

static bool
differs(json_t *old, json_t *upd, const char *k)
{
	const char *a = old ? jstr(old, k) : NULL, *b = jstr(upd, k);

	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

/* Whether parent p (loaded) may be given to node n: visible to the caller,
 * of n's owner, and n not among p's ancestors (nor p itself). */
static bool
parent_ok(json_t *n, json_t *p)
{
	const char *self = jstr(n, "uuid"), *owner = jstr(n, "owner");
	const char *powner = jstr(p, "owner");
	json_t *cur = json_incref(p), *next;
	bool ok = true;

	if (auth_project_scoped() && !auth_is_my_project(powner) &&
	    !auth_is_my_project(jstr(p, "lessee")))
		ok = false;
	if ((owner == NULL) != (powner == NULL) ||
	    (owner != NULL && strcmp(owner, powner) != 0))
		ok = false;
	for (int depth = 0; ok && cur != NULL; depth++) {
		const char *up = jstr(cur, "parent_node");
		if (strcmp(jstr(cur, "uuid"), self) == 0 || depth >= PARENT_DEPTH_MAX) {
			ok = false;
			break;
		}
		next = up != NULL ? store_get(store_thread(), &model_node, "uuid", up) : NULL;
		json_decref(cur);
		cur = next;
	}
	json_decref(cur);
	return ok;
}

/* parent_node (1.83): a node (UUID or name, stored as its UUID); every
 * refusal is the same 400, so that it tells nothing of other nodes. */
static bool
check_parent(struct resp *r, json_t *old, json_t *upd)
{
	const char *v = jstr(upd, "parent_node");
	json_t *p;
	bool ok;

	if (v == NULL || !differs(old, upd, "parent_node"))
		return true;
	p = strlen(v) <= 255 ? find_node(v) : NULL;
	ok = p != NULL && parent_ok(upd, p);
	if (!ok)
		api_error(r, 400, "Unable to apply the requested parent_node '%.255s'. "
		    "Requested value was invalid.", v);
	else
		json_object_set_new(upd, "parent_node", json_string(jstr(p, "uuid")));
	json_decref(p);
	return ok;
}

bool
api_node_links_check(struct resp *r, json_t *old, json_t *upd)
{
	const struct ident *me = auth_current();
	const char *shard = jstr(upd, "shard");

	if (differs(old, upd, "shard")) {
		if (!me->system || me->role < ROLE_ADMIN) {
			api_error(r, 403, "Access was denied: only a system admin may "
			    "change a node's shard.");
			return false;
		}
		if (shard != NULL && (shard[0] == '\0' || strlen(shard) > SHARD_MAX)) {
			api_error(r, 400, "A shard is 1 to %d characters.", SHARD_MAX);
			return false;
		}
	}
	return check_parent(r, old, upd);
}

/* GET /v1/shards: {"shards": [{"name", "count"}]}, the largest first (nodes
 * without a shard are counted as "None", as Ironic does). */
static int
by_count(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "count"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "count"));

	return x < y ? 1 : x > y ? -1 : 0;
}

void
h_shards(struct req *q, struct resp *r)
{
	json_t *counts = store_count_by(store_thread(), &model_node, "shard");
	json_t *v, *out = json_array(), **rows;
	const char *k;
	size_t n = 0;

	(void)q;
	if (counts == NULL) {
		api_error(r, 500, "Could not count the nodes' shards.");
		json_decref(out);
		return;
	}
	rows = calloc(json_object_size(counts) + 1, sizeof(*rows));
	json_object_foreach(counts, k, v)
		rows[n++] = json_pack("{s:s, s:I}", "name", k, "count",
		    json_integer_value(v));
	qsort(rows, n, sizeof(*rows), by_count);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, rows[i]);
	free(rows);
	json_decref(counts);
	api_json(r, 200, json_pack("{s:o}", "shards", out));
}

/* GET /v1/nodes/{node}/children (1.83): the UUIDs of its child nodes the
 * caller may see. */
void
h_node_children(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	json_t *v = json_string(jstr(q->obj, "uuid")), *kids, *out = json_array(), *k;
	char err[256], href[600];
	size_t i;

	sq.filters[0] = (struct store_filter){ .field = "parent_node", .op = SO_EQ,
	    .value = v };
	sq.nfilters = 1;
	kids = store_list(store_thread(), &model_node, &sq, err, sizeof(err));
	json_decref(v);
	if (kids == NULL) {
		json_decref(out);
		api_error(r, 500, "Could not list the child nodes: %s", err);
		return;
	}
	json_array_foreach(kids, i, k)
		if (!auth_project_scoped() || auth_is_my_project(jstr(k, "owner")) ||
		    auth_is_my_project(jstr(k, "lessee")))
			json_array_append_new(out, json_string(jstr(k, "uuid")));
	json_decref(kids);
	snprintf(href, sizeof(href), "%s/v1/nodes?parent_node=%s", q->base,
	    jstr(q->obj, "uuid"));
	api_json(r, 200, json_pack("{s:o, s:{s:s, s:s}}", "children", out, "links",
	    "href", href, "rel", "children"));
}

/* GET /v1/nodes/{node}/firmware (1.86): the firmware components the
 * node's firmware interface recorded; no interface of Ingot records any. */
void
h_node_firmware(struct req *q, struct resp *r)
{
	(void)q;
	api_json(r, 200, json_pack("{s:[]}", "firmware"));
}
