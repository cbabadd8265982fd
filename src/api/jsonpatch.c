/* RFC 6902 JSON Patch over jansson, with RFC 6901 pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "util.h"

#define MAX_DEPTH 32

/* Splits a pointer into unescaped tokens; returns count or -1. */
static int
tokens(const char *ptr, char **out, char *buf, size_t buflen)
{
	int n = 0;
	size_t j = 0;

	if (ptr[0] != '/' || strlen(ptr) >= buflen)
		return -1;
	for (const char *p = ptr + 1;; p++) {
		if (n == MAX_DEPTH)
			return -1;
		out[n] = buf + j;
		while (*p != '\0' && *p != '/') {
			if (*p == '~') {
				if (p[1] == '0')
					buf[j++] = '~';
				else if (p[1] == '1')
					buf[j++] = '/';
				else
					return -1;
				p++;
			} else {
				buf[j++] = *p;
			}
			p++;
		}
		buf[j++] = '\0';
		n++;
		if (*p == '\0')
			break;
	}
	return n;
}

static bool
array_index(const char *tok, size_t size, bool allow_end, size_t *idx)
{
	long v;

	if (allow_end && strcmp(tok, "-") == 0) {
		*idx = size;
		return true;
	}
	if ((tok[0] == '0' && tok[1] != '\0') || !util_parse_int(tok, 0, (long)size, &v))
		return false;
	if (!allow_end && (size_t)v >= size)
		return false;
	*idx = (size_t)v;
	return true;
}

/* Walks to the parent of the last token. */
static json_t *
parent_of(json_t *doc, char **tok, int n)
{
	json_t *cur = doc;

	for (int i = 0; i < n - 1 && cur != NULL; i++) {
		size_t idx;
		if (json_is_object(cur))
			cur = json_object_get(cur, tok[i]);
		else if (json_is_array(cur) && array_index(tok[i], json_array_size(cur),
		    false, &idx))
			cur = json_array_get(cur, idx);
		else
			cur = NULL;
	}
	return cur;
}

json_t *
jsonpatch_get(json_t *doc, const char *path)
{
	char buf[1024], *tok[MAX_DEPTH];
	int n;
	json_t *par;
	size_t idx;

	if (path == NULL)
		return NULL;
	if (path[0] == '\0')
		return doc;
	if ((n = tokens(path, tok, buf, sizeof(buf))) < 0 || (par = parent_of(doc, tok, n)) == NULL)
		return NULL;
	if (json_is_object(par))
		return json_object_get(par, tok[n - 1]);
	if (json_is_array(par) && array_index(tok[n - 1], json_array_size(par), false, &idx))
		return json_array_get(par, idx);
	return NULL;
}

static int
op_add(json_t *doc, const char *path, json_t *value, bool replace, char *err, size_t len)
{
	char buf[1024], *tok[MAX_DEPTH];
	json_t *par;
	size_t idx;
	int n;

	if ((n = tokens(path, tok, buf, sizeof(buf))) < 0) {
		snprintf(err, len, "Invalid path: %s", path);
		return -1;
	}
	if ((par = parent_of(doc, tok, n)) == NULL) {
		snprintf(err, len, "Cannot %s %s: the parent does not exist",
		    replace ? "replace" : "add", path);
		return -1;
	}
	if (json_is_object(par)) {
		if (replace && json_object_get(par, tok[n - 1]) == NULL) {
			snprintf(err, len, "Cannot replace %s: it does not exist", path);
			return -1;
		}
		json_object_set(par, tok[n - 1], value);
		return 0;
	}
	if (json_is_array(par) && array_index(tok[n - 1], json_array_size(par),
	    !replace, &idx)) {
		if (replace)
			json_array_set(par, idx, value);
		else
			json_array_insert(par, idx, value);
		return 0;
	}
	snprintf(err, len, "Cannot %s %s: invalid location", replace ? "replace" : "add", path);
	return -1;
}

static int
op_remove(json_t *doc, const char *path, char *err, size_t len)
{
	char buf[1024], *tok[MAX_DEPTH];
	json_t *par;
	size_t idx;
	int n;

	if ((n = tokens(path, tok, buf, sizeof(buf))) < 0 ||
	    (par = parent_of(doc, tok, n)) == NULL) {
		snprintf(err, len, "Cannot remove %s: it does not exist", path);
		return -1;
	}
	if (json_is_object(par) && json_object_get(par, tok[n - 1]) != NULL) {
		json_object_del(par, tok[n - 1]);
		return 0;
	}
	if (json_is_array(par) && array_index(tok[n - 1], json_array_size(par), false, &idx)) {
		json_array_remove(par, idx);
		return 0;
	}
	snprintf(err, len, "Cannot remove %s: it does not exist", path);
	return -1;
}

int
jsonpatch_apply_one(json_t *doc, json_t *op, char *err, size_t len)
{
	const char *name = json_string_value(json_object_get(op, "op"));
	const char *path = json_string_value(json_object_get(op, "path"));
	const char *from = json_string_value(json_object_get(op, "from"));
	json_t *value = json_object_get(op, "value");
	json_t *src;
	int rc;

	if (name == NULL || path == NULL) {
		snprintf(err, len, "Each patch operation needs \"op\" and \"path\"");
		return -1;
	}
	if (path[0] != '/') {
		snprintf(err, len, "Invalid path: '%s' must start with /", path);
		return -1;
	}
	if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
		if (value == NULL) {
			snprintf(err, len, "'add' and 'replace' operations need a value");
			return -1;
		}
		return op_add(doc, path, value, name[0] == 'r', err, len);
	}
	if (strcmp(name, "remove") == 0)
		return op_remove(doc, path, err, len);
	if (strcmp(name, "test") == 0) {
		src = jsonpatch_get(doc, path);
		if (src == NULL || value == NULL || !json_equal(src, value)) {
			snprintf(err, len, "Test operation failed at %s", path);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		if (from == NULL || (src = jsonpatch_get(doc, from)) == NULL) {
			snprintf(err, len, "Cannot %s from %s: it does not exist", name,
			    from ? from : "(none)");
			return -1;
		}
		if (name[0] == 'm' && strncmp(path, from, strlen(from)) == 0 &&
		    (path[strlen(from)] == '/' )) {
			snprintf(err, len, "Cannot move %s into itself", from);
			return -1;
		}
		src = json_deep_copy(src);
		rc = name[0] == 'm' ? op_remove(doc, from, err, len) : 0;
		if (rc == 0)
			rc = op_add(doc, path, src, false, err, len);
		json_decref(src);
		return rc;
	}
	snprintf(err, len, "Invalid patch operation '%s'", name);
	return -1;
}

int
jsonpatch_apply(json_t *doc, json_t *patch, char *err, size_t len)
{
	size_t i;
	json_t *op;

	if (!json_is_array(patch)) {
		snprintf(err, len, "A JSON patch must be a list of operations");
		return -1;
	}
	json_array_foreach(patch, i, op) {
		if (!json_is_object(op)) {
			snprintf(err, len, "Each patch operation must be an object");
			return -1;
		}
		if (jsonpatch_apply_one(doc, op, err, len) != 0)
			return -1;
	}
	return 0;
}
