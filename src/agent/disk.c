/*
 * The machine's disks: the block devices in sysfs, the one the root-device
 * hints choose, and erasing them.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"
#include "diskout.h"

#define WIPE_BYTES	(1u << 20)

void
disk_read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)len, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

static bool
skip_dev(const char *n)
{
	static const char *const pfx[] = { "loop", "ram", "zram", "sr", "fd", "dm-",
	    "md", "nbd", NULL };
	for (int i = 0; pfx[i] != NULL; i++)
		if (strncmp(n, pfx[i], strlen(pfx[i])) == 0)
			return true;
	return false;
}

static void
by_path_of(const char *name, char *out, size_t len)
{
	DIR *d = opendir("/dev/disk/by-path");
	struct dirent *e;
	char p[PATH_MAX], t[PATH_MAX];

	out[0] = '\0';
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		ssize_t n;
		snprintf(p, sizeof(p), "/dev/disk/by-path/%s", e->d_name);
		if ((n = readlink(p, t, sizeof(t) - 1)) <= 0)
			continue;
		t[n] = '\0';
		const char *b = strrchr(t, '/');
		if (b != NULL && strcmp(b + 1, name) == 0) {
			snprintf(out, len, "%.*s", (int)len - 1, p);
			break;
		}
	}
	closedir(d);
}

/* The single test disk: a regular file of whatever size the test made. */
static int
test_disk_list(struct disk **out, const char *path)
{
	struct disk *v;
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return -1;
	snprintf(v->name, sizeof(v->name), "%s", path);
	snprintf(v->model, sizeof(v->model), "ingot test disk");
	snprintf(v->vendor, sizeof(v->vendor), "ingot");
	snprintf(v->serial, sizeof(v->serial), "ingot-test-disk-0");
	v->size = (uint64_t)st.st_size;
	*out = v;
	return 1;
}

/* /sys/block/NAME/A, else /sys/block/NAME/B (B may be NULL). */
static void
sysfs_attr(const char *name, const char *a, const char *b, char *out, size_t len)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "/sys/block/%s/%s", name, a);
	disk_read_line(p, out, len);
	if (out[0] == '\0' && b != NULL) {
		snprintf(p, sizeof(p), "/sys/block/%s/%s", name, b);
		disk_read_line(p, out, len);
	}
}

/* The SCSI address: the name of the device link when it is H:C:T:L. */
static void
hctl_of(const char *name, char *out, size_t len)
{
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t tn;
	int a, b, c, d;

	snprintf(p, sizeof(p), "/sys/block/%s/device", name);
	if ((tn = readlink(p, t, sizeof(t) - 1)) <= 0)
		return;
	t[tn] = '\0';
	const char *base = strrchr(t, '/');
	base = base ? base + 1 : t;
	if (sscanf(base, "%d:%d:%d:%d", &a, &b, &c, &d) == 4)
		snprintf(out, len, "%.31s", base);
}

/* One block device from sysfs; false: not a disk (or empty). */
static bool
sysfs_disk(const char *name, struct disk *k)
{
	char b[256];

	memset(k, 0, sizeof(*k));
	if (name[0] == '.' || skip_dev(name))
		return false;
	sysfs_attr(name, "size", NULL, b, sizeof(b));
	k->size = strtoull(b, NULL, 10) * 512;
	if (k->size == 0)
		return false;
	snprintf(k->name, sizeof(k->name), "/dev/%.58s", name);
	sysfs_attr(name, "device/model", NULL, k->model, sizeof(k->model));
	sysfs_attr(name, "device/vendor", "device/device/vendor", k->vendor,
	    sizeof(k->vendor));
	sysfs_attr(name, "device/serial", "serial", k->serial, sizeof(k->serial));
	sysfs_attr(name, "device/wwid", "wwid", k->wwn, sizeof(k->wwn));
	sysfs_attr(name, "queue/rotational", NULL, b, sizeof(b));
	k->rotational = b[0] == '1';
	hctl_of(name, k->hctl, sizeof(k->hctl));
	by_path_of(name, k->by_path, sizeof(k->by_path));
	return true;
}

int
disk_list(struct disk **out, const char *test_disk)
{
	struct disk *v = NULL, k, *nv;
	int n = 0;
	DIR *d;
	struct dirent *e;

	*out = NULL;
	if (test_disk != NULL)
		return test_disk_list(out, test_disk);
	if ((d = opendir("/sys/block")) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (!sysfs_disk(e->d_name, &k))
			continue;
		if ((nv = realloc(v, (size_t)(n + 1) * sizeof(*v))) == NULL)
			break;
		v = nv;
		v[n++] = k;
	}
	closedir(d);
	*out = v;
	return n;
}

