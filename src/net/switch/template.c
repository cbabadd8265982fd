/* Switch CLI templates: loading, checking, rendering, read-back parsing. */
#include "template.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "util.h"

static const char *const op_names[TOP__N] = {
	[TOP_CONNECT] = "connect",
	[TOP_ADD_VLAN] = "add_vlan",
	[TOP_DELETE_VLAN] = "delete_vlan",
	[TOP_SET_ACCESS] = "set_access_vlan",
	[TOP_SET_TRUNK] = "set_trunk",
	[TOP_REMOVE_VLAN] = "remove_vlan",
	[TOP_SAVE] = "save_config",
	[TOP_GET_PORT] = "get_port",
};

/* Placeholders each operation may use, besides {isolation_vlan} and the
 * template's variables. */
static const char *const op_placeholders[TOP__N] = {
	[TOP_CONNECT] = "",
	[TOP_ADD_VLAN] = " vlan segment ",
	[TOP_DELETE_VLAN] = " vlan segment ",
	[TOP_SET_ACCESS] = " port vlan segment ",
	[TOP_SET_TRUNK] = " port native vlans vlans_space ",
	[TOP_REMOVE_VLAN] = " port vlan segment ",
	[TOP_SAVE] = "",
	[TOP_GET_PORT] = " port ",
};

const char *
tmpl_op_name(enum tmpl_op op)
{
	return op >= 0 && op < TOP__N ? op_names[op] : "?";
}

