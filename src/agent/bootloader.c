/*
 * image.install_bootloader: GRUB for the image just written, without
 * mounting anything (a deploy ramdisk, or a host without vfat, need not be
 * able to): the partition table is read from the disk (parttable.c), GRUB's
 * EFI image is built by grub-mkimage (Debian grub-efi-amd64-bin) and put in
 * the EFI system partition by mtools at the partition's offset.
 *
 *   uefi: the ESP is the partition efi_system_part_uuid names, else the
 *         first one of ESP type; none is an error (as IPA: the image is not
 *         UEFI-capable).  An ESP that already holds the removable-media
 *         loader \EFI\BOOT\BOOTX64.EFI is left alone (the image brought its
 *         own); else GRUB goes there, as grub-install --removable puts it,
 *         with an embedded configuration that finds the partition holding
 *         /boot/grub/grub.cfg (the root filesystem by UUID for a partition
 *         image) and reads it.
 *   bios: a whole-disk image (no root_uuid, or the disk's own identifier,
 *         as Ironic passes for it) carries its own boot code: nothing to
 *         do.  A root partition named by root_uuid (its filesystem UUID,
 *         as get_partition_uuids gives it, or its PARTUUID) gets GRUB's
 *         boot.img and core.img (biosboot.c).
 * UUIDs name partitions by PARTUUID or by filesystem UUID (libblkid).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "parttable.h"
#include "partimage.h"

#define GRUB_EFI_DIR	"/usr/lib/grub/x86_64-efi"
#define GRUB_EFI_MODS	"part_gpt", "part_msdos", "fat", "ext2", "xfs", "btrfs", \
	"normal", "configfile", "search", "search_fs_file", "search_fs_uuid", \
	"search_label", "linux", "echo", "test", "ls", "chain", "efi_gop", \
	"all_video", "gzio"

/* mtools' name for the partition: "DISK@@OFFSET". */
static void
mtools_image(const char *disk, const struct pt_part *p, char *out, size_t len)
{
	snprintf(out, len, "%s@@%llu", disk, (unsigned long long)p->offset);
}

static bool
esp_has(const char *img, const char *path)
{
	char *argv[] = { "mdir", "-b", "-i", (char *)img, (char *)path, NULL };
	char err[512];

	return agent_run(argv, true, err, sizeof(err)) == 0;
}

/* GRUB's embedded configuration, as grub-install writes it: $root is the
 * root filesystem (by its UUID if known, else the partition holding
 * /boot/grub/grub.cfg) and $prefix its /boot/grub; the normal module
 * (embedded) then reads $prefix/grub.cfg.  Only plain commands: this runs
 * before normal mode, whose parser alone knows if/else. */
int
bootloader_early_cfg(const char *path, const char *fsuuid, char *err, size_t len)
{
	FILE *f;

	/* the UUID comes from the image's superblock: a GRUB word, nothing else */
	if (fsuuid != NULL && (*fsuuid == '\0' || strspn(fsuuid,
	    "0123456789abcdefABCDEF-") != strlen(fsuuid)))
		fsuuid = NULL;
	if ((f = fopen(path, "w")) == NULL)
		return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
	if (fsuuid != NULL)
		fprintf(f, "search --no-floppy --fs-uuid --set=root %s\n", fsuuid);
	else
		fputs("search --no-floppy --file --set=root /boot/grub/grub.cfg\n", f);
	fputs("set prefix=($root)/boot/grub\n", f);
	if (fclose(f) != 0)
		return snprintf(err, len, "%s: %s", path, strerror(errno)), -1;
	return 0;
}

/* GRUB's EFI image, built into dir/BOOTX64.EFI. */
static int
grub_efi_image(const char *dir, const char *fsuuid, char *err, size_t len)
{
	char cfg[300], efi[300];

	snprintf(cfg, sizeof(cfg), "%s/early.cfg", dir);
	snprintf(efi, sizeof(efi), "%s/BOOTX64.EFI", dir);
	if (access(GRUB_EFI_DIR "/kernel.img", R_OK) != 0) {
		snprintf(err, len, "GRUB's x86_64-efi modules are not installed (%s: "
		    "Debian package grub-efi-amd64-bin; add it to the ramdisk)",
		    GRUB_EFI_DIR);
		return -1;
	}
	if (bootloader_early_cfg(cfg, fsuuid, err, len) != 0)
		return -1;
	char *argv[] = { "grub-mkimage", "-d", GRUB_EFI_DIR, "-O", "x86_64-efi",
	    "-p", "/EFI/BOOT", "-c", cfg, "-o", efi, GRUB_EFI_MODS, NULL };
	return agent_run(argv, false, err, len);
}

