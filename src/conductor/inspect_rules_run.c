/*
 * Inspection rules, run (inspect_rules.h): the stored rules of phase
 * "main", highest priority first.  Arguments may name what the agent
 * reported, as Ironic's Python format fields: "{inventory[cpu][count]}",
 * "{plugin_data[auto_discovered]}", "{node.properties[memory_mb]}"; a
 * field that names nothing leaves the string as it was.  The node's
 * secrets (driver_info, instance_info, driver_internal_info) cannot be
 * named.  What a rule and the inventory hold is never logged.
 */
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "inspect_rules.h"
#include "inspect_rules_int.h"
#include "jsonutil.h"
#include "log.h"
#include "store.h"
#include "strbuf.h"

#define MAX_TEXT	4096	/* an interpolated string */

struct ctx {
	json_t		*node, *inv, *plugin;
	const char	*rule;		/* its UUID, for messages */
	bool		 sensitive;
	char		*err;
	size_t		 len;
};

static const char *const node_readable[] = { "uuid", "name", "driver", "properties",
    "extra", "resource_class", "description", NULL };

/* --- values ------------------------------------------------------------------ */

/* Python's str() of a JSON value, as Ironic compares them. */
static char *
pystr(json_t *v)
{
	char buf[64];

	if (v == NULL || json_is_null(v))
		return strdup("None");
	if (json_is_true(v) || json_is_false(v))
		return strdup(json_is_true(v) ? "True" : "False");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_real(v)) {
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		return strdup(buf);
	}
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

static json_t *
root_of(struct ctx *c, const char *name, size_t n, bool *node)
{
	*node = n == 4 && strncmp(name, "node", 4) == 0;
	if (n == 9 && strncmp(name, "inventory", 9) == 0)
		return c->inv;
	if (n == 11 && strncmp(name, "plugin_data", 11) == 0)
		return c->plugin;
	return *node ? c->node : NULL;
}

/* One step of a field: [key] (an index into a list when digits) or .name. */
static json_t *
step(json_t *cur, const char *k, size_t n)
{
	char key[128];
	char *end;
	long i;

	if (n == 0 || n >= sizeof(key))
		return NULL;
	memcpy(key, k, n);
	key[n] = '\0';
	if (json_is_array(cur)) {
		i = strtol(key, &end, 10);
		return *end == '\0' && i >= 0 ? json_array_get(cur, (size_t)i) : NULL;
	}
	return json_object_get(cur, key);
}

static bool
node_readable_field(const char *k, size_t n)
{
	for (const char *const *r = node_readable; *r != NULL; r++)
		if (strlen(*r) == n && strncmp(*r, k, n) == 0)
			return true;
	return false;
}

/* The value a format field (without its braces) names, or NULL:
 * root ("[" key "]" | "." name)*. */
static json_t *
field(struct ctx *c, const char *f, size_t n)
{
	size_t i = strspn(f, "abcdefghijklmnopqrstuvwxyz_"), j;
	bool node;
	json_t *cur;

	if (i > n || (cur = root_of(c, f, i, &node)) == NULL)
		return NULL;
	while (i < n && cur != NULL) {
		bool br = f[i] == '[';
		if (!br && f[i] != '.')
			return NULL;
		j = ++i;
		while (j < n && (br ? f[j] != ']' : f[j] != '.' && f[j] != '['))
			j++;
		if (br && j >= n)
			return NULL;
		if (node && !node_readable_field(f + i, j - i))
			return NULL;
		node = false;
		cur = step(cur, f + i, j - i);
		i = br ? j + 1 : j;
	}
	return cur;
}

/* s with its format fields replaced; NULL when one names nothing (the
 * caller keeps s, as Ironic does). */
static char *
interpolate(struct ctx *c, const char *s)
{
	struct strbuf b;
	const char *e;
	json_t *f;
	char *v;

	sb_init(&b, 64);
	while (*s != '\0' && b.len < MAX_TEXT) {
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			sb_add(&b, s, 1);
			s += 2;
		} else if (s[0] == '{' && (e = strchr(s, '}')) != NULL &&
		    (f = field(c, s + 1, (size_t)(e - s - 1))) != NULL) {
			v = pystr(f);
			sb_puts(&b, v ? v : "");
			free(v);
			s = e + 1;
		} else if (s[0] == '{' || s[0] == '}') {
			break;	/* a field that names nothing */
		} else {
			sb_add(&b, s++, 1);
		}
	}
	if (*s != '\0') {
		sb_free(&b);
		return NULL;
	}
	return sb_take(&b);
}

