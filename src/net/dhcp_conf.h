/*
 * What a network's dnsmasq is told: its configuration file and its host
 * entries, rendered from the network record.  Pure functions (no files,
 * no processes, no globals), tested in tests/unit/test_dhcp_conf.c.
 * Every address written is re-printed from its parsed value, so nothing
 * but an address can reach a configuration line.
 */
#ifndef INGOT_DHCP_CONF_H
#define INGOT_DHCP_CONF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dhcp_render {
	const char	*ifname;	/* the server's port in its namespace */
	const char	*dir;		/* the network's state directory */
	bool		 provisioning;	/* TFTP and iPXE chain-loading */
	const char	*tftp_root;	/* holds undionly.kpxe, ipxe.efi */
	int		 http_port;	/* ingotd's port for iPXE */
	bool		 tls;		/* that port serves HTTPS */
	bool		 any_mac;	/* answer unknown MACs (discovery) */
	bool		 sanboot;	/* tenant: iPXE to /sanboot.ipxe */
};

/*
 * The server's address on network n: extra.dhcp_server_ip, else the first
 * host address of its cidr (the second if the gateway has the first).
 * NULL if there is none.
 */
const char	*dhcp_conf_server_ip(json_t *n, char *buf, size_t len);
/* The server's address with the network's prefix ("10.1.0.1/24"), or -1. */
int		 dhcp_conf_server_cidr(json_t *n, char *buf, size_t len);
/* n's dnsmasq.conf (malloc'd), or NULL if n has no usable cidr or range. */
char		*dhcp_conf_render(json_t *n, const struct dhcp_render *r);
/* A host file: "MAC,IP\n". */
int		 dhcp_conf_host_line(const char *mac, const char *ip, char *buf,
		    size_t len);
/* The address of a host file's first line, false if it has none. */
bool		 dhcp_conf_host_ip(const char *line, uint32_t *ip);
/* The first address of lo..hi not set in used (used[a - lo]), or false. */
bool		 dhcp_conf_first_free(uint32_t lo, uint32_t hi,
		    const unsigned char *used, uint32_t *out);

#endif
