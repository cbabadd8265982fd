/*
 * GET /sanboot.ipxe, on tenant networks' listeners only (SYS_SANBOOT):
 * the script of the node that holds the caller's address (see
 * conductor/sanboot.c).  Anything else gets 404, the same for every
 * failure, so the answer tells a prober nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api.h"
#include "boot_ipxe.h"
#include "http_mhd.h"

/* The caller's IPv4 address, or NULL. */
static const char *
peer_ip(struct req *q, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci = q->conn ? MHD_get_connection_info(q->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
	const struct sockaddr_in *sa;

	if (ci == NULL || ci->client_addr == NULL ||
	    ci->client_addr->sa_family != AF_INET)
		return NULL;
	sa = (const struct sockaddr_in *)(const void *)ci->client_addr;
	return inet_ntop(AF_INET, &sa->sin_addr, buf, (socklen_t)len);
}

static void
answer(struct resp *r, char *s)
{
	if (s == NULL) {
		api_error(r, 404, "The resource could not be found.");
		return;
	}
	r->status = 200;
	r->text = s;
}

void
h_sanboot_script(struct req *q, struct resp *r)
{
	char ip[INET_ADDRSTRLEN];

	answer(r, boot_sanboot_script(q->tenant_ns, peer_ip(q, ip, sizeof(ip))));
}

/* GET /volumes: the calling node's attached volumes, one a line:
 * "<boot_index> <portal> <target iqn> <lun> <CHAP user> <CHAP secret>". */
void
h_node_volumes(struct req *q, struct resp *r)
{
	char ip[INET_ADDRSTRLEN];

	answer(r, boot_node_volumes(q->tenant_ns, peer_ip(q, ip, sizeof(ip))));
}
