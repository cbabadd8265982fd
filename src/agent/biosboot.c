/*
 * GRUB for BIOS boot of a partition image, as grub-install --target=i386-pc
 * leaves a disk, without grub-bios-setup (it wants the OS's view of the
 * disk and its partitions: a ramdisk with a file disk has none):
 *
 *   core.img  built by grub-mkimage -O i386-pc (Debian grub-pc-bin) with
 *             the disk, partition and filesystem modules and an embedded
 *             configuration that finds the root filesystem by its UUID and
 *             reads /boot/grub/grub.cfg; it goes into the gap between the
 *             MBR and the first partition (MBR), or into the BIOS boot
 *             partition (GPT).  The block list at the end of its first
 *             sector (diskboot.img's) says where the rest is: the sector
 *             after it, grub-mkimage having set the length.
 *   boot.img  GRUB's MBR code: its first 440 bytes replace the MBR's code
 *             (the disk signature and the partition table stay), with the
 *             sector of core.img at 0x5c and the boot-drive check at 0x66
 *             turned into NOPs (grub-bios-setup does this for hard disks:
 *             some BIOSes pass a wrong drive number).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "diskout.h"
#include "parttable.h"

#define GRUB_PC_DIR	"/usr/lib/grub/i386-pc"
#define GRUB_PC_MODS	"biosdisk", "part_msdos", "part_gpt", "ext2", "xfs", "btrfs", \
	"fat", "normal", "configfile", "search", "search_fs_uuid", "search_fs_file", \
	"search_label", "linux", "echo", "test", "ls", "chain", "gzio"
#define BIOS_BOOT_TYPE	"21686148-6449-6E6F-744E-656564454649"
#define KERNEL_SECTOR	0x5c	/* boot.img: LBA of core.img's first sector */
#define DRIVE_CHECK	0x66	/* boot.img: the jump over the drive check */
#define MBR_CODE	440	/* boot code; the disk signature follows */
#define BLOCKLIST	(512 - 12)	/* diskboot.img: {start (8), len (2), seg (2)} */

/* Where core.img may go: the sector and how many sectors there are. */
static int
core_place(const struct pt *t, uint64_t *lba, uint64_t *max, char *err, size_t len)
{
	uint64_t first = UINT64_MAX;

	for (int i = 0; i < t->n; i++) {
		if (t->gpt && strcasecmp(t->part[i].type, BIOS_BOOT_TYPE) == 0) {
			*lba = t->part[i].offset / 512;
			*max = t->part[i].size / 512;
			return 0;
		}
		if (t->part[i].offset < first)
			first = t->part[i].offset;
	}
	if (t->gpt) {
		snprintf(err, len, "a GPT disk needs a BIOS boot partition (type %s) for "
		    "GRUB in BIOS mode; the image has none", BIOS_BOOT_TYPE);
		return -1;
	}
	*lba = 1;
	*max = first == UINT64_MAX ? 0 : first / 512 - 1;
	return 0;
}

/* A whole small file (boot.img, core.img) into memory. */
static uint8_t *
slurp(const char *path, size_t *n, char *err, size_t len)
{
	struct stat st;
	uint8_t *b = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (8 << 20) &&
	    (b = malloc((size_t)st.st_size)) != NULL &&
	    read(fd, b, (size_t)st.st_size) == st.st_size) {
		*n = (size_t)st.st_size;
		close(fd);
		return b;
	}
	snprintf(err, len, "cannot read %s: %s", path, errno ? strerror(errno) : "short");
	free(b);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* core.img, built for this root filesystem, in dir. */
