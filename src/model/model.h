/*
 * The resources Ingot stores and serves (nodes, ports, portgroups, ...),
 * described once as field tables.  The store derives its columns from them,
 * the API its JSON, its PATCH rules and microversion gating.
 */
#ifndef INGOT_MODEL_H
#define INGOT_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type {
	FT_STRING,
	FT_BOOL,
	FT_INT,
	FT_OBJECT,	/* JSON object, stored as text */
	FT_LIST,	/* JSON array, stored as text */
	FT_TIME,	/* ISO 8601 string */
};

enum field_flag {
	F_CREATE = 1 << 0,	/* may be given on POST */
	F_PATCH = 1 << 1,	/* may be changed with PATCH */
	F_SHORT = 1 << 2,	/* in the non-detailed list */
	F_NOTNULL = 1 << 3,	/* never null; default given */
	F_INDEX = 1 << 4,	/* filter/sort column with an index */
	F_SORT = 1 << 5,	/* accepted as sort_key */
	F_UNIQUE = 1 << 6,
	F_HIDDEN = 1 << 7,	/* stored, never returned (internal) */
	F_SECRET = 1 << 8,	/* may hold secrets: secret-named members (any case,
				 * any depth) are masked in answers; reading them
				 * through JSON Patch is the system admin's alone */
	F_SEALED = 1 << 9,	/* its secret-named strings are encrypted at rest */
	F_SYSTEM = 1 << 10,	/* shown to system-scoped callers only ({} to projects) */
};

struct field {
	const char	*name;
	enum field_type	 type;
	unsigned	 flags;
	int		 min_minor;	/* microversion 1.N that introduced it */
	const char	*dflt;		/* JSON text of the default, or NULL */
};

struct resource {
	const char		*kind;		/* "node", "port", ... */
	const char		*plural;	/* "nodes" (also the table) */
	const struct field	*fields;
	size_t			 nfields;
};

extern const struct resource model_node, model_port, model_portgroup;
extern const struct resource model_network, model_vif;
extern const struct resource model_allocation, model_chassis, model_deploy_template;
extern const struct resource model_uplink, model_member;
extern const struct resource model_volume_connector, model_volume_target;
extern const struct resource model_volume;
extern const struct resource model_inventory;	/* a node's inspection data */
/* DHCP with several conductors (internal): host entries, serving conductor */
extern const struct resource model_dhcp_host, model_dhcp_server;
extern const struct resource model_inspection_rule;	/* Ironic's inspection rules */

const struct field *model_field(const struct resource *r, const char *name);
/* Fills defaults for absent fields of a new object. */
void	model_apply_defaults(const struct resource *r, json_t *obj);
/* Checks types of every present field; err names the field. */
int	model_check_types(const struct resource *r, json_t *obj, char *err, size_t len);

#endif
