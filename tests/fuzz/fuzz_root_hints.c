/*
 * The agent's root-device hints (disk_root_device in src/agent/disk.c): the
 * root_device property of a node, as the agent receives it from ingotd.
 * The disks are a fixed set like a real machine's.
 *
 * Input: the hints as JSON (normally an object).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct disk disks[] = {
	{ .name = "/dev/sda", .model = "Samsung SSD 860", .vendor = "ATA",
	  .serial = "S3Z9NB0K123456", .wwn = "0x5002538e40a1b2c3", .hctl = "0:0:0:0",
	  .by_path = "/dev/disk/by-path/pci-0000:00:17.0-ata-1", .size = 500ULL << 30,
	  .rotational = false },
	{ .name = "/dev/sdb", .model = "ST4000NM0035", .vendor = "SEAGATE",
	  .serial = "ZC1234AB", .wwn = "0x5000c500a1b2c3d4", .hctl = "1:0:0:0",
	  .by_path = "/dev/disk/by-path/pci-0000:00:17.0-ata-2", .size = 4000ULL << 30,
	  .rotational = true },
	{ .name = "/dev/vda", .model = "", .vendor = "0x1af4", .serial = "", .wwn = "",
	  .hctl = "", .by_path = "/dev/disk/by-path/virtio-pci-0000:00:05.0",
	  .size = 8ULL << 30, .rotational = true },
	{ .name = "/dev/nvme0n1", .model = "INTEL SSDPE2KX010T8", .vendor = "",
	  .serial = "PHLJ000000001P0FGN", .wwn = "eui.0100000000000000", .hctl = "",
	  .by_path = "", .size = 3ULL << 30, .rotational = false },
};
#define NDISKS ((int)(sizeof(disks) / sizeof(disks[0])))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	json_t *hints = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	int i;

	if (hints == NULL)
		return -1;
	err[0] = '\0';
	i = disk_root_device(disks, NDISKS, hints, err, sizeof(err));
	if (i < -1 || i >= NDISKS || (i == -1 && err[0] == '\0'))
		abort();
	/* No disk at all: never a choice. */
	if (disk_root_device(disks, 0, hints, err, sizeof(err)) != -1)
		abort();
	json_decref(hints);
	return 0;
}
