/*
 * Virtual media (docs/redfish.md): the "redfish-virtual-media" boot
 * interface, which boots the deploy ramdisk from a per-node ISO the BMC
 * fetches from ingotd, and the /v1/nodes/{id}/vmedia operations.
 *
 *   vmedia_iso.c   the ISO (libisofs): isolinux for BIOS, GRUB for UEFI
 *   vmedia.c       the boot interface, the ISO directory and its bound,
 *                  the EFI image, the files served at /vmedia/{token}.iso
 *   vmedia_attach.c  attach/detach/list an image given through the API
 */
#ifndef INGOT_VMEDIA_H
#define INGOT_VMEDIA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hw.h"

/* [vmedia] in ingotd.conf. */
struct vmedia_conf {
	const char	*dir;		/* the ISOs (and the EFI image) */
	long long	 max_bytes;	/* all ISOs together */
	const char	*http_url;	/* base URL BMCs fetch ISOs from */
	bool		 uefi;		/* add the GRUB EFI boot image */
};
/* Creates the directory, removes ISOs a previous run left; 0 or -1. */
int	vmedia_configure(const struct vmedia_conf *c, char *err, size_t len);

/* What one ISO holds. */
struct vmedia_iso_spec {
	const char	*node_uuid;
	const char	*kernel, *ramdisk;	/* paths */
	const char	*cmdline;		/* kernel arguments */
	const char	*isolinux_bin, *ldlinux_c32;
	const char	*efi_image;		/* FAT image with GRUB, or NULL */
	const char	*network_data;		/* JSON text, or NULL */
};
/* Writes the ISO to path (created, never overwritten), at most max bytes;
 * 0, or -1 with err (and no file). */
int	vmedia_iso_write(const struct vmedia_iso_spec *s, const char *path,
	    long long max, char *err, size_t len);

/* The kernel's network arguments for a node's network_data (Ironic 1.66,
 * OpenStack network_data.json): "ip=ADDR::GW:MASK:HOST:IFACE:off
 * BOOTIF=01-MAC" for its first static IPv4 network; "" when it has none
 * (DHCP); -1 with err when it is malformed. */
int	vmedia_net_args(json_t *network_data, char *out, size_t len, char *err,
	    size_t errlen);

/* The path of the ISO served at /vmedia/NAME (NAME = token ".iso"), or
 * -1 when there is none. */
int	vmedia_iso_path(const char *name, char *path, size_t len);

/* The boot interface (registered with the drivers at start). */
extern const struct hw_generic_ops boot_vmedia_ops;

#endif
