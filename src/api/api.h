/*
 * The REST API: Ironic's v1 API over libmicrohttpd.  http.c owns the
 * server and microversion negotiation; router.c routes each request by
 * the table in routes.def (microversion, policy, the object it loads);
 * one file per resource holds its handlers.  Handlers get the loaded
 * object and the parsed body in struct req and fill a struct resp;
 * nothing here touches SQL.
 */
#ifndef INGOT_API_H
#define INGOT_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ierr.h"
#include "model.h"

#define API_MIN_MINOR	1
#define API_MAX_MINOR	89
/* Virtual media (/v1/nodes/{id}/vmedia): attach and detach from 1.89, list
 * from 1.93; served only once API_MAX_MINOR announces them. */
#define API_VMEDIA_MINOR	89
#define API_VMEDIA_GET_MINOR	93

struct MHD_Connection;

#define API_MAX_ARGS 4

struct req {
	const char		*method;
	const char		*path;
	struct MHD_Connection	*conn;
	const char		*body;
	size_t			 body_len;
	int			 minor;		/* negotiated microversion 1.minor */
	const char		*args[API_MAX_ARGS];	/* '*' segments of the route */
	char			 base[300];	/* http://host:port, for links */
	bool			 prov_only;	/* came in on a provisioning network */
	bool			 ramdisk_here;	/* this listener serves the ramdisk routes */
	bool			 conductor_only;	/* --role conductor: forwarded verbs only */
	const char		*tenant_ns;	/* a tenant network's listener: its netns */
	json_t			*obj;		/* the object the route loaded; router-owned */
	json_t			*json;		/* the parsed body (router-owned, mutable) */
	const char		*route;		/* the matched route's pattern (metrics) */
};

struct resp {
	int		 status;
	json_t		*body;		/* owned; NULL for no body */
	char		 location[512];
	int		 fd;		/* > 0: send this file instead (owned) */
	char		*text;		/* or this text (malloc'd, owned) */
	bool		 text_json;	/* text is JSON, not text/plain */
	uint64_t	 fd_size;
	uint64_t	 fd_offset;	/* the first byte of fd to send */
	char		 content_range[64]; /* a 206's or 416's (range.c) */
	bool		 accept_ranges;	/* answer "Accept-Ranges: bytes" */
	bool		 close;		/* Connection: close (framing errors) */
	const char	*www_authenticate; /* with a 401: how to authenticate */
	const char	*content_type;	/* of text or fd (NULL: text/plain, octet-stream) */
	const char	*csp;		/* a page's Content-Security-Policy (NULL: none) */
	bool		 suspended;	/* the handler suspended the connection: no
					 * answer now, it runs again when resumed */
};

struct api_conf {
	const char	*listen;	/* host:port */
	int		 threads;
	size_t		 max_body;
	unsigned	 conn_limit;
	unsigned	 per_ip_limit;
	const char	*public_url;	/* base for links, or NULL: Host header */
	const char	*tls_cert;	/* PEM text: serve HTTPS (with tls_key) */
	const char	*tls_key;	/* PEM text, unencrypted */
	const char	*tls_priorities; /* GnuTLS priority string, or NULL */
	unsigned	 conn_timeout;	/* seconds idle before a connection closes */
	bool		 ramdisk_everywhere; /* ramdisk routes on listen too */
	bool		 metrics;	/* GET /metrics answers */
	bool		 conductor_only;	/* --role conductor: see api_forward_accepts */
};

/* Counts a request answered with status in t seconds (metrics.c). */
void	api_metrics_request(const struct req *q, int status, double t);
/* [api] metrics: whether GET /metrics answers (else 404). */
void	api_metrics_enable(bool on);

/* SIGHUP: a new certificate chain and key (PEM, checked) for the next TLS
 * handshakes of every listener; -1 and err: the old pair stays. */
int	api_tls_reload(const char *cert, const char *key, char *err, size_t len);
/* The listeners serve TLS. */
bool	api_tls_on(void);
/* Takes conf (defaults filled in) and starts the listener. */
int	api_start(const struct api_conf *conf, char *err, size_t len);
/* Takes conf without listening (api_start does both). */
void	api_configure(const struct api_conf *conf);
int	api_check_listen(const char *listen, char *err, size_t len);
/* Until ready, every request gets 503 (the conductor is not up yet). */
void	api_set_ready(bool ready);
/* Also serves the API on ip:port inside a network namespace. */
/* tenant: serves only the sanboot route (SYS_SANBOOT), to that network. */
int	api_listen_netns(const char *netns, const char *ip, int port, bool tenant,
	    char *err, size_t len);
/* Stops accepting, lets in-flight requests finish, then stops. */
void	api_stop(void);

