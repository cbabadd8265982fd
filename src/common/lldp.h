/*
 * LLDP (IEEE 802.1AB): frames split into TLVs (the agent sends them in
 * ironic-python-agent's shape, [[type, "hex value"], ...]) and the TLVs
 * Ingot reads decoded (chassis ID, port ID, port description, system
 * name, the 802.1 port VLAN ID and VLAN names).  Pure functions over
 * untrusted bytes: every length is checked, nothing is trusted to end.
 */
#ifndef INGOT_LLDP_H
#define INGOT_LLDP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define LLDP_ETHERTYPE	0x88cc
#define LLDP_MAX_TLVS	64	/* per frame; an 802.1AB frame holds ~1500 bytes */
#define LLDP_MAX_VLANS	32
#define LLDP_STR	256	/* decoded strings (TLV values are at most 511 bytes) */

struct lldp_tlv {
	int		 type;		/* 0..127 */
	const uint8_t	*val;
	size_t		 len;		/* 0..511 */
};

/* Splits an LLDPDU (the bytes after the Ethernet header) into at most
 * max TLVs, stopping at End of LLDPDU; the count, or -1 when a TLV runs
 * past the end, there are more than max, or the mandatory first three
 * (chassis ID, port ID, TTL) are not first. */
int	 lldp_split(const uint8_t *pdu, size_t len, struct lldp_tlv *out, int max);
/* A whole Ethernet frame (ethertype 0x88cc, untagged) as IPA's list, or
 * NULL when it is not a well-formed LLDP frame. */
json_t	*lldp_frame_ipa(const uint8_t *frame, size_t len);

struct lldp_vlan {
	int	 id;			/* 1..4094 */
	char	 name[33];		/* "" when only the ID is known */
};

struct lldp_info {
	int	 chassis_subtype;	/* 0: no chassis ID TLV */
	char	 chassis_id[LLDP_STR];	/* a MAC as aa:bb:..., else printable text */
	int	 port_subtype;
	char	 port_id[LLDP_STR];
	char	 port_desc[LLDP_STR];
	char	 sys_name[LLDP_STR];
	int	 pvid;			/* 802.1 port VLAN ID; 0: none */
	struct lldp_vlan vlans[LLDP_MAX_VLANS];
	int	 nvlans;
};

/* Decodes IPA's list (each item [type, "hex"]); 0, or -1 with err when it
 * is malformed (not a list of pairs, a type out of 0..127, a value that is
 * not even-length hex or over 511 bytes, more than LLDP_MAX_TLVS items). */
int	 lldp_decode_ipa(json_t *list, struct lldp_info *out, char *err, size_t len);
/* Ironic's parsed_lldp names: switch_chassis_id, switch_port_id, ... */
json_t	*lldp_info_json(const struct lldp_info *in);
/* The value is safe to store as a switch port name or system name: 1..64
 * characters of [A-Za-z0-9._:/-] (it may reach a switch's command line). */
int	 lldp_name_ok(const char *s);

#endif