/* --- hints ---------------------------------------------------------------- */

/* Compares have with want by op ("==", "=", "!=", ">=", "<=", ">", "<"). */
static bool
compare(const char *op, uint64_t have, uint64_t w, char *err, size_t len, bool *bad)
{
	if (!strcmp(op, "==") || !strcmp(op, "="))
		return have == w;
	if (!strcmp(op, "!="))
		return have != w;
	if (!strcmp(op, ">="))
		return have >= w;
	if (!strcmp(op, "<="))
		return have <= w;
	if (!strcmp(op, ">"))
		return have > w;
	if (!strcmp(op, "<"))
		return have < w;
	snprintf(err, len, "root device hint operator \"%s\" is not supported", op);
	*bad = true;
	return false;
}

/* An integer hint: N, or a string "<op> N". */
static bool
match_int(json_t *h, uint64_t have, char *err, size_t len, bool *bad)
{
	const char *s;
	char op[4] = "==", *end;
	long long want;

	if (json_is_integer(h))
		return (uint64_t)json_integer_value(h) == have;
	if ((s = json_string_value(h)) == NULL) {
		snprintf(err, len, "root device hint size must be an integer or "
		    "\"<op> N\"");
		*bad = true;
		return false;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0' && strchr("<>=!", *s)) {
		size_t i = 0;
		while (i < 2 && s[i] != '\0' && strchr("<>=!", s[i])) {
			op[i] = s[i];
			i++;
		}
		op[i] = '\0';
		s += i;
	}
	want = strtoll(s, &end, 10);
	while (*end == ' ')
		end++;
	if (end == s || *end != '\0' || want < 0) {
		snprintf(err, len, "root device hint size \"%s\" is not a number", s);
		*bad = true;
		return false;
	}
	return compare(op, have, (uint64_t)want, err, len, bad);
}

/* Strings: exact (case-insensitive), or "s== X", "<in> X", "<or> A <or> B". */
static bool
match_str(const char *have, const char *want)
{
	if (strncmp(want, "s== ", 4) == 0)
		return strcmp(have, want + 4) == 0;
	if (strncmp(want, "s!= ", 4) == 0)
		return strcmp(have, want + 4) != 0;
	if (strncmp(want, "<in> ", 5) == 0)
		return strstr(have, want + 5) != NULL;
	if (strncmp(want, "<or> ", 5) == 0) {
		char buf[512], *save = NULL;
		snprintf(buf, sizeof(buf), "%s", want + 5);
		for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
			if (strcmp(t, "<or>") != 0 && strcasecmp(t, have) == 0)
				return true;
		return false;
	}
	return strcasecmp(have, want) == 0;
}

static const char *const known_hints[] = { "size", "name", "serial", "wwn",
    "model", "vendor", "rotational", "hctl", "by_path", NULL };

/* Known hints only; all but size and rotational are strings. */
static int
hints_check(json_t *hints, char *err, size_t len)
{
	const char *k;
	json_t *v;

	if (hints != NULL && !json_is_object(hints) && !json_is_null(hints)) {
		snprintf(err, len, "root_device hints must be an object");
		return -1;
	}
	json_object_foreach(hints, k, v) {
		bool ok = false;
		for (int i = 0; known_hints[i]; i++)
			ok |= strcmp(k, known_hints[i]) == 0;
		if (!ok) {
			snprintf(err, len, "root device hint \"%s\" is not supported", k);
			return -1;
		}
		if (strcmp(k, "size") != 0 && strcmp(k, "rotational") != 0 &&
		    !json_is_string(v)) {
			snprintf(err, len, "root device hint \"%s\" must be a string", k);
			return -1;
		}
	}
	return 0;
}

/* No hints: the smallest disk of at least 4 GiB. */
static int
smallest_disk(const struct disk *d, int n, char *err, size_t len)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (d[i].size >= (4ULL << 30) && (best < 0 || d[i].size < d[best].size))
			best = i;
	if (best < 0)
		snprintf(err, len, "no disk of at least 4 GiB was found (%d disks)", n);
	return best;
}

static bool
match_rotational(json_t *v, bool have)
{
	bool want = json_is_true(v) || (json_is_string(v) &&
	    (!strcasecmp(json_string_value(v), "true") ||
	    !strcmp(json_string_value(v), "1")));

	return want == have;
}

