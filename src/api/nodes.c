/*
 * /v1/nodes and everything below it.  The router hands each handler the
 * node it names (q->obj, by UUID or name) and the parsed body (q->json).
 */
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "api.h"
#include "auth.h"
#include "boot_ipxe.h"
#include "conductor.h"
#include "ring.h"
#include "fsm.h"
#include "images.h"
#include "hw.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* Name rules: Ironic's logical names, and never UUID-shaped. */
static bool
check_name(struct resp *r, json_t *name)
{
	const char *s = json_string_value(name);

	if (name == NULL || json_is_null(name))
		return true;
	if (s == NULL || !util_is_valid_name(s) || util_is_uuid(s)) {
		api_error(r, 400, "Expected a logical name but received %s.",
		    s ? s : "a non-string value");
		return false;
	}
	return true;
}

static bool
changed(json_t *old, json_t *upd, const char *obj, const char *key, const char **v)
{
	const char *a = jstr(json_object_get(old, obj), key);

	*v = jstr(json_object_get(upd, obj), key);
	return *v != NULL && (a == NULL || strcmp(a, *v) != 0);
}

/* instance_info and driver_info image_download_source: http or local. */
static bool
check_download_source(struct resp *r, json_t *upd)
{
	static const char *const objs[] = { "instance_info", "driver_info", NULL };
	char err[200];

	for (size_t i = 0; objs[i] != NULL; i++) {
		json_t *v = json_object_get(json_object_get(upd, objs[i]),
		    "image_download_source");
		if (v != NULL && (!json_is_string(v) || images_download_source_ok(
		    json_string_value(v), err, sizeof(err)) != 0)) {
			api_error(r, 400, "%s %s", objs[i], json_is_string(v) ? err :
			    "image_download_source must be http or local");
			return false;
		}
	}
	return true;
}

/*
 * Files and URLs the conductor will read: instance_info.image_source
 * (file:// only from the allowed directories and never for project-scoped
 * callers, http(s) only to allowed hosts) and driver_info deploy_kernel /
 * deploy_ramdisk (the configured ones or files in the allowed
 * directories).  Checked when set (old: the stored node, or NULL).
 */