/* The web console (console.c): [api] web_console, web_root. */
struct console_conf {
	bool		 enabled;
	bool		 required;	/* web_root was set: missing files fail the start */
	const char	*root;		/* the directory of its files */
	const char	*auth_strategy;	/* told to the login form */
	const char	*keystone_url;	/* where a Keystone token may be obtained */
	int		 refresh_seconds; /* the page's polling period */
};
/* Lists and reads the console's files (once, at start); -1 with err. */
int	api_console_configure(const struct console_conf *c, char *err, size_t len);
void	api_console_free(void);

/* [network] options: tenant VLAN ranges ("1000:1999,3000:3099", or empty)
 * and the per-project network quota. */
int	api_networks_configure(const char *tenant_vlan_ranges, int max_per_project,
	    char *err, size_t len);

/* Helpers for handlers. */
void	api_error(struct resp *r, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	api_ierr(struct resp *r, const struct ierr *e);
int	api_status_of(enum ig_err code);
void	api_json(struct resp *r, int status, json_t *body);
const char *api_query(struct req *q, const char *key);
/* Parses the body as a JSON object (or array when want_array); 400 on error. */
json_t	*api_body(struct req *q, struct resp *r, bool want_array);
bool	api_query_bool(struct req *q, struct resp *r, const char *key, int *out);

/* The nodes of a chassis, listed as GET /v1/nodes lists them (nodes.c). */
void	api_nodes_of_chassis(struct req *q, struct resp *r, const char *chassis,
	    bool detail);
/* Trait names as Ironic takes them: os-traits' standard names or
 * CUSTOM_[A-Z0-9_]+, at most 255 characters (traits.c). */
bool	api_trait_valid(const char *t);
/* A list of valid names (or null); false with r filled (400). */
bool	api_traits_check(struct resp *r, json_t *list, const char *what);

/* Rendering of stored objects (render.c). */
struct fieldset {
	const char	*names[96];
	int		 n;
};
/* Parses ?fields=a,b; 400 on unknown fields.  Returns false on error. */
bool	api_fields(struct req *q, struct resp *r, const struct resource *res,
	    struct fieldset *fs, bool *given);
json_t	*api_render(struct req *q, const struct resource *res, json_t *obj,
	    const struct fieldset *fs, bool detail);
json_t	*api_links(struct req *q, const char *plural, const char *id);
/* Builds the "next" URL for a full page. */
json_t	*api_next(struct req *q, const char *path, const char *marker, long limit);
/* Answers a list straight from the store as JSON text (no objects built). */
struct store_query;
bool	api_list_text(struct req *q, struct resp *r, const struct resource *res,
	    const struct store_query *sq, const struct fieldset *fs, bool detail,
	    const char *path);
/* limit, marker, sort_key, sort_dir into a query; false with 400 on error. */
struct store_query;
bool	api_paging(struct req *q, struct resp *r, struct store_query *sq);
json_t	*api_page_array(struct req *q, struct resp *r, json_t *all, const char *idkey,
	    const char *path, json_t **next);

/* JSON Patch (jsonpatch.c): applies RFC 6902 ops to doc in place. */
int	jsonpatch_apply(json_t *doc, json_t *patch, char *err, size_t len);
int	jsonpatch_apply_one(json_t *doc, json_t *op, char *err, size_t len);
/* The value at an RFC 6901 pointer ("" is doc itself), or NULL. */
json_t	*jsonpatch_get(json_t *doc, const char *pointer);

/*
 * Applies a JSON Patch to a copy of a stored object: every operation's
 * path and from must pass the model's rules at this microversion and the
 * caller's policy (auth_patch_field); secrets are read (from, test) by the
 * system admin only; the operations and the result are bounded.  NULL
 * with r filled (400, 403 or 413) otherwise, and for an empty patch (200
 * with the object unchanged, as Ironic answers).
 */
json_t	*api_patch(struct req *q, struct resp *r, const struct resource *res,
	    json_t *stored, json_t *patch);
/* At most ops operations and doc_bytes of patched JSON (0: unchanged). */
void	api_patch_limits(size_t ops, size_t doc_bytes);
/* Rejects unknown or read-only fields in a POST body. */
/* The new object's "uuid": checked when given (400), else a new one. */
bool	api_give_uuid(struct resp *r, json_t *b);
bool	api_check_create(struct req *q, struct resp *r, const struct resource *res,
	    json_t *body);

/* Resource handlers. */
/* Sends a node verb to the conductor owning the node (forward.c); true
 * when it answered r (the owner's answer or 503), false: handle it here. */
bool	api_forward(struct req *q, struct resp *r);
/* On a conductor-only ingotd (--role conductor), whether the route with
 * this pattern is served: a verb another ingotd forwarded. */
bool	api_forward_accepts(const struct req *q, const char *pattern);

void	h_root(struct req *, struct resp *);
void	h_v1(struct req *, struct resp *);
void	h_metrics(struct req *, struct resp *);
void	h_events_stream(struct req *, struct resp *);
/* Resumes every waiting GET /v1/events (events.c); before the listener stops. */
void	api_events_stop(void);
void	h_nodes_list(struct req *, struct resp *);
void	h_nodes_detail(struct req *, struct resp *);
void	h_node_create(struct req *, struct resp *);
void	h_node_show(struct req *, struct resp *);
void	h_node_patch(struct req *, struct resp *);
void	h_node_delete(struct req *, struct resp *);
void	h_node_states(struct req *, struct resp *);
void	h_node_power(struct req *, struct resp *);
void	h_node_provision(struct req *, struct resp *);
void	h_node_maint_set(struct req *, struct resp *);
void	h_node_maint_unset(struct req *, struct resp *);
void	h_node_bootdev_get(struct req *, struct resp *);
void	h_node_bootdev_set(struct req *, struct resp *);
void	h_node_bootdev_supported(struct req *, struct resp *);
void	h_node_validate(struct req *, struct resp *);
void	h_node_sensors(struct req *, struct resp *);
void	h_node_history(struct req *, struct resp *);
void	h_node_history_event(struct req *, struct resp *);
void	h_node_ports(struct req *, struct resp *);
void	h_node_portgroups(struct req *, struct resp *);
void	h_node_traits(struct req *, struct resp *);
void	h_node_traits_set(struct req *, struct resp *);
void	h_node_trait_add(struct req *, struct resp *);
void	h_node_traits_clear(struct req *, struct resp *);
void	h_node_trait_remove(struct req *, struct resp *);
void	h_allocations_list(struct req *, struct resp *);
void	h_allocation_create(struct req *, struct resp *);
void	h_allocation_show(struct req *, struct resp *);
void	h_allocation_patch(struct req *, struct resp *);
void	h_allocation_delete(struct req *, struct resp *);
void	h_node_allocation_show(struct req *, struct resp *);
void	h_node_allocation_delete(struct req *, struct resp *);
void	h_chassis_list(struct req *, struct resp *);
void	h_chassis_detail(struct req *, struct resp *);
void	h_chassis_create(struct req *, struct resp *);
void	h_chassis_show(struct req *, struct resp *);
void	h_chassis_patch(struct req *, struct resp *);
void	h_chassis_delete(struct req *, struct resp *);
void	h_chassis_nodes(struct req *, struct resp *);
void	h_chassis_nodes_detail(struct req *, struct resp *);
void	h_portgroup_ports_detail(struct req *, struct resp *);
void	h_node_ports_detail(struct req *, struct resp *);
void	h_node_portgroups_detail(struct req *, struct resp *);
void	h_node_console_get(struct req *, struct resp *);
void	h_node_console_set(struct req *, struct resp *);
void	h_node_console_log(struct req *, struct resp *);
void	h_node_raid_set(struct req *, struct resp *);
void	h_node_vendor(struct req *, struct resp *);
void	h_driver_vendor(struct req *, struct resp *);
void	h_driver_raid_props(struct req *, struct resp *);
void	h_node_inject_nmi(struct req *, struct resp *);
void	h_node_bios(struct req *, struct resp *);
void	h_node_bios_setting(struct req *, struct resp *);
void	h_events(struct req *, struct resp *);
void	h_node_boot_mode_set(struct req *, struct resp *);
void	h_node_vmedia_attach(struct req *, struct resp *);
void	h_node_vmedia_detach(struct req *, struct resp *);
void	h_node_vmedia_get(struct req *, struct resp *);
void	h_vmedia_iso(struct req *, struct resp *);
void	h_node_secure_boot_set(struct req *, struct resp *);
void	h_node_indicators(struct req *, struct resp *);
void	h_node_inventory(struct req *, struct resp *);
/* node_links.c: shards (1.82), parent and child nodes (1.83), firmware (1.86) */
void	h_shards(struct req *, struct resp *);
void	h_node_children(struct req *, struct resp *);
void	h_node_firmware(struct req *, struct resp *);
/* The list filters shard, sharded, include_children and parent_node (child
 * nodes are hidden without them); the filters' values go to held. */
bool	api_node_link_filters(struct req *q, struct resp *r, struct store_query *sq,
	    json_t **held, int *nh);
/* ?shard=a,b (1.82; 406 below): *out the names (1 to STORE_MAX_IN, else
 * 400), NULL when not given.  false: answered. */
bool	api_shard_query(struct req *q, struct resp *r, json_t **out);
/* shard (system admins only) and parent_node (resolved to a UUID) of upd,
 * the node as created or patched (old: as stored, NULL on create). */
bool	api_node_links_check(struct resp *r, json_t *old, json_t *upd);
void	h_volume_root(struct req *, struct resp *);
void	h_vconn_list(struct req *, struct resp *);
void	h_vconn_detail(struct req *, struct resp *);
void	h_vconn_create(struct req *, struct resp *);
void	h_vconn_show(struct req *, struct resp *);
void	h_vconn_patch(struct req *, struct resp *);
void	h_vconn_delete(struct req *, struct resp *);
void	h_vtarget_list(struct req *, struct resp *);
void	h_vtarget_detail(struct req *, struct resp *);
void	h_vtarget_create(struct req *, struct resp *);
void	h_vtarget_show(struct req *, struct resp *);
void	h_vtarget_patch(struct req *, struct resp *);
void	h_vtarget_delete(struct req *, struct resp *);
void	h_node_vconns(struct req *, struct resp *);
void	h_node_vtargets(struct req *, struct resp *);
void	h_volumes_list(struct req *, struct resp *);
void	h_volume_create(struct req *, struct resp *);
void	h_volume_show(struct req *, struct resp *);
void	h_volume_patch(struct req *, struct resp *);
void	h_volume_delete(struct req *, struct resp *);
void	h_deploy_templates_list(struct req *, struct resp *);
void	h_deploy_template_create(struct req *, struct resp *);
void	h_deploy_template_show(struct req *, struct resp *);
void	h_deploy_template_patch(struct req *, struct resp *);
void	h_deploy_template_delete(struct req *, struct resp *);
void	h_nodes_validate(struct req *, struct resp *);
void	h_ports_list(struct req *, struct resp *);
void	h_ports_detail(struct req *, struct resp *);
void	h_port_create(struct req *, struct resp *);
void	h_port_show(struct req *, struct resp *);
void	h_port_patch(struct req *, struct resp *);
void	h_port_delete(struct req *, struct resp *);
void	h_portgroups_list(struct req *, struct resp *);
void	h_portgroups_detail(struct req *, struct resp *);
void	h_portgroup_create(struct req *, struct resp *);
void	h_portgroup_show(struct req *, struct resp *);
void	h_portgroup_patch(struct req *, struct resp *);
void	h_portgroup_delete(struct req *, struct resp *);
void	h_portgroup_ports(struct req *, struct resp *);
void	h_drivers_list(struct req *, struct resp *);
void	h_driver_show(struct req *, struct resp *);
void	h_driver_properties(struct req *, struct resp *);
void	h_conductors_list(struct req *, struct resp *);
void	h_conductor_show(struct req *, struct resp *);
void	h_lookup(struct req *, struct resp *);
void	h_continue_inspection(struct req *, struct resp *);
void	h_inspection_rules_list(struct req *, struct resp *);
void	h_inspection_rule_create(struct req *, struct resp *);
void	h_inspection_rule_show(struct req *, struct resp *);
void	h_inspection_rule_patch(struct req *, struct resp *);
void	h_inspection_rule_delete(struct req *, struct resp *);
void	h_heartbeat(struct req *, struct resp *);
void	h_image(struct req *, struct resp *);
void	h_boot_script(struct req *, struct resp *);
void	h_node_script(struct req *, struct resp *);
void	h_sanboot_script(struct req *, struct resp *);
void	h_node_volumes(struct req *, struct resp *);
void	h_boot_file(struct req *, struct resp *);
void	h_networks_list(struct req *, struct resp *);
void	h_switches_list(struct req *, struct resp *);
void	h_network_create(struct req *, struct resp *);
void	h_network_show(struct req *, struct resp *);
void	h_network_patch(struct req *, struct resp *);
void	h_network_delete(struct req *, struct resp *);
void	h_node_vifs_list(struct req *, struct resp *);
void	h_node_vif_attach(struct req *, struct resp *);
void	h_node_vif_detach(struct req *, struct resp *);
void	h_uplinks_list(struct req *, struct resp *);
void	h_uplink_create(struct req *, struct resp *);
void	h_uplink_show(struct req *, struct resp *);
void	h_uplink_patch(struct req *, struct resp *);
void	h_uplink_delete(struct req *, struct resp *);
void	h_members_list(struct req *, struct resp *);
void	h_member_create(struct req *, struct resp *);
void	h_member_show(struct req *, struct resp *);
void	h_member_delete(struct req *, struct resp *);
void	h_console(struct req *, struct resp *);
void	h_whoami(struct req *, struct resp *);

#endif
