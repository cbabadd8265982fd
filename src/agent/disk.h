/*
 * The machine's disks (disk.c): the block devices, the root device the
 * hints choose, erasing.
 */
#ifndef INGOT_AGENT_DISK_H
#define INGOT_AGENT_DISK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct disk {
	char		name[64];	/* /dev/vda */
	char		model[64];
	char		vendor[64];
	char		serial[128];
	char		wwn[128];
	char		hctl[32];
	char		by_path[256];
	uint64_t	size;		/* bytes */
	bool		rotational;
};

/* Block devices from /sys/block (or the single test disk file); count or -1. */
int	disk_list(struct disk **out, const char *test_disk);

/*
 * Chooses the root device by Ironic-style hints (size in GiB with an
 * optional operator, name, serial, wwn, model, vendor, rotational, hctl,
 * by_path); no hints: the smallest disk of at least 4 GiB.  Returns the
 * index, or -1 with a reason.
 */
int	disk_root_device(const struct disk *d, int n, json_t *hints, char *err,
	    size_t len);

/* A disk as IPA's inventory shows it. */
json_t	*disk_json(const struct disk *d);

/* Zeroes the first and last MiB of a disk (partition tables, GPT backup). */
int	disk_wipe_metadata(const char *disk, char *err, size_t len);
/* Zeroes a whole disk (discard/zero-out when the device can). */
int	disk_erase(const char *disk, char *err, size_t len);

/* The first line of a (sysfs) file, without trailing white space; "" if none. */
void	disk_read_line(const char *path, char *out, size_t len);

#endif
