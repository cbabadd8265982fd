/* Tables and JSON output of the ingot CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "format.h"

char *
cell(json_t *v)
{
	if (v == NULL || json_is_null(v))
		return strdup("None");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_true(v))
		return strdup("True");
	if (json_is_false(v))
		return strdup("False");
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
}

static bool
selected(const char *name)
{
	if (cli.ncolumns == 0)
		return true;
	for (int i = 0; i < cli.ncolumns; i++)
		if (strcmp(cli.columns[i], name) == 0)
			return true;
	return false;
}

static void
rule(const size_t *w, int n)
{
	for (int i = 0; i < n; i++) {
		printf("+");
		for (size_t k = 0; k < w[i] + 2; k++)
			printf("-");
	}
	printf("+\n");
}

static void
row(char **cells, const size_t *w, int n)
{
	for (int i = 0; i < n; i++)
		printf("| %-*s ", (int)w[i], cells[i]);
	printf("|\n");
}

void
out_object(json_t *obj)
{
	const char *k;
	json_t *v;
	size_t w[2] = { 5, 5 };
	char *hdr[2] = { "Field", "Value" };

	if (cli.format != FMT_TABLE) {
		json_t *sel = json_object();
		json_object_foreach(obj, k, v)
			if (selected(k) && strcmp(k, "links") != 0)
				json_object_set(sel, k, v);
		out_machine_object(sel);
		json_decref(sel);
		return;
	}
	json_object_foreach(obj, k, v) {
		char *c;
		if (!selected(k) || strcmp(k, "links") == 0)
			continue;
		c = cell(v);
		if (strlen(k) > w[0])
			w[0] = strlen(k);
		if (strlen(c) > w[1])
			w[1] = strlen(c);
		free(c);
	}
	rule(w, 2);
	row(hdr, w, 2);
	rule(w, 2);
	json_object_foreach(obj, k, v) {
		char *cells[2];
		if (!selected(k) || strcmp(k, "links") == 0)
			continue;
		cells[0] = (char *)k;
		cells[1] = cell(v);
		row(cells, w, 2);
		free(cells[1]);
	}
	rule(w, 2);
}

void
out_list(json_t *rows, const char *const *cols)
{
	const char *use[64];
	size_t w[64];
	int n = 0;
	size_t i;
	json_t *r;

	for (int c = 0; cols[c] != NULL && n < 64; c++)
		if (selected(cols[c]))
			use[n++] = cols[c];
	if (cli.format != FMT_TABLE) {
		json_t *out = json_array();
		json_array_foreach(rows, i, r) {
			json_t *o = json_object();
			for (int c = 0; c < n; c++)
				json_object_set(o, use[c], json_object_get(r, use[c]) ?
				    json_object_get(r, use[c]) : json_null());
			json_array_append_new(out, o);
		}
		out_machine_list(out, use, n);
		json_decref(out);
		return;
	}
	for (int c = 0; c < n; c++)
		w[c] = strlen(use[c]);
	json_array_foreach(rows, i, r) {
		for (int c = 0; c < n; c++) {
			char *s = cell(json_object_get(r, use[c]));
			if (strlen(s) > w[c])
				w[c] = strlen(s);
			free(s);
		}
	}
	rule(w, n);
	row((char **)use, w, n);
	rule(w, n);
	json_array_foreach(rows, i, r) {
		char *cells[64];
		for (int c = 0; c < n; c++)
			cells[c] = cell(json_object_get(r, use[c]));
		row(cells, w, n);
		for (int c = 0; c < n; c++)
			free(cells[c]);
	}
	rule(w, n);
}

void
kv_parse(const char *arg, char *key, size_t klen, json_t **val)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg) {
		fprintf(stderr, "ingot: %s: expected KEY=VALUE, got '%s'\n", cli.command, arg);
		exit(2);
	}
	snprintf(key, klen, "%.*s", (int)(eq - arg), arg);
	*val = json_loads(eq + 1, JSON_DECODE_ANY, NULL);
	if (*val == NULL)
		*val = json_string(eq + 1);
}
