/*
 * IPMI driver_info validation (ipmi_target_from in src/hw/ipmi/ipmi.c): the
 * part of the IPMI driver that reads user input.  Replies from BMCs are
 * decoded by FreeIPMI, not by Ingot's code, so they are not fuzzed here.
 *
 * Input: a node as JSON ({"driver_info": {...}}), or a driver_info object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipmi.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("/dev/null", LOG_LVL_DEBUG);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipmi_target t;
	char err[512];
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *node;

	if (j == NULL)
		return -1;
	node = json_object_get(j, "driver_info") != NULL ? json_incref(j) :
	    json_pack("{s:O}", "driver_info", j);
	err[0] = '\0';
	if (ipmi_target_from(node, &t, err, sizeof(err)) == 0) {
		/* A target is always usable: an address, a port, bounded strings. */
		if (t.address[0] == '\0' || t.port < 1 || t.port > 65535 ||
		    strnlen(t.username, sizeof(t.username)) == sizeof(t.username) ||
		    strnlen(t.password, sizeof(t.password)) == sizeof(t.password))
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	json_decref(node);
	json_decref(j);
	return 0;
}