static bool
check_sources(struct resp *r, json_t *old, json_t *upd)
{
	static const char *const boot[] = { "deploy_kernel", "deploy_ramdisk", NULL };
	char err[512];
	const char *v;

	if (!check_download_source(r, upd))
		return false;
	if (changed(old, upd, "instance_info", "image_source", &v) &&
	    images_check_source(v, auth_project_scoped(), err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return false;
	}
	for (size_t i = 0; boot[i] != NULL; i++)
		if (changed(old, upd, "driver_info", boot[i], &v) && !boot_ipxe_file_ok(v)) {
			api_error(r, 400, "driver_info %s must be the configured [deploy] "
			    "kernel or ramdisk, or a file in [deploy] "
			    "file_url_allowed_paths.", boot[i]);
			return false;
		}
	return true;
}

/*
 * chassis_uuid names an existing chassis (400 otherwise, as Ironic); it
 * may be removed from 1.25 (old: the stored node, or NULL).
 */
static bool
check_chassis(struct req *q, struct resp *r, json_t *old, json_t *upd)
{
	const char *c = jstr(upd, "chassis_uuid");
	json_t *ch;

	if (c == NULL) {
		if (old != NULL && jstr(old, "chassis_uuid") != NULL && q->minor < 25) {
			api_error(r, 400, "Removing chassis_uuid needs API version 1.25 "
			    "or later.");
			return false;
		}
		return true;
	}
	if (old != NULL && jstr(old, "chassis_uuid") != NULL &&
	    strcmp(jstr(old, "chassis_uuid"), c) == 0)
		return true;
	ch = util_is_uuid(c) ? store_get(store_thread(), &model_chassis, "uuid", c) : NULL;
	if (ch == NULL) {
		api_error(r, 400, "Chassis %.100s could not be found.", c);
		return false;
	}
	json_decref(ch);
	return true;
}

static bool
check_owner_fields(struct resp *r, json_t *node)
{
	static const char *const keys[] = { "owner", "lessee", "resource_class",
	    "description", "conductor_group", NULL };
	for (size_t i = 0; keys[i] != NULL; i++) {
		const char *v = jstr(node, keys[i]);
		if (v != NULL && strlen(v) > 255) {
			api_error(r, 400, "Value of %s is longer than 255 characters.", keys[i]);
			return false;
		}
	}
	return true;
}

/* A new node belongs to the conductor the ring gives it (null: none yet). */
static void
set_owner(json_t *node)
{
	char owner[256];

	if (ring_owner(jstr(node, "conductor_group"), jstr(node, "uuid"), owner,
	    sizeof(owner)))
		json_object_set_new(node, "conductor", json_string(owner));
	else
		json_object_set_new(node, "conductor", json_null());
}

void
h_node_create(struct req *q, struct resp *r)
{
	json_t *body = q->json, *out;
	char uuid[UUID_STR_LEN], now[40], err[256];
	struct ierr e = { 0 };
	int rc;

	if (!api_check_create(q, r, &model_node, body))
		return;
	if (jstr(body, "driver") == NULL) {
		api_error(r, 400, "Mandatory field missing: driver");
		return;
	}
	if (!check_name(r, json_object_get(body, "name")) || !check_owner_fields(r, body) ||
	    !check_sources(r, NULL, body) || !check_chassis(q, r, NULL, body) ||
	    !api_node_links_check(r, NULL, body))
		return;
	if (jstr(body, "uuid") != NULL) {
		if (!util_is_uuid(jstr(body, "uuid"))) {
			api_error(r, 400, "Expected a UUID but received %s.", jstr(body, "uuid"));
			return;
		}
		json_object_set_new(body, "uuid", json_string(jstr(body, "uuid")));
	} else {
		util_uuid_new(uuid);
		json_object_set_new(body, "uuid", json_string(uuid));
	}
	if (cond_resolve_interfaces(body, false, &e) != 0) {
		api_ierr(r, &e);
		return;
	}
	util_now_iso(now);
	json_object_set_new(body, "created_at", json_string(now));
	json_object_set_new(body, "provision_state",
	    json_string(q->minor >= 11 ? "enroll" : "available"));
	model_apply_defaults(&model_node, body);
	set_owner(body);
	rc = store_create(store_thread(), &model_node, body, err, sizeof(err));
	if (rc == STORE_DUP) {
		const char *v = jstr(body, err);
		if (strcmp(err, "uuid") == 0)
			api_error(r, 409, "A node with UUID %s already exists.", v ? v : "");
		else
			api_error(r, 409, "A node with %s %s already exists.", err, v ? v : "");
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the node: %s", err);
		return;
	}
	log_set_node(jstr(body, "uuid"));
	log_info("node created with driver %s", jstr(body, "driver"));
	out = api_render(q, &model_node, body, NULL, true);
	snprintf(r->location, sizeof(r->location), "%s/v1/nodes/%s", q->base,
	    jstr(body, "uuid"));
	api_json(r, 201, out);
}

struct filter_def {
	const char	*param;
	const char	*field;
	int		 min_minor;
	bool		 is_bool;
};

static const struct filter_def node_filters[] = {
	{ "provision_state", "provision_state", 9, false },
	{ "driver", "driver", 16, false },
	{ "resource_class", "resource_class", 21, false },
	{ "fault", "fault", 42, false },
	{ "conductor_group", "conductor_group", 46, false },
	{ "owner", "owner", 50, false },
	{ "lessee", "lessee", 65, false },
	{ "instance_uuid", "instance_uuid", 1, false },
	{ "maintenance", "maintenance", 1, true },
	{ "retired", "retired", 61, true },
	{ "chassis_uuid", "chassis_uuid", 1, false },
	{ NULL, NULL, 0, false },
};

/* The filters of node_filters the query gives (values held in held). */
static bool
table_filters(struct req *q, struct resp *r, struct store_query *sq, json_t **held,
    int *nh)
{
	for (const struct filter_def *f = node_filters; f->param != NULL; f++) {
		const char *v = api_query(q, f->param);
		int b = 0;

		if (v == NULL || q->minor < f->min_minor)
			continue;
		if (f->is_bool && !api_query_bool(q, r, f->param, &b))
			return false;
		held[*nh] = f->is_bool ? json_boolean(b) : json_string(v);
		sq->filters[sq->nfilters].value = held[(*nh)++];
		sq->filters[sq->nfilters].field = f->field;
		sq->filters[sq->nfilters++].op = SO_EQ;
	}
	return true;
}

/* A node a project-scoped caller owns or leases. */
static bool
visible(const char *uuid)
{
	json_t *n = store_get(store_thread(), &model_node, "uuid", uuid);
	bool ok = n != NULL && (auth_is_my_project(jstr(n, "owner")) ||
	    auth_is_my_project(jstr(n, "lessee")));

	json_decref(n);
	return ok;
}

static void
list_nodes(struct req *q, struct resp *r, bool detail, const char *chassis)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	bool given;
	json_t *bools[STORE_MAX_FILTERS + 2] = { NULL };
	int assoc, detail_q, nb = 0;
	const char *v;
	char path[128];

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_node, &fs, &given) ||
	    !api_query_bool(q, r, "associated", &assoc) ||
	    !api_query_bool(q, r, "detail", &detail_q))
		return;
	if (detail && given) {
		api_error(r, 400, "Can not specify ?fields with /detail");
		return;
	}
	if (sq.marker != NULL && auth_project_scoped() && !visible(sq.marker)) {
		/* the same answer as for a marker that does not exist */
		api_error(r, 400, "Marker %s could not be found.", sq.marker);
		return;
	}
	if (detail_q == 1)
		detail = true;
	snprintf(path, sizeof(path), "%s", detail ? "v1/nodes/detail" : "v1/nodes");
	if (!table_filters(q, r, &sq, bools, &nb))
		goto out;
	if ((v = api_query(q, "description_contains")) != NULL && q->minor >= 51) {
		bools[nb] = json_string(v);
		sq.filters[sq.nfilters].value = bools[nb++];
		sq.filters[sq.nfilters].field = "description";
		sq.filters[sq.nfilters++].op = SO_CONTAINS;
	}
	/* conductor (1.49): the nodes whose owner (nodes.conductor) it is */
	if ((v = api_query(q, "conductor")) != NULL && q->minor >= 49) {
		bools[nb] = json_string(v);
		sq.filters[sq.nfilters].value = bools[nb++];
		sq.filters[sq.nfilters].field = "conductor";
		sq.filters[sq.nfilters++].op = SO_EQ;
	}
	if (chassis != NULL) {	/* /v1/chassis/{chassis}/nodes */
		bools[nb] = json_string(chassis);
		sq.filters[sq.nfilters].value = bools[nb++];
		sq.filters[sq.nfilters].field = "chassis_uuid";
		sq.filters[sq.nfilters++].op = SO_EQ;
	}
	if (assoc >= 0) {
		sq.filters[sq.nfilters].field = "instance_uuid";
		sq.filters[sq.nfilters++].op = assoc ? SO_NOTNULL : SO_NULL;
	}
	if (!api_node_link_filters(q, r, &sq, bools, &nb))
		goto out;
	if (auth_project_scoped()) {
		/* A project sees the nodes it owns or leases, nothing else. */
		bools[nb] = json_string(auth_current()->project);
		sq.filters[sq.nfilters].value = bools[nb++];
		if (auth_current()->project_name[0] != '\0') {	/* keystone: ID or name */
			bools[nb] = json_string(auth_current()->project_name);
			sq.filters[sq.nfilters].value2 = bools[nb++];
		}
		sq.filters[sq.nfilters].field = "owner";
		sq.filters[sq.nfilters].field2 = "lessee";
		sq.filters[sq.nfilters++].op = SO_EQ_EITHER;
	}
	if (chassis != NULL) {
		snprintf(path, sizeof(path), "v1/chassis/%s/nodes%s", chassis,
		    detail ? "/detail" : "");
	}
	api_list_text(q, r, &model_node, &sq, given ? &fs : NULL, detail, path);
