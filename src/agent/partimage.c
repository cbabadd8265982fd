/*
 * Partition images: the table (libfdisk, util-linux's partitioning library,
 * the one sfdisk uses: a correct GPT with its backup and protective MBR
 * without hand-written CRCs), the filesystems IPA makes (swap written here,
 * ephemeral and ESP by mke2fs/mkfs.fat at the partition's offset: nothing
 * is mounted and no partition device is needed), and the UUIDs (libblkid,
 * probing at the partition's offset).  See partimage.h for the layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdisk/libfdisk.h>
#include <blkid/blkid.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "jsonutil.h"
#include "agent.h"
#include "diskout.h"
#include "parttable.h"
#include "partimage.h"

#define MIB		(1ull << 20)
#define SWAP_PAGE	4096

static const char *const role_name[] = {
	[PI_ESP] = "efi system partition", [PI_BIOS_BOOT] = "BIOS Boot partition",
	[PI_EPHEMERAL] = "ephemeral", [PI_SWAP] = "swap", [PI_ROOT] = "root",
};

/* A size in MiB: absent or null is 0; an integer or a string of digits. */
static int
mib(json_t *ii, const char *k, uint64_t *out, char *err, size_t len)
{
	json_t *v = json_object_get(ii, k);
	const char *s;
	char *end;

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v) && (s = json_string_value(v))[0] >= '0' &&
	    s[0] <= '9') {
		errno = 0;
		*out = strtoull(s, &end, 10);
		if (errno != 0 || *end != '\0')
			*out = PI_MAX_MB;
	} else {
		*out = PI_MAX_MB;
	}
	if (*out >= PI_MAX_MB) {
		snprintf(err, len, "%s must be a number of MiB below %llu", k,
		    (unsigned long long)PI_MAX_MB);
		return -1;
	}
	return 0;
}

/* One of the words allowed, or def when absent; -1 if it is another. */
static int
word(json_t *ii, const char *k, const char *const *allowed, const char *def,
    const char **out, char *err, size_t len)
{
	json_t *v = json_object_get(ii, k);

	*out = def;
	if (v == NULL || json_is_null(v))
		return 0;
	for (int i = 0; json_is_string(v) && allowed[i] != NULL; i++)
		if (strcmp(json_string_value(v), allowed[i]) == 0)
			return *out = allowed[i], 0;
	snprintf(err, len, "%s must be one of", k);
	for (int i = 0; allowed[i] != NULL; i++)
		snprintf(err + strlen(err), len - strlen(err), "%s %s", i ? "," : "",
		    allowed[i]);
	return -1;
}

int
pi_spec_json(json_t *ii, struct pi_spec *s, char *err, size_t len)
{
	static const char *const modes[] = { "bios", "uefi", NULL };
	static const char *const labels[] = { "msdos", "gpt", NULL };
	static const char *const fss[] = { "ext4", "ext3", "ext2", "vfat", NULL };
	static const char *const opts[] = { "local", "netboot", NULL };
	const char *mode, *label, *fs, *opt;

	memset(s, 0, sizeof(*s));
	if (mib(ii, "root_mb", &s->root_mb, err, len) != 0 ||
	    mib(ii, "swap_mb", &s->swap_mb, err, len) != 0 ||
	    mib(ii, "ephemeral_mb", &s->ephemeral_mb, err, len) != 0 ||
	    word(ii, "deploy_boot_mode", modes, "bios", &mode, err, len) != 0 ||
	    word(ii, "disk_label", labels, NULL, &label, err, len) != 0 ||
	    word(ii, "ephemeral_format", fss, "ext4", &fs, err, len) != 0 ||
	    word(ii, "boot_option", opts, "local", &opt, err, len) != 0)
		return -1;
	if (s->root_mb == 0) {
		snprintf(err, len, "root_mb is required for a partition image");
		return -1;
	}
	if (json_is_true(json_object_get(ii, "preserve_ephemeral"))) {
		snprintf(err, len, "preserve_ephemeral is not supported by ingot-agent");
		return -1;
	}
	s->uefi = strcmp(mode, "uefi") == 0;
	s->gpt = label != NULL ? strcmp(label, "gpt") == 0 : s->uefi;
	s->local = strcmp(opt, "local") == 0;
	snprintf(s->ephemeral_format, sizeof(s->ephemeral_format), "%s", fs);
	return 0;
}

