/*
 * /v1/volumes: Ingot's own volume pool (storage_interface "iscsi"; see
 * docs/storage.md).  A volume has a size in GiB, an optional name and
 * project, and optionally an image copied into it once at creation.
 * System-scoped only: a project's nodes reach its volumes through volume
 * targets, which the system admin creates.
 */
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "jsonutil.h"
#include "model_access.h"
#include "store.h"
#include "util.h"

static bool
check_body(struct resp *r, json_t *b)
{
	const char *name = jstr(b, "name"), *p = jstr(b, "project");

	if (!json_is_integer(json_object_get(b, "size"))) {
		api_error(r, 400, "Mandatory field missing or not an integer: size (GiB).");
		return false;
	}
	if (name != NULL && (!util_is_valid_name(name) || util_is_uuid(name))) {
		api_error(r, 400, "Expected a logical name but received %.64s.", name);
		return false;
	}
	if (p != NULL && (p[0] == '\0' || strlen(p) > 64 || !util_is_valid_name(p))) {
		api_error(r, 400, "Invalid project: a project ID is required.");
		return false;
	}
	if ((jstr(b, "image_source") && strlen(jstr(b, "image_source")) > 1024) ||
	    (jstr(b, "image_checksum") && strlen(jstr(b, "image_checksum")) > 200)) {
		api_error(r, 400, "image_source or image_checksum is too long.");
		return false;
	}
	return true;
}

void
h_volume_create(struct req *q, struct resp *r)
{
	json_t *b = q->json;
	struct ierr e = { 0 };
	char now[40];

	if (!api_check_create(q, r, &model_volume, b) || !check_body(r, b))
		return;
	if (!api_give_uuid(r, b))
		return;
	util_now_iso(now);
	json_object_set_new(b, "created_at", json_string(now));
	model_apply_defaults(&model_volume, b);
	if (volpool_create(b, true, &e) != 0) {
		api_ierr(r, &e);
		return;
	}
	snprintf(r->location, sizeof(r->location), "%.300s/v1/volumes/%s", q->base,
	    jstr(b, "uuid"));
	api_json(r, 201, api_render(q, &model_volume, b, NULL, true));
}

/* The volume of the route's '*' (UUID or name), or 404. */
static json_t *
find(struct req *q, struct resp *r)
{
	const char *id = q->args[0];
	json_t *v = NULL;

	if (id != NULL && util_is_uuid(id))
		v = store_get(store_thread(), &model_volume, "uuid", id);
	else if (id != NULL && util_is_valid_name(id))
		v = store_get(store_thread(), &model_volume, "name", id);
	if (v == NULL)
		api_error(r, 404, "Volume %.64s could not be found.", id ? id : "");
	return v;
}

void
h_volumes_list(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	const char *p = api_query(q, "project");
	json_t *pv = NULL;
	bool given;
	int d;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_volume, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &d))
		return;
	if (p != NULL) {
		pv = json_string(p);
		sq.filters[sq.nfilters++] = (struct store_filter){ "project", SO_EQ, pv,
		    NULL, NULL };
	}
	api_list_text(q, r, &model_volume, &sq, given ? &fs : NULL, d == 1, "v1/volumes");
	json_decref(pv);
}

void
h_volume_show(struct req *q, struct resp *r)
{
	json_t *v = find(q, r);

	if (v != NULL)
		api_json(r, 200, api_render(q, &model_volume, v, NULL, true));
	json_decref(v);
}

void
h_volume_patch(struct req *q, struct resp *r)
{
	json_t *v = find(q, r), *upd = NULL;
	const char *name;
	char err[256], now[40];
	int rc;

	if (v == NULL || (upd = api_patch(q, r, &model_volume, v, q->json)) == NULL)
		goto out;
	name = jstr(upd, "name");
	if (name != NULL && (!util_is_valid_name(name) || util_is_uuid(name))) {
		api_error(r, 400, "Expected a logical name but received %.64s.", name);
		goto out;
	}
	util_now_iso(now);
	json_object_set_new(upd, "updated_at", json_string(now));
	rc = store_update(store_thread(), &model_volume, upd, err, sizeof(err));
	if (rc == STORE_DUP)
		api_error(r, 409, "A volume with name %.64s already exists.", name);
	else if (rc != STORE_OK)
		api_error(r, 500, "Could not update the volume: %s", err);
	else
		api_json(r, 200, api_render(q, &model_volume, upd, NULL, true));
out:
	json_decref(upd);
	json_decref(v);
}

void
h_volume_delete(struct req *q, struct resp *r)
{
	json_t *v = find(q, r);
	struct ierr e = { 0 };

	if (v == NULL)
		return;
	if (volpool_delete(v, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 204, NULL);
	json_decref(v);
}
