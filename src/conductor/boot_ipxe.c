/*
 * Boot interface "ipxe": while a node runs the deploy ramdisk, each of its
 * PXE-enabled ports has a host entry on the provisioning network's DHCP
 * server, and ingotd's HTTP answers the node's iPXE script with the deploy
 * kernel and ramdisk.  Otherwise the node gets no boot answer (and its
 * iPXE script says "exit", so the firmware boots from disk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "boot_ipxe.h"
#include "dhcp.h"
#include "images.h"
#include "fsm.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "model_access.h"
#include "volpool.h"

static struct ipxe_conf iconf;

void
boot_ipxe_configure(const struct ipxe_conf *c)
{
	iconf = *c;
}

const struct ipxe_conf *
boot_ipxe_conf(void)
{
	return &iconf;
}

json_t *
boot_network(const char *purpose)
{
	struct store_query q = { .nfilters = 1 };
	json_t *p = json_string(purpose), *list, *n;
	char err[128];

	q.filters[0].field = "purpose";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = p;
	list = store_list(store_thread(), &model_network, &q, err, sizeof(err));
	n = json_incref(json_array_get(list, 0));
	json_decref(list);
	json_decref(p);
	return n;
}

static json_t *
pxe_ports(json_t *node)
{
	struct store_query q = { .nfilters = 1 };
	char err[128];

	q.filters[0].field = "node_uuid";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = json_object_get(node, "uuid");
	return store_list(store_thread(), &model_port, &q, err, sizeof(err));
}

/* The network a node's ramdisk boots on: the rescuing network's while
 * rescuing (its ports are on that VLAN, docs/rescue.md), else the
 * provisioning network. */
static json_t *
ramdisk_network(json_t *node)
{
	json_t *net = NULL;

	if (fsm_phase(node_provision_state(node)) == NET_RESCUING)
		net = boot_network("rescuing");
	return net != NULL ? net : boot_network("provisioning");
}

int
boot_ipxe_prepare(json_t *node, char *err, size_t len)
{
	json_t *net = ramdisk_network(node), *ports, *p;
	char ip[64];
	size_t i;
	int rc = 0;

	if (net == NULL) {
		snprintf(err, len, "no provisioning network is defined");
		return -1;
	}
	ports = pxe_ports(node);
	json_array_foreach(ports, i, p) {
		if (!json_is_true(json_object_get(p, "pxe_enabled")))
			continue;
		if (dhcp_host_add(net, jstr(p, "address"), ip, sizeof(ip), err, len) != 0) {
			rc = -1;
			break;
		}
	}
	json_decref(ports);
	json_decref(net);
	if (rc == 0)
		json_object_set_new(node_driver_internal_info(node),
		    "boot_ramdisk", json_true());
	return rc;
}

int
boot_ipxe_clean_up(json_t *node, char *err, size_t len)
{
	json_t *net = boot_network("provisioning"), *resc = boot_network("rescuing");
	json_t *ports, *p;
	size_t i;

	(void)err; (void)len;
	json_object_del(node_driver_internal_info(node), "boot_ramdisk");
	ports = pxe_ports(node);
	json_array_foreach(ports, i, p) {
		if (net != NULL)
			dhcp_host_remove(net, jstr(p, "address"));
		if (resc != NULL)
			dhcp_host_remove(resc, jstr(p, "address"));
	}
	json_decref(ports);
	json_decref(net);
	json_decref(resc);
	return 0;
}

/* The base URL a node's ramdisk reaches ingotd at: on the rescuing
 * network, that network's server address. */
static void
node_base_url(json_t *node, char *buf, size_t len)
{
	json_t *net = fsm_phase(node_provision_state(node)) == NET_RESCUING ?
	    boot_network("rescuing") : NULL;
	char ip[64];

	if (net != NULL && dhcp_enabled() && dhcp_server_ip(net, ip, sizeof(ip)) != NULL)
		snprintf(buf, len, "%s://%s:%d", iconf.tls ? "https" : "http", ip,
		    iconf.http_port);
	else
		boot_ipxe_base_url(buf, len);
	json_decref(net);
}

