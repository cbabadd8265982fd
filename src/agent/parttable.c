/*
 * Partition tables, read without the kernel (no partition devices, no
 * mounts): what image.install_bootloader and standby.get_partition_uuids
 * need from a freshly written image.  Everything in the bytes is the
 * image's, so it is all checked: GPT header and entries CRCs, bounds,
 * entry sizes.  MBR: the four primary entries (logical partitions inside
 * an extended one are not followed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "parttable.h"
#include "bytes.h"

#define SECTOR		512u
#define ESP_GUID	"c12a7328-f81f-11d2-ba4b-00a0c93ec93b"



/* A GUID as text (its first three fields are little-endian), lower case. */
static void
guid_text(const uint8_t *g, char out[40])
{
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
	    g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static bool
zero16(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i] != 0)
			return false;
	return true;
}

/* The GPT header at 512 checked: 0, or -1 with err. */
static int
gpt_header(const uint8_t *h, size_t avail, char *err, size_t errlen)
{
	uint8_t copy[SECTOR];
	uint32_t hsize = le32(h + 12);

	if (avail < SECTOR || hsize < 92 || hsize > SECTOR) {
		snprintf(err, errlen, "GPT header is truncated or has a bad size");
		return -1;
	}
	memcpy(copy, h, hsize);
	memset(copy + 16, 0, 4);
	if (crc32(0L, copy, hsize) != le32(h + 16)) {
		snprintf(err, errlen, "GPT header checksum mismatch");
		return -1;
	}
	return 0;
}

/* One GPT entry into the table (unused entries are skipped). */
static int
gpt_entry(const uint8_t *e, int number, struct pt *t, char *err, size_t errlen)
{
	uint64_t first = le64(e + 32), last = le64(e + 40);
	struct pt_part *p;

	if (zero16(e))
		return 0;
	if (first == 0 || last < first || last > UINT64_MAX / SECTOR - 1) {
		snprintf(err, errlen, "GPT entry %d has bad bounds", number);
		return -1;
	}
	p = &t->part[t->n++];
	p->number = number;
	p->offset = first * SECTOR;
	p->size = (last - first + 1) * SECTOR;
	guid_text(e, p->type);
	guid_text(e + 16, p->uuid);
	p->esp = strcmp(p->type, ESP_GUID) == 0;
	return 0;
}

static int
gpt_parse(const uint8_t *buf, size_t len, struct pt *t, char *err, size_t errlen)
{
	const uint8_t *h = buf + SECTOR;
	uint64_t start;
	uint32_t count, esize;

	if (gpt_header(h, len - SECTOR, err, errlen) != 0)
		return -1;
	start = le64(h + 72);
	count = le32(h + 80);
	esize = le32(h + 84);
	if (count > PT_MAX || esize < 128 || esize > 4096 || esize % 8 != 0 ||
	    start < 2 || start > len / SECTOR ||
	    (uint64_t)count * esize > len - start * SECTOR) {
		snprintf(err, errlen, "GPT partition entries out of bounds");
		return -1;
	}
	if (crc32(0L, buf + start * SECTOR, count * esize) != le32(h + 88)) {
		snprintf(err, errlen, "GPT partition entries checksum mismatch");
		return -1;
	}
	t->gpt = true;
	guid_text(h + 56, t->disk_id);
	for (uint32_t i = 0; i < count; i++)
		if (gpt_entry(buf + start * SECTOR + (size_t)i * esize, (int)i + 1, t,
		    err, errlen) != 0)
			return -1;
	return 0;
}

static void
mbr_parse(const uint8_t *buf, struct pt *t)
{
	uint32_t sig = le32(buf + 440);

	snprintf(t->disk_id, sizeof(t->disk_id), "0x%08x", sig);
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = buf + 446 + 16 * i;
		uint8_t type = e[4];
		struct pt_part *p;

		if (type == 0 || le32(e + 12) == 0 || type == 0x05 || type == 0x0f ||
		    type == 0x85)
			continue;
		p = &t->part[t->n++];
		p->number = i + 1;
		p->offset = (uint64_t)le32(e + 8) * SECTOR;
		p->size = (uint64_t)le32(e + 12) * SECTOR;
		snprintf(p->type, sizeof(p->type), "0x%02x", type);
		snprintf(p->uuid, sizeof(p->uuid), "%08x-%02d", sig, i + 1);
		p->esp = type == 0xef;
	}
}

int
pt_parse(const uint8_t *buf, size_t len, struct pt *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (len < SECTOR || buf[510] != 0x55 || buf[511] != 0xaa) {
		snprintf(err, errlen, "no partition table (no MBR signature)");
		return -1;
	}
	if (len >= 2 * SECTOR && memcmp(buf + SECTOR, "EFI PART", 8) == 0) {
		if (gpt_parse(buf, len, t, err, errlen) == 0)
			return 0;
		memset(t, 0, sizeof(*t));
		return -1;
	}
	if (buf[446 + 4] == 0xee) {
		snprintf(err, errlen, "protective MBR without a GPT header");
		return -1;
	}
	mbr_parse(buf, t);
	return 0;
}

#define PT_READ	(64u << 10)	/* MBR, GPT header and up to 128 * 256-byte entries */

int
pt_read(const char *disk, struct pt *t, char *err, size_t errlen)
{
	uint8_t *buf = malloc(PT_READ);
	ssize_t n = -1;
	int fd, rc;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(disk, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = pread(fd, buf, PT_READ, 0);
		close(fd);
	}
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", disk, strerror(errno));
		free(buf);
		return -1;
	}
	rc = pt_parse(buf, (size_t)n, t, err, errlen);
	free(buf);
	return rc;
}

const struct pt_part *
pt_by_uuid(const struct pt *t, const char *uuid)
{
	for (int i = 0; uuid != NULL && i < t->n; i++)
		if (strcasecmp(t->part[i].uuid, uuid) == 0)
			return &t->part[i];
	return NULL;
}

const struct pt_part *
pt_esp(const struct pt *t)
{
	for (int i = 0; i < t->n; i++)
		if (t->part[i].esp)
			return &t->part[i];
	return NULL;
}
