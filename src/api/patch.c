/* Field rules shared by every resource's POST and PATCH. */
#include <stdio.h>
#include <string.h>

#include "api.h"

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
	snprintf(out, len, "%.*s", (int)(end ? (size_t)(end - path - 1) : strlen(path + 1)),
	    path + 1);
	return end != NULL;	/* 1 when the path goes below the field */
}

json_t *
api_patch(const struct resource *res, json_t *stored, json_t *patch, int minor,
    char *err, size_t len)
{
	json_t *doc, *op;
	size_t i;

	if (!json_is_array(patch) || json_array_size(patch) == 0) {
		snprintf(err, len, "A JSON patch (a non-empty list of operations) is expected");
		return NULL;
	}
	json_array_foreach(patch, i, op) {
		const char *path = json_string_value(json_object_get(op, "path"));
		const char *name = json_string_value(json_object_get(op, "op"));
		const struct field *f;
		char root[128];
		int deep = root_field(path, root, sizeof(root));

		if (!json_is_object(op) || name == NULL || deep < 0) {
			snprintf(err, len, "Invalid patch operation: each needs \"op\" and a "
			    "\"path\" starting with /");
			return NULL;
		}
		f = model_field(res, root);
		if (f == NULL || f->min_minor > minor || (f->flags & F_HIDDEN)) {
			snprintf(err, len, "Adding a new attribute (/%s) to the root of "
			    "the resource is not allowed.", root);
			return NULL;
		}
		if (!(f->flags & F_PATCH)) {
			snprintf(err, len, "'/%s' is an internal attribute and can not be "
			    "updated", root);
			return NULL;
		}
		if (deep && f->type != FT_OBJECT && f->type != FT_LIST) {
			snprintf(err, len, "Invalid path %s: /%s has no members", path, root);
			return NULL;
		}
		if (!deep && strcmp(name, "remove") == 0 && (f->flags & F_NOTNULL) &&
		    f->dflt == NULL) {
			snprintf(err, len, "'/%s' is a mandatory attribute and can not be "
			    "removed", root);
			return NULL;
		}
	}
	doc = json_deep_copy(stored);
	if (jsonpatch_apply(doc, patch, err, len) != 0) {
		json_decref(doc);
		return NULL;
	}
	/* Removed fields come back as their defaults (or null). */
	model_apply_defaults(res, doc);
	if (model_check_types(res, doc, err, len) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