/* The base URL nodes on the provisioning network reach ingotd at. */
void
boot_ipxe_base_url(char *buf, size_t len)
{
	json_t *net;
	char ip[64];

	if (iconf.http_url != NULL && iconf.http_url[0] != '\0') {
		snprintf(buf, len, "%s", iconf.http_url);
		return;
	}
	net = boot_network("provisioning");
	if (net != NULL && dhcp_server_ip(net, ip, sizeof(ip)) != NULL)
		snprintf(buf, len, "%s://%s:%d", iconf.tls ? "https" : "http", ip,
		    iconf.http_port);
	else
		snprintf(buf, len, "%s://127.0.0.1:%d", iconf.tls ? "https" : "http",
		    iconf.http_port);
	json_decref(net);
}

/* A node booting from its volume gets its sanboot script (with its CHAP
 * secret: the script is never logged). */
static bool
volume_script(FILE *fp, json_t *node)
{
	const char *st = node_provision_state(node);
	char *s;

	if (st == NULL || (strcmp(st, "active") != 0 && strcmp(st, "deploying") != 0))
		return false;
	if ((s = storage_sanboot_script(node)) == NULL)
		return false;
	fputs(s, fp);
	explicit_bzero(s, strlen(s));
	free(s);
	return true;
}

/* A MAC no port and no VM member has. */
static bool
mac_known(const char *mac)
{
	json_t *m = store_get(store_thread(), &model_port, "address", mac);

	if (m == NULL)
		m = store_get(store_thread(), &model_member, "address", mac);
	json_decref(m);
	return m != NULL;
}

/* Discovery: an unknown machine boots the deploy ramdisk, whose agent
 * posts its inventory (no node to name: the files are "discovery"'s). */
static void
discovery_script(FILE *fp)
{
	char url[300];

	boot_ipxe_base_url(url, sizeof(url));
	fprintf(fp, "#!ipxe\necho Ingot: discovery ramdisk for ${net0/mac}\n"
	    "kernel %s/boot/discovery/kernel initrd=ramdisk ipa-api-url=%s ipa-collect-lldp=1 "
	    "ipa-inspection-callback-url=%s/v1/continue_inspection%s "
	    "BOOTIF=${net0/mac} console=ttyS0,115200 %s\n"
	    "initrd --name ramdisk %s/boot/discovery/ramdisk\nboot\n", url, url, url,
	    iconf.tls ? "" : " ipa-insecure=1",
	    iconf.kernel_append ? iconf.kernel_append : "", url);
}

/* The deploy ramdisk's script for a node that boots it; inspecting, the
 * agent posts its inventory and LLDP first. */
static void
ramdisk_script(FILE *fp, json_t *node)
{
	char url[300];
	bool insp = strncmp(jstr(node, "provision_state") ? jstr(node,
	    "provision_state") : "", "inspect", 7) == 0;

	node_base_url(node, url, sizeof(url));
	/* initrd=ramdisk: UEFI firmware boots the kernel's EFI stub, which
	 * loads the initrd iPXE holds by that name */
	fprintf(fp, "#!ipxe\necho Ingot: deploy ramdisk for node %s\n"
	    "kernel %s/boot/%s/kernel initrd=ramdisk ipa-api-url=%s%s%s%s%s "
	    "BOOTIF=${net0/mac} console=ttyS0,115200 %s\n"
	    "initrd --name ramdisk %s/boot/%s/ramdisk\nboot\n", node_uuid(node), url,
	    node_uuid(node), url, insp ? " ipa-collect-lldp=1 "
	    "ipa-inspection-callback-url=" : "", insp ? url : "",
	    insp ? "/v1/continue_inspection" : "",
	    /* with TLS the agent verifies ingotd (CA in the ramdisk or ipa-ca-file=) */
	    iconf.tls ? "" : " ipa-insecure=1",
	    iconf.kernel_append ? iconf.kernel_append : "",
	    url, node_uuid(node));
}