/* GRUB into the ESP at \EFI\BOOT\BOOTX64.EFI. */
static int
esp_install(const char *img, const char *fsuuid, char *err, size_t len)
{
	char dir[] = "/tmp/ingot-grub.XXXXXX", efi[300], cfg[300];
	int rc;

	if (mkdtemp(dir) == NULL)
		return snprintf(err, len, "mkdtemp: %s", strerror(errno)), -1;
	snprintf(efi, sizeof(efi), "%s/BOOTX64.EFI", dir);
	snprintf(cfg, sizeof(cfg), "%s/early.cfg", dir);
	rc = grub_efi_image(dir, fsuuid, err, len);
	if (rc == 0 && !esp_has(img, "::/EFI")) {
		char *md[] = { "mmd", "-i", (char *)img, "::/EFI", NULL };
		rc = agent_run(md, false, err, len);
	}
	if (rc == 0 && !esp_has(img, "::/EFI/BOOT")) {
		char *md[] = { "mmd", "-i", (char *)img, "::/EFI/BOOT", NULL };
		rc = agent_run(md, false, err, len);
	}
	if (rc == 0) {
		char *cp[] = { "mcopy", "-o", "-i", (char *)img, efi,
		    "::/EFI/BOOT/BOOTX64.EFI", NULL };
		rc = agent_run(cp, false, err, len);
	}
	unlink(efi);
	unlink(cfg);
	rmdir(dir);
	return rc;
}

/* The partition whose PARTUUID or filesystem UUID is uuid, or NULL; its
 * filesystem UUID (or "") into fsuuid. */
static const struct pt_part *
find_part(const char *disk, const struct pt *t, const char *uuid, char *fsuuid,
    size_t flen)
{
	const struct pt_part *p = uuid ? pt_by_uuid(t, uuid) : NULL;

	fsuuid[0] = '\0';
	if (uuid == NULL || *uuid == '\0')
		return NULL;
	for (int i = 0; p == NULL && i < t->n; i++) {
		char u[64];
		if (pi_fs_uuid(disk, t->part[i].offset, t->part[i].size, u, sizeof(u)) == 0 &&
		    strcasecmp(u, uuid) == 0)
			p = &t->part[i];
	}
	if (p != NULL)
		pi_fs_uuid(disk, p->offset, p->size, fsuuid, flen);
	return p;
}

/* UEFI: the ESP's loader, GRUB if it has none.  msg: what was done. */
static int
install_uefi(const char *disk, const struct pt *t, const char *esp_uuid,
    const char *root_fs, char *msg, size_t mlen, char *err, size_t len)
{
	char img[600], fs[64];
	const struct pt_part *esp = find_part(disk, t, esp_uuid, fs, sizeof(fs));

	if (esp == NULL)
		esp = pt_esp(t);
	if (esp == NULL) {
		snprintf(err, len, "No EFI partition could be detected on device %s%s%s: "
		    "is the image UEFI-capable?", disk, esp_uuid ? " and none is " : "",
		    esp_uuid ? esp_uuid : "");
		return -1;
	}
	mtools_image(disk, esp, img, sizeof(img));
	if (esp_has(img, "::/EFI/BOOT/BOOTX64.EFI")) {
		snprintf(msg, mlen, "the EFI system partition %d of %s already holds "
		    "\\EFI\\BOOT\\BOOTX64.EFI", esp->number, disk);
		return 0;
	}
	if (esp_install(img, root_fs, err, len) != 0)
		return -1;
	snprintf(msg, mlen, "GRUB installed as \\EFI\\BOOT\\BOOTX64.EFI in the EFI "
	    "system partition %d of %s%s%s", esp->number, disk, root_fs ? ", root "
	    "filesystem " : "", root_fs ? root_fs : "");
	return 0;
}

/* Is root_uuid Ironic's stand-in for a whole-disk image? */
static bool
whole_disk(const struct pt *t, const char *root_uuid, const char *disk_id)
{
	return root_uuid == NULL || *root_uuid == '\0' ||
	    strcmp(root_uuid, "0x00000000") == 0 ||
	    strcasecmp(root_uuid, t->disk_id) == 0 ||
	    (disk_id != NULL && strcasecmp(root_uuid, disk_id) == 0);
}

/* 0 and what was done in msg, or -1 and why in err. */
int
bootloader_install(const char *disk, const char *root_uuid, const char *esp_uuid,
    const char *mode, const char *disk_id, char *msg, size_t mlen, char *err, size_t len)
{
	const struct pt_part *root = NULL;
	char fs[64] = "";
	struct pt t;

	if (mode == NULL || (strcmp(mode, "uefi") != 0 && strcmp(mode, "bios") != 0)) {
		snprintf(err, len, "target_boot_mode must be uefi or bios");
		return -1;
	}
	if (pt_read(disk, &t, err, len) != 0)
		return -1;
	if (!whole_disk(&t, root_uuid, disk_id) &&
	    (root = find_part(disk, &t, root_uuid, fs, sizeof(fs))) == NULL) {
		snprintf(err, len, "no partition of %s has the UUID or PARTUUID %s", disk,
		    root_uuid);
		return -1;
	}
	if (strcmp(mode, "uefi") == 0)
		return install_uefi(disk, &t, esp_uuid, fs[0] ? fs : NULL, msg, mlen, err,
		    len);
	if (root == NULL) {
		snprintf(msg, mlen, "whole-disk image in BIOS mode: its own boot code "
		    "stays");
		return 0;
	}
	return biosboot_install(disk, &t, fs[0] ? fs : NULL, msg, mlen, err, len);
}
