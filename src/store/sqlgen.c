/*
 * The SQL of lists, shared by the engines so that filters, markers and
 * sort orders mean the same on both: WHERE and ORDER BY built from the
 * model's field rows with ? placeholders (pg.c numbers them), and the
 * order in which their values are bound.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

void
sqlgen_append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s", s);
}

void
sqlgen_columns(const struct resource *r, char *buf, size_t len)
{
	sqlgen_append(buf, len, "id");
	for (size_t i = 0; i < r->nfields; i++) {
		sqlgen_append(buf, len, ",");
		sqlgen_append(buf, len, r->fields[i].name);
	}
}

int
sqlgen_sort_field(const struct resource *r, const struct store_query *q,
    const struct field **sk, char *err, size_t len)
{
	*sk = NULL;
	if (q->sort_key == NULL || strcmp(q->sort_key, "id") == 0)
		return 0;
	*sk = model_field(r, q->sort_key);
	if (*sk == NULL || !((*sk)->flags & F_SORT)) {
		snprintf(err, len, "The sort_key value \"%s\" is an invalid field "
		    "for sorting", q->sort_key);
		return -1;
	}
	return 0;
}

/* Whether the filter's field (and second field) are r's. */
static bool
filter_ok(const struct resource *r, const struct store_filter *f)
{
	size_t n = json_array_size(f->value);

	if ((f->op == SO_IN || f->op == SO_IN_NODES) && (n == 0 || n > STORE_MAX_IN))
		return false;
	if (f->op == SO_IN_NODES)
		return model_field(r, f->field) != NULL && f->field2 != NULL &&
		    model_field(&model_node, f->field2) != NULL;
	return model_field(r, f->field) != NULL && (f->op != SO_EQ_EITHER ||
	    (f->field2 != NULL && model_field(r, f->field2) != NULL));
}

/* The condition of one filter, with a ? per value sqlgen_bind binds. */
static void
add_filter(const struct sql_dialect *d, char *sql, size_t sqllen,
    const struct store_filter *f)
{
	char buf[256];

	if (f->op == SO_CONTAINS) {	/* a substring, case-sensitive */
		snprintf(buf, sizeof(buf), "%s(%s, ?) > 0", d->contains, f->field);
		sqlgen_append(sql, sqllen, buf);
		return;
	}
	if (f->op == SO_IN || f->op == SO_IN_NODES) {	/* field IN (?, ?, ...) */
		sqlgen_append(sql, sqllen, f->field);
		if (f->op == SO_IN_NODES) {
			snprintf(buf, sizeof(buf), " IN (SELECT uuid FROM nodes WHERE %s",
			    f->field2);
			sqlgen_append(sql, sqllen, buf);
		}
		sqlgen_append(sql, sqllen, " IN (?");
		for (size_t i = 1; i < json_array_size(f->value); i++)
			sqlgen_append(sql, sqllen, ", ?");
		sqlgen_append(sql, sqllen, f->op == SO_IN_NODES ? "))" : ")");
		return;
	}
	if (f->op != SO_EQ_EITHER) {
		sqlgen_append(sql, sqllen, f->field);
		sqlgen_append(sql, sqllen, f->op == SO_EQ ? " = ?" :
		    f->op == SO_NULL ? " IS NULL" : " IS NOT NULL");
		return;
	}
	snprintf(buf, sizeof(buf), f->value2 != NULL ?
	    "(%1$s = ? OR %2$s = ? OR %1$s = ? OR %2$s = ?)" : "(%1$s = ? OR %2$s = ?)",
	    f->field, f->field2);
	sqlgen_append(sql, sqllen, buf);
}

