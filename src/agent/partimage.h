/*
 * Partition images (image_type=partition), laid out as IPA lays them out
 * (ironic-lib's make_partitions, IPA's work_on_disk): a new partition
 * table (MBR for BIOS, GPT for UEFI, or image_info's disk_label), from
 * 1 MiB on, 1 MiB-aligned and in this order: the EFI system partition
 * (UEFI, 200 MiB, FAT) or, on a GPT in BIOS mode, a 1 MiB BIOS boot
 * partition for GRUB's core; ephemeral (ephemeral_mb, ephemeral_format,
 * label ephemeral0); swap (swap_mb, label swap1); root (root_mb) last,
 * so that it can grow.  The image goes into the root partition.
 */
#ifndef INGOT_AGENT_PARTIMAGE_H
#define INGOT_AGENT_PARTIMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PI_ESP_MB	200	/* ironic-lib's efi_system_partition_size */
#define PI_BIOS_MB	1	/* ironic-lib's bios_boot_partition_size */
#define PI_MAX_MB	(1ull << 32)	/* 4 PiB: any size above is a mistake */

enum pi_role { PI_ESP, PI_BIOS_BOOT, PI_EPHEMERAL, PI_SWAP, PI_ROOT };

struct pi_spec {
	uint64_t	 root_mb, swap_mb, ephemeral_mb;
	char		 ephemeral_format[8];	/* ext2, ext3, ext4, vfat */
	bool		 uefi;			/* deploy_boot_mode */
	bool		 gpt;			/* disk_label, else from the mode */
	bool		 local;			/* boot_option local: boot partition */
};

struct pi_part {
	enum pi_role	 role;
	int		 number;
	uint64_t	 offset, size;		/* bytes */
	char		 partuuid[40];
	char		 fsuuid[40];		/* the filesystem's UUID, or "" */
};

struct pi_layout {
	char		 disk_id[40];	/* GPT disk GUID or MBR "0xssssssss" */
	int		 n;
	struct pi_part	 part[5];
};

/* image_info's partition fields; -1 and err (for a 400) if they are bad. */
int	pi_spec_json(json_t *ii, struct pi_spec *s, char *err, size_t len);
/* The size in bytes of a device or a file. */
int	pi_disk_size(const char *disk, uint64_t *bytes, char *err, size_t len);
/* The partitions the spec asks for on a disk of this many bytes. */
int	pi_plan(const struct pi_spec *s, uint64_t disk_size, struct pi_layout *l,
	    char *err, size_t len);
/* Writes the new partition table (libfdisk) and reads back the PARTUUIDs. */
int	pi_partition(const char *disk, const struct pi_spec *s, struct pi_layout *l,
	    char *err, size_t len);
/* Swap, the ephemeral filesystem and the ESP's FAT, then every UUID. */
int	pi_format(const char *disk, const struct pi_spec *s, struct pi_layout *l,
	    char *err, size_t len);
const struct pi_part *pi_find(const struct pi_layout *l, enum pi_role r);
/* The filesystem UUID (libblkid) in bytes [off, off + size) of disk. */
int	pi_fs_uuid(const char *disk, uint64_t off, uint64_t size, char *uuid,
	    size_t len);
/* IPA's get_partition_uuids answer for the layout. */
json_t	*pi_uuids_json(const char *disk, const struct pi_layout *l);

#endif
