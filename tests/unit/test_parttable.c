/* The partition-table reader of image.install_bootloader: GPT and MBR
 * tables built here byte by byte, and the damaged ones it must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "parttable.h"
#include "bytes.h"

#define SZ	(64u << 10)

/* ESP type c12a7328-f81f-11d2-ba4b-00a0c93ec93b and Linux filesystem
 * 0fc63daf-8483-4772-8e79-3d69d8477de4, as stored (mixed-endian). */
static const uint8_t esp_type[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
	0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
static const uint8_t linux_type[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
	0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };



static void
entry(uint8_t *e, const uint8_t type[16], uint8_t id, uint64_t first, uint64_t last)
{
	memcpy(e, type, 16);
	memset(e + 16, id, 16);
	put64(e + 32, first);
	put64(e + 40, last);
}

/* Fixes the entries' and the header's CRCs. */
static void
gpt_seal(uint8_t *b, uint32_t count)
{
	uint8_t *h = b + 512;

	put32(h + 88, (uint32_t)crc32(0L, b + 1024, count * 128));
	put32(h + 16, 0);
	put32(h + 16, (uint32_t)crc32(0L, h, 92));
}

/* A protective MBR and a GPT with an ESP (1) and a root partition (2). */
static uint8_t *
gpt_disk(void)
{
	uint8_t *b = calloc(1, SZ), *h = b + 512;

	b[446 + 4] = 0xee;
	b[510] = 0x55;
	b[511] = 0xaa;
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, 1);
	memset(h + 56, 0xab, 16);
	put64(h + 72, 2);
	put32(h + 80, 4);
	put32(h + 84, 128);
	entry(b + 1024, esp_type, 0x11, 2048, 34815);
	entry(b + 1024 + 128, linux_type, 0x22, 34816, 83967);
	gpt_seal(b, 4);
	return b;
}

static void
gpt_ok(void **st)
{
	uint8_t *b = gpt_disk();
	struct pt t;
	char err[200];

	(void)st;
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), 0);
	assert_true(t.gpt);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.disk_id, "abababab-abab-abab-abab-abababababab");
	assert_int_equal(t.part[0].number, 1);
	assert_true(t.part[0].esp);
	assert_int_equal(t.part[0].offset, 2048 * 512);
	assert_int_equal(t.part[0].size, 32768 * 512);
	assert_string_equal(t.part[0].type, "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
	assert_string_equal(t.part[1].uuid, "22222222-2222-2222-2222-222222222222");
	assert_false(t.part[1].esp);
	assert_ptr_equal(pt_esp(&t), &t.part[0]);
	assert_ptr_equal(pt_by_uuid(&t, "22222222-2222-2222-2222-222222222222"), &t.part[1]);
	assert_null(pt_by_uuid(&t, "33333333-2222-2222-2222-222222222222"));
	free(b);
}

/* Damage: each must be refused, never read past the buffer. */
static void
gpt_damaged(void **st)
{
	struct pt t;
	char err[200];
	uint8_t *b;

	(void)st;
	b = gpt_disk();			/* header CRC */
	b[512 + 60] ^= 1;
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* entries CRC */
	b[1024 + 40] ^= 1;
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* too many entries */
	put32(b + 512 + 80, 100000);
	gpt_seal(b, 4);
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* entries beyond what was read */
	put64(b + 512 + 72, 1u << 30);
	gpt_seal(b, 4);
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* an entry ending before it starts */
	entry(b + 1024, esp_type, 0x11, 4096, 2048);
	gpt_seal(b, 4);
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* an entry near 2^64 */
	entry(b + 1024, esp_type, 0x11, 2048, UINT64_MAX);
	gpt_seal(b, 4);
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* truncated: only the MBR and half a header */
	assert_int_equal(pt_parse(b, 700, &t, err, sizeof(err)), -1);
	free(b);
	b = gpt_disk();			/* protective MBR, no GPT */
	memset(b + 512, 0, 512);
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	free(b);
}

static void
mbr_ok(void **st)
{
	uint8_t *b = calloc(1, SZ);
	struct pt t;
	char err[200];

	(void)st;
	put32(b + 440, 0x1234abcd);
	b[446 + 4] = 0xef;		/* 1: ESP */
	put32(b + 446 + 8, 2048);
	put32(b + 446 + 12, 4096);
	b[462 + 4] = 0x05;		/* 2: extended, skipped */
	put32(b + 462 + 8, 8192);
	put32(b + 462 + 12, 4096);
	b[478 + 4] = 0x83;		/* 3: Linux */
	put32(b + 478 + 8, 16384);
	put32(b + 478 + 12, 4096);
	b[510] = 0x55;
	b[511] = 0xaa;
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), 0);
	assert_false(t.gpt);
	assert_string_equal(t.disk_id, "0x1234abcd");
	assert_int_equal(t.n, 2);
	assert_true(t.part[0].esp);
	assert_string_equal(t.part[0].uuid, "1234abcd-01");
	assert_int_equal(t.part[1].number, 3);
	assert_string_equal(t.part[1].uuid, "1234abcd-03");
	assert_int_equal(t.part[1].offset, 16384 * 512);
	b[511] = 0;			/* no signature: no table */
	assert_int_equal(pt_parse(b, SZ, &t, err, sizeof(err)), -1);
	assert_int_equal(pt_parse(b, 100, &t, err, sizeof(err)), -1);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpt_ok),
		cmocka_unit_test(gpt_damaged),
		cmocka_unit_test(mbr_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
