/*
 * In-band inspection data (IPA's inventory and plugin data) checked and
 * turned into a node's properties (inspect_data.c): pure functions over
 * what an agent posted, no database, so the unit tests and the fuzzer
 * drive them directly.
 */
#ifndef INGOT_INSPECT_DATA_H
#define INGOT_INSPECT_DATA_H

#include <jansson.h>
#include <stddef.h>

struct inspect_limits {
	int	max_interfaces;		/* NICs in one inventory */
	int	max_disks;
	size_t	max_size;		/* bytes of the whole body, compact JSON */
};

/*
 * Checks a POST /v1/continue_inspection body: {"inventory": {...}, plugin
 * data...}.  interfaces: 1..max_interfaces objects with a MAC, a name of
 * [A-Za-z0-9._:@-] and an lldp list that decodes; cpu count and
 * architecture, memory physical_mb, disks (name, size) and boot mode
 * within their ranges when present.  0, or -1 with err (said for a 400).
 */
int	 inspect_data_check(json_t *body, const struct inspect_limits *l, char *err,
	    size_t len);
/*
 * The properties an inventory gives, merged into props: cpus, memory_mb,
 * cpu_arch, local_gb (the root disk chosen by props.root_device hints,
 * less 1 GiB for partitioning, as Ironic) and capabilities boot_mode.
 * *root_disk gets the chosen disk (a new reference; NULL when none).
 * 0, or -1 with err when hints are given and no disk matches them.
 */
int	 inspect_data_properties(json_t *props, json_t *inv, json_t **root_disk,
	    char *err, size_t len);

#endif
