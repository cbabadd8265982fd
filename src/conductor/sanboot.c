/*
 * The sanboot script on a tenant network (boot_ipxe.h): a node that boots
 * from its volume gets its iPXE script, with its CHAP secret, from the
 * listener ingotd runs on its tenant network, and only at the address its
 * DHCP host entry there holds.  The request names no node: the caller's
 * address does.  Nobody on another network reaches that listener (the
 * switch keeps VLANs apart), and on the node's own network only whoever
 * holds the node's address is answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_ipxe.h"
#include "dhcp.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "store.h"
#include "volpool.h"

/* The tenant network whose DHCP server lives in netns, or NULL. */
static json_t *
network_of_netns(const char *netns)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string("tenant"), *all, *n, *out = NULL;
	char err[128], ns[64];
	size_t i;

	q.filters[0] = (struct store_filter){ "purpose", SO_EQ, v, NULL, NULL };
	all = store_list(store_thread(), &model_network, &q, err, sizeof(err));
	json_decref(v);
	json_array_foreach(all, i, n) {
		dhcp_netns_name(n, ns, sizeof(ns));
		if (strcmp(ns, netns) == 0) {
			out = json_incref(n);
			break;
		}
	}
	json_decref(all);
	return out;
}

/* The node whose port's host entry on net holds peer, or NULL. */
static json_t *
node_at(json_t *net, const char *peer)
{
	char mac[18];
	json_t *port, *node;

	if (dhcp_host_mac(net, peer, mac, sizeof(mac)) != 0 ||
	    (port = store_get(store_thread(), &model_port, "address", mac)) == NULL)
		return NULL;
	node = store_get(store_thread(), &model_node, "uuid", jstr(port, "node_uuid"));
	json_decref(port);
	return node;
}

char *
boot_node_volumes(const char *netns, const char *peer)
{
	json_t *net = netns && peer ? network_of_netns(netns) : NULL;
	json_t *node = net ? node_at(net, peer) : NULL;
	const char *st = node ? node_provision_state(node) : NULL;
	char *s = NULL;

	if (st != NULL && (strcmp(st, "active") == 0 || strcmp(st, "deploying") == 0))
		s = storage_connections_text(node);
	if (s != NULL)
		log_info("volume connections of node %s served to %s on network %s",
		    node_uuid(node), peer, network_name(net));
	json_decref(node);
	json_decref(net);
	return s;
}

char *
boot_sanboot_script(const char *netns, const char *peer)
{
	json_t *net = netns && peer ? network_of_netns(netns) : NULL;
	json_t *node = net ? node_at(net, peer) : NULL;
	const char *st = node ? node_provision_state(node) : NULL;
	char *s = NULL;

	if (st != NULL && storage_boot_from_volume(node) &&
	    (strcmp(st, "active") == 0 || strcmp(st, "deploying") == 0))
		s = storage_sanboot_script(node);
	if (s != NULL)
		log_info("sanboot script of node %s served to %s on network %s",
		    node_uuid(node), peer, network_name(net));
	else
		log_info("no sanboot script for %s on %s", peer, netns ? netns : "-");
	json_decref(node);
	json_decref(net);
	return s;
}
