/*
 * Inspection rules: the checks a rule passes before it is stored
 * (inspect_rules.h).  The operators and actions are Ironic's, each with
 * its arguments by position (a list) or by name (an object); the
 * node fields an action may change and the shape of its paths are fixed
 * here, so that a stored rule can only do what these tables allow.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "inspect_rules.h"
#include "inspect_rules_int.h"
#include "jsonutil.h"
#include "util.h"

#define KEY_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-"
#define TRAIT_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
#define CAP_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

const struct rule_op rule_conditions[] = {
	{ "eq", RC_EQ, { "values" }, { "force_strings" } },
	{ "lt", RC_LT, { "values" }, { "force_strings" } },
	{ "gt", RC_GT, { "values" }, { "force_strings" } },
	{ "is-empty", RC_EMPTY, { "value" }, { NULL } },
	{ "in-net", RC_NET, { "address", "subnet" }, { NULL } },
	{ "matches", RC_MATCHES, { "value", "regex" }, { NULL } },
	{ "contains", RC_CONTAINS, { "value", "regex" }, { NULL } },
	{ "one-of", RC_ONEOF, { "value" }, { "values" } },
	{ "is-none", RC_NONE, { "value" }, { NULL } },
	{ "is-true", RC_TRUE, { "value" }, { NULL } },
	{ "is-false", RC_FALSE, { "value" }, { NULL } },
	{ NULL, 0, { NULL }, { NULL } },
};

const struct rule_op rule_actions[] = {
	{ "fail", RA_FAIL, { "msg" }, { NULL } },
	{ "log", RA_LOG, { "msg" }, { "level" } },
	{ "set-attribute", RA_SET_ATTR, { "path", "value" }, { NULL } },
	{ "extend-attribute", RA_EXTEND_ATTR, { "path", "value" }, { "unique" } },
	{ "del-attribute", RA_DEL_ATTR, { "path" }, { NULL } },
	{ "set-capability", RA_SET_CAP, { "name", "value" }, { NULL } },
	{ "unset-capability", RA_UNSET_CAP, { "name" }, { NULL } },
	{ "add-trait", RA_ADD_TRAIT, { "name" }, { NULL } },
	{ "remove-trait", RA_REMOVE_TRAIT, { "name" }, { NULL } },
	{ "set-plugin-data", RA_SET_PD, { "path", "value" }, { NULL } },
	{ "extend-plugin-data", RA_EXTEND_PD, { "path", "value" }, { "unique" } },
	{ "unset-plugin-data", RA_UNSET_PD, { "path" }, { NULL } },
	{ NULL, 0, { NULL }, { NULL } },
};

/* Node fields rules may change: the objects (any key below them) and two
 * strings.  Never driver, interfaces, states, owner, instance_info. */
static const char *const obj_fields[] = { "properties", "extra", "driver_info", NULL };
static const char *const str_fields[] = { "resource_class", "description", NULL };

static const char *const levels[] = { "debug", "info", "warning", "error", "critical",
    NULL };
static const char *const multiples[] = { "any", "all", "first", "last", NULL };

static bool
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return true;
	return false;
}

