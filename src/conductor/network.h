/* DHCP servers and the provisioning listener follow the networks. */
#ifndef INGOT_NETWORK_H
#define INGOT_NETWORK_H

void	 network_sync_all(void);

#endif
