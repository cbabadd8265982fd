/*
 * The conductor's Cinder client: Block Storage v3 attachments (3.44:
 * create with the node's connector, complete, delete), authenticated with
 * a Keystone service user of its own ([cinder] section).  A request that
 * Cinder refuses with 401 is sent once more with a renewed token.  Neither
 * tokens nor connection secrets are logged.
 */
#ifndef INGOT_CINDER_API_H
#define INGOT_CINDER_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw.h"

struct cinder_conf {
	const char	*url;		/* Cinder's v3 base URL; "": the catalog's */
	const char	*auth_url;	/* Keystone v3; "": cinder is off */
	const char	*username;
	const char	*password;
	const char	*project_name;
	const char	*user_domain_name;
	const char	*project_domain_name;
	const char	*endpoint_interface;	/* public, internal, admin */
	int		 timeout;	/* seconds per request */
};

int	cinder_configure(const struct cinder_conf *c, char *err, size_t len);
bool	cinder_enabled(void);
/*
 * Attaches a volume: an attachment for instance with connector, completed
 * (the volume in-use).  Its id into id, the connection info (flat, as
 * Cinder gives it) into *conn (a new reference).  Nothing stays on failure.
 */
int	cinder_attach(const char *volume_id, const char *instance, json_t *connector,
	    char *id, size_t idlen, json_t **conn, char *err, size_t len);
/* The volume exists and belongs to project (the node's lessee, else its
 * owner; NULL or "": an operator's node, not checked): 0, or -1 (err). */
int	cinder_volume_check(const char *volume_id, const char *project, char *err,
	    size_t len);
/* Deletes an attachment (one that is already gone counts as deleted). */
int	cinder_detach(const char *attachment_id, char *err, size_t len);
/* Cinder's error body ({"badRequest": {"message": ...}}) as one line. */
void	cinder_error_text(long status, json_t *body, char *out, size_t len);
/* The members of a connection info a volume target keeps (a new object):
 * strings, numbers and booleans of its "data" (or of itself when flat),
 * plus driver_volume_type. */
json_t	*cinder_connection_props(json_t *conn);

/* The "cinder" storage interface (storage_cinder.c; registered at start). */
extern const struct hw_generic_ops storage_cinder_ops;

#endif
