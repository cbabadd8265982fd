/*
 * Field rules shared by every resource's POST and PATCH.
 *
 * api_patch is the one authorisation point for JSON Patch: every
 * operation's "path" (what it writes) and "from" (what it reads, and for
 * move also removes) pass the model's rules and the caller's policy
 * (auth_patch_field) before the operation is applied, one operation at a
 * time against the document as it stands; reading a secret through
 * "from" or "test" is the system admin's alone; the number of operations
 * and the size of the patched document are bounded.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "util.h"

static size_t max_ops = 64;
static size_t max_doc = 1 << 20;

void
api_patch_limits(size_t ops, size_t doc_bytes)
{
	if (ops > 0)
		max_ops = ops;
	if (doc_bytes > 0)
		max_doc = doc_bytes;
}

bool
api_give_uuid(struct resp *r, json_t *b)
{
	const char *u = json_string_value(json_object_get(b, "uuid"));
	char uuid[UUID_STR_LEN];

	if (u != NULL) {
		if (util_is_uuid(u))
			return true;
		api_error(r, 400, "Expected a UUID but received %.64s.", u);
		return false;
	}
	util_uuid_new(uuid);
	json_object_set_new(b, "uuid", json_string(uuid));
	return true;
}

bool
api_check_create(struct req *q, struct resp *r, const struct resource *res,
    json_t *body)
{
	const char *k;
	json_t *v;
	char err[512];

	json_object_foreach(body, k, v) {
		const struct field *f = model_field(res, k);
		if (f == NULL || !(f->flags & F_CREATE) || f->min_minor > q->minor) {
			api_error(r, 400, "Unknown attribute for argument %s: %s", res->kind, k);
			return false;
		}
	}
	if (model_check_types(res, body, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return false;
	}
	return true;
}

static int
root_field(const char *path, char *out, size_t len)
{
	const char *end;

	if (path == NULL || path[0] != '/')
		return -1;
	end = strchr(path + 1, '/');
	if ((size_t)(end ? end - path - 1 : (long)strlen(path + 1)) >= len)
		return -1;
	snprintf(out, len, "%.*s", (int)(end ? (size_t)(end - path - 1) : strlen(path + 1)),
	    path + 1);
	return end != NULL;	/* 1 when the path goes below the field */
}

/* A pointer one of whose tokens names a secret (ipmi_password, ...). */
static bool
pointer_names_secret(const char *ptr)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", ptr);
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save))
		if (util_is_secret_key(t))
			return true;
	return false;
}

/* A value that holds a secret anywhere inside it. */
static bool
holds_secret(json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > 64)
		return true;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (util_is_secret_key(k) || holds_secret(x, depth + 1))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (holds_secret(x, depth + 1))
				return true;
	}
	return false;
}

enum use { READ, WRITE, REMOVE };

/*
 * The model's and the policy's verdict on one pointer of one operation;
 * false with r filled (400 for what no one may do, 403 for what this
 * caller may not).
 */
static bool
check_pointer(struct req *q, struct resp *r, const struct resource *res,
    json_t *stored, const char *op, const char *ptr, enum use use)
{
	bool write = use != READ;
	const struct field *f;
	char root[128], why[256] = "";
	int deep = root_field(ptr, root, sizeof(root));

	if (deep < 0) {
		api_error(r, 400, "Invalid patch operation: each needs \"op\" and a "
		    "\"path\" (and for move and copy a \"from\") starting with /");
		return false;
	}
	f = model_field(res, root);
	if (f == NULL || f->min_minor > q->minor || (f->flags & F_HIDDEN)) {
		if (write)
			api_error(r, 400, "Adding a new attribute (/%s) to the root of "
			    "the resource is not allowed.", root);
		else
			api_error(r, 400, "Cannot %s from /%s: no such attribute", op, root);
		return false;
	}
	if (write && !(f->flags & F_PATCH)) {
		api_error(r, 400, "'/%s' is an internal attribute and can not be "
		    "updated", root);
		return false;
	}
	if (deep && f->type != FT_OBJECT && f->type != FT_LIST) {
		api_error(r, 400, "Invalid path %s: /%s has no members", ptr, root);
		return false;
	}
	if (use == REMOVE && !deep && (f->flags & F_NOTNULL) &&
	    f->dflt == NULL) {
		api_error(r, 400, "'/%s' is a mandatory attribute and can not be "
		    "removed", root);
		return false;
	}
	if (!auth_patch_field(res, stored, ptr, write, why, sizeof(why))) {
		api_error(r, 403, "%s", why);
		return false;
	}
	return true;
}

