/*
 * The store: Ingot's only door to its database.  Nothing above this header
 * knows which database is behind it (SQLite now; PostgreSQL later).
 *
 * Objects travel as jansson objects shaped by the field tables of
 * src/model.  A connection belongs to one thread: store_thread() hands
 * each thread its own.
 */
#ifndef INGOT_STORE_H
#define INGOT_STORE_H

#include <jansson.h>
#include <stdbool.h>

#include "model.h"

struct store;

enum store_rc {
	STORE_OK = 0,
	STORE_ERR = -1,		/* database error; err says what */
	STORE_DUP = -2,		/* unique constraint: err names the field */
	STORE_NOTFOUND = -3,
	STORE_LOCKED = -4,	/* node reserved by someone else */
};

/* Opens the database at loc, applies migrations up to the latest (or up
 * to max_version when > 0, for tests).  loc is a SQLite file (created if
 * missing) or a postgresql:// (postgres://) URL of an existing database. */
int	store_init(const char *loc, int max_version, char *err, size_t len);
/* Whether loc names a PostgreSQL database (postgresql:// or postgres://). */
bool	store_is_pg_url(const char *loc);
/* loc fit for logs and messages: a URL's password masked. */
void	store_redact(const char *loc, char *out, size_t len);
/*
 * Copies every row of every table of the SQLite database at from (ids
 * and all) into the PostgreSQL database at to, which must hold no rows;
 * both are migrated to the latest schema first.  Returns the rows copied
 * or -1 with err.
 */
long	store_copy(const char *from, const char *to, char *err, size_t len);
/*
 * With a key, secret values of nodes' driver_info (passwords, keys,
 * tokens) are stored encrypted (AES-256-GCM) and decrypted when read.
 * Reads the key from a file: 32 raw bytes or 64 hex digits.
 */
int	store_load_secret_key(const char *path, char *err, size_t len);
void	store_set_secret_key(const unsigned char key[32]);
void	store_shutdown(void);
int	store_schema_version(struct store *s);
int	store_latest_version(void);
/* The calling thread's connection (opened on first use). */
struct store *store_thread(void);
void	store_thread_release(void);

int	store_begin(struct store *s);
int	store_commit(struct store *s);
void	store_rollback(struct store *s);

/* Filters for store_list: equality on a field, or null / not null. */
enum store_op { SO_EQ, SO_NULL, SO_NOTNULL, SO_EQ_EITHER, SO_CONTAINS, SO_IN, SO_IN_NODES };
struct store_filter {
	const char	*field;
	enum store_op	 op;
	json_t		*value;		/* borrowed; for SO_EQ, SO_EQ_EITHER, SO_CONTAINS (a substring),
					 * SO_IN (an array of 1 to STORE_MAX_IN values); SO_IN_NODES:
					 * field (a node's UUID) IN (SELECT uuid FROM nodes
					 * WHERE field2 IN value), value as for SO_IN */
	const char	*field2;	/* SO_EQ_EITHER: field = value OR field2 = value */
	json_t		*value2;	/* SO_EQ_EITHER, optional: ... OR either = value2 */
};
#define STORE_MAX_FILTERS 20
#define STORE_MAX_IN 50
struct store_query {
	struct store_filter filters[STORE_MAX_FILTERS];
	int		 nfilters;
	const char	*sort_key;	/* NULL: creation order */
	bool		 desc;
	long		 limit;		/* 0: no limit */
	const char	*marker;	/* uuid of the last object of the previous page */
	/* Internal paging in creation order (no sort key, no marker): rows
	 * after this row id.  Unlike a marker it needs no row, so deleting
	 * the last row seen between two pages does not end the walk. */
	long long	 after_id;
	long long	*last_id;	/* if set: the row id of the last row returned */
};

int	store_create(struct store *s, const struct resource *r, json_t *obj,
	    char *err, size_t len);
/* Looks up by a unique field ("uuid", "name", "address"); NULL if absent. */
json_t	*store_get(struct store *s, const struct resource *r, const char *field,
	    const char *value);
/* Returns an array, or NULL with err set (e.g. unknown marker). */
json_t	*store_list(struct store *s, const struct resource *r,
	    const struct store_query *q, char *err, size_t len);
/* Column values of one row, indexed like the resource's fields: text for
 * strings, times and JSON (compact JSON text), num for booleans and ints. */
struct store_val {
	const char	*text;
	long long	 num;
	bool		 null;
};
/* Streams rows to cb without building objects (the fast path for lists);
 * returns the number of rows, or -1 with err set. */
long	store_scan(struct store *s, const struct resource *r,
	    const struct store_query *q, int (*cb)(void *ctx,
	    const struct store_val *vals), void *ctx, char *err, size_t len);
long	store_count(struct store *s, const struct resource *r,
	    const struct store_query *q);
/* Rows by the value of a string or boolean field: {"value": count, ...}
 * (null: "None"; booleans: "0", "1"). */
json_t	*store_count_by(struct store *s, const struct resource *r, const char *field);
/* Writes every field of obj except the reservation. */
int	store_update(struct store *s, const struct resource *r, json_t *obj,
	    char *err, size_t len);
int	store_delete(struct store *s, const struct resource *r, const char *uuid);
/* A node with its ports, portgroups and history, in one transaction. */
int	store_delete_node(struct store *s, const char *uuid);

/* Node locks: one atomic UPDATE ... WHERE reservation IS NULL. */
int	store_node_reserve(struct store *s, const char *uuid, const char *holder);
int	store_node_release(struct store *s, const char *uuid, const char *holder);
int	store_release_all(struct store *s, const char *holder);

/* Node history (events). */
int	store_history_add(struct store *s, const char *node_uuid,
	    const char *severity, const char *event_type, const char *event,
	    const char *conductor, const char *user);
json_t	*store_history_list(struct store *s, const char *node_uuid);

/* Conductors. */
int	store_conductor_register(struct store *s, const char *hostname,
	    const char *group, json_t *drivers);
int	store_conductor_heartbeat(struct store *s, const char *hostname);
int	store_conductor_offline(struct store *s, const char *hostname);
int	store_conductor_set_url(struct store *s, const char *hostname,
	    const char *url);
/* What the ingotd runs: all, api or conductor (--role). */
int	store_conductor_set_role(struct store *s, const char *hostname,
	    const char *role);
/* Whether it serves DHCP ([dhcp] enabled and it owns nodes). */
int	store_conductor_set_dhcp(struct store *s, const char *hostname, bool dhcp);
/* {hostname, conductor_group, drivers, alive (online), created_at,
 * updated_at, api_url, role, dhcp} of every conductor. */
json_t	*store_conductor_list(struct store *s);
/* The ring pass: nodes.conductor = owner where it is still old (NULL: none);
 * STORE_NOTFOUND when it was not (another pass moved it meanwhile).  Only
 * this writes nodes.conductor after creation (store_update leaves it). */
int	store_node_set_conductor(struct store *s, const char *uuid,
	    const char *old, const char *owner);

#endif