out:
	for (int j = 0; j < nb; j++)
		json_decref(bools[j]);
}

void
h_nodes_list(struct req *q, struct resp *r)
{
	list_nodes(q, r, false, NULL);
}

void
h_nodes_detail(struct req *q, struct resp *r)
{
	list_nodes(q, r, true, NULL);
}

void
api_nodes_of_chassis(struct req *q, struct resp *r, const char *chassis, bool detail)
{
	list_nodes(q, r, detail, chassis);
}

void
h_node_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;

	if (!api_fields(q, r, &model_node, &fs, &given))
		return;
	api_json(r, 200, api_render(q, &model_node, q->obj, given ? &fs : NULL, true));
}

/* Whether the patch sets field k itself (an op whose path is /k). */
static bool
patch_sets(json_t *patch, const char *k)
{
	json_t *op;
	size_t i;

	json_array_foreach(patch, i, op) {
		const char *p = json_string_value(json_object_get(op, "path"));
		if (p != NULL && p[0] == '/' && strcmp(p + 1, k) == 0)
			return true;
	}
	return false;
}

/*
 * ?reset_interfaces (1.45), only with a new driver: true resets every
 * interface the patch does not set to the new driver's default; false
 * keeps them (one the new driver lacks is 400); absent resets only those.
 * *reset: whether interfaces the driver lacks are reset.
 */
