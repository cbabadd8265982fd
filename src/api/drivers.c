/* The version documents (/ and /v1), drivers and conductors. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "hw.h"
#include "ring.h"
#include "store.h"
#include "strbuf.h"
#include "switch.h"

static json_t *
version_doc(struct req *q)
{
	char href[400], min[16], max[16];

	snprintf(href, sizeof(href), "%s/v1/", q->base);
	snprintf(min, sizeof(min), "1.%d", API_MIN_MINOR);
	snprintf(max, sizeof(max), "1.%d", API_MAX_MINOR);
	return json_pack("{s:s, s:[{s:s, s:s}], s:s, s:s, s:s}", "id", "v1",
	    "links", "href", href, "rel", "self", "status", "CURRENT",
	    "min_version", min, "version", max);
}

void
h_root(struct req *q, struct resp *r)
{
	api_json(r, 200, json_pack("{s:s, s:s, s:o, s:[o]}",
	    "name", "Ingot bare metal provisioning API (OpenStack Ironic compatible)",
	    "description", "Ingot provisions bare metal servers and isolates "
	    "tenants by VLAN. It implements the OpenStack Ironic v1 API.",
	    "default_version", version_doc(q), "versions", version_doc(q)));
}

static json_t *
link_pair(struct req *q, const char *what)
{
	char self[400], book[400];

	snprintf(self, sizeof(self), "%s/v1/%s/", q->base, what);
	snprintf(book, sizeof(book), "%s/%s/", q->base, what);
	return json_pack("[{s:s, s:s}, {s:s, s:s}]", "href", self, "rel", "self",
	    "href", book, "rel", "bookmark");
}

void
h_v1(struct req *q, struct resp *r)
{
	char self[400];
	json_t *o;
	/* Ironic links each collection from the version that brought it;
	 * lookup and heartbeat are the deploy ramdisks' (1.22). */
	static const struct { const char *name; int since; } res[] = {
		{ "nodes", 1 }, { "ports", 1 }, { "drivers", 1 },
		{ "portgroups", 23 }, { "lookup", 22 }, { "heartbeat", 22 },
		{ "conductors", 49 }, { "chassis", 1 }, { "allocations", 52 },
		{ "networks", 1 }, { "switches", 1 }, { "shards", 82 },
		{ "continue_inspection", 84 },
		{ NULL, 0 },
	};

	snprintf(self, sizeof(self), "%s/v1/", q->base);
	o = json_pack("{s:s, s:[{s:s, s:s}], s:[{s:s, s:s}], s:o}", "id", "v1",
	    "links", "href", self, "rel", "self",
	    "media_types", "base", "application/json", "type",
	    "application/vnd.openstack.ironic.v1+json", "version", version_doc(q));
	for (size_t i = 0; res[i].name != NULL; i++)
		if (q->minor >= res[i].since)
			json_object_set_new(o, res[i].name, link_pair(q, res[i].name));
	api_json(r, 200, o);
}

static json_t *
driver_json(struct req *q, const struct hw_type *t, bool detail)
{
	char self[400], book[400], pself[400], pbook[400];
	json_t *o;

	snprintf(self, sizeof(self), "%s/v1/drivers/%s", q->base, t->name);
	snprintf(book, sizeof(book), "%s/drivers/%s", q->base, t->name);
	snprintf(pself, sizeof(pself), "%s/v1/drivers/%s/properties", q->base, t->name);
	snprintf(pbook, sizeof(pbook), "%s/drivers/%s/properties", q->base, t->name);
	o = json_pack("{s:s, s:[s], s:s, s:[{s:s, s:s}, {s:s, s:s}], "
	    "s:[{s:s, s:s}, {s:s, s:s}]}", "name", t->name, "hosts", conductor_host(),
	    "type", "dynamic", "links", "href", self, "rel", "self", "href", book,
	    "rel", "bookmark", "properties", "href", pself, "rel", "self", "href",
	    pbook, "rel", "bookmark");
	if (!detail)
		return o;
	for (int i = 0; i < HW_IF_COUNT; i++) {
		char key[64];
		json_t *en;
		if (i == HW_IF_FIRMWARE && q->minor < 86)	/* firmware: 1.86 */
			continue;
		en = json_array();
		for (int j = 0; j < HW_MAX_IMPLS && t->enabled[i][j] != NULL; j++)
			json_array_append_new(en, json_string(t->enabled[i][j]));
		snprintf(key, sizeof(key), "default_%s_interface", hw_iface_names[i]);
		json_object_set_new(o, key, json_string(t->enabled[i][0]));
		snprintf(key, sizeof(key), "enabled_%s_interfaces", hw_iface_names[i]);
		json_object_set_new(o, key, en);
	}
	return o;
}

/*
 * ?fields= on drivers (1.77): the comma-separated names must be fields of
 * a driver's detailed body (400 otherwise, as Ironic); *keep holds them,
 * NULL when not asked for.  false: answered.
 */
