/*
 * A node's BMC beyond power: BIOS settings (1.40), NMI (1.29), boot mode
 * and secure boot (1.76), through the conductor (src/conductor/bmc.c).
 * A node whose management interface cannot do it gets Ironic's answers:
 * an empty BIOS list, 400 "does not support" for the changes.
 */
#include <string.h>

#include "api.h"
#include "conductor.h"
#include "jsonutil.h"

/* BIOS values as Ironic stores them: strings (null stays null). */
static json_t *
value_string(json_t *v)
{
	char *s;
	json_t *out;

	if (json_is_string(v) || json_is_null(v))
		return json_incref(v);
	if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL)
		return json_null();
	out = json_string(s);
	free(s);
	return out ? out : json_null();
}

static json_t *
setting(struct req *q, const char *name, json_t *v)
{
	char id[1100];

	snprintf(id, sizeof(id), "%s/bios/%s", jstr(q->obj, "uuid"), name);
	return json_pack("{s:s, s:o, s:n, s:n, s:o}", "name", name, "value",
	    value_string(v), "created_at", "updated_at", "links",
	    api_links(q, "nodes", id));
}

/* The settings, or NULL when answered (an error; or an empty list for a
 * node that has none). */
static json_t *
bios_or_answer(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *s = cond_bios_get(q->obj, &e);

	if (s == NULL && e.code == IG_EUNSUPPORTED)
		api_json(r, 200, json_pack("{s:[]}", "bios"));
	else if (s == NULL)
		api_ierr(r, &e);
	return s;
}

void
h_node_bios(struct req *q, struct resp *r)
{
	json_t *s, *list, *v;
	const char *k;

	if ((s = bios_or_answer(q, r)) == NULL)
		return;
	list = json_array();
	json_object_foreach(s, k, v)
		json_array_append_new(list, setting(q, k, v));
	json_decref(s);
	api_json(r, 200, json_pack("{s:o}", "bios", list));
}

void
h_node_bios_setting(struct req *q, struct resp *r)
{
	struct ierr e = { 0 };
	json_t *s = cond_bios_get(q->obj, &e), *v;

	if (s == NULL && e.code != IG_EUNSUPPORTED) {
		api_ierr(r, &e);
		return;
	}
	if ((v = json_object_get(s, q->args[1])) == NULL)
		api_error(r, 404, "Node %s doesn't have a BIOS setting '%.200s'",
		    jstr(q->obj, "uuid"), q->args[1]);
	else
		api_json(r, 200, json_pack("{s:o}", q->args[1], setting(q, q->args[1], v)));
	json_decref(s);
}

void
h_node_inject_nmi(struct req *q, struct resp *r)
{
	const char *m = jstr(q->obj, "management_interface");
	struct ierr e = { 0 };

	/* the fake interface injects nothing, successfully (as Ironic's) */
	if ((m != NULL && strcmp(m, "fake") == 0) || cond_inject_nmi(q->obj, &e) == 0)
		api_json(r, 204, NULL);
	else
		api_ierr(r, &e);
}

void
h_node_boot_mode_set(struct req *q, struct resp *r)
{
	const char *t = jstr(q->json, "target");
	struct ierr e = { 0 };

	if (t == NULL || json_object_size(q->json) != 1) {
		api_error(r, 400, "Invalid request: {\"target\": \"uefi\" or \"bios\"} "
		    "is expected.");
		return;
	}
	if (cond_boot_mode_set(q->obj, t, &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 202, NULL);
}

void
h_node_secure_boot_set(struct req *q, struct resp *r)
{
	json_t *t = json_object_get(q->json, "target");
	struct ierr e = { 0 };

	if (!json_is_boolean(t) || json_object_size(q->json) != 1) {
		api_error(r, 400, "Invalid request: {\"target\": true or false} is "
		    "expected.");
		return;
	}
	if (cond_secure_boot_set(q->obj, json_is_true(t), &e) != 0)
		api_ierr(r, &e);
	else
		api_json(r, 202, NULL);
}