static bool
reset_interfaces(struct req *q, struct resp *r, json_t *old, json_t *upd, bool *reset)
{
	bool changed = strcmp(jstr(old, "driver"), jstr(upd, "driver")) != 0;
	char key[64];
	int b = -1;

	if (q->minor >= 45 && !api_query_bool(q, r, "reset_interfaces", &b))
		return false;
	if (b >= 0 && !changed) {
		api_error(r, 400, "The reset_interfaces parameter can be provided only when "
		    "changing the node's driver.");
		return false;
	}
	*reset = changed && b != 0;
	for (int i = 0; b == 1 && i < HW_IF_COUNT; i++) {
		snprintf(key, sizeof(key), "%s_interface", hw_iface_names[i]);
		if (!patch_sets(q->json, key))
			json_object_set_new(upd, key, json_null());
	}
	return true;
}

/* One try of a PATCH on the node n as read: 0 saved (*saved the result),
 * -1 answered, 1 the node changed meanwhile (read it and try again). */
static int
patch_once(struct req *q, struct resp *r, json_t *n, json_t **saved)
{
	struct ierr e = { 0 };
	json_t *upd;
	bool reset;
	int rc = -1;

	if ((upd = api_patch(q, r, &model_node, n, q->json)) == NULL)
		return -1;
	if (!check_name(r, json_object_get(upd, "name")) || !check_owner_fields(r, upd) ||
	    !check_sources(r, n, upd) || !check_chassis(q, r, n, upd) ||
	    !api_node_links_check(r, n, upd))
		goto done;
	if (!reset_interfaces(q, r, n, upd, &reset))
		goto done;
	if (cond_resolve_interfaces(upd, reset, &e) != 0 || cond_update_node(upd, n, &e) != 0) {
		if (e.code == IG_ESTALE)
			rc = 1;
		else
			api_ierr(r, &e);
		goto done;
	}
	*saved = store_get(store_thread(), &model_node, "uuid", jstr(upd, "uuid"));
	if (*saved == NULL)
		*saved = json_incref(upd);
	rc = 0;
done:
	json_decref(upd);
	return rc;
}

/*
 * The patch is applied to the node as stored when its lock is taken: a
 * PATCH that raced another one is applied again to the fresh copy (a few
 * times), never saved over it.
 */
void
h_node_patch(struct req *q, struct resp *r)
{
	json_t *n = json_incref(q->obj), *saved = NULL;
	int rc;

	for (int i = 0; (rc = patch_once(q, r, n, &saved)) == 1 && i < 20; i++) {
		json_decref(n);
		n = store_get(store_thread(), &model_node, "uuid", jstr(q->obj, "uuid"));
		if (n == NULL) {
			api_error(r, 404, "Node %s could not be found.", jstr(q->obj, "uuid"));
			return;
		}
	}
	json_decref(n);
	if (rc == 1)
		api_error(r, 409, "Node %s is changed by other requests too often; please "
		    "retry.", jstr(q->obj, "uuid"));
	if (rc != 0)
		return;
	log_info("node updated");
	api_json(r, 200, api_render(q, &model_node, saved, NULL, true));
	json_decref(saved);
}

