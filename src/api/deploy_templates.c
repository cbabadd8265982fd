/*
 * /v1/deploy_templates (Ironic's, 1.55): a trait name and the deploy steps a
 * deploy runs when the instance asks for that trait.  System-scoped, as in
 * Ironic: readers list and show, admins create, change and delete.  The
 * steps are checked as the conductor will run them (src/conductor/steps.c):
 * a template cannot hold a malformed step; whether a node's hardware offers
 * its steps is checked when a deploy asks for it.
 */
#include <string.h>

#include "api.h"
#include "jsonutil.h"
#include "log.h"
#include "steps.h"
#include "store.h"
#include "util.h"

/* name a trait, steps 1-50 well-formed steps; false with r filled. */
static bool
check(struct resp *r, json_t *t)
{
	json_t *steps = json_object_get(t, "steps");
	char err[512];

	if (!api_trait_valid(jstr(t, "name"))) {
		api_error(r, 400, "Invalid deploy template name %.300s: it must be a trait "
		    "(a standard trait name or CUSTOM_ followed by A-Z, 0-9 and _, at "
		    "most 255 characters).", jstr(t, "name") ? jstr(t, "name") : "(none)");
		return false;
	}
	if (json_array_size(steps) == 0 && json_is_array(steps)) {
		api_error(r, 400, "A deploy template needs at least one step.");
		return false;
	}
	if (steps_check(steps, "steps", err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return false;
	}
	return true;
}

static void
dup(struct resp *r, json_t *t)
{
	api_error(r, 409, "A deploy template with name %.300s or UUID %s already exists.",
	    jstr(t, "name"), jstr(t, "uuid"));
}

void
h_deploy_template_create(struct req *q, struct resp *r)
{
	json_t *b = q->json;
	char now[40], err[256];
	int rc;

	if (!api_check_create(q, r, &model_deploy_template, b))
		return;
	if (json_object_get(b, "steps") == NULL) {
		api_error(r, 400, "Mandatory field missing: 'steps'");
		return;
	}
	if (!check(r, b) || !api_give_uuid(r, b))
		return;
	util_now_iso(now);
	json_object_set_new(b, "created_at", json_string(now));
	model_apply_defaults(&model_deploy_template, b);
	rc = store_create(store_thread(), &model_deploy_template, b, err, sizeof(err));
	if (rc == STORE_DUP) {
		dup(r, b);
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the deploy template: %s", err);
		return;
	}
	log_info("deploy template %s (%s) created", jstr(b, "name"), jstr(b, "uuid"));
	snprintf(r->location, sizeof(r->location), "%s/v1/deploy_templates/%s", q->base,
	    jstr(b, "uuid"));
	api_json(r, 201, api_render(q, &model_deploy_template, b, NULL, true));
}

void
h_deploy_templates_list(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	bool given;
	int d;

	if (!api_paging(q, r, &sq) || !api_fields(q, r, &model_deploy_template, &fs, &given) ||
	    !api_query_bool(q, r, "detail", &d))
		return;
	if (d == 1 && given) {
		api_error(r, 400, "Can not specify ?detail=True and fields in the same request.");
		return;
	}
	api_list_text(q, r, &model_deploy_template, &sq, given ? &fs : NULL, d == 1,
	    "v1/deploy_templates");
}

void
h_deploy_template_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;

	if (api_fields(q, r, &model_deploy_template, &fs, &given))
		api_json(r, 200, api_render(q, &model_deploy_template, q->obj,
		    given ? &fs : NULL, true));
}

void
h_deploy_template_patch(struct req *q, struct resp *r)
{
	json_t *upd;
	char now[40], err[256];
	int rc;

	if ((upd = api_patch(q, r, &model_deploy_template, q->obj, q->json)) == NULL)
		return;
	if (check(r, upd)) {
		util_now_iso(now);
		json_object_set_new(upd, "updated_at", json_string(now));
		rc = store_update(store_thread(), &model_deploy_template, upd, err, sizeof(err));
		if (rc == STORE_DUP)
			dup(r, upd);
		else if (rc != STORE_OK)
			api_error(r, 500, "Could not update the deploy template: %s", err);
		else
			api_json(r, 200, api_render(q, &model_deploy_template, upd, NULL, true));
	}
	json_decref(upd);
}

void
h_deploy_template_delete(struct req *q, struct resp *r)
{
	const char *uuid = jstr(q->obj, "uuid");

	if (store_delete(store_thread(), &model_deploy_template, uuid) != STORE_OK) {
		api_error(r, 409, "Could not delete deploy template %s; retry.", uuid);
		return;
	}
	log_info("deploy template %s deleted", uuid);
	api_json(r, 204, NULL);
}
