/* Stored objects to API JSON: microversion gating, fields, links, secrets. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "conductor.h"
#include "hw.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

bool
api_fields(struct req *q, struct resp *r, const struct resource *res,
    struct fieldset *fs, bool *given)
{
	const char *v = api_query(q, "fields");
	char *copy, *save = NULL;
	static _Thread_local char buf[4096];

	fs->n = 0;
	*given = false;
	if (v == NULL)
		return true;
	if (q->minor < 8) {
		api_error(r, 406, "The fields parameter needs API version 1.8 or later.");
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	copy = buf;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		const struct field *f = model_field(res, t);
		if ((f == NULL || f->min_minor > q->minor || (f->flags & F_HIDDEN)) &&
		    strcmp(t, "links") != 0) {
			api_error(r, 400, "Field(s) \"%s\" are not valid", t);
			return false;
		}
		if (fs->n < (int)(sizeof(fs->names) / sizeof(fs->names[0])))
			fs->names[fs->n++] = t;
	}
	*given = true;
	return true;
}

static bool
wanted(const struct fieldset *fs, const char *name)
{
	if (fs == NULL)
		return true;
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->names[i], name) == 0)
			return true;
	return false;
}

/* Where a resource's objects live under /v1, and its lists' key: its
 * plural, but for Ironic's volume connectors and targets. */
static const char *
res_path(const struct resource *res)
{
	return res == &model_volume_connector ? "volume/connectors" :
	    res == &model_volume_target ? "volume/targets" : res->plural;
}

static const char *
res_key(const struct resource *res)
{
	return res == &model_volume_connector ? "connectors" :
	    res == &model_volume_target ? "targets" : res->plural;
}

json_t *
api_links(struct req *q, const char *plural, const char *id)
{
	char self[1024], book[1024];

	snprintf(self, sizeof(self), "%s/v1/%s/%s", q->base, plural, id);
	snprintf(book, sizeof(book), "%s/%s/%s", q->base, plural, id);
	return json_pack("[{s:s, s:s}, {s:s, s:s}]", "href", self, "rel", "self",
	    "href", book, "rel", "bookmark");
}

/* A field as the caller may see it (the model's F_SYSTEM and F_SECRET). */
static json_t *
masked(const struct field *f, json_t *v)
{
	json_t *c;

	/* Projects never see how their nodes' BMCs are reached. */
	if ((f->flags & F_SYSTEM) && auth_project_scoped())
		return json_object();
	if (!(f->flags & F_SECRET) || !json_is_object(v))
		return json_incref(v);
	c = util_mask_secrets(v);
	if (json_object_get(c, "configdrive") != NULL)
		json_object_set_new(c, "configdrive", json_string("******"));
	return c;
}

/* Whether field f is in the answer: its microversion, fields= or detail. */
static bool
field_shown(const struct req *q, const struct field *f, const struct fieldset *fs,
    bool detail)
{
	if (f->min_minor > q->minor || (f->flags & F_HIDDEN))
		return false;
	return fs != NULL ? wanted(fs, f->name) : detail || (f->flags & F_SHORT);
}

/* The sub-resources an object links to, and since which microversion:
 * one table for both renderers. */
static const struct {
	const struct resource	*res;
	const char		*name;
	int			 since;
} sub_links[] = {
	{ &model_node, "ports", 1 },
	{ &model_node, "states", 1 },
	{ &model_node, "portgroups", 24 },
	{ &model_node, "volume", 32 },
	{ &model_portgroup, "ports", 24 },
	{ &model_chassis, "nodes", 1 },
};

/* The sub-resources res links to at q's microversion (at most 4). */
static int
subresources(const struct req *q, const struct resource *res, const char *subs[4])
{
	int ns = 0;

	for (size_t i = 0; i < sizeof(sub_links) / sizeof(sub_links[0]) && ns < 4; i++)
		if (sub_links[i].res == res && q->minor >= sub_links[i].since)
			subs[ns++] = sub_links[i].name;
	return ns;
}

json_t *
api_render(struct req *q, const struct resource *res, json_t *obj,
    const struct fieldset *fs, bool detail)
{
	json_t *out = json_object();
	const char *uuid = json_string_value(json_object_get(obj, "uuid"));

	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];
		json_t *v;

		if (!field_shown(q, f, fs, detail))
			continue;
		v = json_object_get(obj, f->name);
		json_object_set_new(out, f->name, masked(f, v ? v : json_null()));
	}
	if (fs == NULL || wanted(fs, "links") || fs->n == 0)
		json_object_set_new(out, "links", api_links(q, res_path(res), uuid ? uuid : ""));
	if (detail && fs == NULL && uuid != NULL) {
		const char *subs[4] = { NULL };
		int ns = subresources(q, res, subs);
		for (int i = 0; i < ns; i++) {
			char self[1024], book[1024];
			snprintf(self, sizeof(self), "%s/v1/%s/%s/%s", q->base, res->plural,
			    uuid, subs[i]);
			snprintf(book, sizeof(book), "%s/%s/%s/%s", q->base, res->plural,
			    uuid, subs[i]);
			json_object_set_new(out, subs[i], json_pack("[{s:s, s:s}, {s:s, s:s}]",
			    "href", self, "rel", "self", "href", book, "rel", "bookmark"));
		}
	}
	return out;
}

