/*
 * Inside the store: what its engines (sqlite.c, pg.c) share.  Nothing
 * outside src/store includes this header.
 *
 * store.c picks an engine by the location given to store_init (a path:
 * SQLite; postgresql:// or postgres://: PostgreSQL) and forwards every
 * store.h call to it through struct store_engine.  Each engine defines
 * its own connection behind the opaque struct store.
 */
#ifndef INGOT_STORE_INT_H
#define INGOT_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct store_engine {
	const char *name;
	int	(*init)(const char *loc, int max_version, char *err, size_t len);
	void	(*shutdown)(void);
	struct store *(*thread)(void);
	void	(*thread_release)(void);
	int	(*schema_version)(struct store *s);
	int	(*begin)(struct store *s);
	int	(*commit)(struct store *s);
	void	(*rollback)(struct store *s);
	int	(*create)(struct store *s, const struct resource *r, json_t *obj,
		    char *err, size_t len);
	json_t	*(*get)(struct store *s, const struct resource *r, const char *field,
		    const char *value);
	json_t	*(*list)(struct store *s, const struct resource *r,
		    const struct store_query *q, char *err, size_t len);
	long	(*scan)(struct store *s, const struct resource *r,
		    const struct store_query *q, int (*cb)(void *, const struct store_val *),
		    void *ctx, char *err, size_t len);
	long	(*count)(struct store *s, const struct resource *r,
		    const struct store_query *q);
	json_t	*(*count_by)(struct store *s, const struct resource *r, const char *field);
	int	(*update)(struct store *s, const struct resource *r, json_t *obj,
		    char *err, size_t len);
	int	(*del)(struct store *s, const struct resource *r, const char *uuid);
	int	(*delete_node)(struct store *s, const char *uuid);
	int	(*reserve)(struct store *s, const char *uuid, const char *holder);
	int	(*release)(struct store *s, const char *uuid, const char *holder);
	int	(*release_all)(struct store *s, const char *holder);
	int	(*history_add)(struct store *s, const char *node_uuid,
		    const char *severity, const char *event_type, const char *event,
		    const char *conductor, const char *user);
	json_t	*(*history_list)(struct store *s, const char *node_uuid);
	int	(*cond_register)(struct store *s, const char *hostname,
		    const char *group, json_t *drivers);
	int	(*cond_heartbeat)(struct store *s, const char *hostname);
	int	(*cond_offline)(struct store *s, const char *hostname);
	json_t	*(*cond_list)(struct store *s);
	int	(*cond_set_url)(struct store *s, const char *hostname, const char *url);
	int	(*cond_set_role)(struct store *s, const char *hostname, const char *role);
	int	(*cond_set_dhcp)(struct store *s, const char *hostname, bool dhcp);
	int	(*node_set_conductor)(struct store *s, const char *uuid, const char *old,
		    const char *owner);
};

extern const struct store_engine store_engine_sqlite;
#ifdef INGOT_HAVE_PG
extern const struct store_engine store_engine_pg;
#endif

/* --- secrets at rest (seal.c) --------------------------------------------- */

/* The field's value as stored: secret strings sealed (a new reference). */
json_t	*store_sealed_copy(const struct field *f, json_t *v);
/* Opens the sealed strings of a value just read, in place. */
void	store_unseal_in_place(const struct field *f, json_t *v);

/* --- SQL shared by the engines (sqlgen.c) --------------------------------- */

/* What differs between the engines' SQL in queries. */
struct sql_dialect {
	const char	*contains;	/* substring position: "instr", "strpos" */
	const char	*is;		/* null-safe equality: "IS" */
	const char	*null_param;	/* a parameter that is null: "? IS NULL" */
	const char	*nulls_asc;	/* SQLite's NULL order, spelt out: "" */
	const char	*nulls_desc;
};

/* Calls that bind the parameters (1, 2, ...) of a query built here. */
struct sql_binder {
	void	(*value)(void *ctx, int i, const struct field *f, json_t *v);
	void	(*id)(void *ctx, int i, long long id);
	void	 *ctx;
};

void	sqlgen_append(char *buf, size_t len, const char *s);
/* "id,uuid,name,...": the internal id, then r's fields in order. */
void	sqlgen_columns(const struct resource *r, char *buf, size_t len);
/* The field of q's sort_key in *sk, NULL for "id" or none; -1 if unknown. */
int	sqlgen_sort_field(const struct resource *r, const struct store_query *q,
	    const struct field **sk, char *err, size_t len);
/* q->after_id (no marker) as the row id to page after, in *marker_id;
 * -1 with err if q also sorts by a field. */
int	sqlgen_after_id(const struct store_query *q, const struct field *sk,
	    long long *marker_id, char *err, size_t len);
/* Appends WHERE (filters; "after the marker" when marker) and ORDER BY. */
int	sqlgen_where(const struct sql_dialect *d, const struct resource *r,
	    const struct store_query *q, const struct field *sk, bool marker,
	    char *sql, size_t sqllen, char *err, size_t len);
/* Binds what sqlgen_where asked for; returns the next parameter number. */
int	sqlgen_bind(const struct resource *r, const struct store_query *q,
	    const struct field *sk, long long marker_id, json_t *marker_val,
	    const struct sql_binder *b);

/* --- migrations on PostgreSQL (pg_dialect.c) ------------------------------ */

/* SQLite-flavoured migration SQL in PostgreSQL's dialect (malloc'd). */
char	*store_pg_translate(const char *sql);

#endif