static uint8_t *
core_image(const char *dir, const char *fsuuid, size_t *n, char *err, size_t len)
{
	char cfg[300], img[300];
	uint8_t *b;

	snprintf(cfg, sizeof(cfg), "%s/early.cfg", dir);
	snprintf(img, sizeof(img), "%s/core.img", dir);
	if (bootloader_early_cfg(cfg, fsuuid, err, len) != 0)
		return NULL;
	char *argv[] = { "grub-mkimage", "-d", GRUB_PC_DIR, "-O", "i386-pc", "-p",
	    "/boot/grub", "-c", cfg, "-o", img, GRUB_PC_MODS, NULL };
	b = agent_run(argv, false, err, len) == 0 ? slurp(img, n, err, len) : NULL;
	unlink(img);
	unlink(cfg);
	return b;
}

/* core.img at lba, then boot.img's code into the MBR; synced. */
static int
put_grub(const char *disk, uint8_t *core, size_t ncore, uint64_t lba, char *err,
    size_t len)
{
	uint8_t mbr[512], *boot;
	size_t nboot = 0;
	int fd, e;

	if ((boot = slurp(GRUB_PC_DIR "/boot.img", &nboot, err, len)) == NULL)
		return -1;
	if (nboot != 512 || (fd = open(disk, O_RDWR | O_CLOEXEC)) < 0) {
		snprintf(err, len, "%s: %s", nboot != 512 ? GRUB_PC_DIR "/boot.img" : disk,
		    nboot != 512 ? "not 512 bytes" : strerror(errno));
		free(boot);
		return -1;
	}
	for (int i = 0; i < 8; i++)
		core[BLOCKLIST + i] = (uint8_t)((lba + 1) >> (8 * i));
	for (int i = 0; i < 8; i++)
		boot[KERNEL_SECTOR + i] = (uint8_t)(lba >> (8 * i));
	boot[DRIVE_CHECK] = boot[DRIVE_CHECK + 1] = 0x90;
	if (pread(fd, mbr, sizeof(mbr), 0) != (ssize_t)sizeof(mbr)) {
		snprintf(err, len, "cannot read the MBR of %s", disk);
		e = EIO;
	} else {
		memcpy(mbr, boot, MBR_CODE);
		e = diskout_pwrite(fd, core, ncore, lba * 512, err, len);
		if (e == 0)
			e = diskout_pwrite(fd, mbr, sizeof(mbr), 0, err, len);
		if (e == 0 && fsync(fd) != 0)
			snprintf(err, len, "fsync %s: %s", disk, strerror(e = errno));
	}
	close(fd);
	free(boot);
	return e == 0 ? 0 : -1;
}

int
biosboot_install(const char *disk, const struct pt *t, const char *fsuuid, char *msg,
    size_t mlen, char *err, size_t len)
{
	char dir[] = "/tmp/ingot-grub.XXXXXX";
	uint64_t lba, max;
	uint8_t *core;
	size_t n = 0;
	int rc;

	if (access(GRUB_PC_DIR "/boot.img", R_OK) != 0) {
		snprintf(err, len, "GRUB's i386-pc modules are not installed (%s: Debian "
		    "package grub-pc-bin; add it to the ramdisk)", GRUB_PC_DIR);
		return -1;
	}
	if (core_place(t, &lba, &max, err, len) != 0)
		return -1;
	if (mkdtemp(dir) == NULL)
		return snprintf(err, len, "mkdtemp: %s", strerror(errno)), -1;
	core = core_image(dir, fsuuid, &n, err, len);
	rmdir(dir);
	if (core == NULL)
		return -1;
	if (n < 1024 || (n + 511) / 512 > max) {
		snprintf(err, len, "GRUB's core image (%zu bytes) does not fit in the %llu "
		    "sectors before the first partition", n, (unsigned long long)max);
		free(core);
		return -1;
	}
	rc = put_grub(disk, core, n, lba, err, len);
	free(core);
	if (rc == 0)
		snprintf(msg, mlen, "GRUB installed for BIOS boot on %s: boot.img in the MBR, "
		    "core.img (%zu bytes) at sector %llu%s, root filesystem %s", disk, n,
		    (unsigned long long)lba, t->gpt ? " (the BIOS boot partition)" : "",
		    fsuuid ? fsuuid : "found by /boot/grub/grub.cfg");
	return rc;
}
