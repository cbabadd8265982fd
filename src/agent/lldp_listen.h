/* LLDP frames heard on the machine's NICs (lldp_listen.c). */
#ifndef INGOT_AGENT_LLDP_LISTEN_H
#define INGOT_AGENT_LLDP_LISTEN_H

#include <jansson.h>

/*
 * Listens on each named interface (a raw AF_PACKET socket for ethertype
 * 0x88cc, the LLDP multicast address joined) until every one has heard a
 * well-formed LLDP frame or timeout seconds passed.  Returns an object
 * {ifname: IPA's lldp list} with the first frame each one heard; an
 * interface that heard none (or could not be opened) is absent.
 */
json_t	*lldp_listen(const char *const *ifnames, int n, double timeout);

#endif
