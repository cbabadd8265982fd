/*
 * Prometheus metrics: counters, gauges and histograms with a fixed, small
 * set of label names, rendered in the text exposition format (0.0.4).
 *
 * A module declares its families as static struct metric (METRIC_COUNTER
 * etc. below) and updates them; a family registers itself on first use.
 * Label values must come from bounded sets (states, verbs, route patterns,
 * switch names): never a node UUID.  A family keeps at most
 * METRIC_MAX_SERIES label combinations; more are counted in
 * ingot_metrics_dropped_total and otherwise ignored.
 */
#ifndef INGOT_METRICS_H
#define INGOT_METRICS_H

#include <pthread.h>
#include <stdbool.h>

#include "strbuf.h"

#define METRIC_MAX_LABELS	3
#define METRIC_MAX_SERIES	1024
#define METRIC_MAX_BUCKETS	16

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric_series;

struct metric {
	const char	*name;
	const char	*help;
	enum metric_type type;
	const char	*labels[METRIC_MAX_LABELS + 1];	/* names, NULL-ended */
	const double	*buckets;			/* histograms: upper bounds */
	int		 nbuckets;
	/* filled at run time */
	pthread_mutex_t	 mtx;
	bool		 registered;
	struct metric_series *series;
	int		 nseries;
	struct metric	*next;
};

#define METRIC_INIT(n, h, t, ...)						\
	{ .name = (n), .help = (h), .type = (t), .labels = { __VA_ARGS__ },	\
	  .mtx = PTHREAD_MUTEX_INITIALIZER }
#define METRIC_HIST(n, h, b, ...)						\
	{ .name = (n), .help = (h), .type = METRIC_HISTOGRAM,			\
	  .labels = { __VA_ARGS__ }, .buckets = (b),				\
	  .nbuckets = sizeof(b) / sizeof((b)[0]), .mtx = PTHREAD_MUTEX_INITIALIZER }

/* Latency buckets in seconds: API requests and database calls. */
extern const double metric_buckets_fast[12];
/* Durations of operations in seconds: BMC calls, switch changes, passes. */
extern const double metric_buckets_ops[12];
/* Provisioning operations in seconds: deploy, clean, inspect. */
extern const double metric_buckets_long[12];

/* Label values follow v, as many as the family has label names. */
void	metric_add(struct metric *m, double v, ...);	/* counters, gauges */
void	metric_set(struct metric *m, double v, ...);	/* gauges */
void	metric_observe(struct metric *m, double v, ...); /* histograms */
/* Forgets every series (a gauge family recomputed at each scrape). */
void	metric_reset(struct metric *m);
/* Registers m so that it is rendered even before its first update. */
void	metric_register(struct metric *m);
/* Appends every registered family in the text exposition format. */
void	metrics_render(struct strbuf *b);

#endif
