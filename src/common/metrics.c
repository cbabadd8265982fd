/* Prometheus metrics (see metrics.h). */
#include "metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const double metric_buckets_fast[12] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
    0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1 };
const double metric_buckets_ops[12] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
    0.5, 1, 2.5, 5, 10 };
const double metric_buckets_long[12] = { 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
    1200, 3600 };

struct metric_series {
	char		*values[METRIC_MAX_LABELS];
	double		 value;			/* counters, gauges; histograms: sum */
	unsigned long	 count;			/* histograms */
	unsigned long	 bucket[METRIC_MAX_BUCKETS];
};

static pthread_mutex_t reg_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct metric *families;
static struct metric dropped = METRIC_INIT("ingot_metrics_dropped_total",
    "Updates ignored because a family had too many label combinations.",
    METRIC_COUNTER, NULL);

void
metric_register(struct metric *m)
{
	pthread_mutex_lock(&reg_mtx);
	if (!m->registered) {
		struct metric **pp = &families;
		while (*pp != NULL)	/* in the order of first use */
			pp = &(*pp)->next;
		*pp = m;
		m->registered = true;
	}
	pthread_mutex_unlock(&reg_mtx);
}

static int
nlabels(const struct metric *m)
{
	int n = 0;

	while (n < METRIC_MAX_LABELS && m->labels[n] != NULL)
		n++;
	return n;
}

/* The series with these label values, created if new; NULL when full.
 * m->mtx held. */
static struct metric_series *
series_of(struct metric *m, const char **vals)
{
	int n = nlabels(m);
	struct metric_series *s;

	for (int i = 0; i < m->nseries; i++) {
		int k = 0;
		while (k < n && strcmp(m->series[i].values[k], vals[k]) == 0)
			k++;
		if (k == n)
			return &m->series[i];
	}
	if (m->nseries == METRIC_MAX_SERIES)
		return NULL;
	if (m->series == NULL)
		m->series = util_calloc(METRIC_MAX_SERIES, sizeof(*m->series));
	s = &m->series[m->nseries++];
	for (int k = 0; k < n; k++)
		s->values[k] = util_strdup(vals[k]);
	return s;
}

enum op { OP_ADD, OP_SET, OP_OBSERVE };

static void
update(struct metric *m, enum op op, double v, va_list ap)
{
	const char *vals[METRIC_MAX_LABELS];
	struct metric_series *s;
	int n = nlabels(m);

	for (int k = 0; k < n; k++) {
		vals[k] = va_arg(ap, const char *);
		if (vals[k] == NULL)
			vals[k] = "";
	}
	if (!m->registered)
		metric_register(m);
	pthread_mutex_lock(&m->mtx);
	if ((s = series_of(m, vals)) == NULL) {
		pthread_mutex_unlock(&m->mtx);
		if (m != &dropped)
			metric_add(&dropped, 1);
		return;
	}
	if (op == OP_ADD) {
		s->value += v;
	} else if (op == OP_SET) {
		s->value = v;
	} else {
		s->value += v;
		s->count++;
		for (int b = 0; b < m->nbuckets && b < METRIC_MAX_BUCKETS; b++)
			if (v <= m->buckets[b])
				s->bucket[b]++;
	}
	pthread_mutex_unlock(&m->mtx);
}

void
metric_add(struct metric *m, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, OP_ADD, v, ap);
	va_end(ap);
}

void
metric_set(struct metric *m, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, OP_SET, v, ap);
	va_end(ap);
}

void
metric_observe(struct metric *m, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, OP_OBSERVE, v, ap);
	va_end(ap);
}

void
metric_reset(struct metric *m)
{
	pthread_mutex_lock(&m->mtx);
	for (int i = 0; i < m->nseries; i++)
		for (int k = 0; k < METRIC_MAX_LABELS; k++)
			free(m->series[i].values[k]);
	if (m->series != NULL)
		memset(m->series, 0, sizeof(*m->series) * (size_t)m->nseries);
	m->nseries = 0;
	pthread_mutex_unlock(&m->mtx);
}

/* --- the text exposition format ------------------------------------------ */

static void
put_value(struct strbuf *b, double v)
{
	if (isinf(v))
		sb_puts(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		sb_printf(b, "%.0f", v);
	else
		sb_printf(b, "%.9g", v);
}

/* A label value escaped: backslash, double quote and newline. */
static void
put_escaped(struct strbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			sb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sb_puts(b, "\\n");
		else
			sb_add(b, s, 1);
	}
}

/* {a="x",b="y"[,le="..."]} or nothing. */
static void
put_labels(struct strbuf *b, const struct metric *m, const struct metric_series *s,
    const char *le)
{
	int n = nlabels(m);

	if (n == 0 && le == NULL)
		return;
	sb_puts(b, "{");
	for (int k = 0; k < n; k++) {
		sb_printf(b, "%s%s=\"", k ? "," : "", m->labels[k]);
		put_escaped(b, s->values[k]);
		sb_puts(b, "\"");
	}
	if (le != NULL)
		sb_printf(b, "%sle=\"%s\"", n ? "," : "", le);
	sb_puts(b, "}");
}

static void
put_histogram(struct strbuf *b, const struct metric *m, const struct metric_series *s)
{
	char le[32];

	for (int i = 0; i < m->nbuckets && i < METRIC_MAX_BUCKETS; i++) {
		snprintf(le, sizeof(le), "%g", m->buckets[i]);
		sb_printf(b, "%s_bucket", m->name);
		put_labels(b, m, s, le);
		sb_printf(b, " %lu\n", s->bucket[i]);
	}
	sb_printf(b, "%s_bucket", m->name);
	put_labels(b, m, s, "+Inf");
	sb_printf(b, " %lu\n%s_sum", s->count, m->name);
	put_labels(b, m, s, NULL);
	sb_puts(b, " ");
	put_value(b, s->value);
	sb_printf(b, "\n%s_count", m->name);
	put_labels(b, m, s, NULL);
	sb_printf(b, " %lu\n", s->count);
}

static void
put_family(struct strbuf *b, struct metric *m)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };

	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
	    types[m->type]);
	pthread_mutex_lock(&m->mtx);
	/* A family without labels shows its value from the start. */
	if (m->nseries == 0 && nlabels(m) == 0 && m->type != METRIC_HISTOGRAM)
		sb_printf(b, "%s 0\n", m->name);
	for (int i = 0; i < m->nseries; i++) {
		if (m->type == METRIC_HISTOGRAM) {
			put_histogram(b, m, &m->series[i]);
			continue;
		}
		sb_puts(b, m->name);
		put_labels(b, m, &m->series[i], NULL);
		sb_puts(b, " ");
		put_value(b, m->series[i].value);
		sb_puts(b, "\n");
	}
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_render(struct strbuf *b)
{
	struct metric *m;

	metric_register(&dropped);
	pthread_mutex_lock(&reg_mtx);
	m = families;
	pthread_mutex_unlock(&reg_mtx);
	/* Families are only ever appended; next is read under the lock. */
	while (m != NULL) {
		put_family(b, m);
		pthread_mutex_lock(&reg_mtx);
		m = m->next;
		pthread_mutex_unlock(&reg_mtx);
	}
}