/* Appends "&k=v" to url, v percent-encoded (a free-text filter may hold
 * '&', '#' or spaces). */
static void
add_param(char *url, size_t len, const char *k, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(url);

	n += (size_t)snprintf(url + n, n < len ? len - n : 0, "&%s=", k);
	for (; *v != '\0' && n + 4 < len; v++) {
		unsigned char c = (unsigned char)*v;
		if (isalnum(c) || strchr("-._~,:", c) != NULL) {
			url[n++] = (char)c;
		} else {
			url[n++] = '%';
			url[n++] = hex[c >> 4];
			url[n++] = hex[c & 15];
		}
	}
	if (n < len)
		url[n] = '\0';
}

json_t *
api_next(struct req *q, const char *path, const char *marker, long limit)
{
	char url[2048];
	const char *keys[] = { "sort_key", "sort_dir", "fields", "detail", "node",
	    "node_uuid", "provision_state", "driver", "maintenance", "owner",
	    "lessee", "resource_class", "associated", "conductor_group", "address",
	    "portgroup", "fault", "retired", "state", "chassis_uuid",
	    "description_contains", "conductor", NULL };

	snprintf(url, sizeof(url), "%s/%s?limit=%ld", q->base, path, limit);
	for (size_t i = 0; keys[i] != NULL; i++) {
		const char *v = api_query(q, keys[i]);
		if (v != NULL)
			add_param(url, sizeof(url), keys[i], v);
	}
	add_param(url, sizeof(url), "marker", marker);
	return json_string(url);
}

/*
 * One page of a list held in memory (node history, conductors), as the
 * store pages tables: the items after the one whose idkey is the marker
 * (400 when there is none such), at most limit of them, in the order asked
 * (sort_dir); *next is the link to the rest, or NULL.  NULL: answered.
 */
json_t *
api_page_array(struct req *q, struct resp *r, json_t *all, const char *idkey,
    const char *path, json_t **next)
{
	struct store_query sq = { 0 };
	json_t *out, *it;
	size_t n = json_array_size(all), start = 0;

	*next = NULL;
	if (!api_paging(q, r, &sq))
		return NULL;
	if (sq.marker != NULL) {
		size_t i;
		for (i = 0; i < n; i++) {
			it = json_array_get(all, sq.desc ? n - 1 - i : i);
			const char *id = json_string_value(json_object_get(it, idkey));
			if (id != NULL && strcmp(id, sq.marker) == 0)
				break;
		}
		if (i == n) {
			api_error(r, 400, "Marker %.200s could not be found.", sq.marker);
			return NULL;
		}
		start = i + 1;
	}
	out = json_array();
	for (size_t i = start; i < n && (long)json_array_size(out) < sq.limit; i++)
		json_array_append(out, json_array_get(all, sq.desc ? n - 1 - i : i));
	if (json_array_size(out) > 0 && start + json_array_size(out) < n) {
		it = json_array_get(out, json_array_size(out) - 1);
		*next = api_next(q, path, json_string_value(json_object_get(it, idkey)),
		    sq.limit);
	}
	return out;
}

bool
api_paging(struct req *q, struct resp *r, struct store_query *sq)
{
	const char *limit = api_query(q, "limit");
	const char *dir = api_query(q, "sort_dir");
	long l = 1000;

	/* Ironic: a limit must be positive (0 too is refused), and a page
	 * holds at most max_limit (1000) whatever the limit asks; clients
	 * page with the "next" link. */
	if (limit != NULL && (!util_parse_int(limit, 1, LONG_MAX, &l))) {
		api_error(r, 400, "Limit must be positive, got '%s'", limit);
		return false;
	}
	if (l > 1000)
		l = 1000;	/* Ironic's max_limit */
	sq->limit = l;
	sq->marker = api_query(q, "marker");
	sq->sort_key = api_query(q, "sort_key");
	if (dir != NULL && strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0) {
		api_error(r, 400, "Invalid sort direction: %s. Acceptable values are "
		    "'asc' or 'desc'", dir);
		return false;
	}
	sq->desc = dir != NULL && strcmp(dir, "desc") == 0;
	return true;
}

/* --- the fast path: rows straight to JSON text -------------------------- */

/* The fast path must take the slow one (masked) for this field's text. */
static bool
has_secret_text(const struct field *f, const char *t)
{
	if ((f->flags & F_SYSTEM) && auth_project_scoped())
		return true;
	return (f->flags & F_SECRET) && (strstr(t, "configdrive") ||
	    util_is_secret_key(t));
}

