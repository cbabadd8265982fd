/*
 * /v1/chassis (Ironic's): a UUID, a description and extra, grouping nodes
 * through their chassis_uuid.  System-scoped only, as in Ironic.  A
 * chassis with nodes is not deleted (400, Ironic's ChassisNotEmpty).
 */
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "util.h"

static bool
check_description(struct resp *r, json_t *c)
{
	const char *d = jstr(c, "description");

	if (d != NULL && strlen(d) > 255) {
		api_error(r, 400, "Value of description is longer than 255 characters.");
		return false;
	}
	return true;
}

void
h_chassis_create(struct req *q, struct resp *r)
{
	json_t *b = q->json;
	char now[40], err[256];
	int rc;

	if (!api_check_create(q, r, &model_chassis, b) || !check_description(r, b))
		return;
	if (!api_give_uuid(r, b))
		return;
	util_now_iso(now);
	json_object_set_new(b, "created_at", json_string(now));
	model_apply_defaults(&model_chassis, b);
	rc = store_create(store_thread(), &model_chassis, b, err, sizeof(err));
	if (rc == STORE_DUP) {
		api_error(r, 409, "A chassis with UUID %s already exists.", jstr(b, "uuid"));
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the chassis: %s", err);
		return;
	}
	log_info("chassis %s created", jstr(b, "uuid"));
	snprintf(r->location, sizeof(r->location), "%s/v1/chassis/%s", q->base,
	    jstr(b, "uuid"));
	api_json(r, 201, api_render(q, &model_chassis, b, NULL, true));
}

static void
list(struct req *q, struct resp *r, bool detail)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	bool given;
	int d;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_chassis, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &d))
		return;
	if (detail && given) {
		api_error(r, 400, "Can not specify ?fields with /detail");
		return;
	}
	detail = detail || (d == 1 && q->minor >= 43);
	api_list_text(q, r, &model_chassis, &sq, given ? &fs : NULL, detail,
	    detail ? "v1/chassis/detail" : "v1/chassis");
}

void
h_chassis_list(struct req *q, struct resp *r)
{
	list(q, r, false);
}

void
h_chassis_detail(struct req *q, struct resp *r)
{
	list(q, r, true);
}

void
h_chassis_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;

	if (api_fields(q, r, &model_chassis, &fs, &given))
		api_json(r, 200, api_render(q, &model_chassis, q->obj, given ? &fs : NULL,
		    true));
}

void
h_chassis_patch(struct req *q, struct resp *r)
{
	json_t *upd;
	char now[40], err[256];

	if ((upd = api_patch(q, r, &model_chassis, q->obj, q->json)) == NULL)
		return;
	if (check_description(r, upd)) {
		util_now_iso(now);
		json_object_set_new(upd, "updated_at", json_string(now));
		if (store_update(store_thread(), &model_chassis, upd, err, sizeof(err)) !=
		    STORE_OK)
			api_error(r, 500, "Could not update the chassis: %s", err);
		else
			api_json(r, 200, api_render(q, &model_chassis, upd, NULL, true));
	}
	json_decref(upd);
}

/* Counted and deleted in one transaction: a node joining the chassis
 * meanwhile makes the commit fail rather than point at nothing. */
void
h_chassis_delete(struct req *q, struct resp *r)
{
	struct store *s = store_thread();
	struct store_query sq = { .nfilters = 1 };
	const char *uuid = jstr(q->obj, "uuid");
	json_t *v = json_string(uuid);
	long n;

	sq.filters[0] = (struct store_filter){ "chassis_uuid", SO_EQ, v, NULL, NULL };
	if (store_begin(s) != 0) {
		api_error(r, 503, "The database is busy; retry.");
	} else if ((n = store_count(s, &model_node, &sq)) != 0) {
		store_rollback(s);
		api_error(r, n < 0 ? 500 : 400, "Chassis %s contains nodes.", uuid);
	} else if (store_delete(s, &model_chassis, uuid) != STORE_OK || store_commit(s) != 0) {
		store_rollback(s);
		api_error(r, 409, "Could not delete chassis %s; retry.", uuid);
	} else {
		log_info("chassis %s deleted", uuid);
		api_json(r, 204, NULL);
	}
	json_decref(v);
}

void
h_chassis_nodes(struct req *q, struct resp *r)
{
	api_nodes_of_chassis(q, r, jstr(q->obj, "uuid"), false);
}

void
h_chassis_nodes_detail(struct req *q, struct resp *r)
{
	api_nodes_of_chassis(q, r, jstr(q->obj, "uuid"), true);
}
