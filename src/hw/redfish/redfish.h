/*
 * Hardware type "redfish": power, boot device and mode, sensors, NMI,
 * inventory and BIOS settings over DMTF Redfish (libcurl through httpc,
 * jansson).  driver_info uses the names of Ironic's redfish interfaces.
 *
 *   rf_info.c   driver_info -> struct rf_target (validation: clear errors)
 *   rf_conn.c   requests: sessions reused and renewed on 401, Basic auth,
 *               ETag/If-Match with one retry on 412, task polling
 *   rf_parse.c  pure functions over the BMC's documents (unit-tested on
 *               recorded documents, fuzzed: tests/fuzz/fuzz_redfish.c)
 *   rf_vmedia.c virtual media: InsertMedia / EjectMedia on the manager
 *   redfish.c   the interfaces and the hardware type
 *
 * Everything read from the BMC is untrusted: links are followed only when
 * they are paths on the BMC's own origin, messages are bounded, and no
 * secret (password, session token) reaches an error message or the log.
 */
#ifndef INGOT_REDFISH_H
#define INGOT_REDFISH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw.h"
#include "httpc.h"

enum rf_auth { RF_AUTH_AUTO, RF_AUTH_BASIC, RF_AUTH_SESSION };

struct rf_target {
	char		 base[300];	/* scheme://host[:port] */
	char		 system[300];	/* /redfish/v1/Systems/ID, or "" (the only one) */
	char		 user[128];
	char		 pass[256];
	bool		 verify;	/* verify the BMC's certificate */
	char		 cafile[512];	/* "" : the system's CAs */
	enum rf_auth	 auth;
};

/* Settings ([redfish] in ingotd.conf). */
struct rf_conf {
	int	timeout_s;		/* one request */
	int	connect_timeout_s;
	int	retries;		/* of a request the BMC did not answer */
	int	task_timeout_s;		/* polling an action's task */
};
void	rf_configure(const struct rf_conf *c);

/* --- rf_info.c -------------------------------------------------------- */
int	rf_target_from(json_t *node, struct rf_target *t, char *err, size_t len);
extern const char *const rf_properties[][2];
/* A path the BMC gave us (an @odata.id, a Location) that we may follow:
 * an absolute path below /redfish/v1/ (or a URL of the same origin, which
 * is reduced to its path), of safe characters, without "..".  0 or -1. */
int	rf_path_take(const char *base, const char *in, char *out, size_t len);

/* --- rf_conn.c -------------------------------------------------------- */
struct rf_call {
	const char	*method;
	const char	*path;		/* below base */
	json_t		*body;
	const char	*if_match;	/* ETag or NULL */
	const char	*want_header;	/* e.g. "ETag", "Location" */
};
/* One request with authentication (a session is opened, reused, renewed
 * once on 401).  0 with res filled when the BMC answered 2xx; -1 with err
 * (the BMC's own @Message.ExtendedInfo text when it gave one). */
int	rf_request(const struct rf_target *t, const struct rf_call *c,
	    struct httpc_res *res, char *err, size_t len);
/* GET path: the document (new reference), or NULL with err. */
json_t	*rf_get(const struct rf_target *t, const char *path, char *etag,
	    size_t etaglen, char *err, size_t len);
/* PATCH with the resource's ETag; on 412 reads it again and retries once. */
int	rf_patch(const struct rf_target *t, const char *path, json_t *body,
	    char *err, size_t len);
/* POST an action; waits for its task when the BMC answers 202. */
int	rf_action(const struct rf_target *t, const char *path, json_t *body,
	    char *err, size_t len);
/* Logs out of every BMC's session (bounded in time); at shutdown, after
 * the workers stopped. */
void	rf_sessions_close(void);

/* --- rf_vmedia.c ----------------------------------------------------- */
/* Virtual media of the system's manager: insert url into the member whose
 * MediaTypes fit device ("cdrom", "floppy", "usb"; ejected first), eject
 * (device NULL: every member), list as [{device_type, image_url,
 * inserted}].  0 / -1 with err; the list NULL with err. */
int	rf_media_insert(const struct rf_target *t, const char *sys,
	    const char *device, const char *url, char *err, size_t len);
int	rf_media_eject(const struct rf_target *t, const char *sys,
	    const char *device, char *err, size_t len);
json_t	*rf_media_get(const struct rf_target *t, const char *sys, char *err,
	    size_t len);

/* --- rf_parse.c ------------------------------------------------------- */
/* The BMC's error text: its @Message.ExtendedInfo messages, else its
 * error.message, else the HTTP status.  Bounded, one line. */
void	rf_error_text(long status, json_t *body, char *out, size_t len);
int	rf_power_of(json_t *system, enum hw_power *st);
const char *rf_boot_target_of(const char *dev);	/* "pxe" -> "Pxe"; NULL */
const char *rf_boot_dev_of(const char *target);	/* "Hdd" -> "disk"; NULL */
/* Task states: 1 still running, 0 completed, -1 failed (why in err). */
int	rf_task_state(long status, json_t *task, char *err, size_t len);
/* The @odata.id of member m (a link object {"@odata.id": ...}), or NULL. */
const char *rf_link(json_t *o, const char *member);
/* Ironic's (IPA-shaped) inventory from the system and its members. */
json_t	*rf_inventory(json_t *system, json_t *procs, json_t *mems, json_t *nics,
	    json_t *drives);
/* properties (cpus, cpu_arch, memory_mb, local_gb) from an inventory. */
void	rf_inventory_properties(json_t *inv, json_t *props);
/* Sensors as the ipmi interface lists them: name, reading, units, state. */
json_t	*rf_sensors(json_t *thermal, json_t *power);
/* The attributes of a Bios document ({name: value}), new reference. */
json_t	*rf_bios_attributes(json_t *bios);
/* Whether a member of a collection document is a usable link. */
size_t	rf_members(json_t *collection);

#endif
