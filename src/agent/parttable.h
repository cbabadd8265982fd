/*
 * A disk's partition table, read from its first sectors: GPT (primary
 * header and entries, CRCs checked) or MBR (the four primary entries).
 * Offsets and sizes are in bytes (512-byte sectors).
 */
#ifndef INGOT_PARTTABLE_H
#define INGOT_PARTTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_MAX	128

struct pt_part {
	int		 number;	/* 1-based, as Linux numbers them */
	uint64_t	 offset;
	uint64_t	 size;
	char		 type[40];	/* GPT type GUID, or the MBR type "0xNN" */
	char		 uuid[40];	/* PARTUUID: GPT GUID, or MBR "ssssssss-NN" */
	bool		 esp;		/* an EFI system partition */
};

struct pt {
	bool		 gpt;
	char		 disk_id[40];	/* GPT disk GUID, or MBR "0xssssssss" */
	int		 n;
	struct pt_part	 part[PT_MAX];
};

/* Parses the first bytes of a disk (at least 512; GPT needs its header at
 * 512 and the entries that follow, up to 512 + 128 * 128 bytes).
 * 0: *t filled (n may be 0); -1: no partition table (err says why). */
int	pt_parse(const uint8_t *buf, size_t len, struct pt *t, char *err, size_t errlen);
/* Reads the disk (a device or file) and parses it. */
int	pt_read(const char *disk, struct pt *t, char *err, size_t errlen);
/* The partition with this PARTUUID (case-insensitive), or NULL. */
const struct pt_part *pt_by_uuid(const struct pt *t, const char *uuid);
/* The first EFI system partition, or NULL. */
const struct pt_part *pt_esp(const struct pt *t);

#endif
