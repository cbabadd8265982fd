/*
 * ingotd's configuration file (src/daemon/config.c over inih), with
 * [switch:NAME] sections going to the switch table (src/net/switch/switch.c)
 * as in ingotd.  The input is the file's text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "switch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("/dev/null", LOG_LVL_DEBUG);
	if ((fd = memfd_create("fuzz-config", 0)) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];

	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	config_defaults();
	err[0] = '\0';
	if (config_load(path, switch_conf_set, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
	} else {
		(void)switch_conf_finish(err, sizeof(err));
		/* Every string option is set (defaults fill the rest). */
		if (cfg.listen == NULL || cfg.db_path == NULL || cfg.log_level == NULL)
			abort();
	}
	(void)switch_find("s1");
	config_free();
	return 0;
}