int
pi_disk_size(const char *disk, uint64_t *bytes, char *err, size_t len)
{
	int fd = open(disk, O_RDONLY | O_CLOEXEC), rc = -1;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0) {
		if (S_ISBLK(st.st_mode))
			rc = ioctl(fd, BLKGETSIZE64, bytes) == 0 ? 0 : -1;
		else if (S_ISREG(st.st_mode))
			*bytes = (uint64_t)st.st_size, rc = 0;
	}
	if (rc != 0)
		snprintf(err, len, "cannot read the size of %s: %s", disk, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static void
add(struct pi_layout *l, enum pi_role r, uint64_t *at, uint64_t mb)
{
	struct pi_part *p = &l->part[l->n++];

	memset(p, 0, sizeof(*p));
	p->role = r;
	p->number = l->n;
	p->offset = *at;
	p->size = mb * MIB;
	*at += p->size;
}

int
pi_plan(const struct pi_spec *s, uint64_t disk_size, struct pi_layout *l, char *err,
    size_t len)
{
	uint64_t at = MIB, end = disk_size - (s->gpt ? 34 * 512 : 0);

	memset(l, 0, sizeof(*l));
	if (s->uefi && s->local)
		add(l, PI_ESP, &at, PI_ESP_MB);
	if (!s->uefi && s->local && s->gpt)
		add(l, PI_BIOS_BOOT, &at, PI_BIOS_MB);
	if (s->ephemeral_mb > 0)
		add(l, PI_EPHEMERAL, &at, s->ephemeral_mb);
	if (s->swap_mb > 0)
		add(l, PI_SWAP, &at, s->swap_mb);
	add(l, PI_ROOT, &at, s->root_mb);
	if (!s->gpt && l->n > 4) {
		snprintf(err, len, "%d partitions do not fit in an MBR (4 at most): "
		    "use disk_label gpt, or fewer of swap and ephemeral", l->n);
		return -1;
	}
	if (disk_size < 2 * MIB || at > end) {
		snprintf(err, len, "the partitions need %llu MiB, the disk has %llu MiB",
		    (unsigned long long)((at + MIB - 1) / MIB + (s->gpt ? 1 : 0)),
		    (unsigned long long)(disk_size / MIB));
		return -1;
	}
	if (!s->gpt && at > (2ull << 40)) {
		snprintf(err, len, "an MBR cannot hold partitions beyond 2 TiB");
		return -1;
	}
	return 0;
}

const struct pi_part *
pi_find(const struct pi_layout *l, enum pi_role r)
{
	for (int i = 0; i < l->n; i++)
		if (l->part[i].role == r)
			return &l->part[i];
	return NULL;
}

/* The partition type: a GPT type GUID, or an MBR type byte. */
static const char *
part_type(bool gpt, enum pi_role r)
{
	static const char *const g[] = {
		[PI_ESP] = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
		[PI_BIOS_BOOT] = "21686148-6449-6E6F-744E-656564454649",
		[PI_EPHEMERAL] = "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
		[PI_SWAP] = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F",
		[PI_ROOT] = "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
	};
	static const char *const m[] = {
		[PI_ESP] = "ef", [PI_BIOS_BOOT] = "83", [PI_EPHEMERAL] = "83",
		[PI_SWAP] = "82", [PI_ROOT] = "83",
	};

	return gpt ? g[r] : m[r];
}

/* One partition into the table being built. */
static int
fd_add(struct fdisk_context *cx, bool gpt, const struct pi_part *p)
{
	struct fdisk_label *lb = fdisk_get_label(cx, NULL);
	struct fdisk_parttype *t = fdisk_label_parse_parttype(lb, part_type(gpt, p->role));
	struct fdisk_partition *pa = fdisk_new_partition();
	size_t no;
	int rc = -ENOMEM;

	if (t != NULL && pa != NULL) {
		fdisk_partition_set_start(pa, p->offset / 512);
		fdisk_partition_set_size(pa, p->size / 512);
		fdisk_partition_set_partno(pa, (size_t)p->number - 1);
		fdisk_partition_set_type(pa, t);
		if (gpt)
			fdisk_partition_set_name(pa, role_name[p->role]);
		rc = fdisk_add_partition(cx, pa, &no);
	}
	/* BIOS boots the root partition of an MBR marked active (IPA's
	 * boot flag); GRUB does not need it, some BIOSes do. */
	if (rc == 0 && !gpt && p->role == PI_ROOT)
		rc = fdisk_toggle_partition_flag(cx, no, DOS_FLAG_ACTIVE);
	fdisk_unref_partition(pa);
	fdisk_unref_parttype(t);
	return rc;
}

static int
fd_write(const char *disk, const struct pi_spec *s, const struct pi_layout *l,
    char *err, size_t len)
{
	struct fdisk_context *cx = fdisk_new_context();
	int rc = cx == NULL ? -ENOMEM : fdisk_assign_device(cx, disk, 0);
	const char *what = "open";

	if (rc == 0) {
		fdisk_disable_dialogs(cx, 1);
		what = "create the label on";
		rc = fdisk_create_disklabel(cx, s->gpt ? "gpt" : "dos");
	}
	for (int i = 0; rc == 0 && i < l->n; i++) {
		what = "add a partition to";
		rc = fd_add(cx, s->gpt, &l->part[i]);
	}
	if (rc == 0) {
		what = "write the partition table of";
		rc = fdisk_write_disklabel(cx);
	}
	if (cx != NULL && fdisk_get_devfd(cx) >= 0 &&
	    fdisk_deassign_device(cx, 0) != 0 && rc == 0) {
		what = "sync";
		rc = -EIO;
	}
	fdisk_unref_context(cx);
	if (rc != 0)
		snprintf(err, len, "libfdisk could not %s %s: %s", what, disk,
		    strerror(-rc));
	return rc == 0 ? 0 : -1;
}

int
pi_partition(const char *disk, const struct pi_spec *s, struct pi_layout *l, char *err,
    size_t len)
{
	struct pt t;

	if (fd_write(disk, s, l, err, len) != 0 || pt_read(disk, &t, err, len) != 0)
		return -1;
	if (t.n != l->n || t.gpt != s->gpt) {
		snprintf(err, len, "the partition table read back from %s is not the one "
		    "written (%d partitions, not %d)", disk, t.n, l->n);
		return -1;
	}
	for (int i = 0; i < l->n; i++) {
		if (t.part[i].offset != l->part[i].offset ||
		    t.part[i].size != l->part[i].size) {
			snprintf(err, len, "partition %d of %s is not where it was put",
			    i + 1, disk);
			return -1;
		}
		snprintf(l->part[i].partuuid, sizeof(l->part[i].partuuid), "%s",
		    t.part[i].uuid);
	}
	snprintf(l->disk_id, sizeof(l->disk_id), "%s", t.disk_id);
	return 0;
}

/* A Linux swap area (mkswap's version 1 header, label swap1): written here
 * because mkswap (util-linux 2.38, busybox) cannot write at an offset. */
static int
write_swap(const char *disk, const struct pi_part *p, char *err, size_t len)
{
	uint8_t *pg = diskout_alloc(SWAP_PAGE);
	uint32_t v[3] = { 1, (uint32_t)(p->size / SWAP_PAGE - 1), 0 };
	uuid_t u;
	int fd, e = ENOMEM;

	if (pg == NULL)
		return snprintf(err, len, "out of memory"), -1;
	memset(pg, 0, SWAP_PAGE);
	memcpy(pg + 1024, v, sizeof(v));	/* version, last_page, nr_badpages */
	uuid_generate(u);
	memcpy(pg + 1024 + 12, u, 16);
	memcpy(pg + 1024 + 28, "swap1", 5);
	memcpy(pg + SWAP_PAGE - 10, "SWAPSPACE2", 10);
	if ((fd = open(disk, O_WRONLY | O_CLOEXEC)) >= 0) {
		e = diskout_pwrite(fd, pg, SWAP_PAGE, p->offset, err, len);
		if (e == 0 && fsync(fd) != 0)
			e = errno;
		close(fd);
	} else {
		e = errno;
	}
	free(pg);
	if (e != 0)
		snprintf(err, len, "swap on %s: %s", disk, strerror(e));
	return e == 0 ? 0 : -1;
}

/* A FAT filesystem at the partition's offset. */
static int
mkfs_fat(const char *disk, const struct pi_part *p, const char *label, char *err,
    size_t len)
{
	char off[32], kib[32];

	snprintf(off, sizeof(off), "--offset=%" PRIu64, p->offset / 512);
	snprintf(kib, sizeof(kib), "%" PRIu64, p->size / 1024);
	/* mkfs.fat would size the FAT by the disk, not the partition */
	char *argv[] = { "mkfs.fat", "-F", p->size < 512 * MIB ? "16" : "32", "-n",
	    (char *)label, off, (char *)disk, kib, NULL };
	return agent_run(argv, false, err, len);
}

/* An ext2/3/4 filesystem at the partition's offset. */
static int
mkfs_ext(const char *disk, const struct pi_part *p, const char *fs, char *err,
    size_t len)
{
	char off[48], kib[32];

	snprintf(off, sizeof(off), "offset=%" PRIu64, p->offset);
	snprintf(kib, sizeof(kib), "%" PRIuMAX "k", (uintmax_t)(p->size / 1024));
	char *argv[] = { "mke2fs", "-q", "-F", "-t", (char *)fs, "-L", "ephemeral0",
	    "-E", off, (char *)disk, kib, NULL };
	return agent_run(argv, false, err, len);
}

int
pi_format(const char *disk, const struct pi_spec *s, struct pi_layout *l, char *err,
    size_t len)
{
	const struct pi_part *p;
	int rc = 0;

	if ((p = pi_find(l, PI_SWAP)) != NULL)
		rc = write_swap(disk, p, err, len);
	if (rc == 0 && (p = pi_find(l, PI_EPHEMERAL)) != NULL)
		rc = strcmp(s->ephemeral_format, "vfat") == 0 ?
		    mkfs_fat(disk, p, "ephemeral0", err, len) :
		    mkfs_ext(disk, p, s->ephemeral_format, err, len);
	if (rc == 0 && (p = pi_find(l, PI_ESP)) != NULL)
		rc = mkfs_fat(disk, p, "efi-part", err, len);
	for (int i = 0; rc == 0 && i < l->n; i++)
		pi_fs_uuid(disk, l->part[i].offset, l->part[i].size, l->part[i].fsuuid,
		    sizeof(l->part[i].fsuuid));
	return rc;
}

int
pi_fs_uuid(const char *disk, uint64_t off, uint64_t size, char *uuid, size_t len)
{
	blkid_probe pr = blkid_new_probe();
	const char *v = NULL;
	int fd = open(disk, O_RDONLY | O_CLOEXEC), rc = -1;

	uuid[0] = '\0';
	if (pr != NULL && fd >= 0 &&
	    blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size) == 0) {
		blkid_probe_enable_partitions(pr, 0);
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID);
		if (blkid_do_safeprobe(pr) == 0 &&
		    blkid_probe_lookup_value(pr, "UUID", &v, NULL) == 0 && v != NULL) {
			snprintf(uuid, len, "%s", v);
			rc = 0;
		}
	}
	if (pr != NULL)
		blkid_free_probe(pr);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A partition's device name as Linux gives it (sda3, nvme0n1p3). */
static json_t *
part_path(const char *disk, int number)
{
	size_t n = strlen(disk);
	bool digit = n > 0 && disk[n - 1] >= '0' && disk[n - 1] <= '9';

	return json_sprintf("%s%s%d", disk, digit ? "p" : "", number);
}

/* IPA's answer: "root uuid" is the root filesystem's UUID (its PARTUUID
 * when the image has no filesystem blkid knows), the ESP's likewise. */
json_t *
pi_uuids_json(const char *disk, const struct pi_layout *l)
{
	const struct pi_part *root = pi_find(l, PI_ROOT), *esp = pi_find(l, PI_ESP);
	json_t *parts = json_object();

	for (int i = 0; i < l->n; i++)
		json_object_set_new(parts, role_name[l->part[i].role],
		    part_path(disk, l->part[i].number));
	return json_pack("{s:s, s:s?, s:n, s:o, s:s, s:s}", "root uuid",
	    root->fsuuid[0] ? root->fsuuid : root->partuuid, "efi system partition uuid",
	    esp == NULL ? NULL : esp->fsuuid[0] ? esp->fsuuid : esp->partuuid,
	    "PrEP Boot partition uuid", "partitions", parts, "root_device", disk,
	    "disk_identifier", l->disk_id);
}
