/*
 * What an inspecting agent sends, as ingotd and the agent read it:
 *   - input starting with '{': a POST /v1/continue_inspection body, checked
 *     (inspect_data_check) and, when accepted, turned into properties
 *     (inspect_data_properties) and each NIC's LLDP decoded;
 *   - input starting with '{' and naming "actions": an inspection rule,
 *     checked (inspect_rule_check) and, when accepted, run on a node and an
 *     inventory that name each other (inspect_rule_run): the node stays an
 *     object and a refusal or failure always says why;
 *   - anything else: an Ethernet frame as a NIC hears it: split into
 *     IPA's lldp list (lldp_frame_ipa, the agent) and decoded back
 *     (lldp_decode_ipa, ingotd), which must accept what the agent made;
 *     and the same bytes as the answers of a BMC to the agent's LAN
 *     configuration walk (bmc_lan_walk, one answer per length-prefixed
 *     slice);
 *   - an accepted body's bmc_address through discovery's address rules
 *     (bmc_addr_allowed): allowed means a dotted quad outside loopback,
 *     link-local, 0/8, multicast and reserved networks.
 * Oracles: decoded strings are NUL-terminated printable ASCII; VLAN IDs
 * are 1..4094 and at most LLDP_MAX_VLANS; names lldp_name_ok accepts use
 * only its characters; an accepted body yields properties without error
 * unless its hints match nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bmc_addr.h"
#include "bmc_lan.h"
#include "cidr.h"
#include "inspect_data.h"
#include "inspect_rules.h"
#include "lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
	if (lldp_name_ok(s) && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:/-") != n)
		abort();
}

static void
check_info(const struct lldp_info *li)
{
	json_t *j;

	check_str(li->chassis_id, sizeof(li->chassis_id));
	check_str(li->port_id, sizeof(li->port_id));
	check_str(li->port_desc, sizeof(li->port_desc));
	check_str(li->sys_name, sizeof(li->sys_name));
	if (li->pvid < 0 || li->pvid > 4094 || li->nvlans < 0 || li->nvlans > LLDP_MAX_VLANS)
		abort();
	for (int i = 0; i < li->nvlans; i++) {
		if (li->vlans[i].id < 1 || li->vlans[i].id > 4094)
			abort();
		check_str(li->vlans[i].name, sizeof(li->vlans[i].name));
	}
	if ((j = lldp_info_json(li)) == NULL)
		abort();
	json_decref(j);
}

static void
frame(const uint8_t *data, size_t size)
{
	struct lldp_info li;
	char err[256];
	json_t *l = lldp_frame_ipa(data, size);

	if (l == NULL)
		return;
	if (json_array_size(l) < 3 || json_array_size(l) > LLDP_MAX_TLVS ||
	    lldp_decode_ipa(l, &li, err, sizeof(err)) != 0)
		abort();
	check_info(&li);
	json_decref(l);
}

/* Each answer: one length byte, then that many bytes of the input. */
struct bmc_feed {
	const uint8_t	*p;
	size_t		 left;
};

static int
bmc_xfer(void *ctx, uint8_t netfn, uint8_t cmd, const uint8_t *d, size_t dlen,
    uint8_t *rsp, size_t rlen)
{
	struct bmc_feed *f = ctx;
	size_t n;

	(void)netfn, (void)cmd, (void)d, (void)dlen;
	if (f->left == 0)
		return -1;
	n = f->p[0];
	f->p++, f->left--;
	n = n > f->left ? f->left : n;
	n = n > rlen ? rlen : n;
	memcpy(rsp, f->p, n);
	f->p += n, f->left -= n;
	return (int)n;
}

static void
bmc(const uint8_t *data, size_t size)
{
	struct bmc_feed f = { data, size };
	struct bmc_lan b;
	uint32_t a;

	if (bmc_lan_walk(bmc_xfer, &f, &b) && (!ip4_parse(b.address, &a) || a == 0 ||
	    b.channel < BMC_LAN_FIRST_CHANNEL || b.channel > BMC_LAN_LAST_CHANNEL))
		abort();
	if (strnlen(b.mac, sizeof(b.mac)) == sizeof(b.mac) ||
	    strnlen(b.source, sizeof(b.source)) == sizeof(b.source))
		abort();
}

static void
bmc_claim(json_t *inv)
{
	const char *ip = json_string_value(json_object_get(inv, "bmc_address"));
	char why[100];
	uint32_t a;

	if (!bmc_addr_allowed(ip, "", why, sizeof(why)))
		return;
	if (!ip4_parse(ip, &a) || a >> 24 == 0 || a >> 24 == 127 || a >> 16 == 0xa9fe ||
	    a >> 28 >= 0xe)
		abort();
}

static void
body(const uint8_t *data, size_t size)
{
	static const struct inspect_limits lim = { 64, 256, 1 << 20 };
	struct lldp_info li;
	char err[512];
	json_t *b = json_loadb((const char *)data, size, 0, NULL), *props, *root, *nic;
	size_t i;

	if (b == NULL)
		return;
	err[0] = '\0';
	if (inspect_data_check(b, &lim, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		json_decref(b);
		return;
	}
	json_array_foreach(json_object_get(json_object_get(b, "inventory"), "interfaces"), i, nic)
		if (json_is_array(json_object_get(nic, "lldp"))) {
			if (lldp_decode_ipa(json_object_get(nic, "lldp"), &li, err, sizeof(err)) != 0)
				abort();	/* the check accepted it */
			check_info(&li);
		}
	bmc_claim(json_object_get(b, "inventory"));
	props = json_object();
	if (inspect_data_properties(props, json_object_get(b, "inventory"), &root, err,
	    sizeof(err)) != 0 || !json_is_integer(json_object_get(props, "local_gb")))
		abort();	/* no hints: never an error */
	json_decref(root);
	json_decref(props);
	json_decref(b);
}

static void
rule(json_t *r)
{
	json_t *node = json_pack("{s:s, s:{s:i, s:s}, s:{}, s:[], s:{}}", "uuid",
	    "00000000-0000-0000-0000-000000000001", "properties", "cpus", 4, "capabilities",
	    "boot_mode:bios", "extra", "traits", "driver_info");
	json_t *inv = json_pack("{s:{s:i, s:s}, s:{s:i}, s:s, s:[{s:s, s:s}]}", "cpu",
	    "count", 4, "architecture", "x86_64", "memory", "physical_mb", 2048,
	    "bmc_address", "10.0.0.9", "interfaces", "name", "{inventory[cpu][count]}",
	    "mac_address", "{{}}{");
	json_t *plugin = json_pack("{s:b}", "auto_discovered", 1);
	char err[512] = "";

	if (inspect_rule_check(r, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
	} else if ((inspect_rule_run(r, node, inv, plugin, err, sizeof(err)) != 0 &&
	    err[0] == '\0') || !json_is_object(node) || !json_is_object(plugin)) {
		abort();
	}
	json_decref(node);
	json_decref(inv);
	json_decref(plugin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *r = NULL;

	if (size > 0 && data[0] == '{' && (r = json_loadb((const char *)data, size, 0,
	    NULL)) != NULL && json_object_get(r, "actions") != NULL) {
		rule(r);
		json_decref(r);
	} else if (size > 0 && data[0] == '{') {
		json_decref(r);
		body(data, size);
	} else {
		frame(data, size);
		bmc(data, size);
	}
	return 0;
}
