/*
 * The agent listens for its switch's LLDP frames itself (no daemon in the
 * ramdisk): one AF_PACKET socket per NIC, bound to ethertype 0x88cc, with
 * the nearest-bridge multicast address 01:80:c2:00:00:0e joined so a NIC
 * that filters multicast still passes them.  Bounded in time and in
 * bytes: one frame of at most 1600 bytes is kept per NIC.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "lldp.h"
#include "lldp_listen.h"

#define LLDP_MAX_IFS	AGENT_MAXMACS

static int
open_one(const char *ifname)
{
	static const unsigned char group[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	struct sockaddr_ll sa = { .sll_family = AF_PACKET,
	    .sll_protocol = htons(LLDP_ETHERTYPE) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_MULTICAST, .mr_alen = 6 };
	int s;

	if ((sa.sll_ifindex = (int)if_nametoindex(ifname)) == 0)
		return -1;
	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    htons(LLDP_ETHERTYPE))) < 0) {
		alog("lldp: %s: raw socket: %s", ifname, strerror(errno));
		return -1;
	}
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		alog("lldp: %s: bind: %s", ifname, strerror(errno));
		close(s);
		return -1;
	}
	mr.mr_ifindex = sa.sll_ifindex;
	memcpy(mr.mr_address, group, sizeof(group));
	if (setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0)
		alog("lldp: %s: cannot join the LLDP group: %s", ifname, strerror(errno));
	return s;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads what waits on fd; the IPA list of the first LLDP frame, or NULL. */
static json_t *
read_one(int fd)
{
	unsigned char buf[1600];
	ssize_t n;
	json_t *l = NULL;

	while (l == NULL && (n = recv(fd, buf, sizeof(buf), MSG_TRUNC)) > 0)
		if ((size_t)n <= sizeof(buf))
			l = lldp_frame_ipa(buf, (size_t)n);
	return l;
}

json_t *
lldp_listen(const char *const *ifnames, int n, double timeout)
{
	struct pollfd p[LLDP_MAX_IFS];
	json_t *out = json_object();
	double end = now_s() + timeout;
	int open_n = 0;

	n = n < LLDP_MAX_IFS ? n : LLDP_MAX_IFS;
	for (int i = 0; i < n; i++) {
		p[i].fd = open_one(ifnames[i]);
		p[i].events = POLLIN;
		open_n += p[i].fd >= 0;
	}
	while (open_n > 0 && !agent_quit && now_s() < end) {
		int ms = (int)((end - now_s()) * 1000) + 1;
		if (poll(p, (nfds_t)n, ms) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			json_t *l;
			if (p[i].fd < 0 || !(p[i].revents & POLLIN) ||
			    (l = read_one(p[i].fd)) == NULL)
				continue;
			json_object_set_new(out, ifnames[i], l);
			close(p[i].fd);
			p[i].fd = -1;
			open_n--;
		}
	}
	for (int i = 0; i < n; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	alog("lldp: %zu of %d interface(s) heard their switch", json_object_size(out), n);
	return out;
}