/* v with every string (deep) interpolated; a new reference. */
static json_t *
expand(struct ctx *c, json_t *v)
{
	json_t *out, *x;
	const char *k;
	char *t;
	size_t i;

	if (json_is_string(v)) {
		if ((t = interpolate(c, json_string_value(v))) == NULL)
			return json_incref(v);
		out = json_string(t);
		free(t);
		return out ? out : json_incref(v);
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(out, expand(c, x));
		return out;
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach(v, k, x)
			json_object_set_new(out, k, expand(c, x));
		return out;
	}
	return json_incref(v);
}

/* --- conditions -------------------------------------------------------------- */

/* A number, or a string that is all of one. */
static bool
number_of(json_t *v, double *d)
{
	const char *s = json_string_value(v);
	char *end;

	if (json_is_number(v)) {
		*d = json_number_value(v);
		return true;
	}
	if (s == NULL || *s == '\0')
		return false;
	*d = strtod(s, &end);
	return *end == '\0';
}

/* <0, 0, >0, or 2 when a and b do not compare (lt and gt then fail). */
static int
compare(json_t *a, json_t *b, bool strings)
{
	double x, y;
	char *s, *t;
	int r;

	if (!strings && number_of(a, &x) && number_of(b, &y))
		return x < y ? -1 : x > y;
	if (strings || (json_is_string(a) && json_is_string(b))) {
		s = pystr(a);
		t = pystr(b);
		r = s && t ? strcmp(s, t) : 2;
		free(s);
		free(t);
		return r < 0 ? -1 : r > 0;
	}
	return json_equal(a, b) ? 0 : 2;
}

static bool
chain(json_t *values, enum rule_kind k, bool strings)
{
	for (size_t i = 0; i + 1 < json_array_size(values); i++) {
		int r = compare(json_array_get(values, i), json_array_get(values, i + 1),
		    strings);
		if ((k == RC_EQ && r != 0) || (k == RC_LT && r != -1) || (k == RC_GT && r != 1))
			return false;
	}
	return true;
}

static bool
regex_hit(json_t *v, const char *re, bool whole)
{
	char *s = pystr(v), pat[300];
	regex_t r;
	bool hit = false;

	snprintf(pat, sizeof(pat), whole ? "^(%s)$" : "%s", re);
	if (s != NULL && regcomp(&r, pat, REG_EXTENDED | REG_NOSUB) == 0) {
		hit = regexec(&r, s, 0, NULL, 0) == 0;
		regfree(&r);
	}
	free(s);
	return hit;
}

static bool
truth(json_t *v, bool want)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v))
		return json_is_true(v) == want;
	if (json_is_number(v))
		return (json_number_value(v) != 0) == want;
	if (s != NULL)
		return want ? strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 :
		    strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0;
	return !want && (v == NULL || json_is_null(v));
}

static bool
in_net(json_t *a)
{
	struct cidr net;
	uint32_t ip;

	return ip4_parse(jstr(a, "address"), &ip) &&
	    cidr_parse(jstr(a, "subnet"), 0, 32, &net) && cidr_contains(&net, ip);
}

static bool
one_of(json_t *a)
{
	json_t *x;
	size_t i;

	json_array_foreach(json_object_get(a, "values"), i, x)
		if (compare(json_object_get(a, "value"), x, false) == 0)
			return true;
	return false;
}