static void
link_text(struct strbuf *b, struct req *q, const char *plural, const char *id,
    const char *sub)
{
	sb_puts(b, "[{\"href\":");
	sb_printf(b, "\"%s/v1/%s/%s%s%s\"", q->base, plural, id, sub ? "/" : "",
	    sub ? sub : "");
	sb_puts(b, ",\"rel\":\"self\"},{\"href\":");
	sb_printf(b, "\"%s/%s/%s%s%s\"", q->base, plural, id, sub ? "/" : "",
	    sub ? sub : "");
	sb_puts(b, ",\"rel\":\"bookmark\"}]");
}

/* A JSON text that may hold secrets, parsed, masked and printed again. */
static void
masked_text(struct strbuf *b, const struct field *f, const char *text)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	json_t *m = masked(f, j ? j : json_null());
	char *t = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	sb_puts(b, t ? t : "null");
	free(t);
	json_decref(m);
	json_decref(j);
}

/* The JSON of a column that is not NULL, by the field's type. */
static void
value_text(struct strbuf *b, const struct field *f, const struct store_val *v)
{
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		sb_json_str(b, v->text ? v->text : "");
		break;
	case FT_BOOL:
		sb_puts(b, v->num ? "true" : "false");
		break;
	case FT_INT:
		sb_printf(b, "%lld", v->num);
		break;
	case FT_OBJECT:
	case FT_LIST:
		if (v->text != NULL && has_secret_text(f, v->text))
			masked_text(b, f, v->text);
		else
			sb_puts(b, v->text ? v->text : "null");
		break;
	}
}

/* "name":value of one field. */
static void
field_text(struct strbuf *b, const struct resource *res, const struct field *f,
    const struct store_val *v)
{
	sb_json_str(b, f->name);
	sb_puts(b, ":");
	if (!v->null)
		value_text(b, f, v);
	else
		sb_puts(b, "null");
}

/* The links of a detailed object to its sub-resources. */
static void
sub_links_text(struct strbuf *b, struct req *q, const struct resource *res,
    const char *uuid)
{
	const char *subs[4] = { NULL };
	int ns = subresources(q, res, subs);

	for (int i = 0; i < ns; i++) {
		sb_printf(b, ",\"%s\":", subs[i]);
		link_text(b, q, res_path(res), uuid, subs[i]);
	}
}

void
api_render_row(struct strbuf *b, struct req *q, const struct resource *res,
    const struct store_val *v, const struct fieldset *fs, bool detail)
{
	const char *uuid = NULL;
	bool first = true;

	sb_puts(b, "{");
	for (size_t i = 0; i < res->nfields; i++) {
		const struct field *f = &res->fields[i];

		if (strcmp(f->name, "uuid") == 0)
			uuid = v[i].text;
		if (!field_shown(q, f, fs, detail))
			continue;
		if (!first)
			sb_puts(b, ",");
		first = false;
		field_text(b, res, f, &v[i]);
	}
	if (fs == NULL || wanted(fs, "links") || fs->n == 0) {
		if (!first)
			sb_puts(b, ",");
		sb_puts(b, "\"links\":");
		link_text(b, q, res_path(res), uuid ? uuid : "", NULL);
	}
	if (detail && fs == NULL && uuid != NULL)
		sub_links_text(b, q, res, uuid);
	sb_puts(b, "}");
}

struct list_ctx {
	struct strbuf		*b;
	struct req		*q;
	const struct resource	*res;
	const struct fieldset	*fs;
	bool			 detail;
	char			 last[64];
	long			 n;
	int			 uuid_idx;
};

static int
list_row(void *arg, const struct store_val *v)
{
	struct list_ctx *c = arg;

	if (c->n++ > 0)
		sb_puts(c->b, ",");
	api_render_row(c->b, c->q, c->res, v, c->fs, c->detail);
	snprintf(c->last, sizeof(c->last), "%s", v[c->uuid_idx].text ?
	    v[c->uuid_idx].text : "");
	return 0;
}

bool
api_list_text(struct req *q, struct resp *r, const struct resource *res,
    const struct store_query *sq, const struct fieldset *fs, bool detail,
    const char *path)
{
	struct strbuf b;
	struct list_ctx c = { .b = &b, .q = q, .res = res, .fs = fs, .detail = detail };
	char err[256];
	long n;

	for (size_t i = 0; i < res->nfields; i++)
		if (strcmp(res->fields[i].name, "uuid") == 0)
			c.uuid_idx = (int)i;
	sb_init(&b, 4096);
	sb_printf(&b, "{\"%s\":[", res_key(res));
	n = store_scan(store_thread(), res, sq, list_row, &c, err, sizeof(err));
	if (n < 0) {
		sb_free(&b);
		api_error(r, strstr(err, "Marker") || strstr(err, "sort") ? 400 : 500,
		    "%s", err);
		return false;
	}
	sb_puts(&b, "]");
	if (sq->limit > 0 && n == sq->limit) {
		json_t *next = api_next(q, path, c.last, sq->limit);
		sb_puts(&b, ",\"next\":");
		sb_json_str(&b, json_string_value(next));
		json_decref(next);
	}
	sb_puts(&b, "}");
	r->status = 200;
	r->text = sb_take(&b);
	r->text_json = true;
	return true;
}
