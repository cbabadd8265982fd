/* What the agent knows of the machine: disks, root-device hints, inventory. */
#ifndef INGOT_AGENT_HW_H
#define INGOT_AGENT_HW_H

#include <jansson.h>
#include <stdbool.h>
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

/* Block devices from /sys/block (or the single test disk file). */
int	hw_disks(struct disk **out, const char *test_disk);

/*
 * Chooses the root device by Ironic-style hints (size in GiB with an
 * optional operator, name, serial, wwn, model, vendor, rotational, hctl,
 * by_path); no hints: the smallest disk of at least 4 GiB.  Returns the
 * index, or -1 with a reason.
 */
int	hw_root_device(const struct disk *d, int n, json_t *hints, char *err, size_t len);

json_t	*hw_disk_json(const struct disk *d);
json_t	*hw_inventory(const char *test_disk, const char **macs, int nmacs);

#endif