static bool
holds(enum rule_kind k, json_t *a)
{
	json_t *v = json_object_get(a, "value");
	char *s = k == RC_EMPTY || k == RC_NONE ? pystr(v) : NULL;
	bool r = false;

	switch (k) {
	case RC_EQ: case RC_LT: case RC_GT:
		r = chain(json_object_get(a, "values"), k,
		    json_is_true(json_object_get(a, "force_strings")));
		break;
	case RC_EMPTY:
		r = s && (!*s || !strcmp(s, "None") || !strcmp(s, "[]") || !strcmp(s, "{}"));
		break;
	case RC_NONE: r = s && strcmp(s, "None") == 0; break;
	case RC_NET: r = in_net(a); break;
	case RC_MATCHES: r = regex_hit(v, jstr(a, "regex"), true); break;
	case RC_CONTAINS: r = regex_hit(v, jstr(a, "regex"), false); break;
	case RC_ONEOF: r = one_of(a); break;
	case RC_TRUE: r = truth(v, true); break;
	case RC_FALSE: r = truth(v, false); break;
	default: break;
	}
	free(s);
	return r;
}

/* One condition: its args expanded (all but regex), then its operator. */
static bool
condition(struct ctx *c, json_t *cond)
{
	const char *name = jstr(cond, "op");
	bool invert = name != NULL && name[0] == '!';
	const struct rule_op *d = rule_op_find(rule_conditions, invert ? name + 1 : name);
	char err[200];
	json_t *a, *x;
	bool r;

	if (d == NULL || (a = rule_args(d, json_object_get(cond, "args"), err,
	    sizeof(err))) == NULL)
		return false;	/* checked when stored: cannot happen */
	x = expand(c, a);
	if (jstr(a, "regex") != NULL)
		json_object_set(x, "regex", json_object_get(a, "regex"));
	r = holds(d->kind, x) != invert;
	json_decref(a);
	json_decref(x);
	return r;
}

/* --- actions ----------------------------------------------------------------- */

#define MAX_TRAITS	50	/* per node, as Ironic */

static int
act_fail(struct ctx *c, const char *fmt, const char *what)
{
	char msg[300];

	snprintf(msg, sizeof(msg), fmt, what ? what : "");
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	snprintf(c->err, c->len, "inspection rule %s: %s", c->rule, msg);
	return -1;
}

/* The object holding a path's last part (made on the way when create). */
static json_t *
parent_of(json_t *root, char parts[][65], int n, bool create)
{
	json_t *cur = root, *next;

	for (int i = 0; i < n - 1; i++) {
		next = json_object_get(cur, parts[i]);
		if (next == NULL && create) {
			next = json_object();
			json_object_set_new(cur, parts[i], next);
		}
		if (!json_is_object(next))
			return NULL;
		cur = next;
	}
	return cur;
}

/* resource_class (1-80) and description (0-255): a string or null. */
static int
set_str_field(struct ctx *c, const char *f, json_t *v)
{
	size_t max = strcmp(f, "resource_class") == 0 ? 80 : 255;

	if (!json_is_null(v) && (!json_is_string(v) || json_string_length(v) > max))
		return act_fail(c, "%s takes a string (or null)", f);
	json_object_set(c->node, f, v);
	return 0;
}

enum leaf_op { LEAF_SET, LEAF_DEL, LEAF_APPEND };

/* An action on key of object p (attributes and plugin data alike): set,
 * delete, or append v to the list there (once when the action says
 * "unique"). */
static int
leaf(struct ctx *c, json_t *p, const char *key, enum leaf_op op, json_t *a,
    json_t *v, const char *notlist_fmt)
{
	json_t *list;

	if (op == LEAF_SET)
		return json_object_set(p, key, v);
	if (op == LEAF_DEL)
		return json_object_del(p, key), 0;
	if ((list = json_object_get(p, key)) == NULL)
		json_object_set_new(p, key, list = json_array());
	if (!json_is_array(list))
		return act_fail(c, notlist_fmt, jstr(a, "path"));
	for (size_t i = 0; json_is_true(json_object_get(a, "unique")) &&
	    i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), v))
			return 0;
	return json_array_append(list, v);
}

