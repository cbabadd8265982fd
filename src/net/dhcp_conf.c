/* dnsmasq configurations and host entries of a network (dhcp_conf.h). */
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "dhcp_conf.h"
#include "jsonutil.h"
#include "strbuf.h"

static int
vlan_of(json_t *n)
{
	return (int)json_integer_value(json_object_get(n, "vlan_id"));
}

static bool
server_addr(json_t *n, struct cidr *net, uint32_t *ip)
{
	const char *fixed = jstr(json_object_get(n, "extra"), "dhcp_server_ip");
	uint32_t gw = 0, first;

	if (!cidr_parse(jstr(n, "cidr"), 8, 30, net))
		return false;
	if (fixed != NULL)
		return ip4_parse(fixed, ip);
	if (jstr(n, "gateway") != NULL && !ip4_parse(jstr(n, "gateway"), &gw))
		gw = 0;
	if (!cidr_nth(net, 1, &first))
		return false;
	/* The first host address, unless the gateway has it. */
	return cidr_nth(net, gw == first ? 2 : 1, ip);
}

const char *
dhcp_conf_server_ip(json_t *n, char *buf, size_t len)
{
	const char *fixed = jstr(json_object_get(n, "extra"), "dhcp_server_ip");
	struct cidr net;
	uint32_t ip;

	/* A fixed address needs no cidr to be named (only to be served). */
	if (fixed != NULL && ip4_parse(fixed, &ip)) {
		ip4_str(ip, buf, len);
		return buf;
	}
	if (fixed != NULL || !server_addr(n, &net, &ip))
		return NULL;
	ip4_str(ip, buf, len);
	return buf;
}

int
dhcp_conf_server_cidr(json_t *n, char *buf, size_t len)
{
	struct cidr net;
	uint32_t ip;
	char a[16];

	if (!server_addr(n, &net, &ip))
		return -1;
	ip4_str(ip, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, net.bits);
	return 0;
}

/* Router and DNS servers: options 3 and 6, empty when the network has none. */
static void
render_options(struct strbuf *b, json_t *n)
{
	char a[16];
	uint32_t ip;
	json_t *d;
	size_t i;

	if (ip4_parse(jstr(n, "gateway"), &ip)) {
		ip4_str(ip, a, sizeof(a));
		sb_printf(b, "dhcp-option=3,%s\n", a);
	} else {
		sb_puts(b, "dhcp-option=3\n");
	}
	sb_puts(b, "dhcp-option=6");
	json_array_foreach(json_object_get(n, "dns_servers"), i, d) {
		if (ip4_parse(json_string_value(d), &ip)) {
			ip4_str(ip, a, sizeof(a));
			sb_printf(b, ",%s", a);
		}
	}
	sb_puts(b, "\n");
}

/* TFTP for PXE ROMs, then iPXE (DHCP option 175) to ingotd's boot script. */
static void
render_pxe(struct strbuf *b, const struct dhcp_render *r, const char *server)
{
	sb_printf(b, "enable-tftp\ntftp-root=%s\ndhcp-match=set:ipxe,175\n"
	    "dhcp-match=set:efi64,option:client-arch,7\n"
	    "dhcp-match=set:efi64,option:client-arch,9\n"
	    "dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi\n"
	    "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"
	    "dhcp-boot=tag:ipxe,http%s://%s:%d/boot.ipxe\n"
	    "dhcp-option=tag:ipxe,encap:175,176,1\n", r->tftp_root,
	    r->tls ? "s" : "", server, r->http_port);
}

/*
 * A tenant network where nodes may boot from volumes: iPXE clients (and
 * only they: PXE ROMs get no boot file) are sent to ingotd's listener on
 * this network, which answers a node's sanboot script to the address its
 * host entry holds, and nothing else.
 */
static void
render_sanboot(struct strbuf *b, const struct dhcp_render *r, const char *server)
{
	sb_printf(b, "dhcp-match=set:ipxe,175\n"
	    "dhcp-boot=tag:ipxe,http%s://%s:%d/sanboot.ipxe\n",
	    r->tls ? "s" : "", server, r->http_port);
}

char *
dhcp_conf_render(json_t *n, const struct dhcp_render *r)
{
	char server[16], mask[16], lo[16], hi[16];
	struct cidr net;
	uint32_t ip, first, last;
	struct strbuf b;

	if (!server_addr(n, &net, &ip) ||
	    !ip4_range_parse(jstr(n, "dhcp_range"), &first, &last))
		return NULL;
	ip4_str(ip, server, sizeof(server));
	ip4_str(cidr_mask(&net), mask, sizeof(mask));
	ip4_str(first, lo, sizeof(lo));
	ip4_str(last, hi, sizeof(hi));
	sb_init(&b, 1024);
	sb_printf(&b, "# written by ingotd for network %s (VLAN %d); do not edit\n",
	    jstr(n, "name"), vlan_of(n));
	sb_printf(&b, "port=0\nbind-interfaces\ninterface=%s\nexcept-interface=lo\n"
	    "user=root\nno-resolv\nno-hosts\nno-ping\nlog-dhcp\n"
	    "log-facility=%s/dnsmasq.log\ndhcp-leasefile=%s/leases\n"
	    "dhcp-hostsdir=%s/hosts\npid-file=%s/dnsmasq.pid\n%s"
	    "dhcp-range=%s,%s,%s,1h\n", r->ifname, r->dir, r->dir, r->dir, r->dir,
	    r->any_mac ? "" : "dhcp-ignore=tag:!known\n", lo, hi, mask);
	/* IPv6 router advertisements: iPXE otherwise waits for autoconf. */
	sb_printf(&b, "enable-ra\ndhcp-range=fd00:%x::,ra-only,64,1h\nra-param=%s,10,0\n",
	    vlan_of(n), r->ifname);
	render_options(&b, n);
	if (r->provisioning)
		render_pxe(&b, r, server);
	else if (r->sanboot)
		render_sanboot(&b, r, server);
	return sb_take(&b);
}

int
dhcp_conf_host_line(const char *mac, const char *ip, char *buf, size_t len)
{
	int w = snprintf(buf, len, "%s,%s\n", mac, ip);

	return w < 0 || (size_t)w >= len ? -1 : 0;
}

bool
dhcp_conf_host_ip(const char *line, uint32_t *ip)
{
	char buf[64];
	const char *c = line != NULL ? strchr(line, ',') : NULL;
	size_t n;

	if (c == NULL || (n = strcspn(c + 1, "\n")) >= sizeof(buf))
		return false;
	memcpy(buf, c + 1, n);
	buf[n] = '\0';
	return ip4_parse(buf, ip);
}

bool
dhcp_conf_first_free(uint32_t lo, uint32_t hi, const unsigned char *used,
    uint32_t *out)
{
	for (uint32_t a = lo; a <= hi; a++) {
		if (!used[a - lo]) {
			*out = a;
			return true;
		}
		if (a == hi)	/* hi may be the last address */
			break;
	}
	return false;
}
