/*
 * GET /metrics: Prometheus metrics of the API (requests by route pattern,
 * method and status, their latency) and, recomputed at each scrape, of the
 * fleet (nodes by provision state, power state, maintenance and fault) and
 * of the process (resident memory, open files).  The conductor, the store
 * and the network code keep their own families (src/common/metrics.h);
 * this page renders them all.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api.h"
#include "metrics.h"
#include "model.h"
#include "store.h"
#include "strbuf.h"
#include "util.h"

static struct metric requests = METRIC_INIT("ingot_api_requests_total",
    "API requests answered, by route pattern, method and status.",
    METRIC_COUNTER, "route", "method", "status");
static struct metric latency = METRIC_HIST("ingot_api_request_duration_seconds",
    "Time from a request's last byte to its answer, by route pattern.",
    metric_buckets_fast, "route", "method");
static struct metric nodes_state = METRIC_INIT("ingot_nodes",
    "Nodes by provision state.", METRIC_GAUGE, "provision_state");
static struct metric nodes_power = METRIC_INIT("ingot_nodes_power",
    "Nodes by power state (\"None\": unknown).", METRIC_GAUGE, "power_state");
static struct metric nodes_maint = METRIC_INIT("ingot_nodes_maintenance",
    "Nodes in maintenance.", METRIC_GAUGE, NULL);
static struct metric nodes_fault = METRIC_INIT("ingot_nodes_fault",
    "Nodes in maintenance with a fault, by fault.", METRIC_GAUGE, "fault");
static struct metric rss = METRIC_INIT("process_resident_memory_bytes",
    "Resident memory size in bytes.", METRIC_GAUGE, NULL);
static struct metric fds = METRIC_INIT("process_open_fds",
    "Number of open file descriptors.", METRIC_GAUGE, NULL);
static struct metric max_fds = METRIC_INIT("process_max_fds",
    "Maximum number of open file descriptors.", METRIC_GAUGE, NULL);
static struct metric start_time = METRIC_INIT("process_start_time_seconds",
    "Start time of the process since the epoch in seconds.", METRIC_GAUGE, NULL);

static bool enabled;

void
api_metrics_enable(bool on)
{
	enabled = on;
}

/* A bounded method label: what routes use, else "other". */
static const char *
method_label(const char *m)
{
	static const char *const known[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
	    "HEAD", "OPTIONS", NULL };

	for (int i = 0; known[i] != NULL; i++)
		if (m != NULL && strcmp(m, known[i]) == 0)
			return known[i];
	return "other";
}

void
api_metrics_request(const struct req *q, int status, double t)
{
	const char *route = q->route != NULL ? (q->route[0] ? q->route : "/") :
	    "(unmatched)";
	const char *method = method_label(q->method);
	char st[8];

	snprintf(st, sizeof(st), "%d", status);
	metric_add(&requests, 1, route, method, st);
	metric_observe(&latency, t, route, method);
}

/* Sets family m to the node counts by field (null: "None"). */
static void
count_nodes(struct metric *m, const char *field)
{
	json_t *counts = store_count_by(store_thread(), &model_node, field), *n;
	const char *k;

	metric_reset(m);
	json_object_foreach(counts, k, n)
		metric_set(m, (double)json_integer_value(n), k);
	json_decref(counts);
}

static void
fleet(void)
{
	json_t *faults, *n;
	const char *k;
	long total = 0;

	count_nodes(&nodes_state, "provision_state");
	count_nodes(&nodes_power, "power_state");
	faults = store_count_by(store_thread(), &model_node, "fault");
	metric_reset(&nodes_fault);
	json_object_foreach(faults, k, n)
		if (strcmp(k, "None") != 0)
			metric_set(&nodes_fault, (double)json_integer_value(n), k);
	json_decref(faults);
	n = store_count_by(store_thread(), &model_node, "maintenance");
	total = (long)json_integer_value(json_object_get(n, "1"));
	json_decref(n);
	metric_set(&nodes_maint, (double)total);
}

/* The process's start in seconds since the epoch: its start in clock
 * ticks after boot (/proc/self/stat) plus the boot time (/proc/stat). */
static double
start_seconds(void)
{
	char buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	FILE *f;
	size_t n = 0;

	if ((f = fopen("/proc/self/stat", "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	/* after "pid (comm) ": field 22 is starttime; comm may hold spaces */
	if ((p = strrchr(buf, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d "
	    "%*d %*d %*d %*d %*d %llu", &ticks) != 1)
		ticks = 0;
	if ((f = fopen("/proc/stat", "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "btime %llu", &btime) == 1)
				break;
		fclose(f);
	}
	return (double)btime + (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

static void
process(void)
{
	static double started;
	struct rlimit rl;
	long pages = 0, resident = 0;
	FILE *f;
	DIR *d;
	int n = 0;

	if ((f = fopen("/proc/self/statm", "r")) != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	metric_set(&rss, (double)resident * (double)sysconf(_SC_PAGESIZE));
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while (readdir(d) != NULL)
			n++;
		closedir(d);
	}
	metric_set(&fds, n > 3 ? n - 3 : 0);	/* ".", ".." and the directory */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		metric_set(&max_fds, (double)rl.rlim_cur);
	if (started == 0)
		started = start_seconds();
	metric_set(&start_time, started);
}

void
h_metrics(struct req *q, struct resp *r)
{
	static pthread_mutex_t scrape = PTHREAD_MUTEX_INITIALIZER;
	struct strbuf b;

	(void)q;
	if (!enabled) {
		api_error(r, 404, "The resource could not be found.");
		return;
	}
	sb_init(&b, 16384);
	pthread_mutex_lock(&scrape);	/* one recomputation of the gauges at a time */
	fleet();
	process();
	metrics_render(&b);
	pthread_mutex_unlock(&scrape);
	r->status = 200;
	r->text = sb_take(&b);
	r->text_json = false;
}