static int
attribute(struct ctx *c, enum rule_kind k, json_t *a, json_t *v)
{
	char parts[RULE_MAX_DEPTH][65];
	json_t *p;
	int n;

	if (rule_path_split(jstr(a, "path"), parts, &n) != 0)
		return act_fail(c, "path %s may not be changed", jstr(a, "path"));
	if (n == 1)
		return set_str_field(c, parts[0], k == RA_DEL_ATTR ? json_null() : v);
	if ((p = parent_of(c->node, parts, n, k != RA_DEL_ATTR)) == NULL)
		return k == RA_DEL_ATTR ? 0 : act_fail(c, "%s: not an object on the way",
		    jstr(a, "path"));
	return leaf(c, p, parts[n - 1], k == RA_SET_ATTR ? LEAF_SET :
	    k == RA_DEL_ATTR ? LEAF_DEL : LEAF_APPEND, a, v, "%s is not a list");
}

/* properties.capabilities "k:v,...": name set to value (NULL: removed). */
static int
capability(struct ctx *c, const char *name, json_t *value)
{
	json_t *props = json_object_get(c->node, "properties");
	char *v = value ? pystr(value) : NULL, *copy, *save = NULL;
	struct strbuf b;
	size_t n = strlen(name);

	if (v != NULL && (strchr(v, ',') != NULL || strlen(v) > 255)) {
		free(v);
		return act_fail(c, "capability %s: a value of at most 255 characters "
		    "without ','", name);
	}
	if (!json_is_object(props))
		json_object_set_new(c->node, "properties", props = json_object());
	copy = strdup(jstr(props, "capabilities") ? jstr(props, "capabilities") : "");
	sb_init(&b, 128);
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (!(strncmp(t, name, n) == 0 && t[n] == ':'))
			sb_printf(&b, "%s%s", b.len ? "," : "", t);
	if (v != NULL)
		sb_printf(&b, "%s%s:%s", b.len ? "," : "", name, v);
	json_object_set_new(props, "capabilities", json_string(b.buf ? b.buf : ""));
	sb_free(&b);
	free(copy);
	free(v);
	return 0;
}

static int
trait(struct ctx *c, const char *name, bool add)
{
	json_t *t = json_object_get(c->node, "traits");
	size_t i;

	if (!json_is_array(t))
		json_object_set_new(c->node, "traits", t = json_array());
	for (i = 0; i < json_array_size(t); i++)
		if (json_string_value(json_array_get(t, i)) != NULL &&
		    strcmp(json_string_value(json_array_get(t, i)), name) == 0)
			break;
	if (!add && i < json_array_size(t))
		json_array_remove(t, i);
	else if (add && i == json_array_size(t)) {
		if (json_array_size(t) >= MAX_TRAITS)
			return act_fail(c, "trait %s: the node has the most traits", name);
		json_array_append_new(t, json_string(name));
	}
	return 0;
}

/* Plugin data: a dotted path. */
static int
plugin_data(struct ctx *c, enum rule_kind k, json_t *a, json_t *v)
{
	char parts[RULE_MAX_DEPTH][65], buf[300], *save = NULL;
	json_t *p;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", jstr(a, "path"));
	for (char *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
		if (n >= RULE_MAX_DEPTH || strlen(t) > 64)
			return act_fail(c, "plugin data path %s is too deep", jstr(a, "path"));
		snprintf(parts[n++], 65, "%s", t);
	}
	if (n == 0 || (p = parent_of(c->plugin, parts, n, k != RA_UNSET_PD)) == NULL)
		return k == RA_UNSET_PD ? 0 : act_fail(c, "plugin data %s: not an object "
		    "on the way", jstr(a, "path"));
	return leaf(c, p, parts[n - 1], k == RA_SET_PD ? LEAF_SET :
	    k == RA_UNSET_PD ? LEAF_DEL : LEAF_APPEND, a, v,
	    "plugin data %s is not a list");
}

static int
log_action(struct ctx *c, json_t *a)
{
	const char *lvl = jstr(a, "level") ? jstr(a, "level") : "info";
	char msg[300];

	snprintf(msg, sizeof(msg), "%s", c->sensitive ? "(sensitive rule)" : jstr(a, "msg"));
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (strcmp(lvl, "debug") == 0)
		log_debug("inspection rule %s: %s", c->rule, msg);
	else if (strcmp(lvl, "info") == 0)
		log_info("inspection rule %s: %s", c->rule, msg);
	else if (strcmp(lvl, "warning") == 0)
		log_warn("inspection rule %s: %s", c->rule, msg);
	else
		log_error("inspection rule %s: %s", c->rule, msg);
	return 0;
}

