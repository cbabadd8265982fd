/*
 * -f json|yaml|value|csv, as openstackclient prints them: json (indented;
 * lists as arrays of objects), yaml (block style, strings quoted whenever
 * YAML could read them as anything else), value (show: one value a line;
 * list: a row a line, values separated by spaces), csv (a quoted header,
 * strings quoted, numbers and booleans bare).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

/* --- yaml ------------------------------------------------------------------ */

/* Whether s may be written unquoted and still read back as this string. */
static bool
yaml_plain(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off",
	    "null", "y", "n", "~", NULL };
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s) ||
	    isspace((unsigned char)s[strlen(s) - 1]) || strchr("-?:,[]{}#&*!|>'\"%@`.", *s))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(" _-./:=+()", *p))
			return false;
	if (strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ':')
		return false;
	for (int i = 0; words[i]; i++)
		if (strcasecmp(s, words[i]) == 0)
			return false;
	/* Numbers, and what YAML 1.1 reads as base-60 integers or times
	 * ("52:54:00:12:34:56", "2026-01-01T00:00:00"): quoted. */
	(void)strtod(s, &end);
	return *end != '\0' && !isdigit((unsigned char)*s) && *s != '+';
}

static void
yaml_scalar(json_t *v)
{
	char *t;

	if (json_is_string(v) && yaml_plain(json_string_value(v))) {
		fputs(json_string_value(v), stdout);
		return;
	}
	/* JSON's scalars (and double-quoted strings) are YAML's too. */
	t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	fputs(t ? t : "null", stdout);
	free(t);
}

static bool
yaml_empty_or_scalar(json_t *v)
{
	return !(json_is_object(v) && json_object_size(v) > 0) &&
	    !(json_is_array(v) && json_array_size(v) > 0);
}

static void yaml_value(json_t *v, int indent);

static void
yaml_key(const char *k)
{
	json_t *s = json_string(k);

	yaml_scalar(s);
	json_decref(s);
	fputs(":", stdout);
}

static void
yaml_object(json_t *o, int indent)
{
	const char *k;
	json_t *v;
	bool first = true;

	json_object_foreach(o, k, v) {
		if (!first)
			printf("%*s", indent, "");
		first = false;
		yaml_key(k);
		if (yaml_empty_or_scalar(v)) {
			fputc(' ', stdout);
			yaml_scalar(v);
			fputc('\n', stdout);
		} else {
			printf("\n%*s", indent + 2, "");
			yaml_value(v, indent + 2);
		}
	}
}

static void
yaml_array(json_t *a, int indent)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (i > 0)
			printf("%*s", indent, "");
		fputs("- ", stdout);
		yaml_value(v, indent + 2);
	}
}

/* v at the cursor, the block's lines indented by indent. */
static void
yaml_value(json_t *v, int indent)
{
	if (yaml_empty_or_scalar(v)) {
		yaml_scalar(v);
		fputc('\n', stdout);
	} else if (json_is_object(v)) {
		yaml_object(v, indent);
	} else {
		yaml_array(v, indent);
	}
}

/* --- csv and value --------------------------------------------------------- */

static void
csv_field(json_t *v, bool last)
{
	char *c;

	if (json_is_number(v) || json_is_boolean(v)) {
		c = cell(v);
		fputs(c, stdout);
	} else {
		c = json_is_null(v) || v == NULL ? strdup("") : cell(v);
		fputc('"', stdout);
		for (const char *p = c; *p; p++) {
			if (*p == '"')
				fputc('"', stdout);
			fputc(*p, stdout);
		}
		fputc('"', stdout);
	}
	free(c);
	fputs(last ? "\n" : ",", stdout);
}

static void
csv_header(const char *const *cols, int n)
{
	for (int c = 0; c < n; c++) {
		json_t *s = json_string(cols[c]);
		csv_field(s, c == n - 1);
		json_decref(s);
	}
}

static void
value_line(json_t **vals, int n)
{
	for (int c = 0; c < n; c++) {
		char *s = cell(vals[c]);
		printf("%s%s", c ? " " : "", s);
		free(s);
	}
	fputc('\n', stdout);
}

/* --- the formats ------------------------------------------------------------ */

int
out_set_format(const char *name)
{
	static const char *const names[] = { [FMT_TABLE] = "table", [FMT_JSON] = "json",
	    [FMT_YAML] = "yaml", [FMT_VALUE] = "value", [FMT_CSV] = "csv" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			cli.format = (enum cli_format)i;
			cli.json = cli.format != FMT_TABLE;
			return 0;
		}
	return -1;
}

void
out_machine_object(json_t *obj)
{
	static const char *const hdr[] = { "Field", "Value" };
	const char *k;
	json_t *v;

	switch (cli.format) {
	case FMT_YAML:
		if (json_object_size(obj) == 0)
			puts("{}");
		else
			yaml_object(obj, 0);
		return;
	case FMT_VALUE:
		json_object_foreach(obj, k, v)
			value_line(&v, 1);
		return;
	case FMT_CSV:
		csv_header(hdr, 2);
		json_object_foreach(obj, k, v) {
			json_t *key = json_string(k);
			csv_field(key, false);
			csv_field(v, true);
			json_decref(key);
		}
		return;
	default:
		json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
	}
}

void
out_machine_list(json_t *rows, const char *const *cols, int n)
{
	json_t *r, *vals[64];
	size_t i;

	switch (cli.format) {
	case FMT_YAML:
		if (json_array_size(rows) == 0)
			puts("[]");
		else
			yaml_array(rows, 0);
		return;
	case FMT_VALUE:
	case FMT_CSV:
		if (cli.format == FMT_CSV)
			csv_header(cols, n);
		json_array_foreach(rows, i, r) {
			for (int c = 0; c < n && c < 64; c++)
				vals[c] = json_object_get(r, cols[c]);
			if (cli.format == FMT_VALUE)
				value_line(vals, n);
			else
				for (int c = 0; c < n; c++)
					csv_field(vals[c], c == n - 1);
		}
		return;
	default:
		json_dumpf(rows, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
}