char *
boot_ipxe_script(const char *mac_in)
{
	char mac[18], url[300], *out = NULL;
	json_t *port, *node = NULL;
	size_t sz = 0;
	FILE *fp;

	fp = open_memstream(&out, &sz);
	if (fp == NULL)
		return NULL;
	if (mac_in == NULL) {
		/* The first script: chain to the per-MAC one, relative to
		 * where this one came from (iPXE resolves it against the
		 * script's URI): the provisioning listener, or the rescuing
		 * network's, whichever dnsmasq pointed the node at; the scheme
		 * (https) stays the same. */
		fprintf(fp, "#!ipxe\nchain ipxe/${net0/mac:hexhyp} || exit\n");
		fclose(fp);
		return out;
	}
	snprintf(url, sizeof(url), "%s", mac_in);
	for (char *c = url; *c; c++)
		if (*c == '-')
			*c = ':';
	if (util_normalize_mac(url, mac) &&
	    (port = store_get(store_thread(), &model_port, "address", mac)) != NULL) {
		node = store_get(store_thread(), &model_node, "uuid", jstr(port, "node_uuid"));
		json_decref(port);
	}
	/* With ingotd's DHCP, a node booting from its volume gets its script
	 * on its tenant network (sanboot.c), never here; without it, the
	 * operator's network routes the node here by MAC. */
	if (node != NULL && !dhcp_enabled() && storage_boot_from_volume(node) &&
	    volume_script(fp, node)) {
		;	/* the node's sanboot script, written */
	} else if (node == NULL && iconf.discovery && util_normalize_mac(url, mac) &&
	    !mac_known(mac)) {
		discovery_script(fp);
	} else if (node == NULL || !json_is_true(json_object_get(json_object_get(node,
	    "driver_internal_info"), "boot_ramdisk"))) {
		fprintf(fp, "#!ipxe\necho Ingot: no deploy for ${net0/mac}, booting "
		    "from disk\nexit\n");
	} else {
		ramdisk_script(fp, node);
	}
	json_decref(node);
	fclose(fp);
	return out;
}

static bool
same_file(const char *a, const char *b)
{
	if (a != NULL && strncmp(a, "file://", 7) == 0)
		a += 7;
	if (b != NULL && strncmp(b, "file://", 7) == 0)
		b += 7;
	return a != NULL && b != NULL && *a == '/' && strcmp(a, b) == 0;
}

bool
boot_ipxe_file_ok(const char *p)
{
	if (p == NULL)
		return false;
	if (same_file(p, iconf.kernel) || same_file(p, iconf.ramdisk))
		return true;
	if (strncmp(p, "file://", 7) == 0)
		p += 7;
	return images_file_allowed(p);
}


/* The configured ramdisk's files, for machines being discovered. */
static int
discovery_file(const char *what, char *path, size_t len)
{
	const char *p = strcmp(what, "kernel") == 0 ? iconf.kernel :
	    strcmp(what, "ramdisk") == 0 ? iconf.ramdisk : NULL;

	if (!iconf.discovery || p == NULL || !boot_ipxe_file_ok(p))
		return -1;
	snprintf(path, len, "%s", strncmp(p, "file://", 7) == 0 ? p + 7 : p);
	return 0;
}

int
boot_ipxe_file(const char *node_uuid, const char *what, char *path, size_t len)
{
	json_t *node, *di;
	const char *p = NULL;
	int rc = -1;

	if (strcmp(node_uuid, "discovery") == 0)
		return discovery_file(what, path, len);
	if ((node = store_get(store_thread(), &model_node, "uuid", node_uuid)) == NULL)
		return -1;
	di = node_driver_info(node);
	if (strcmp(what, "kernel") == 0)
		p = jstr(di, "deploy_kernel") ? jstr(di, "deploy_kernel") : iconf.kernel;
	else if (strcmp(what, "ramdisk") == 0)
		p = jstr(di, "deploy_ramdisk") ? jstr(di, "deploy_ramdisk") : iconf.ramdisk;
	/* Only while the node boots its ramdisk, and only the configured
	 * files or ones in the allowed directories (checked again here: a
	 * path stored before the rule, or a symlink changed since). */
	if (fsm_ramdisk(node_provision_state(node)) && boot_ipxe_file_ok(p)) {
		if (strncmp(p, "file://", 7) == 0)
			p += 7;
		snprintf(path, len, "%s", p);
		rc = 0;
	}
	json_decref(node);
	return rc;
}

const struct hw_generic_ops boot_ipxe_ops = {
	.name = "ipxe",
	.prepare_ramdisk = boot_ipxe_prepare,
	.clean_up_ramdisk = boot_ipxe_clean_up,
};