void
h_node_delete(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };

	if (cond_delete_node(q->obj, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

void
h_node_states(struct req *q, struct resp *r)
{
	static const struct { const char *k; int v; } keys[] = {
		{ "console_enabled", 0 }, { "last_error", 0 }, { "power_state", 0 },
		{ "provision_state", 0 }, { "provision_updated_at", 0 },
		{ "target_power_state", 0 }, { "target_provision_state", 0 },
		{ "raid_config", 12 }, { "target_raid_config", 12 },
		{ "boot_mode", 75 }, { "secure_boot", 75 }, { NULL, 0 },
	};
	json_t *out = json_object();

	for (size_t i = 0; keys[i].k != NULL; i++)
		if (q->minor >= keys[i].v)
			json_object_set(out, keys[i].k, json_object_get(q->obj, keys[i].k));
	api_json(r, 200, out);
}

static void
accepted(struct req *q, struct resp *r, json_t *n)
{
	snprintf(r->location, sizeof(r->location), "%s/v1/nodes/%s/states", q->base,
	    jstr(n, "uuid"));
	api_json(r, 202, NULL);
}

void
h_node_power(struct req *q, struct resp *r)
{
	json_t *to = json_object_get(q->json, "timeout");
	const char *target = jstr(q->json, "target");
	struct ierr e = { 0 };
	int timeout = 0;

	if (api_forward(q, r))
		return;

	if (target == NULL) {
		api_error(r, 400, "Invalid request: \"target\" is required");
		return;
	}
	if (to != NULL && !json_is_null(to)) {
		if (q->minor < 27 || !json_is_integer(to) || json_integer_value(to) < 1) {
			api_error(r, 400, "Invalid timeout value: it must be a positive "
			    "integer (API 1.27 or later).");
			return;
		}
		timeout = (int)json_integer_value(to);
	}
	if ((strncmp(target, "soft", 4) == 0) && q->minor < 27) {
		api_error(r, 406, "Soft power actions need API version 1.27 or later.");
		return;
	}
	if (cond_power(q->obj, target, timeout, &e) != 0)
		api_ierr(r, &e);
	else
		accepted(q, r, q->obj);
}

void
h_node_provision(struct req *q, struct resp *r)
{
	json_t *body = q->json, *n = q->obj;
	const char *target = jstr(body, "target");
	struct ierr e = { 0 };

	if (api_forward(q, r))
		return;

	if (target == NULL) {
		api_error(r, 400, "Invalid request: \"target\" is required");
		return;
	}
	if (json_object_get(body, "clean_steps") && strcmp(target, "clean") != 0) {
		api_error(r, 400, "\"clean_steps\" is only valid when setting target "
		    "provision state to clean");
		return;
	}
	if (json_object_get(body, "service_steps") && strcmp(target, "service") != 0) {
		api_error(r, 400, "\"service_steps\" is only valid when setting target "
		    "provision state to service");
		return;
	}
	/* Recovery fences hardware and takes a spare: an operator's act. */
	if (strcmp(target, "recover") == 0 && auth_project_scoped()) {
		api_error(r, 403, "Recovering a node (target \"recover\") needs a "
		    "system-scoped role.");
		return;
	}
	if (strcmp(target, "rescue") == 0 && jstr(body, "rescue_password") == NULL) {
		api_error(r, 400, "A non-empty \"rescue_password\" is required when "
		    "setting target provision state to rescue");
		return;
	}
	if (json_object_get(body, "configdrive") != NULL &&
	    !json_is_null(json_object_get(body, "configdrive")) &&
	    strcmp(target, "active") != 0 && strcmp(target, "rebuild") != 0) {
		api_error(r, 400, "Adding a config drive is only supported when setting "
		    "provision state to active, rebuild");
		return;
	}
	/* The image is checked against the caller who deploys it; only a
	 * system-scoped caller's deploy may read a file:// image. */
	json_object_del(body, COND_FILE_IMAGES);
	if (strcmp(target, "active") == 0 || strcmp(target, "rebuild") == 0) {
		const char *src = jstr(json_object_get(n, "instance_info"), "image_source");
		char err[512];
		if (images_check_source(src, auth_project_scoped(), err, sizeof(err)) != 0) {
			api_error(r, 400, "%s", err);
			return;
		}
		if (!auth_project_scoped())
			json_object_set_new(body, COND_FILE_IMAGES, json_true());
	}
	if (cond_provision(n, target, body, q->minor, &e) != 0)
		api_ierr(r, &e);
	else
		accepted(q, r, n);
}

static void
maintenance(struct req *q, struct resp *r, bool on)
{
	struct ierr e = { 0 };

	/* PUT may give a reason (the router parses an optional body) */
	if (cond_maintenance(q->obj, on, on ? jstr(q->json, "reason") : NULL, &e) != 0)
		api_ierr(r, &e);
	else
		accepted(q, r, q->obj);
}

void
h_node_maint_set(struct req *q, struct resp *r)
{
	maintenance(q, r, true);
}

void
h_node_maint_unset(struct req *q, struct resp *r)
{
	maintenance(q, r, false);
}

void
h_node_bootdev_get(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *out;

	if ((out = cond_boot_device_get(q->obj, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, out);
}

void
h_node_bootdev_set(struct req *q, struct resp *r)
{
	const char *dev = jstr(q->json, "boot_device");
	json_t *p = json_object_get(q->json, "persistent");
	struct ierr e = { 0 };

	if (api_forward(q, r))
		return;

	if (dev == NULL || (p != NULL && !json_is_boolean(p))) {
		api_error(r, 400, "Invalid request: \"boot_device\" (a string) is "
		    "required and \"persistent\" must be a boolean");
		return;
	}
	if (cond_boot_device_set(q->obj, dev, json_is_true(p), &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
}

void
h_node_bootdev_supported(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *out;

	if ((out = cond_boot_devices_supported(q->obj, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, out);
}

void
h_node_sensors(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *out;

	if ((out = cond_sensors(q->obj, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 200, out);
}

void
h_node_validate(struct req *q, struct resp *r)
{
	api_json(r, 200, cond_validate(q->obj));
}

static json_t *
render_event(struct req *q, json_t *ev, const char *node_uuid, bool detail)
{
	json_t *o = json_object();
	char self[1024], book[1024];
	const char *uuid = jstr(ev, "uuid");

	json_object_set(o, "uuid", json_object_get(ev, "uuid"));
	json_object_set(o, "created_at", json_object_get(ev, "created_at"));
	json_object_set(o, "severity", json_object_get(ev, "severity"));
	json_object_set(o, "event", json_object_get(ev, "event"));
	if (detail) {
		json_object_set(o, "event_type", json_object_get(ev, "event_type"));
		json_object_set(o, "conductor", json_object_get(ev, "conductor"));
		json_object_set(o, "user", json_object_get(ev, "user"));
	}
	snprintf(self, sizeof(self), "%s/v1/nodes/%s/history/%s", q->base, node_uuid, uuid);
	snprintf(book, sizeof(book), "%s/nodes/%s/history/%s", q->base, node_uuid, uuid);
	json_object_set_new(o, "links", json_pack("[{s:s, s:s}, {s:s, s:s}]",
	    "href", self, "rel", "self", "href", book, "rel", "bookmark"));
	return o;
}

void
h_node_history(struct req *q, struct resp *r)
{
	const char *uuid = jstr(q->obj, "uuid");
	json_t *list, *out, *ev, *page, *next, *body;
	char path[128];
	int detail;
	size_t i;

	if (!api_query_bool(q, r, "detail", &detail))
		return;
	list = store_history_list(store_thread(), uuid);
	snprintf(path, sizeof(path), "v1/nodes/%s/history", uuid);
	if ((page = api_page_array(q, r, list, "uuid", path, &next)) == NULL) {
		json_decref(list);
		return;
	}
	out = json_array();
	json_array_foreach(page, i, ev)
		json_array_append_new(out, render_event(q, ev, uuid, detail == 1));
	body = json_pack("{s:o}", "history", out);
	if (next != NULL)
		json_object_set_new(body, "next", next);
	api_json(r, 200, body);
	json_decref(page);
	json_decref(list);
}

void
h_node_history_event(struct req *q, struct resp *r)
{
	const char *uuid = jstr(q->obj, "uuid");
	json_t *list = store_history_list(store_thread(), uuid), *ev;
	size_t i;

	json_array_foreach(list, i, ev) {
		if (jstr(ev, "uuid") && strcmp(jstr(ev, "uuid"), q->args[1]) == 0) {
			api_json(r, 200, render_event(q, ev, uuid, true));
			break;
		}
	}
	if (r->body == NULL)
		api_error(r, 404, "Node history record %s could not be found.", q->args[1]);
	json_decref(list);
}

/* GET /v1/nodes/validate?node=: Ironic's older form of .../validate. */
void
h_nodes_validate(struct req *q, struct resp *r)
{
	const char *id = api_query(q, "node");
	json_t *n = NULL;

	if (id != NULL && util_is_uuid(id))
		n = store_get(store_thread(), &model_node, "uuid", id);
	else if (id != NULL && q->minor >= 5 && util_is_valid_name(id))
		n = store_get(store_thread(), &model_node, "name", id);
	if (n != NULL && auth_project_scoped() && !auth_is_my_project(jstr(n, "owner")) &&
	    !auth_is_my_project(jstr(n, "lessee"))) {
		json_decref(n);
		n = NULL;
	}
	if (n == NULL)
		api_error(r, 404, "Node %.200s could not be found.", id ? id : "");
	else
		api_json(r, 200, cond_validate(n));
	json_decref(n);
}