bool
tmpl_port_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	if (n == 0 || n > 64 || !isalnum((unsigned char)p[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && strchr("/._:-", p[i]) == NULL)
			return false;
	return true;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool
tmpl_has_var(const struct tmpl *t, const char *name)
{
	for (int i = 0; i < t->nvars; i++)
		if (strcmp(t->var_name[i], name) == 0)
			return true;
	return false;
}

static bool
placeholder_known(const struct tmpl *t, enum tmpl_op op, const char *name)
{
	char w[80];

	if (strcmp(name, "isolation_vlan") == 0 || tmpl_has_var(t, name))
		return true;
	snprintf(w, sizeof(w), " %s ", name);
	return strstr(op_placeholders[op], w) != NULL;
}

/* Walks the placeholders of s: calls fn for each {name}; literal text and
 * {{ }} go to lit.  Returns -1 with err on a malformed brace. */
static int
walk(const char *s, int (*lit)(void *, const char *, size_t),
    int (*ph)(void *, const char *), void *u, char *err, size_t len)
{
	while (*s != '\0') {
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			if (lit(u, s, 1) != 0)
				return -1;
			s += 2;
		} else if (*s == '{') {
			char name[64];
			const char *e = strchr(s, '}');
			size_t n;
			if (e == NULL) {
				snprintf(err, len, "unterminated '{'");
				return -1;
			}
			n = (size_t)(e - s - 1);
			if (n == 0 || n >= sizeof(name)) {
				snprintf(err, len, "bad placeholder '%.*s'", (int)(n + 2), s);
				return -1;
			}
			memcpy(name, s + 1, n);
			name[n] = '\0';
			for (size_t i = 0; i < n; i++)
				if (!isalnum((unsigned char)name[i]) && name[i] != '_') {
					snprintf(err, len, "bad placeholder '{%s}'", name);
					return -1;
				}
			if (ph(u, name) != 0)
				return -1;
			s = e + 1;
		} else if (*s == '}') {
			snprintf(err, len, "unmatched '}'");
			return -1;
		} else {
			size_t n = strcspn(s, "{}");
			if (lit(u, s, n) != 0)
				return -1;
			s += n;
		}
	}
	return 0;
}

struct check_ctx {
	const struct tmpl *t;
	enum tmpl_op op;
	char *err;
	size_t len;
	const char *want;	/* for line_uses */
	bool found;
};

static int
lit_nop(void *u, const char *s, size_t n)
{
	return 0;
}

static int
ph_check(void *u, const char *name)
{
	struct check_ctx *c = u;

	if (!placeholder_known(c->t, c->op, name)) {
		snprintf(c->err, c->len, "unknown placeholder {%s} in [%s] (allowed here:%s"
		    "isolation_vlan and the template's variables)", name,
		    op_names[c->op], op_placeholders[c->op][0] ? op_placeholders[c->op] : " ");
		return -1;
	}
	return 0;
}

static int
ph_find(void *u, const char *name)
{
	struct check_ctx *c = u;

	if (strcmp(name, c->want) == 0)
		c->found = true;
	return 0;
}

static bool
line_uses(const char *text, const char *name)
{
	struct check_ctx c = { .want = name };
	char e[8];

	walk(text, lit_nop, ph_find, &c, e, sizeof(e));
	return c.found;
}

static int
compile(regex_t *re, const char *src, char *err, size_t len)
{
	int rc = regcomp(re, src, REG_EXTENDED | REG_NEWLINE);

	if (rc != 0) {
		char m[128];
		regerror(rc, re, m, sizeof(m));
		snprintf(err, len, "bad regular expression '%s': %s", src, m);
		return -1;
	}
	return 0;
}

static int
set_option(struct tmpl *t, char *key, char *val, char *err, size_t len)
{
	regex_t re;

	if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "exec") == 0)
			t->mode = TMODE_EXEC;
		else if (strcmp(val, "shell") == 0)
			t->mode = TMODE_SHELL;
		else {
			snprintf(err, len, "mode must be exec or shell, not '%s'", val);
			return -1;
		}
	} else if (strcmp(key, "prompt") == 0 || strcmp(key, "error") == 0) {
		bool p = key[0] == 'p';
		if ((p ? t->has_prompt : t->has_error)) {
			snprintf(err, len, "%s given twice", key);
			return -1;
		}
		if (compile(p ? &t->prompt : &t->error, val, err, len) != 0)
			return -1;
		*(p ? &t->has_prompt : &t->has_error) = true;
	} else if (strcmp(key, "remove_before_set") == 0) {
		if (strcmp(val, "yes") != 0 && strcmp(val, "no") != 0) {
			snprintf(err, len, "remove_before_set must be yes or no");
			return -1;
		}
		t->remove_before_set = val[0] == 'y';
	} else if (strcmp(key, "native_regex") == 0 || strcmp(key, "trunks_regex") == 0) {
		/* Checked with a sample port; {port} is filled in at read-back. */
		char *s = util_strdup(val), *p;
		while ((p = strstr(s, "{port}")) != NULL)
			memcpy(p, "eth00a", 6);
		if (compile(&re, s, err, len) != 0) {
			free(s);
			return -1;
		}
		free(s);
		if (re.re_nsub < 1) {
			regfree(&re);
			snprintf(err, len, "%s needs a (group) around the VLAN(s)", key);
			return -1;
		}
		regfree(&re);
		free(key[0] == 'n' ? t->native_regex : t->trunks_regex);
		*(key[0] == 'n' ? &t->native_regex : &t->trunks_regex) = util_strdup(val);
	} else if (strncmp(key, "var.", 4) == 0 && key[4] != '\0') {
		for (char *c = key + 4; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_') {
				snprintf(err, len, "bad variable name '%s'", key + 4);
				return -1;
			}
		if (placeholder_known(t, TOP_SET_TRUNK, key + 4) ||
		    placeholder_known(t, TOP_SET_ACCESS, key + 4) ||
		    strcmp(key + 4, "isolation_vlan") == 0) {
			snprintf(err, len, "variable '%s' is already defined or a placeholder",
			    key + 4);
			return -1;
		}
		if (t->nvars == TMPL_MAX_VARS) {
			snprintf(err, len, "too many variables");
			return -1;
		}
		t->var_name[t->nvars] = util_strdup(key + 4);
		t->var_value[t->nvars++] = util_strdup(val);
	} else {
		snprintf(err, len, "unknown option '%s'", key);
		return -1;
	}
	return 0;
}

