/*
 * The BMC's LAN configuration through the Linux IPMI device (bmc_lan.h).
 * The kernel's ipmi_si (KCS, BT, SMIC) and ipmi_devintf make /dev/ipmi0;
 * each request goes with IPMICTL_SEND_COMMAND to the BMC's system
 * interface and its answer comes back with IPMICTL_RECEIVE_MSG_TRUNC.
 * Every answer is checked for its length before a byte of it is read: the
 * BMC is part of the machine, and the machine is not trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bmc_lan.h"

#define NETFN_APP		0x06
#define NETFN_TRANSPORT		0x0c
#define CMD_GET_CHANNEL_INFO	0x42
#define CMD_GET_LAN_CONFIG	0x02
#define MEDIUM_LAN_8023		0x04
#define MEDIUM_LAN_OTHER	0x06
#define PARAM_IP_SOURCE		4
#define PARAM_IP		3
#define PARAM_MAC		5
#define XFER_TIMEOUT_MS		10000	/* the kernel retries before it answers */
#define READ_TIMEOUT_MS		20000	/* the whole walk, however the BMC answers */

bool
bmc_lan_is_lan(const uint8_t *rsp, size_t len)
{
	uint8_t medium;

	if (len < 3 || rsp[0] != 0)
		return false;
	medium = rsp[2] & 0x7f;
	return medium == MEDIUM_LAN_8023 || medium == MEDIUM_LAN_OTHER;
}

/* Answer to Get LAN Configuration Parameters: code 0, revision, n bytes. */
static const uint8_t *
lan_param(const uint8_t *rsp, size_t len, size_t n)
{
	return len >= 2 + n && rsp[0] == 0 ? rsp + 2 : NULL;
}

bool
bmc_lan_parse_ip(const uint8_t *rsp, size_t len, char out[16])
{
	const uint8_t *p = lan_param(rsp, len, 4);

	out[0] = '\0';
	if (p == NULL || (p[0] | p[1] | p[2] | p[3]) == 0)
		return false;
	snprintf(out, 16, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
	return true;
}

bool
bmc_lan_parse_mac(const uint8_t *rsp, size_t len, char out[18])
{
	const uint8_t *p = lan_param(rsp, len, 6);

	out[0] = '\0';
	if (p == NULL || (p[0] | p[1] | p[2] | p[3] | p[4] | p[5]) == 0)
		return false;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3],
	    p[4], p[5]);
	return true;
}

bool
bmc_lan_parse_source(const uint8_t *rsp, size_t len, char out[8])
{
	static const char *names[] = { NULL, "static", "dhcp", "bios", "other" };
	const uint8_t *p = lan_param(rsp, len, 1);

	out[0] = '\0';
	if (p == NULL || (p[0] & 0x0f) == 0 || (p[0] & 0x0f) > 4)
		return false;
	snprintf(out, 8, "%s", names[p[0] & 0x0f]);
	return true;
}

static int
get_param(bmc_lan_xfer xfer, void *ctx, int ch, uint8_t param, uint8_t *rsp,
    size_t rlen)
{
	uint8_t req[4] = { (uint8_t)ch, param, 0, 0 };

	return xfer(ctx, NETFN_TRANSPORT, CMD_GET_LAN_CONFIG, req, sizeof(req), rsp,
	    rlen);
}

/* Channel ch, when it is a LAN channel with an address; -1: the BMC is gone. */
static int
walk_channel(bmc_lan_xfer xfer, void *ctx, int ch, struct bmc_lan *out)
{
	uint8_t req = (uint8_t)ch, rsp[64];
	int n;

	if ((n = xfer(ctx, NETFN_APP, CMD_GET_CHANNEL_INFO, &req, 1, rsp,
	    sizeof(rsp))) < 0)
		return -1;
	if (!bmc_lan_is_lan(rsp, (size_t)n))
		return 0;
	if ((n = get_param(xfer, ctx, ch, PARAM_IP, rsp, sizeof(rsp))) < 0)
		return -1;
	if (!bmc_lan_parse_ip(rsp, (size_t)n, out->address))
		return 0;
	out->channel = ch;
	if ((n = get_param(xfer, ctx, ch, PARAM_MAC, rsp, sizeof(rsp))) >= 0)
		bmc_lan_parse_mac(rsp, (size_t)n, out->mac);
	if ((n = get_param(xfer, ctx, ch, PARAM_IP_SOURCE, rsp, sizeof(rsp))) >= 0)
		bmc_lan_parse_source(rsp, (size_t)n, out->source);
	return 1;
}

bool
bmc_lan_walk(bmc_lan_xfer xfer, void *ctx, struct bmc_lan *out)
{
	memset(out, 0, sizeof(*out));
	for (int ch = BMC_LAN_FIRST_CHANNEL; ch <= BMC_LAN_LAST_CHANNEL; ch++) {
		int r = walk_channel(xfer, ctx, ch, out);
		if (r != 0)
			return r > 0;
	}
	return false;
}

/* --- the Linux IPMI device ------------------------------------------------ */

struct dev {
	int	fd;
	long	msgid;
	long	deadline;	/* monotonic ms */
};

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int
dev_recv(struct dev *d, uint8_t *rsp, size_t rlen)
{
	struct ipmi_system_interface_addr ra;
	struct ipmi_recv rv;
	struct pollfd p = { .fd = d->fd, .events = POLLIN };

	for (;;) {
		long left = d->deadline - now_ms();
		if (left <= 0 || poll(&p, 1, left < XFER_TIMEOUT_MS ? (int)left :
		    XFER_TIMEOUT_MS) <= 0)
			return -1;
		memset(&rv, 0, sizeof(rv));
		rv.addr = (unsigned char *)&ra;
		rv.addr_len = sizeof(ra);
		rv.msg.data = rsp;
		rv.msg.data_len = (unsigned short)rlen;
		if (ioctl(d->fd, IPMICTL_RECEIVE_MSG_TRUNC, &rv) < 0 && errno != EMSGSIZE)
			return -1;
		if (rv.recv_type == IPMI_RESPONSE_RECV_TYPE && rv.msgid == d->msgid)
			return rv.msg.data_len > rlen ? (int)rlen : rv.msg.data_len;
	}
}

static int
dev_xfer(void *ctx, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t dlen,
    uint8_t *rsp, size_t rlen)
{
	struct dev *d = ctx;
	struct ipmi_system_interface_addr a = { .addr_type =
	    IPMI_SYSTEM_INTERFACE_ADDR_TYPE, .channel = IPMI_BMC_CHANNEL };
	uint8_t buf[16];
	struct ipmi_req req = { .addr = (unsigned char *)&a, .addr_len = sizeof(a),
	    .msgid = ++d->msgid, .msg = { .netfn = netfn, .cmd = cmd, .data = buf,
	    .data_len = (unsigned short)dlen } };

	if (dlen > sizeof(buf))
		return -1;
	memcpy(buf, data, dlen);
	if (ioctl(d->fd, IPMICTL_SEND_COMMAND, &req) < 0)
		return -1;
	return dev_recv(d, rsp, rlen);
}

bool
bmc_lan_read(struct bmc_lan *out)
{
	static const char *paths[] = { "/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0" };
	struct dev d = { .fd = -1, .deadline = now_ms() + READ_TIMEOUT_MS };
	bool found;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && d.fd < 0; i++)
		d.fd = open(paths[i], O_RDWR | O_CLOEXEC);
	if (d.fd < 0)
		return false;
	found = bmc_lan_walk(dev_xfer, &d, out);
	close(d.fd);
	return found;
}