/* Reading (from, test) a secret is the system admin's alone. */
static bool
check_secret_read(struct resp *r, json_t *doc, const char *ptr)
{
	if (auth_may_read_secrets())
		return true;
	if (pointer_names_secret(ptr) || holds_secret(jsonpatch_get(doc, ptr), 0)) {
		api_error(r, 403, "%s holds secrets, which only a system admin may "
		    "read", ptr);
		return false;
	}
	return true;
}

/* Validates one operation against the document as it stands. */
static bool
check_op(struct req *q, struct resp *r, const struct resource *res, json_t *stored,
    json_t *doc, json_t *op)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	bool reads = false, test = false;

	if (!json_is_object(op) || name == NULL || path == NULL) {
		api_error(r, 400, "Invalid patch operation: each needs \"op\" and a "
		    "\"path\" starting with /");
		return false;
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		reads = true;
		if (from == NULL) {
			api_error(r, 400, "'%s' operations need a \"from\"", name);
			return false;
		}
	} else if (strcmp(name, "test") == 0) {
		test = true;
	} else if (strcmp(name, "add") != 0 && strcmp(name, "replace") != 0 &&
	    strcmp(name, "remove") != 0) {
		api_error(r, 400, "Invalid patch operation '%s'", name);
		return false;
	}
	if (test)	/* test reads its path: an oracle for what it holds */
		return check_pointer(q, r, res, stored, name, path, READ) &&
		    check_secret_read(r, doc, path);
	if (!check_pointer(q, r, res, stored, name, path, name[0] == 'r' &&
	    name[2] == 'm' ? REMOVE : WRITE))
		return false;
	if (!reads)
		return true;
	/* move removes what it reads: the same rules as a write there */
	return check_pointer(q, r, res, stored, name, from, name[0] == 'm' ? REMOVE :
	    READ) &&
	    check_secret_read(r, doc, from);
}

json_t *
api_patch(struct req *q, struct resp *r, const struct resource *res, json_t *stored,
    json_t *patch)
{
	json_t *doc, *op;
	char err[512];
	size_t i, size;

	if (!json_is_array(patch)) {
		api_error(r, 400, "A JSON patch (a list of operations) is expected");
		return NULL;
	}
	if (json_array_size(patch) == 0) {
		/* Ironic: nothing to change, the object as it is (openstacksdk's
		 * update_node sends [] after setting maintenance). */
		api_json(r, 200, api_render(q, res, stored, NULL, true));
		return NULL;
	}
	if (json_array_size(patch) > max_ops) {
		api_error(r, 400, "A JSON patch may have at most %zu operations", max_ops);
		return NULL;
	}
	doc = json_deep_copy(stored);
	json_array_foreach(patch, i, op) {
		if (!check_op(q, r, res, stored, doc, op))
			goto fail;
		if (jsonpatch_apply_one(doc, op, err, sizeof(err)) != 0) {
			api_error(r, 400, "%s", err);
			goto fail;
		}
		/* Each operation can at most double the document: bound it
		 * before the next one can. */
		if ((size = json_dumpb(doc, NULL, 0, JSON_COMPACT)) > max_doc) {
			api_error(r, 413, "The patched %s would be larger than the limit "
			    "of %zu bytes.", res->kind, max_doc);
			goto fail;
		}
	}
	/* Removed fields come back as their defaults (or null). */
	model_apply_defaults(res, doc);
	if (model_check_types(res, doc, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		goto fail;
	}
	return doc;
fail:
	json_decref(doc);
	return NULL;
}
