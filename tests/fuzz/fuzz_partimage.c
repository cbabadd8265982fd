/*
 * Partition images (src/agent/partimage.c): image_info as the agent gets
 * it from the conductor (root_mb, swap_mb, ephemeral_mb, ephemeral_format,
 * deploy_boot_mode, disk_label, boot_option, preserve_ephemeral), checked
 * and laid out on disks of a few sizes.  A layout accepted must fit the
 * disk (GPT: before its backup table), start at 1 MiB, be 1 MiB-aligned,
 * not overlap, end with root, and hold at most four partitions on an MBR.
 *
 * Input: image_info as JSON (normally an object).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "partimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The agent's settings live in its main.c (logs.c reads them). */
struct agent_conf conf;
volatile sig_atomic_t agent_quit;

#define MIB	(1ull << 20)

static void
check(const struct pi_spec *s, uint64_t disk, const struct pi_layout *l)
{
	uint64_t at = MIB, end = disk - (s->gpt ? 34 * 512 : 0);

	if (l->n < 1 || l->n > 5 || (!s->gpt && l->n > 4) ||
	    l->part[l->n - 1].role != PI_ROOT)
		abort();
	for (int i = 0; i < l->n; i++) {
		const struct pi_part *p = &l->part[i];
		if (p->offset != at || p->offset % MIB != 0 || p->size == 0 ||
		    p->size % MIB != 0 || p->number != i + 1 || p->offset + p->size > end)
			abort();
		at = p->offset + p->size;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t disks[] = { 0, 1, 2 * MIB, 600 * MIB, 2ull << 40, 1ull << 62 };
	json_t *ii = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	struct pi_spec s;
	struct pi_layout l;
	char err[512];

	if (ii == NULL)
		return -1;
	err[0] = '\0';
	if (pi_spec_json(ii, &s, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		json_decref(ii);
		return 0;
	}
	if (s.root_mb == 0 || s.root_mb >= PI_MAX_MB || s.swap_mb >= PI_MAX_MB ||
	    s.ephemeral_mb >= PI_MAX_MB)
		abort();
	for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++) {
		err[0] = '\0';
		if (pi_plan(&s, disks[i], &l, err, sizeof(err)) == 0)
			check(&s, disks[i], &l);
		else if (err[0] == '\0')
			abort();
	}
	json_decref(ii);
	return 0;
}