/* A "[name]" header: sets *section (-1 [options], else the operation). */
static int
parse_header(struct tmpl *t, char *s, int *section, char *e, size_t elen)
{
	char *end = strchr(s, ']');

	if (end == NULL || end[1] != '\0') {
		snprintf(e, elen, "bad section header");
		return -1;
	}
	*end = '\0';
	*section = -3;
	if (strcmp(s + 1, "options") == 0)
		*section = -1;
	for (int i = 0; i < TOP__N; i++)
		if (strcmp(s + 1, op_names[i]) == 0)
			*section = i;
	if (*section == -3) {
		snprintf(e, elen, "unknown section [%s] (known: options, "
		    "connect, add_vlan, delete_vlan, set_access_vlan, set_trunk, "
		    "remove_vlan, save_config, get_port)", s + 1);
		return -1;
	}
	if (*section >= 0 && t->nlines[*section] > 0) {
		snprintf(e, elen, "section [%s] given twice", s + 1);
		return -1;
	}
	return 0;
}

/* A "key = value" line of [options]. */
static int
parse_option(struct tmpl *t, char *s, char *e, size_t elen)
{
	char *eq = strchr(s, '=');

	if (eq == NULL) {
		snprintf(e, elen, "expected key = value in [options]");
		return -1;
	}
	*eq = '\0';
	return set_option(t, trim(s), trim(eq + 1), e, elen);
}

/* A command line of an operation's section, checked and appended. */
static int
parse_command(struct tmpl *t, enum tmpl_op op, char *s, int lineno, char *e,
    size_t elen)
{
	struct check_ctx c = { .t = t, .op = op, .err = e, .len = elen };
	bool ign = *s == '-';

	if (ign)
		s = trim(s + 1);
	if (*s == '\0') {
		snprintf(e, elen, "empty command");
		return -1;
	}
	if (walk(s, lit_nop, ph_check, &c, e, elen) != 0)
		return -1;
	t->lines[op] = realloc(t->lines[op],
	    sizeof(struct tmpl_line) * (size_t)(t->nlines[op] + 1));
	if (t->lines[op] == NULL)
		abort();
	t->lines[op][t->nlines[op]++] = (struct tmpl_line){
		util_strdup(s), ign, lineno };
	return 0;
}

/* One trimmed, non-blank line, in the current *section. */
static int
parse_line(struct tmpl *t, char *s, int lineno, int *section, char *e, size_t elen)
{
	if (*s == '[')
		return parse_header(t, s, section, e, elen);
	if (*section == -2) {
		snprintf(e, elen, "text before the first [section]");
		return -1;
	}
	if (*section == -1)
		return parse_option(t, s, e, elen);
	return parse_command(t, *section, s, lineno, e, elen);
}

/* Reads fp into t; on error *lineno is the line at fault. */
static int
read_template(struct tmpl *t, FILE *fp, int *lineno, char *e, size_t elen)
{
	char buf[1024], *s;
	int section = -2;	/* -2 none, -1 [options] */

	while (fgets(buf, sizeof(buf), fp) != NULL) {
		(*lineno)++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			snprintf(e, elen, "line too long");
			return -1;
		}
		s = trim(buf);
		if (*s == '\0' || *s == '#')
			continue;
		if (parse_line(t, s, *lineno, &section, e, elen) != 0)
			return -1;
	}
	return 0;
}

/* The checks on the whole template, once read. */
static int
check_template(const struct tmpl *t, char *e, size_t elen)
{
	if (!tmpl_has(t, TOP_SET_ACCESS) || !tmpl_has(t, TOP_REMOVE_VLAN)) {
		snprintf(e, elen, "needs [set_access_vlan] and [remove_vlan]");
		return -1;
	}
	if (t->mode == TMODE_SHELL && !t->has_prompt) {
		snprintf(e, elen, "mode = shell needs a prompt = REGEX");
		return -1;
	}
	if (tmpl_has(t, TOP_GET_PORT) && t->native_regex == NULL) {
		snprintf(e, elen, "[get_port] needs native_regex in [options]");
		return -1;
	}
	if (tmpl_has(t, TOP_GET_PORT) && t->nlines[TOP_GET_PORT] != 1) {
		snprintf(e, elen, "[get_port] is one command");
		return -1;
	}
	return 0;
}

