/*
 * The conductor: changes nodes, only under their lock, in a pool of worker
 * threads.  The API layer calls the cond_* functions; those that start
 * long work take the node's lock, record the transition, hand the rest to
 * a worker and return at once (the API answers 202).
 */
#ifndef INGOT_CONDUCTOR_H
#define INGOT_CONDUCTOR_H

#include <jansson.h>
#include <stdbool.h>

#include "cond_conf.h"
#include "ierr.h"

/* Member of a provision request's body the API sets (after removing any
 * the client sent) when a system-scoped user asks for a deploy: only then
 * may the deploy use a file:// image. */
#define COND_FILE_IMAGES	"ingot:file_images"


int	 conductor_start(const struct cond_conf *conf, char *err, size_t len);
/* Stops taking work, finishes what runs, releases what it holds. */
void	 conductor_stop(void);
const char *conductor_host(void);
/* false for an API-only ingotd (--role api): it owns no nodes and runs no
 * periodic work on them, no DHCP, no takeover. */
bool	cond_owns_nodes(void);
bool	 conductor_idle(void);

/* Node-level operations; node is the stored object (not consumed). */
int	 cond_provision(json_t *node, const char *verb, json_t *body, int minor,
	    struct ierr *e);
int	 cond_power(json_t *node, const char *target, int timeout, struct ierr *e);
int	 cond_maintenance(json_t *node, bool on, const char *reason, struct ierr *e);
int	 cond_boot_device_set(json_t *node, const char *dev, bool persistent,
	    struct ierr *e);
json_t	*cond_boot_device_get(json_t *node, struct ierr *e);
json_t	*cond_boot_devices_supported(json_t *node, struct ierr *e);
/* Sensor readings through the management interface (read only). */
json_t	*cond_sensors(json_t *node, struct ierr *e);
/* bmc.c: through the management interface when it offers them
 * (IG_EUNSUPPORTED otherwise).  BIOS settings are read live as
 * {name: value}; applying stages them for the node's next boot. */
json_t	*cond_bios_get(json_t *node, struct ierr *e);
int	 cond_bios_apply(json_t *node, json_t *settings, struct ierr *e);
int	 cond_inject_nmi(json_t *node, struct ierr *e);
int	 cond_boot_mode_set(json_t *node, const char *mode, struct ierr *e);
int	 cond_secure_boot_set(json_t *node, bool on, struct ierr *e);
/* vmedia_attach.c: /v1/nodes/{id}/vmedia (device cdrom, floppy, usb; the
 * URL http(s), fetched by the BMC; source NULL or "http"; device NULL on
 * detach: every device); GET lists [{device_type, image_url, inserted}]. */
int	 cond_vmedia_attach(json_t *node, const char *device, const char *url,
	    const char *source, struct ierr *e);
int	 cond_vmedia_detach(json_t *node, const char *device, struct ierr *e);
json_t	*cond_vmedia_get(json_t *node, struct ierr *e);
json_t	*cond_validate(json_t *node);
/* Saves an updated node (after PATCH) under its lock. */
int	 cond_update_node(json_t *updated, json_t *base, struct ierr *e);
int	 cond_delete_node(json_t *node, struct ierr *e);

/* A node's traits, under its lock (names checked by the API): replaced by
 * a list, one added or removed (IG_ENOTFOUND when absent), or all
 * removed; at most COND_MAX_TRAITS (Ironic's), else IG_EINVAL. */
#define COND_MAX_TRAITS	50
enum cond_traits_op { TRAITS_REPLACE, TRAITS_ADD, TRAITS_REMOVE, TRAITS_CLEAR };
int	 cond_node_traits(json_t *node, enum cond_traits_op op, json_t *arg,
	    struct ierr *e);

/*
 * Allocations (conductor/allocation.c).  create: alloc holds uuid, name,
 * resource_class, traits, candidate_nodes (node UUIDs), extra and owner
 * (checked by the API); it is stored and answered within the call: a node
 * is claimed (state "active", node_uuid) or the state is "error" with
 * last_error (0 both); IG_ECONFLICT for a taken UUID or name.  With
 * node_uuid, the allocation is backfilled for that active node (-1 with
 * e when it does not fit; the allocation is stored in "error").
 * delete: frees the node (409 while it is active or busy, unless in
 * maintenance).
 */
int	 cond_allocation_create(json_t *alloc, const char *node_uuid, struct ierr *e);
int	 cond_allocation_delete(json_t *alloc, struct ierr *e);

/* Fills interface fields left null with the hardware type's defaults and
 * checks the given ones; 400 on a bad driver or interface. */
int	 cond_resolve_interfaces(json_t *node, bool reset, struct ierr *e);

/* Attachments to tenant networks (Ironic's VIFs); applied to the switch
 * at once when the node is active. */
/* May the node be on this network: the network is shared, has no project,
 * or belongs to the project using the node (its lessee, else its owner). */
bool	 cond_vif_allowed(json_t *node, json_t *network);
int	 cond_vif_attach(json_t *node, json_t *network, struct ierr *e);
int	 cond_vif_detach(json_t *node, json_t *network, struct ierr *e);
/* A network was created, changed or deleted (DHCP follows it). */
void	 cond_network_changed(json_t *network, bool deleted);

/* The agent's calls: lookup (token issued once) and heartbeat. */
json_t	*cond_agent_lookup(const char *addresses, const char *node_uuid,
	    struct ierr *e);
/* POST /v1/continue_inspection: the agent's inventory for the node in
 * inspect wait its MACs name (and node_uuid, when given); the answer
 * (uuid, node, config), or NULL with e (IG_EINVAL, IG_ENOTFOUND, ...). */
json_t	*cond_continue_inspection(json_t *body, const char *node_uuid, struct ierr *e);
int	 cond_agent_heartbeat(json_t *node, json_t *body, struct ierr *e);
/* Called after the provisioning network's DHCP server is up, so that the
 * API can listen on its address inside its namespace. */
/*
 * Volume targets of an active node (volhot.c): is the target one that is
 * attached or detached at once (the node active with the iscsi storage
 * interface, the target not its boot volume)?  Then attach or detach it
 * under the node's lock: 0, or -1 with e (IG_ELOCKED, IG_ECONFLICT).
 */
bool	 cond_volume_hot(json_t *node, json_t *target);
int	 cond_volume_hotplug(const char *node_uuid, const char *target_uuid,
	    bool attach, struct ierr *e);
/* tenant: a tenant network's listener (the sanboot script alone). */
void	 cond_set_prov_listen_hook(int (*fn)(const char *netns, const char *ip,
	    int port, bool tenant, char *err, size_t len));

#endif
