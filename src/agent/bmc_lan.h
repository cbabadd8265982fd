/*
 * The BMC's LAN configuration, read in band through the Linux IPMI device
 * (/dev/ipmi0) as ironic-python-agent reads it with ipmitool: the first
 * LAN channel (1..11, Get Channel Info medium 802.3) whose IP address
 * (Get LAN Configuration Parameters, parameter 3) is not 0.0.0.0, with its
 * address source (4) and MAC (5).  bmc_lan.c.
 */
#ifndef INGOT_AGENT_BMC_LAN_H
#define INGOT_AGENT_BMC_LAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BMC_LAN_FIRST_CHANNEL	1
#define BMC_LAN_LAST_CHANNEL	11

struct bmc_lan {
	int	channel;		/* 0: none found */
	char	address[16];		/* dotted quad, "" when none */
	char	mac[18];		/* xx:xx:xx:xx:xx:xx, "" when unknown */
	char	source[8];		/* static, dhcp, bios, other, "" */
};

/*
 * Parsers of the responses as the IPMI device hands them over (completion
 * code first).  Each answers false for a failed command (code not 0), a
 * short answer or a value that means "none".
 */
/* Get Channel Info (App 0x42): a LAN channel (802.3 or other LAN). */
bool	bmc_lan_is_lan(const uint8_t *rsp, size_t len);
/* Get LAN Configuration Parameters (Transport 0x02), parameter 3. */
bool	bmc_lan_parse_ip(const uint8_t *rsp, size_t len, char out[16]);
/* Parameter 5. */
bool	bmc_lan_parse_mac(const uint8_t *rsp, size_t len, char out[18]);
/* Parameter 4. */
bool	bmc_lan_parse_source(const uint8_t *rsp, size_t len, char out[8]);

/*
 * One request, one response over an open IPMI device (test hook: unit
 * tests pass their own).  Returns the response length, -1 on failure.
 */
typedef int (*bmc_lan_xfer)(void *ctx, uint8_t netfn, uint8_t cmd,
    const uint8_t *data, size_t dlen, uint8_t *rsp, size_t rlen);

/* Walks the channels through xfer into out; true when an address was found. */
bool	bmc_lan_walk(bmc_lan_xfer xfer, void *ctx, struct bmc_lan *out);
/* The same through the first IPMI device present (none: false at once). */
bool	bmc_lan_read(struct bmc_lan *out);

#endif