struct tmpl *
tmpl_load(const char *path, char *err, size_t len)
{
	FILE *fp = fopen(path, "r");
	struct tmpl *t;
	char e[300];
	int lineno = 0, rc;

	if (fp == NULL) {
		snprintf(err, len, "template %s: %s", path, strerror(errno));
		return NULL;
	}
	t = util_calloc(1, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	rc = read_template(t, fp, &lineno, e, sizeof(e));
	fclose(fp);
	if (rc == 0) {
		lineno = 0;
		rc = check_template(t, e, sizeof(e));
	}
	if (rc == 0)
		return t;
	if (lineno > 0)
		snprintf(err, len, "template %s:%d: %s", path, lineno, e);
	else
		snprintf(err, len, "template %s: %s", path, e);
	tmpl_free(t);
	return NULL;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	for (int op = 0; op < TOP__N; op++) {
		for (int i = 0; i < t->nlines[op]; i++)
			free(t->lines[op][i].text);
		free(t->lines[op]);
	}
	for (int i = 0; i < t->nvars; i++) {
		free(t->var_name[i]);
		free(t->var_value[i]);
	}
	if (t->has_prompt)
		regfree(&t->prompt);
	if (t->has_error)
		regfree(&t->error);
	free(t->native_regex);
	free(t->trunks_regex);
	free(t);
}

bool
tmpl_has(const struct tmpl *t, enum tmpl_op op)
{
	return t->nlines[op] > 0;
}

struct render_ctx {
	const struct tmpl *t;
	const struct tmpl_args *a;
	struct strbuf sb;
	char *err;
	size_t len;
};

static int
lit_add(void *u, const char *s, size_t n)
{
	sb_add(&((struct render_ctx *)u)->sb, s, n);
	return 0;
}

static void
put_list(struct strbuf *b, const int *v, int n, const char *sep)
{
	for (int i = 0; i < n; i++)
		sb_printf(b, "%s%d", i ? sep : "", v[i]);
}

static int
ph_add(void *u, const char *name)
{
	struct render_ctx *c = u;
	const struct tmpl_args *a = c->a;

	if (strcmp(name, "port") == 0) {
		if (!tmpl_port_ok(a->port)) {
			snprintf(c->err, c->len, "port name '%s' is not one a switch CLI "
			    "may be given (letters, digits, / . _ : -)", a->port ? a->port : "");
			return -1;
		}
		sb_puts(&c->sb, a->port);
	} else if (strcmp(name, "vlan") == 0 || strcmp(name, "segment") == 0 ||
	    strcmp(name, "native") == 0) {
		int v = name[0] == 'n' ? a->native : a->vlan;
		if (v < 1 || v > 4095) {
			snprintf(c->err, c->len, "{%s} is unknown here (the port's VLAN is "
			    "not known: the template cannot read it back and Ingot has not "
			    "set it since start)", name);
			return -1;
		}
		sb_printf(&c->sb, name[0] == 's' ? "ingot-%d" : "%d", v);
	} else if (strcmp(name, "vlans") == 0 || strcmp(name, "vlans_space") == 0) {
		put_list(&c->sb, a->vlans, a->nvlans, name[5] ? " " : ",");
	} else if (strcmp(name, "isolation_vlan") == 0) {
		sb_printf(&c->sb, "%d", a->isolation_vlan);
	} else {
		for (int i = 0; i < a->nvars; i++)
			if (strcmp(a->var_name[i], name) == 0) {
				sb_puts(&c->sb, a->var_value[i]);
				return 0;
			}
		for (int i = 0; i < c->t->nvars; i++)
			if (strcmp(c->t->var_name[i], name) == 0) {
				sb_puts(&c->sb, c->t->var_value[i]);
				return 0;
			}
		snprintf(c->err, c->len, "unknown placeholder {%s}", name);
		return -1;
	}
	return 0;
}

int
tmpl_render(const struct tmpl *t, enum tmpl_op op, const struct tmpl_args *a,
    struct tmpl_cmds *out, char *err, size_t len)
{
	struct render_ctx c = { .t = t, .a = a, .err = err, .len = len };
	int n = t->nlines[op];

	memset(out, 0, sizeof(*out));
	out->text = util_calloc((size_t)n + 1, sizeof(char *));
	out->ignore_errors = util_calloc((size_t)n + 1, sizeof(bool));
	for (int i = 0; i < n; i++) {
		char e[256] = "";
		if (a->vlan == 0 && (op == TOP_REMOVE_VLAN) &&
		    (line_uses(t->lines[op][i].text, "vlan") ||
		    line_uses(t->lines[op][i].text, "segment")))
			continue;	/* the port carries no VLAN to remove */
		sb_init(&c.sb, 128);
		c.err = e;
		c.len = sizeof(e);
		if (walk(t->lines[op][i].text, lit_add, ph_add, &c, e, sizeof(e)) != 0) {
			sb_free(&c.sb);
			snprintf(err, len, "template %s:%d [%s]: %s", t->path,
			    t->lines[op][i].lineno, op_names[op], e);
			tmpl_cmds_free(out);
			return -1;
		}
		out->text[out->n] = sb_take(&c.sb);
		out->ignore_errors[out->n++] = t->lines[op][i].ignore_errors;
	}
	return 0;
}

void
tmpl_cmds_free(struct tmpl_cmds *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->text[i]);
	free(c->text);
	free(c->ignore_errors);
	memset(c, 0, sizeof(*c));
}

