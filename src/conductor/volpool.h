/*
 * Ingot's volume pool and the "iscsi" storage interface.
 *
 * A volume (/v1/volumes) is a sparse file <pool_dir>/<uuid>.img, filled
 * from an image once at creation when image_source is given (downloaded
 * and checked as deploy images are, then copied in on a thread of its
 * own).  The storage interface attaches a node's volume targets when it
 * deploys: each volume becomes a tgt target of its own, LUN 1, with a
 * fresh CHAP user and secret and an ACL naming only the node's iqn
 * connector; the connection (portal, IQN, LUN, CHAP) goes into the
 * target's properties.  Undeploy and every failed deploy detach: the
 * target and the account are deleted, the file stays.
 */
#ifndef INGOT_VOLPOOL_H
#define INGOT_VOLPOOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw.h"
#include "ierr.h"

struct storage_conf {
	const char	*pool_dir;	/* "": the pool is off */
	const char	*tgtadm;
	int		 tgt_control_port;
	const char	*portal;	/* host:port nodes log in at */
	const char	*iqn_prefix;	/* target names: <prefix>:<volume uuid> */
	int		 max_volume_gb;
	int		 max_volumes;	/* per project, and in all */
	int		 max_attachments;	/* nodes on one multiattach volume */
};

int	volpool_configure(const struct storage_conf *c, char *err, size_t len);
bool	volpool_enabled(void);
/*
 * A new volume from a checked body (size, name, project, image_source,
 * image_checksum): its file, its row (status available, or creating while
 * its image is copied in).  file_ok: file:// images may be used.
 */
int	volpool_create(json_t *vol, bool file_ok, struct ierr *e);
/* Deletes an unattached volume and its file (409 while attached or
 * being filled). */
int	volpool_delete(json_t *vol, struct ierr *e);
/* At start: exports again every attached volume tgtd no longer has
 * (volrestore.c; tgtd keeps nothing across its restarts). */
void	volpool_restore_exports(void);
/* Waits for image copies to end (at stop). */
void	volpool_shutdown(void);

/* The "iscsi" storage interface (registered with the drivers at start). */
extern const struct hw_generic_ops storage_iscsi_ops;
/* Automated cleaning leaves the local disks of a node that boots from a
 * volume (a boot_index 0 target, storage_interface not noop) alone, unless
 * its driver_info says clean_local_disks: true. */
bool	storage_skip_local_clean(json_t *node);
/* One target of a node (its lock held): attached now (idempotent) or
 * detached (the volume available, the properties cleared); -1 with err. */
int	storage_attach_target(json_t *node, json_t *target, char *err, size_t len);
int	storage_detach_target(json_t *node, json_t *target, char *err, size_t len);
/* The node's attached targets, a line each: "<boot_index> <portal>
 * <target iqn> <lun> <CHAP user> <CHAP secret>" (malloc'd; secrets). */
char	*storage_connections_text(json_t *node);
/* Does the node boot from a volume (a target with boot_index 0)? */
bool	storage_boot_from_volume(json_t *node);
/* The iPXE lines that boot the node from its volume, or NULL (malloc'd). */
char	*storage_sanboot_script(json_t *node);

#endif