/* The condition "after the marker" in the sort order (sk, then id). */
static void
add_marker(const struct sql_dialect *d, char *sql, size_t sqllen,
    const struct field *sk, bool desc)
{
	const char *cmp = desc ? "<" : ">";
	char buf[512];

	if (sk == NULL) {
		snprintf(buf, sizeof(buf), "id %s ?", cmp);
		sqlgen_append(sql, sqllen, buf);
		return;
	}
	/* (key, id) after the marker's, nulls first */
	snprintf(buf, sizeof(buf), "((%1$s %2$s ?) OR (%1$s %3$s ? AND id %2$s ?)"
	    " OR (%4$s AND %1$s IS NOT NULL))", sk->name, cmp, d->is, d->null_param);
	sqlgen_append(sql, sqllen, buf);
}

/* ORDER BY sk (if any), then id. */
static void
add_order(const struct sql_dialect *d, char *sql, size_t sqllen,
    const struct field *sk, bool desc)
{
	char buf[256];

	if (sk == NULL) {
		sqlgen_append(sql, sqllen, desc ? " ORDER BY id DESC" : " ORDER BY id ASC");
		return;
	}
	snprintf(buf, sizeof(buf), " ORDER BY %s %s%s, id %s", sk->name,
	    desc ? "DESC" : "ASC", desc ? d->nulls_desc : d->nulls_asc,
	    desc ? "DESC" : "ASC");
	sqlgen_append(sql, sqllen, buf);
}

int
sqlgen_after_id(const struct store_query *q, const struct field *sk,
    long long *marker_id, char *err, size_t len)
{
	if (q->marker != NULL || q->after_id <= 0)
		return 0;
	if (sk != NULL) {
		snprintf(err, len, "paging by row id has no sort key");
		return -1;
	}
	*marker_id = q->after_id;
	return 0;
}

int
sqlgen_where(const struct sql_dialect *d, const struct resource *r,
    const struct store_query *q, const struct field *sk, bool marker,
    char *sql, size_t sqllen, char *err, size_t len)
{
	int nw = 0;

	for (int i = 0; i < q->nfilters; i++) {
		if (!filter_ok(r, &q->filters[i])) {
			snprintf(err, len, "unknown filter %s", q->filters[i].field);
			return -1;
		}
		sqlgen_append(sql, sqllen, nw++ ? " AND " : " WHERE ");
		add_filter(d, sql, sqllen, &q->filters[i]);
	}
	if (marker) {
		sqlgen_append(sql, sqllen, nw++ ? " AND " : " WHERE ");
		add_marker(d, sql, sqllen, sk, q->desc);
	}
	add_order(d, sql, sqllen, sk, q->desc);
	return 0;
}

int
sqlgen_bind(const struct resource *r, const struct store_query *q,
    const struct field *sk, long long marker_id, json_t *marker_val,
    const struct sql_binder *b)
{
	int n = 1;

	for (int i = 0; i < q->nfilters; i++) {
		const struct store_filter *f = &q->filters[i];
		const struct field *f1 = model_field(r, f->field);

		if (f->op == SO_EQ_EITHER) {
			const struct field *f2 = model_field(r, f->field2);
			b->value(b->ctx, n++, f1, f->value);
			b->value(b->ctx, n++, f2, f->value);
			if (f->value2 != NULL) {
				b->value(b->ctx, n++, f1, f->value2);
				b->value(b->ctx, n++, f2, f->value2);
			}
		} else if (f->op == SO_EQ || f->op == SO_CONTAINS) {
			b->value(b->ctx, n++, f1, f->value);
		} else if (f->op == SO_IN || f->op == SO_IN_NODES) {
			const struct field *fv = f->op == SO_IN ? f1 :
			    model_field(&model_node, f->field2);
			for (size_t k = 0; k < json_array_size(f->value); k++)
				b->value(b->ctx, n++, fv, json_array_get(f->value, k));
		}
	}
	if (marker_id < 0)
		return n;
	if (sk != NULL) {
		b->value(b->ctx, n++, sk, marker_val);
		b->value(b->ctx, n++, sk, marker_val);
		b->id(b->ctx, n++, marker_id);
		b->value(b->ctx, n++, sk, marker_val);
	} else {
		b->id(b->ctx, n++, marker_id);
	}
	return n;
}