/* The regex source with {port} replaced by the port, its dots escaped. */
static char *
port_regex(const char *src, const char *port)
{
	struct strbuf b;
	const char *p;

	sb_init(&b, 128);
	while ((p = strstr(src, "{port}")) != NULL) {
		sb_add(&b, src, (size_t)(p - src));
		for (const char *q = port; *q; q++) {
			if (*q == '.')
				sb_puts(&b, "\\");
			sb_add(&b, q, 1);
		}
		src = p + 6;
	}
	sb_puts(&b, src);
	return sb_take(&b);
}

static int
first_group(const char *src, const char *port, const char *text, char *out, size_t outlen)
{
	char *s = port_regex(src, port);
	regex_t re;
	regmatch_t m[2];
	int rc = -1;

	if (regcomp(&re, s, REG_EXTENDED | REG_NEWLINE) == 0) {
		if (regexec(&re, text, 2, m, 0) == 0 && m[1].rm_so >= 0) {
			snprintf(out, outlen, "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
			    text + m[1].rm_so);
			rc = 0;
		}
		regfree(&re);
	}
	free(s);
	return rc;
}

int
tmpl_parse_port(const struct tmpl *t, const char *port, const char *output,
    int isolation_vlan, int *native, int *trunks, int *ntrunks, int max, char *err,
    size_t len)
{
	char g[1024];

	*native = 0;
	*ntrunks = 0;
	if (t->native_regex == NULL) {
		snprintf(err, len, "template %s cannot read a port back", t->path);
		return -1;
	}
	if (first_group(t->native_regex, port, output, g, sizeof(g)) == 0) {
		long v;
		if (!util_parse_int(g, 1, 4095, &v)) {
			snprintf(err, len, "read back a VLAN '%s' that is not a number", g);
			return -1;
		}
		*native = v == isolation_vlan ? 0 : (int)v;
	}
	if (t->trunks_regex != NULL &&
	    first_group(t->trunks_regex, port, output, g, sizeof(g)) == 0) {
		char *save = NULL;
		for (char *tok = strtok_r(g, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			long lo, hi;
			char *dash = strchr(tok, '-');
			if (dash != NULL)
				*dash = '\0';
			if (!util_parse_int(tok, 1, 4095, &lo) ||
			    !util_parse_int(dash ? dash + 1 : tok, lo, 4095, &hi)) {
				snprintf(err, len, "read back trunks I cannot parse");
				return -1;
			}
			for (long v = lo; v <= hi && *ntrunks < max; v++)
				trunks[(*ntrunks)++] = (int)v;
		}
	}
	return 0;
}