static bool
driver_fields(struct req *q, struct resp *r, json_t **keep)
{
	const char *f = api_query(q, "fields");
	json_t *all;
	char buf[1024], *save = NULL;

	*keep = NULL;
	if (f == NULL || q->minor < 77)
		return true;
	all = driver_json(q, hw_types()[0], true);
	snprintf(buf, sizeof(buf), "%s", f);
	*keep = json_object();
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (json_object_get(all, t) == NULL) {
			api_error(r, 400, "Field(s) \"%.100s\" are not valid", t);
			json_decref(all);
			json_decref(*keep);
			*keep = NULL;
			return false;
		}
		json_object_set_new(*keep, t, json_true());
	}
	json_decref(all);
	return true;
}

/* o with only the fields in keep (all when keep is NULL). */
static json_t *
only(json_t *o, json_t *keep)
{
	const char *k;
	json_t *v, *out;

	if (keep == NULL)
		return o;
	out = json_object();
	json_object_foreach(o, k, v)
		if (json_object_get(keep, k) != NULL)
			json_object_set(out, k, v);
	json_decref(o);
	return out;
}

void
h_drivers_list(struct req *q, struct resp *r)
{
	const struct hw_type *const *t = hw_types();
	const char *type = api_query(q, "type");
	json_t *list, *keep;
	int detail;

	if (!api_query_bool(q, r, "detail", &detail) || !driver_fields(q, r, &keep))
		return;
	list = json_array();
	for (size_t i = 0; t[i] != NULL; i++)
		if (type == NULL || strcmp(type, "dynamic") == 0)
			json_array_append_new(list, only(driver_json(q, t[i],
			    detail == 1 || keep != NULL), keep));
	json_decref(keep);
	api_json(r, 200, json_pack("{s:o}", "drivers", list));
}

void
h_driver_show(struct req *q, struct resp *r)
{
	const struct hw_type *t = hw_type_find(q->args[0]);
	json_t *keep;

	if (t == NULL) {
		api_error(r, 404, "Could not find the driver %s.", q->args[0]);
		return;
	}
	if (!driver_fields(q, r, &keep))
		return;
	api_json(r, 200, only(driver_json(q, t, true), keep));
	json_decref(keep);
}

void
h_driver_properties(struct req *q, struct resp *r)
{
	const struct hw_type *t = hw_type_find(q->args[0]);
	json_t *o;

	if (t == NULL) {
		api_error(r, 404, "Could not find the driver %s.", q->args[0]);
		return;
	}
	o = json_object();
	for (size_t i = 0; t->properties && t->properties[i][0] != NULL; i++)
		json_object_set_new(o, t->properties[i][0], json_string(t->properties[i][1]));
	api_json(r, 200, o);
}

static json_t *
conductor_json(struct req *q, json_t *c, bool detail)
{
	char self[400], book[400];
	const char *h = json_string_value(json_object_get(c, "hostname"));
	json_t *o = json_object();

	json_object_set(o, "hostname", json_object_get(c, "hostname"));
	json_object_set(o, "conductor_group", json_object_get(c, "conductor_group"));
	/* alive: heartbeat younger than [conductor] heartbeat_timeout */
	json_object_set_new(o, "alive", json_boolean(h != NULL && ring_alive(h)));
	/* Ingot's: what the ingotd runs (--role all, api, conductor) */
	json_object_set(o, "role", json_object_get(c, "role"));
	if (detail) {
		json_object_set(o, "drivers", json_object_get(c, "drivers"));
		json_object_set(o, "created_at", json_object_get(c, "created_at"));
		json_object_set(o, "updated_at", json_object_get(c, "updated_at"));
	}
	snprintf(self, sizeof(self), "%s/v1/conductors/%s", q->base, h ? h : "");
	snprintf(book, sizeof(book), "%s/conductors/%s", q->base, h ? h : "");
	json_object_set_new(o, "links", json_pack("[{s:s, s:s}, {s:s, s:s}]",
	    "href", self, "rel", "self", "href", book, "rel", "bookmark"));
	return o;
}

void
h_conductors_list(struct req *q, struct resp *r)
{
	json_t *list, *out, *c, *page, *next, *body;
	int detail;
	size_t i;

	if (!api_query_bool(q, r, "detail", &detail))
		return;
	list = store_conductor_list(store_thread());
	if ((page = api_page_array(q, r, list, "hostname", "v1/conductors", &next)) == NULL) {
		json_decref(list);
		return;
	}
	out = json_array();
	json_array_foreach(page, i, c)
		json_array_append_new(out, conductor_json(q, c, detail == 1));
	json_decref(page);
	json_decref(list);
	body = json_pack("{s:o}", "conductors", out);
	if (next != NULL)
		json_object_set_new(body, "next", next);
	api_json(r, 200, body);
}

void
h_conductor_show(struct req *q, struct resp *r)
{
	json_t *list, *c;
	size_t i;

	list = store_conductor_list(store_thread());
	json_array_foreach(list, i, c) {
		const char *h = json_string_value(json_object_get(c, "hostname"));
		if (h != NULL && strcmp(h, q->args[0]) == 0) {
			api_json(r, 200, conductor_json(q, c, true));
			break;
		}
	}
	if (r->body == NULL)
		api_error(r, 404, "Conductor %s could not be found.", q->args[0]);
	json_decref(list);
}

void
h_switches_list(struct req *q, struct resp *r)
{
	struct strbuf b;

	(void)q;
	sb_init(&b, 512);
	switch_list_json(&b);
	r->status = 200;
	r->text = sb_take(&b);
	r->text_json = true;
}
