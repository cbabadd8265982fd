#ifndef INGOT_BOOT_IPXE_H
#define INGOT_BOOT_IPXE_H

#include <jansson.h>

#include "hw.h"
#include <stdbool.h>
#include <stddef.h>

struct ipxe_conf {
	const char	*kernel;	/* default deploy kernel (path) */
	const char	*ramdisk;	/* default deploy ramdisk (path) */
	const char	*kernel_append;	/* extra kernel arguments */
	const char	*http_url;	/* base URL for nodes; empty: provisioning IP */
	int		 http_port;
	bool		 tls;		/* ingotd serves HTTPS only */
	bool		 discovery;	/* unknown MACs boot the ramdisk */
};

void	boot_ipxe_configure(const struct ipxe_conf *c);
const struct ipxe_conf *boot_ipxe_conf(void);	/* as configured */
/* The "ipxe" boot interface (registered with the drivers at start). */
extern const struct hw_generic_ops boot_ipxe_ops;
int	boot_ipxe_prepare(json_t *node, char *err, size_t len);
int	boot_ipxe_clean_up(json_t *node, char *err, size_t len);
/* iPXE script for a MAC (NULL: the chain script); malloc'd text. */
char	*boot_ipxe_script(const char *mac);
/* Path of a node's deploy kernel or ramdisk, while it boots its ramdisk. */
int	boot_ipxe_file(const char *node_uuid, const char *what, char *path, size_t len);
/* May driver_info deploy_kernel/deploy_ramdisk name p?  The configured
 * [deploy] kernel or ramdisk, or a file in file_url_allowed_paths. */
bool	boot_ipxe_file_ok(const char *p);
/*
 * The sanboot script of the node that holds address peer on the tenant
 * network served in netns (sanboot.c), or NULL: no such node, or it does
 * not boot from a volume now.  malloc'd; holds a CHAP secret.
 */
char	*boot_sanboot_script(const char *netns, const char *peer);
/* The same node's attached volumes, a line each (storage_connections_text),
 * while it is deploying or active; NULL: no such node.  Holds secrets. */
char	*boot_node_volumes(const char *netns, const char *peer);
/* The network with this purpose, or NULL (new reference). */
json_t	*boot_network(const char *purpose);

/*
 * The base URL deploy ramdisks reach ingotd at: [deploy] http_url, else
 * the provisioning network's server address, else the API's own.
 */
void	boot_ipxe_base_url(char *buf, size_t len);

#endif