static int
run(struct ctx *c, enum rule_kind k, json_t *a)
{
	json_t *v = json_object_get(a, "value");

	switch (k) {
	case RA_FAIL: return act_fail(c, "%s", jstr(a, "msg"));
	case RA_LOG: return log_action(c, a);
	case RA_SET_ATTR: case RA_EXTEND_ATTR: case RA_DEL_ATTR:
		return attribute(c, k, a, v);
	case RA_SET_CAP: return capability(c, jstr(a, "name"), v);
	case RA_UNSET_CAP: return capability(c, jstr(a, "name"), NULL);
	case RA_ADD_TRAIT: return trait(c, jstr(a, "name"), true);
	case RA_REMOVE_TRAIT: return trait(c, jstr(a, "name"), false);
	default: return plugin_data(c, k, a, v);
	}
}

/* One action: its value and msg expanded (paths and names never). */
static int
action(struct ctx *c, json_t *act)
{
	const struct rule_op *d = rule_op_find(rule_actions, jstr(act, "op"));
	json_t *a, *x;
	int rc;

	if (d == NULL || (a = rule_args(d, json_object_get(act, "args"), c->err,
	    c->len)) == NULL)
		return act_fail(c, "%s", "a malformed action");
	if ((x = json_object_get(a, "value")) != NULL)
		json_object_set_new(a, "value", expand(c, x));
	if ((x = json_object_get(a, "msg")) != NULL)
		json_object_set_new(a, "msg", expand(c, x));
	rc = run(c, d->kind, a) == 0 ? 0 : -1;
	json_decref(a);
	return rc;
}

/* --- rules ------------------------------------------------------------------- */

static int
by_priority(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	json_int_t pa = json_integer_value(json_object_get(a, "priority"));
	json_int_t pb = json_integer_value(json_object_get(b, "priority"));

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return strcmp(jstr(a, "created_at") ? jstr(a, "created_at") : "",
	    jstr(b, "created_at") ? jstr(b, "created_at") : "");
}

static bool
matches(struct ctx *c, json_t *rule)
{
	json_t *cond;
	size_t i;

	json_array_foreach(json_object_get(rule, "conditions"), i, cond)
		if (!condition(c, cond))
			return false;
	return true;
}

static int
apply_one(struct ctx *c, json_t *rule);

int
inspect_rule_run(json_t *rule, json_t *node, json_t *inv, json_t *plugin, char *err,
    size_t len)
{
	struct ctx c = { .node = node, .inv = inv, .plugin = plugin, .err = err, .len = len };

	return apply_one(&c, rule);
}

static int
apply_one(struct ctx *c, json_t *rule)
{
	json_t *act;
	size_t i;

	if (jstr(rule, "phase") != NULL && strcmp(jstr(rule, "phase"), "main") != 0)
		return 0;
	c->rule = jstr(rule, "uuid");
	c->sensitive = json_is_true(json_object_get(rule, "sensitive"));
	if (!matches(c, rule))
		return 0;
	log_info("inspection rule %s matched", c->rule);
	json_array_foreach(json_object_get(rule, "actions"), i, act)
		if (action(c, act) != 0)
			return -1;
	return 0;
}

int
inspect_rules_apply(json_t *node, json_t *inv, json_t *plugin, char *err, size_t len)
{
	struct store_query q = { 0 };
	struct ctx c = { .node = node, .inv = inv, .plugin = plugin, .err = err, .len = len };
	json_t *all = store_list(store_thread(), &model_inspection_rule, &q, err, len);
	json_t **v;
	size_t n = json_array_size(all);
	int rc = 0;

	if (all == NULL)
		return -1;
	v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v != NULL && i < n; i++)
		v[i] = json_array_get(all, i);
	if (v != NULL)
		qsort(v, n, sizeof(*v), by_priority);
	for (size_t i = 0; v != NULL && i < n && rc == 0; i++)
		rc = apply_one(&c, v[i]);
	free(v);
	json_decref(all);
	return rc;
}