const struct rule_op *
rule_op_find(const struct rule_op *table, const char *name)
{
	for (; name != NULL && table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

static int
nparams(const char *const *p, int max)
{
	int n = 0;

	while (n < max && p[n] != NULL)
		n++;
	return n;
}

static bool
known_param(const struct rule_op *d, const char *k)
{
	for (int i = 0; i < RULE_MAX_PARAMS && d->req[i]; i++)
		if (strcmp(d->req[i], k) == 0)
			return true;
	for (int i = 0; i < RULE_MAX_OPT && d->opt[i]; i++)
		if (strcmp(d->opt[i], k) == 0)
			return true;
	return false;
}

/* args by position: required ones first, then optional ones. */
static json_t *
args_of_list(const struct rule_op *d, json_t *a, char *err, size_t len)
{
	int nr = nparams(d->req, RULE_MAX_PARAMS), no = nparams(d->opt, RULE_MAX_OPT);
	json_t *out;

	if (json_array_size(a) < (size_t)nr || json_array_size(a) > (size_t)(nr + no)) {
		snprintf(err, len, "%s takes %d to %d arguments, %zu given", d->name, nr,
		    nr + no, json_array_size(a));
		return NULL;
	}
	out = json_object();
	for (size_t i = 0; i < json_array_size(a); i++)
		json_object_set(out, (int)i < nr ? d->req[i] : d->opt[i - (size_t)nr],
		    json_array_get(a, i));
	return out;
}

json_t *
rule_args(const struct rule_op *d, json_t *a, char *err, size_t len)
{
	const char *k;
	json_t *v;

	if (json_is_array(a))
		return args_of_list(d, a, err, len);
	if (!json_is_object(a)) {
		snprintf(err, len, "%s: args must be a list or an object", d->name);
		return NULL;
	}
	json_object_foreach(a, k, v) {
		if (!known_param(d, k)) {
			snprintf(err, len, "%s: unexpected argument %.64s", d->name, k);
			return NULL;
		}
	}
	for (int i = 0; i < RULE_MAX_PARAMS && d->req[i]; i++) {
		if (json_object_get(a, d->req[i]) == NULL) {
			snprintf(err, len, "%s: missing required argument %s", d->name,
			    d->req[i]);
			return NULL;
		}
	}
	return json_deep_copy(a);
}

/* "/properties/a/b" or "properties/a": a field rules may change, and
 * keys of [A-Za-z0-9_.:-] (1..64), at most 8 deep. */
int
rule_path_split(const char *p, char parts[RULE_MAX_DEPTH][65], int *n)
{
	char buf[600], *save = NULL;

	*n = 0;
	if (p == NULL || strlen(p) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", p[0] == '/' ? p + 1 : p);
	for (char *t = strtok_r(buf, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
		if (*n >= RULE_MAX_DEPTH || strlen(t) > 64 || strspn(t, KEY_CHARS) != strlen(t))
			return -1;
		snprintf(parts[(*n)++], 65, "%s", t);
	}
	if (*n == 0)
		return -1;
	if (in_list(str_fields, parts[0]))
		return *n == 1 ? 0 : -1;
	return in_list(obj_fields, parts[0]) && *n >= 2 ? 0 : -1;
}

/* Plugin data paths: dotted keys, as Ironic's. */
static bool
pd_path_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	return n > 0 && n <= 256 && strspn(p, KEY_CHARS) == n && p[0] != '.' &&
	    p[n - 1] != '.' && strstr(p, "..") == NULL;
}

static bool
regex_ok(const char *re)
{
	regex_t r;

	/* No back-references: they make matching exponential. */
	if (re == NULL || strlen(re) > 256)
		return false;
	for (const char *c = re; *c; c++)
		if (c[0] == '\\' && c[1] >= '1' && c[1] <= '9')
			return false;
	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	regfree(&r);
	return true;
}

static int
check_condition_args(const struct rule_op *d, json_t *a, char *err, size_t len)
{
	json_t *fs = json_object_get(a, "force_strings");

	if ((d->kind == RC_EQ || d->kind == RC_LT || d->kind == RC_GT) &&
	    (!json_is_array(json_object_get(a, "values")) ||
	    json_array_size(json_object_get(a, "values")) > RULE_MAX_OPS ||
	    (fs != NULL && !json_is_boolean(fs)))) {
		snprintf(err, len, "%s: values must be a list (at most %d), force_strings "
		    "a boolean", d->name, RULE_MAX_OPS);
		return -1;
	}
	if ((d->kind == RC_MATCHES || d->kind == RC_CONTAINS) &&
	    !regex_ok(jstr(a, "regex"))) {
		snprintf(err, len, "%s: regex must be a POSIX extended regular expression "
		    "of at most 256 characters, without back-references", d->name);
		return -1;
	}
	if (d->kind == RC_NET && (!json_is_string(json_object_get(a, "address")) ||
	    !json_is_string(json_object_get(a, "subnet")))) {
		snprintf(err, len, "in-net: address and subnet must be strings");
		return -1;
	}
	if (d->kind == RC_ONEOF && json_object_get(a, "values") != NULL &&
	    !json_is_array(json_object_get(a, "values"))) {
		snprintf(err, len, "one-of: values must be a list");
		return -1;
	}
	return 0;
}

static bool
str_arg_ok(json_t *a, const char *k, const char *chars, size_t max)
{
	const char *s = jstr(a, k);
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= max && (chars == NULL || strspn(s, chars) == n);
}

static int
check_action_args(const struct rule_op *d, json_t *a, char *err, size_t len)
{
	char parts[RULE_MAX_DEPTH][65];
	const char *lvl = jstr(a, "level");
	json_t *u = json_object_get(a, "unique");
	int n;
	bool ok = u == NULL || json_is_boolean(u);

	switch (d->kind) {
	case RA_FAIL:
	case RA_LOG:
		ok = ok && str_arg_ok(a, "msg", NULL, 1024) && (json_object_get(a, "level") ==
		    NULL || (lvl && in_list(levels, lvl)));
		break;
	case RA_SET_ATTR:
	case RA_EXTEND_ATTR:
	case RA_DEL_ATTR:
		ok = ok && rule_path_split(jstr(a, "path"), parts, &n) == 0;
		break;
	case RA_SET_CAP:
	case RA_UNSET_CAP:
		ok = str_arg_ok(a, "name", CAP_CHARS, 64);
		break;
	case RA_ADD_TRAIT:
	case RA_REMOVE_TRAIT:
		ok = str_arg_ok(a, "name", TRAIT_CHARS, 255);
		break;
	default:
		ok = ok && pd_path_ok(jstr(a, "path"));
	}
	if (!ok)
		snprintf(err, len, "%s: bad arguments (paths: /properties/..., /extra/..., "
		    "/driver_info/..., /resource_class or /description for node "
		    "attributes, dotted keys for plugin data; trait names of [A-Z0-9_]; "
		    "msg 1-1024 characters)", d->name);
	return ok ? 0 : -1;
}

/* loop is not supported: only an empty one (what Ironic shows) passes. */
static int
check_op_keys(json_t *op, bool condition, char *err, size_t len)
{
	const char *k;
	json_t *v;

	json_object_foreach(op, k, v) {
		if (strcmp(k, "op") == 0 || strcmp(k, "args") == 0)
			continue;
		if (strcmp(k, "loop") == 0 && (json_array_size(v) == 0 && (json_is_array(v) ||
		    json_is_null(v))))
			continue;
		if (condition && strcmp(k, "multiple") == 0 && json_is_string(v) &&
		    in_list(multiples, json_string_value(v)))
			continue;
		snprintf(err, len, "%.64s is not supported in an inspection rule's %s", k,
		    condition ? "condition" : "action");
		return -1;
	}
	return 0;
}

static int
check_op(json_t *op, const struct rule_op *table, bool condition, char *err, size_t len)
{
	const char *name = jstr(op, "op");
	const struct rule_op *d;
	json_t *a;
	int rc;

	if (condition && name != NULL && name[0] == '!')
		name++;
	if (!json_is_object(op) || (d = rule_op_find(table, name)) == NULL) {
		snprintf(err, len, "Unsupported %s operator: %.64s", condition ?
		    "condition" : "action", jstr(op, "op") ? jstr(op, "op") : "(none)");
		return -1;
	}
	if (check_op_keys(op, condition, err, len) != 0 ||
	    (a = rule_args(d, json_object_get(op, "args"), err, len)) == NULL)
		return -1;
	rc = condition ? check_condition_args(d, a, err, len) :
	    check_action_args(d, a, err, len);
	json_decref(a);
	return rc;
}

static int
check_ops(json_t *list, const char *what, size_t min, char *err, size_t len)
{
	bool cond = strcmp(what, "conditions") == 0;
	json_t *op;
	size_t i;

	if (!json_is_array(list) || json_array_size(list) < min ||
	    json_array_size(list) > RULE_MAX_OPS) {
		snprintf(err, len, "%s must be a list of %zu to %d items", what, min,
		    RULE_MAX_OPS);
		return -1;
	}
	json_array_foreach(list, i, op)
		if (check_op(op, cond ? rule_conditions : rule_actions, cond, err, len) != 0)
			return -1;
	return 0;
}

static int
check_fields(json_t *rule, char *err, size_t len)
{
	json_t *p = json_object_get(rule, "priority"), *d = json_object_get(rule,
	    "description"), *s = json_object_get(rule, "sensitive");
	const char *phase = jstr(rule, "phase");

	if (p != NULL && (!json_is_integer(p) || json_integer_value(p) < 0 ||
	    json_integer_value(p) > RULE_MAX_PRIORITY)) {
		snprintf(err, len, "Priority must be between 0 and %d for user-defined rules.",
		    RULE_MAX_PRIORITY);
		return -1;
	}
	if (d != NULL && !json_is_null(d) && (!json_is_string(d) ||
	    json_string_length(d) > 255)) {
		snprintf(err, len, "description must be a string of at most 255 characters");
		return -1;
	}
	if (s != NULL && !json_is_null(s) && !json_is_boolean(s)) {
		snprintf(err, len, "sensitive must be a boolean");
		return -1;
	}
	if (json_object_get(rule, "phase") != NULL && !json_is_null(json_object_get(rule,
	    "phase")) && (phase == NULL || strcmp(phase, "main") != 0)) {
		snprintf(err, len, "Invalid phase: %.16s. Valid phases are: main",
		    phase ? phase : "(not a string)");
		return -1;
	}
	return 0;
}

int
inspect_rule_check(json_t *rule, char *err, size_t len)
{
	json_t *c = json_object_get(rule, "conditions");

	if (!json_is_object(rule)) {
		snprintf(err, len, "An inspection rule is an object");
		return -1;
	}
	if (json_object_get(rule, "actions") == NULL) {
		snprintf(err, len, "Mandatory field missing: 'actions'");
		return -1;
	}
	if (check_fields(rule, err, len) != 0)
		return -1;
	if (c != NULL && !json_is_null(c) && check_ops(c, "conditions", 0, err, len) != 0)
		return -1;
	return check_ops(json_object_get(rule, "actions"), "actions", 1, err, len);
}
