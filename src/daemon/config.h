#ifndef INGOT_CONFIG_H
#define INGOT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config {
	char	*listen;
	char	*public_url;
	int	 api_threads;
	int	 max_body;
	int	 conn_limit;
	int	 per_ip_limit;
	int	 conn_timeout;
	char	*ramdisk_endpoints;
	char	*tls_priorities;
	int	 max_patch_ops;
	bool	 metrics;
	int	 max_object_size;
	char	*tls_cert_file;
	char	*tls_key_file;
	bool	 web_console;
	char	*web_root;
	int	 web_refresh;
	char	*db_path;
	char	*db_connection;
	char	*host;
	char	*group;
	char	*role;		/* all, api, conductor */
	int	 workers;
	bool	 automated_clean;
	int	 power_timeout;
	int	 heartbeat_interval;
	int	 cond_heartbeat_timeout;	/* [conductor]: dead after */
	char	*api_url;
	int	 sync_power_interval;
	int	 sync_power_workers;
	int	 power_failure_max;
	bool	 force_power_state;
	int	 switch_reconcile_interval;
	int	 lock_retry_attempts;
	int	 lock_retry_interval;
	int	 callback_timeout;
	int	 heartbeat_timeout;
	int	 inspect_max_interfaces;
	int	 inspect_max_disks;
	int	 inspect_max_size;
	bool	 discovery;
	char	*discovery_driver;
	int	 discovery_rate;
	int	 discovery_max_enroll;
	char	*discovery_bmc_networks;
	bool	 erase_devices;
	char	*image_cache;
	char	*image_url;
	bool	 dhcp_enabled;
	char	*dhcp_ovsdb;
	char	*dhcp_bridge;
	char	*dnsmasq;
	char	*dhcp_state_dir;
	char	*tftp_root;
	char	*tenant_vlan_ranges;
	int	 max_networks_per_project;
	bool	 uplinks_carry_provisioning;
	int	 max_members_per_network;
	char	*deploy_kernel;
	char	*deploy_ramdisk;
	char	*kernel_append;
	char	*file_url_allowed_paths;
	int	 image_download_timeout;
	int	 image_stall_timeout;
	int	 image_max_size;
	bool	 image_follow_redirects;
	char	*image_allowed_hosts;
	char	*image_download_source;
	int	 image_download_workers;
	int	 ipmi_timeout_ms;
	int	 ipmi_retries;
	int	 ipmi_backoff_ms;
	int	 redfish_timeout;
	int	 redfish_connect_timeout;
	int	 redfish_retries;
	int	 redfish_task_timeout;
	char	*vmedia_dir;
	int	 vmedia_max_size;
	char	*vmedia_http_url;
	bool	 vmedia_uefi;
	char	*log_file;
	char	*log_level;
	char	*log_format;
	char	*auth_strategy;
	char	*auth_htpasswd;
	char	*auth_roles;
	int	 failed_auth_window_ms;
	char	*secret_key_file;
	char	*ks_url;
	char	*ks_username;
	char	*ks_password;
	char	*ks_project;
	char	*ks_user_domain;
	char	*ks_project_domain;
	char	*ks_token_file;
	int	 ks_cache_seconds;
	char	*recovery_policy;
	int	 recovery_bmc_failures;
	int	 recovery_power_off_grace;
	char	*recovery_spare_trait;
	int	 recovery_max_per_pass;
	int	 recovery_sensor_failures;
	int	 recovery_auto_retries;
	char	*storage_pool_dir;
	char	*storage_tgtadm;
	int	 storage_tgt_control_port;
	char	*storage_portal;
	char	*storage_iqn_prefix;
	int	 storage_max_volume_gb;
	int	 storage_max_volumes;
	int	 storage_max_attachments;
	char	*console_listen;
	int	 console_raw_port;
	int	 console_ws_port;
	char	*console_public_host;
	char	*console_log_dir;
	int	 console_log_size;
	int	 console_token_ttl;
	int	 console_auth_timeout;
	int	 console_max_connections;
	int	 console_max_watchers;
	char	*cinder_auth_url;
	char	*cinder_username;
	char	*cinder_password;
	char	*cinder_project;
	char	*cinder_user_domain;
	char	*cinder_project_domain;
	char	*cinder_url;
	char	*cinder_interface;
	int	 cinder_timeout;
};

extern struct config cfg;

void	config_defaults(void);
int	config_set(const char *section, const char *key, const char *value,
	    char *err, size_t len);
/* Loads an INI file; [switch:NAME] sections go to switch_hook (may be NULL). */
int	config_load(const char *path, int (*switch_hook)(const char *, const char *,
	    const char *, char *, size_t), char *err, size_t len);
/* SIGHUP: sets again from path the options that may change while running
 * ([log] level and format, [auth] htpasswd_file and roles_file, [api]
 * tls_cert_file and tls_key_file); [switch:NAME] sections go to switch_hook
 * (may be NULL: left alone). */
int	config_reload(const char *path, int (*switch_hook)(const char *, const char *,
	    const char *, char *, size_t), char *err, size_t len);
void	config_print_example(FILE *fp);
void	config_free(void);

#endif
