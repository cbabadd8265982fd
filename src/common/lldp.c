/* LLDP frames and TLVs (see lldp.h). */
#include <stdio.h>
#include <string.h>

#include "lldp.h"

#define TLV_END		0
#define TLV_CHASSIS	1
#define TLV_PORT	2
#define TLV_TTL		3
#define TLV_PORT_DESC	4
#define TLV_SYS_NAME	5
#define TLV_ORG		127
#define SUB_MAC		4	/* chassis ID subtype: MAC address */
#define SUB_PORT_MAC	3	/* port ID subtype: MAC address */
#define DOT1_PVID	1
#define DOT1_VLAN_NAME	3

int
lldp_split(const uint8_t *pdu, size_t len, struct lldp_tlv *out, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 2 <= len) {
		int type = pdu[off] >> 1;
		size_t l = (size_t)(pdu[off] & 1) << 8 | pdu[off + 1];
		if (type == TLV_END)
			break;
		if (off + 2 + l > len || n >= max)
			return -1;
		if (n < 3 && type != n + 1)	/* chassis ID, port ID, TTL first */
			return -1;
		out[n].type = type;
		out[n].val = pdu + off + 2;
		out[n].len = l;
		n++;
		off += 2 + l;
	}
	return n >= 3 ? n : -1;
}

json_t *
lldp_frame_ipa(const uint8_t *frame, size_t len)
{
	struct lldp_tlv t[LLDP_MAX_TLVS];
	static const char hex[] = "0123456789abcdef";
	char buf[1024];
	json_t *a;
	int n;

	if (len < 14 || (frame[12] << 8 | frame[13]) != LLDP_ETHERTYPE)
		return NULL;
	if ((n = lldp_split(frame + 14, len - 14, t, LLDP_MAX_TLVS)) < 0)
		return NULL;
	a = json_array();
	for (int i = 0; i < n; i++) {
		for (size_t j = 0; j < t[i].len; j++) {
			buf[2 * j] = hex[t[i].val[j] >> 4];
			buf[2 * j + 1] = hex[t[i].val[j] & 15];
		}
		buf[2 * t[i].len] = '\0';
		json_array_append_new(a, json_pack("[i, s]", t[i].type, buf));
	}
	return a;
}

/* Bytes as text: printable ASCII kept, anything else '?'. */
static void
text(char *out, const uint8_t *v, size_t n)
{
	if (n > LLDP_STR - 1)
		n = LLDP_STR - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
	out[n] = '\0';
}

/* An ID TLV (subtype byte, then the ID): a MAC subtype as aa:bb:..., others as text. */
static void
id_tlv(const uint8_t *v, size_t n, int mac_sub, int *sub, char *out)
{
	if (n < 2)
		return;
	*sub = v[0];
	if (v[0] == mac_sub && n == 7)
		snprintf(out, LLDP_STR, "%02x:%02x:%02x:%02x:%02x:%02x", v[1], v[2], v[3],
		    v[4], v[5], v[6]);
	else
		text(out, v + 1, n - 1);
}

/* The 802.1 organisationally specific TLVs Ingot reads. */
static void
dot1_tlv(const uint8_t *v, size_t n, struct lldp_info *in)
{
	int vid;

	if (n < 4 || v[0] != 0x00 || v[1] != 0x80 || v[2] != 0xc2)
		return;
	if (v[3] == DOT1_PVID && n == 6) {
		vid = v[4] << 8 | v[5];
		in->pvid = vid >= 1 && vid <= 4094 ? vid : 0;
	} else if (v[3] == DOT1_VLAN_NAME && n >= 7 && in->nvlans < LLDP_MAX_VLANS) {
		struct lldp_vlan *vl = &in->vlans[in->nvlans];
		size_t nl = v[6];
		vid = v[4] << 8 | v[5];
		if (vid < 1 || vid > 4094 || nl > 32 || 7 + nl > n)
			return;
		vl->id = vid;
		text(vl->name, v + 7, nl);
		in->nvlans++;
	}
}

static void
decode_tlv(int type, const uint8_t *v, size_t n, struct lldp_info *in)
{
	switch (type) {
	case TLV_CHASSIS:
		if (in->chassis_subtype == 0)
			id_tlv(v, n, SUB_MAC, &in->chassis_subtype, in->chassis_id);
		break;
	case TLV_PORT:
		if (in->port_subtype == 0)
			id_tlv(v, n, SUB_PORT_MAC, &in->port_subtype, in->port_id);
		break;
	case TLV_PORT_DESC:
		text(in->port_desc, v, n);
		break;
	case TLV_SYS_NAME:
		text(in->sys_name, v, n);
		break;
	case TLV_ORG:
		dot1_tlv(v, n, in);
		break;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "hex" into out (at most 511 bytes); the length, or -1. */
static long
unhex(const char *s, size_t sl, uint8_t out[511])
{
	if (sl % 2 != 0 || sl / 2 > 511)
		return -1;
	for (size_t i = 0; i < sl / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(sl / 2);
}

int
lldp_decode_ipa(json_t *list, struct lldp_info *out, char *err, size_t len)
{
	uint8_t v[511];
	size_t i;
	json_t *it;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(list) || json_array_size(list) > LLDP_MAX_TLVS) {
		snprintf(err, len, "lldp must be a list of at most %d [type, value] pairs",
		    LLDP_MAX_TLVS);
		return -1;
	}
	json_array_foreach(list, i, it) {
		json_t *t = json_array_get(it, 0), *h = json_array_get(it, 1);
		long n;
		if (!json_is_array(it) || json_array_size(it) != 2 || !json_is_integer(t) ||
		    json_integer_value(t) < 0 || json_integer_value(t) > 127 ||
		    !json_is_string(h) || (n = unhex(json_string_value(h),
		    json_string_length(h), v)) < 0) {
			snprintf(err, len, "lldp item %zu is not [type 0..127, even-length hex "
			    "of at most 511 bytes]", i);
			return -1;
		}
		decode_tlv((int)json_integer_value(t), v, (size_t)n, out);
	}
	return 0;
}

json_t *
lldp_info_json(const struct lldp_info *in)
{
	json_t *o = json_object(), *vl = json_array();

	if (in->chassis_subtype)
		json_object_set_new(o, "switch_chassis_id", json_string(in->chassis_id));
	if (in->port_subtype)
		json_object_set_new(o, "switch_port_id", json_string(in->port_id));
	if (in->port_desc[0])
		json_object_set_new(o, "switch_port_description", json_string(in->port_desc));
	if (in->sys_name[0])
		json_object_set_new(o, "switch_system_name", json_string(in->sys_name));
	if (in->pvid)
		json_object_set_new(o, "switch_port_untagged_vlan_id", json_integer(in->pvid));
	for (int i = 0; i < in->nvlans; i++)
		json_array_append_new(vl, json_pack("{s:i, s:s}", "id", in->vlans[i].id,
		    "name", in->vlans[i].name));
	if (in->nvlans > 0)
		json_object_set_new(o, "switch_port_vlans", vl);
	else
		json_decref(vl);
	return o;
}

int
lldp_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._:/-") == n;
}
