/*
 * In-band inspection, as ironic-python-agent does it when the kernel
 * command line has ipa-inspection-callback-url=: before looking its node
 * up, the agent collects its inventory (and, with ipa-collect-lldp=1, the
 * LLDP frames each NIC hears) and posts it to the callback URL (Ironic's
 * and ingotd's POST /v1/continue_inspection) with the MAC it booted from.
 * A refusal is logged and the agent goes on to its lookup, as IPA does.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "agent.h"
#include "inventory.h"
#include "lldp_listen.h"

#define INSPECT_ATTEMPTS	5	/* posts tried when nothing answers */
#define INSPECT_RETRY_S		5

/* The LLDP each NIC of the inventory hears, into its lldp member. */
static void
add_lldp(json_t *inv)
{
	const char *names[AGENT_MAXMACS];
	json_t *nic, *heard;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(inv, "interfaces"), i, nic)
		if (n < AGENT_MAXMACS && jstr(nic, "name") != NULL)
			names[n++] = jstr(nic, "name");
	heard = lldp_listen(names, n, conf.lldp_timeout > 0 ? conf.lldp_timeout : 30);
	inventory_set_lldp(inv, heard);
	json_decref(heard);
}

static json_t *
inspection_data(void)
{
	json_t *inv = inventory_json(conf.disk, conf.macs, conf.nmacs);
	json_t *boot = json_object_get(inv, "boot");

	if (conf.collect_lldp)
		add_lldp(inv);
	if (conf.boot_mac[0] && json_is_object(boot))
		json_object_set_new(boot, "pxe_interface", json_string(conf.boot_mac));
	return json_pack("{s:o, s:s?, s:n}", "inventory", inv, "boot_interface",
	    conf.boot_mac[0] ? conf.boot_mac : NULL, "error");
}

void
inspect_run(void)
{
	json_t *data = inspection_data(), *out = NULL;
	long code = 0;

	for (int i = 0; i < INSPECT_ATTEMPTS && !agent_quit; i++) {
		alog("inspection: posting the inventory to %s", conf.inspection_url);
		if ((code = client_post_plain(conf.inspection_url, data, &out)) != 0)
			break;
		nanosleep(&(struct timespec){ INSPECT_RETRY_S, 0 }, NULL);
	}
	if (code >= 200 && code < 300)
		alog("inspection: accepted for node %s", jstr(out, "uuid") ?
		    jstr(out, "uuid") : "?");
	else
		alog("inspection: %s (HTTP %ld); going on with the lookup",
		    code == 0 ? "no answer" : "refused", code);
	json_decref(out);
	json_decref(data);
}
