/*
 * store.h's entry points: the engine chosen by store_init's location
 * (SQLite for a path, PostgreSQL for a postgresql:// URL) does the work;
 * the operations are timed here, the same way for both.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "migrations.h"
#include "store_int.h"
#include "util.h"

static const struct store_engine *eng = &store_engine_sqlite;

static struct metric db_time = METRIC_HIST("ingot_db_operation_duration_seconds",
    "Time of a store operation (one statement or a scan), by operation.",
    metric_buckets_fast, "operation");

bool
store_is_pg_url(const char *loc)
{
	return strncmp(loc, "postgresql://", 13) == 0 ||
	    strncmp(loc, "postgres://", 11) == 0;
}

int
store_init(const char *loc, int max_version, char *err, size_t len)
{
	if (!store_is_pg_url(loc)) {
		eng = &store_engine_sqlite;
		return eng->init(loc, max_version, err, len);
	}
#ifdef INGOT_HAVE_PG
	eng = &store_engine_pg;
	return eng->init(loc, max_version, err, len);
#else
	snprintf(err, len, "this ingotd was built without PostgreSQL (libpq)");
	return -1;
#endif
}

void
store_shutdown(void)
{
	eng->shutdown();
}

int
store_latest_version(void)
{
	return store_nmigrations;
}

int
store_schema_version(struct store *s)
{
	return eng->schema_version(s);
}

struct store *
store_thread(void)
{
	return eng->thread();
}

void
store_thread_release(void)
{
	eng->thread_release();
}

int
store_begin(struct store *s)
{
	return eng->begin(s);
}

int
store_commit(struct store *s)
{
	return eng->commit(s);
}

void
store_rollback(struct store *s)
{
	eng->rollback(s);
}

int
store_create(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	double t0 = util_mono_now();
	int rc = eng->create(s, r, obj, err, len);

	metric_observe(&db_time, util_mono_now() - t0, "create");
	return rc;
}

json_t *
store_get(struct store *s, const struct resource *r, const char *field,
    const char *value)
{
	double t0 = util_mono_now();
	json_t *o = eng->get(s, r, field, value);

	metric_observe(&db_time, util_mono_now() - t0, "get");
	return o;
}

json_t *
store_list(struct store *s, const struct resource *r, const struct store_query *q,
    char *err, size_t len)
{
	double t0 = util_mono_now();
	json_t *a = eng->list(s, r, q, err, len);

	metric_observe(&db_time, util_mono_now() - t0, "list");
	return a;
}

long
store_scan(struct store *s, const struct resource *r, const struct store_query *q,
    int (*cb)(void *, const struct store_val *), void *ctx, char *err, size_t len)
{
	double t0 = util_mono_now();
	long n = eng->scan(s, r, q, cb, ctx, err, len);

	metric_observe(&db_time, util_mono_now() - t0, "scan");
	return n;
}

long
store_count(struct store *s, const struct resource *r, const struct store_query *q)
{
	return eng->count(s, r, q);
}

json_t *
store_count_by(struct store *s, const struct resource *r, const char *field)
{
	return eng->count_by(s, r, field);
}

int
store_update(struct store *s, const struct resource *r, json_t *obj, char *err,
    size_t len)
{
	double t0 = util_mono_now();
	int rc = eng->update(s, r, obj, err, len);

	metric_observe(&db_time, util_mono_now() - t0, "update");
	return rc;
}

int
store_delete(struct store *s, const struct resource *r, const char *uuid)
{
	return eng->del(s, r, uuid);
}

int
store_delete_node(struct store *s, const char *uuid)
{
	return eng->delete_node(s, uuid);
}

int
store_node_reserve(struct store *s, const char *uuid, const char *holder)
{
	return eng->reserve(s, uuid, holder);
}

int
store_node_release(struct store *s, const char *uuid, const char *holder)
{
	return eng->release(s, uuid, holder);
}

int
store_release_all(struct store *s, const char *holder)
{
	return eng->release_all(s, holder);
}

int
store_history_add(struct store *s, const char *node_uuid, const char *severity,
    const char *event_type, const char *event, const char *conductor,
    const char *user)
{
	return eng->history_add(s, node_uuid, severity, event_type, event,
	    conductor, user);
}

json_t *
store_history_list(struct store *s, const char *node_uuid)
{
	return eng->history_list(s, node_uuid);
}

int
store_conductor_register(struct store *s, const char *hostname, const char *group,
    json_t *drivers)
{
	return eng->cond_register(s, hostname, group, drivers);
}

int
store_conductor_heartbeat(struct store *s, const char *hostname)
{
	return eng->cond_heartbeat(s, hostname);
}

int
store_conductor_offline(struct store *s, const char *hostname)
{
	return eng->cond_offline(s, hostname);
}

json_t *
store_conductor_list(struct store *s)
{
	return eng->cond_list(s);
}

int
store_conductor_set_role(struct store *s, const char *hostname, const char *role)
{
	return eng->cond_set_role(s, hostname, role);
}

int
store_conductor_set_dhcp(struct store *s, const char *hostname, bool dhcp)
{
	return eng->cond_set_dhcp(s, hostname, dhcp);
}

int
store_conductor_set_url(struct store *s, const char *hostname, const char *url)
{
	return eng->cond_set_url(s, hostname, url);
}

int
store_node_set_conductor(struct store *s, const char *uuid, const char *old,
    const char *owner)
{
	return eng->node_set_conductor(s, uuid, old, owner);
}

#ifndef INGOT_HAVE_PG
long
store_copy(const char *from, const char *to, char *err, size_t len)
{
	(void)from;
	(void)to;
	snprintf(err, len, "this ingotd was built without PostgreSQL (libpq)");
	return -1;
}
#endif