/* A string hint k against the disk's field of that name. */
static bool
match_field(const struct disk *d, const char *k, const char *want)
{
	const char *have = !strcmp(k, "name") ? d->name : !strcmp(k, "serial") ?
	    d->serial : !strcmp(k, "wwn") ? d->wwn : !strcmp(k, "model") ?
	    d->model : !strcmp(k, "vendor") ? d->vendor : !strcmp(k, "hctl") ?
	    d->hctl : d->by_path;

	/* name may be given without /dev/ */
	if (!strcmp(k, "name") && strncmp(want, "/dev/", 5) != 0 &&
	    strncmp(d->name, "/dev/", 5) == 0)
		have = d->name + 5;
	return match_str(have, want);
}

/* Does the disk match every hint?  *bad: a hint is malformed. */
static bool
disk_matches(const struct disk *d, json_t *hints, char *err, size_t len, bool *bad)
{
	const char *k;
	json_t *v;
	bool m = true;

	json_object_foreach(hints, k, v) {
		if (!strcmp(k, "size"))
			m &= match_int(v, d->size >> 30, err, len, bad);
		else if (!strcmp(k, "rotational"))
			m &= match_rotational(v, d->rotational);
		else
			m &= match_field(d, k, json_string_value(v));
		if (*bad)
			return false;
	}
	return m;
}

int
disk_root_device(const struct disk *d, int n, json_t *hints, char *err, size_t len)
{
	if (hints_check(hints, err, len) != 0)
		return -1;
	if (hints == NULL || json_object_size(hints) == 0)
		return smallest_disk(d, n, err, len);
	for (int i = 0; i < n; i++) {
		bool bad = false;
		if (disk_matches(&d[i], hints, err, len, &bad))
			return i;
		if (bad)
			return -1;
	}
	snprintf(err, len, "no disk matches the root device hints");
	return -1;
}

json_t *
disk_json(const struct disk *d)
{
	return json_pack("{s:s, s:s, s:I, s:b, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "name", d->name, "model", d->model, "size", (json_int_t)d->size,
	    "rotational", d->rotational, "wwn", d->wwn[0] ? d->wwn : NULL,
	    "serial", d->serial[0] ? d->serial : NULL,
	    "vendor", d->vendor[0] ? d->vendor : NULL,
	    "hctl", d->hctl[0] ? d->hctl : NULL,
	    "by_path", d->by_path[0] ? d->by_path : NULL);
}

/* --- erasing ----------------------------------------------------------- */

int
disk_wipe_metadata(const char *disk, char *err, size_t len)
{
	struct diskout o;
	struct stat st;
	uint64_t size;
	int rc = 0;

	if (diskout_open(&o, disk, err, len) != 0)
		return -1;
	size = o.dev_size;
	if (!o.blk && fstat(o.fd, &st) == 0)
		size = (uint64_t)st.st_size;
	uint64_t head = size < WIPE_BYTES ? size : WIPE_BYTES;
	uint8_t *z = calloc(1, WIPE_BYTES);
	if (z == NULL) {
		diskout_close(&o, false, err, len);
		snprintf(err, len, "out of memory");
		return -1;
	}
	/* Explicit zero writes: the partition table, then the GPT backup. */
	if (diskout_pwrite(o.fd, z, (size_t)head, 0, err, len) != 0)
		rc = -1;
	if (rc == 0 && size > 2 * WIPE_BYTES &&
	    diskout_pwrite(o.fd, z, WIPE_BYTES, size - WIPE_BYTES, err, len) != 0)
		rc = -1;
	free(z);
	if (diskout_close(&o, true, err, len) != 0)
		rc = -1;
	if (rc == 0 && o.blk) {
		int fd = open(disk, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ioctl(fd, BLKRRPART);	/* the kernel forgets the old partitions */
			close(fd);
		}
	}
	return rc;
}

int
disk_erase(const char *disk, char *err, size_t len)
{
	struct diskout o;
	struct stat st;
	uint64_t size;
	int rc;

	if (diskout_open(&o, disk, err, len) != 0)
		return -1;
	size = o.dev_size;
	if (!o.blk && fstat(o.fd, &st) == 0)
		size = (uint64_t)st.st_size;
	/* diskout_zero punches holes in a file, BLKZEROOUT on a device. */
	o.dev_size = 0;
	rc = diskout_zero(&o, 0, size, err, len);
	if (diskout_close(&o, true, err, len) != 0)
		rc = -1;
	return rc;
}
