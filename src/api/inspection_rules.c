/*
 * /v1/inspection_rules (Ironic's, 1.96): conditions on inspection data and
 * actions on the node, run at the end of every inspection and discovery
 * (src/conductor/inspect_rules_run.c).  System admins only: a rule can
 * write driver_info.  A rule is checked whole before it is stored
 * (inspect_rule_check: operators, actions and their arguments, paths,
 * regular expressions; trait names as the traits API takes them), after a
 * PATCH too.  A sensitive rule shows null conditions and actions, and
 * cannot be made not sensitive.
 */
#include <string.h>

#include "api.h"
#include "inspect_rules.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* Trait names of add-trait / remove-trait, as the traits API takes them. */
static bool
traits_ok(struct resp *r, json_t *rule)
{
	json_t *a, *args;
	const char *op, *name;
	size_t i;

	json_array_foreach(json_object_get(rule, "actions"), i, a) {
		op = jstr(a, "op");
		args = json_object_get(a, "args");
		if (op == NULL || (strcmp(op, "add-trait") != 0 && strcmp(op, "remove-trait") != 0))
			continue;
		name = json_is_array(args) ? json_string_value(json_array_get(args, 0)) :
		    jstr(args, "name");
		if (!api_trait_valid(name)) {
			api_error(r, 400, "Invalid trait %.300s in action %zu: a standard trait "
			    "or CUSTOM_ followed by A-Z, 0-9 and _.", name ? name : "", i);
			return false;
		}
	}
	return true;
}

static bool
check(struct resp *r, json_t *rule)
{
	char err[512];

	if (inspect_rule_check(rule, err, sizeof(err)) != 0) {
		api_error(r, 400, "%s", err);
		return false;
	}
	return traits_ok(r, rule);
}

static json_t *
render(struct req *q, json_t *rule, const struct fieldset *fs, bool detail)
{
	json_t *out = api_render(q, &model_inspection_rule, rule, fs, detail);

	if (json_is_true(json_object_get(rule, "sensitive"))) {
		if (json_object_get(out, "conditions") != NULL)
			json_object_set_new(out, "conditions", json_null());
		if (json_object_get(out, "actions") != NULL)
			json_object_set_new(out, "actions", json_null());
	}
	return out;
}

/* Nulls Ironic takes for "the default". */
static void
drop_nulls(json_t *b)
{
	static const char *const keys[] = { "sensitive", "phase", "priority", "conditions",
	    "uuid", NULL };

	for (int i = 0; keys[i] != NULL; i++)
		if (json_is_null(json_object_get(b, keys[i])))
			json_object_del(b, keys[i]);
}

void
h_inspection_rule_create(struct req *q, struct resp *r)
{
	json_t *b = q->json;
	char now[40], err[256];
	int rc;

	drop_nulls(b);
	if (!api_check_create(q, r, &model_inspection_rule, b) || !check(r, b) ||
	    !api_give_uuid(r, b))
		return;
	util_now_iso(now);
	json_object_set_new(b, "created_at", json_string(now));
	model_apply_defaults(&model_inspection_rule, b);
	rc = store_create(store_thread(), &model_inspection_rule, b, err, sizeof(err));
	if (rc == STORE_DUP) {
		api_error(r, 409, "An inspection rule with UUID %s already exists.",
		    jstr(b, "uuid"));
		return;
	}
	if (rc != STORE_OK) {
		api_error(r, 500, "Could not create the inspection rule: %s", err);
		return;
	}
	log_info("inspection rule %s created", jstr(b, "uuid"));
	snprintf(r->location, sizeof(r->location), "%s/v1/inspection_rules/%s", q->base,
	    jstr(b, "uuid"));
	api_json(r, 201, render(q, b, NULL, true));
}

static bool
list_query(struct req *q, struct resp *r, struct store_query *sq, json_t *phase)
{
	if (!api_paging(q, r, sq))
		return false;
	if (sq->sort_key != NULL && (strcmp(sq->sort_key, "conditions") == 0 ||
	    strcmp(sq->sort_key, "actions") == 0)) {
		api_error(r, 400, "The sort_key value %s is an invalid field for sorting",
		    sq->sort_key);
		return false;
	}
	if (phase != NULL) {
		sq->filters[0].field = "phase";
		sq->filters[0].op = SO_EQ;
		sq->filters[0].value = phase;
		sq->nfilters = 1;
	}
	return true;
}

void
h_inspection_rules_list(struct req *q, struct resp *r)
{
	struct store_query sq = { 0 };
	struct fieldset fs;
	json_t *phase = api_query(q, "phase") ? json_string(api_query(q, "phase")) : NULL;
	json_t *all = NULL, *items, *x;
	char err[256];
	bool given;
	size_t i;
	int d;

	if (api_fields(q, r, &model_inspection_rule, &fs, &given) &&
	    api_query_bool(q, r, "detail", &d) && list_query(q, r, &sq, phase) &&
	    (all = store_list(store_thread(), &model_inspection_rule, &sq, err,
	    sizeof(err))) == NULL)
		api_error(r, strstr(err, "arker") || strstr(err, "sort") ? 400 : 500, "%s", err);
	if (all != NULL) {
		items = json_array();
		json_array_foreach(all, i, x)
			json_array_append_new(items, render(q, x, given ? &fs : NULL, d == 1));
		x = json_pack("{s:o}", "inspection_rules", items);
		if (sq.limit > 0 && json_array_size(all) == (size_t)sq.limit)
			json_object_set_new(x, "next", api_next(q, "v1/inspection_rules",
			    jstr(json_array_get(all, json_array_size(all) - 1), "uuid"),
			    sq.limit));
		api_json(r, 200, x);
	}
	json_decref(all);
	json_decref(phase);
}

void
h_inspection_rule_show(struct req *q, struct resp *r)
{
	struct fieldset fs;
	bool given;

	if (api_fields(q, r, &model_inspection_rule, &fs, &given))
		api_json(r, 200, render(q, q->obj, given ? &fs : NULL, true));
}

void
h_inspection_rule_patch(struct req *q, struct resp *r)
{
	json_t *upd;
	char now[40], err[256];

	if ((upd = api_patch(q, r, &model_inspection_rule, q->obj, q->json)) == NULL)
		return;
	if (json_is_true(json_object_get(q->obj, "sensitive")) &&
	    !json_is_true(json_object_get(upd, "sensitive"))) {
		api_error(r, 400, "Inspection rules cannot have the sensitive flag unset.");
	} else if (check(r, upd)) {
		util_now_iso(now);
		json_object_set_new(upd, "updated_at", json_string(now));
		if (store_update(store_thread(), &model_inspection_rule, upd, err,
		    sizeof(err)) != STORE_OK)
			api_error(r, 500, "Could not update the inspection rule: %s", err);
		else
			api_json(r, 200, render(q, upd, NULL, true));
	}
	json_decref(upd);
}

void
h_inspection_rule_delete(struct req *q, struct resp *r)
{
	const char *uuid = jstr(q->obj, "uuid");

	if (store_delete(store_thread(), &model_inspection_rule, uuid) != STORE_OK) {
		api_error(r, 409, "Could not delete inspection rule %s; retry.", uuid);
		return;
	}
	log_info("inspection rule %s deleted", uuid);
	api_json(r, 204, NULL);
}
