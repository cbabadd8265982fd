/*
 * ingotd's configuration: one table of options drives the INI parser,
 * the command-line flags, the defaults and the example file
 * (etc/ingotd.conf.example is `ingotd --print-example-config`).
 */
#include "config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "web_paths.h"

struct config cfg;

enum opt_type { OT_STR, OT_INT, OT_BOOL };

struct option_def {
	const char	*section;
	const char	*key;
	enum opt_type	 type;
	size_t		 offset;
	long		 min, max;
	const char	*dflt;
	const char	*help;
};

#define O(f) offsetof(struct config, f)

static const struct option_def options[] = {
	{ "api", "listen", OT_STR, O(listen), 0, 0, "127.0.0.1:6385",
	  "Address and port of the REST API (IPv4 HOST:PORT)." },
	{ "api", "public_url", OT_STR, O(public_url), 0, 0, "",
	  "Base URL put in links; empty: taken from each request's Host header." },
	{ "api", "threads", OT_INT, O(api_threads), 1, 256, "4",
	  "HTTP worker threads." },
	{ "api", "max_body_size", OT_INT, O(max_body), 1024, 1L << 30, "1048576",
	  "Largest accepted request body in bytes; larger ones get HTTP 413." },
	{ "api", "connection_limit", OT_INT, O(conn_limit), 1, 1000000, "1024",
	  "Most concurrent client connections." },
	{ "api", "per_ip_connection_limit", OT_INT, O(per_ip_limit), 0, 1000000, "32",
	  "Most concurrent connections from one address, on every listener "
	  "(0: no limit)." },
	{ "api", "connection_timeout", OT_INT, O(conn_timeout), 1, 3600, "30",
	  "Seconds a connection may stay idle (or send nothing) before it is closed." },
	{ "api", "ramdisk_endpoints", OT_STR, O(ramdisk_endpoints), 0, 0, "provisioning",
	  "Where lookup, heartbeat, images and iPXE answer: provisioning (only "
	  "on the provisioning network's listener) or all (also on listen)." },
	{ "api", "tls_priorities", OT_STR, O(tls_priorities), 0, 0,
	  "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-VERS-SSL3.0:%SERVER_PRECEDENCE",
	  "GnuTLS priority string for HTTPS; the default: TLS 1.2 and 1.3, "
	  "forward-secret key exchange only." },
	{ "api", "metrics", OT_BOOL, O(metrics), 0, 1, "true",
	  "Serve Prometheus metrics at GET /metrics on listen (system readers; "
	  "anyone with noauth)." },
	{ "api", "max_patch_operations", OT_INT, O(max_patch_ops), 1, 100000, "64",
	  "Most operations in one JSON Patch request (more: HTTP 400)." },
	{ "api", "max_object_size", OT_INT, O(max_object_size), 1024, 1L << 30, "1048576",
	  "Largest object (as JSON) a PATCH may leave behind; larger: HTTP 413." },
	{ "api", "tls_cert_file", OT_STR, O(tls_cert_file), 0, 0, "",
	  "PEM certificate (chain) to serve the API over HTTPS with; set together "
	  "with tls_key_file (both empty: plain HTTP). See docs/configuration.md." },
	{ "api", "tls_key_file", OT_STR, O(tls_key_file), 0, 0, "",
	  "PEM private key (unencrypted) of tls_cert_file." },
	{ "api", "web_console", OT_BOOL, O(web_console), 0, 1, "true",
	  "Serve the web console (static files of web_root) under /console/ on "
	  "listen; never on provisioning listeners." },
	{ "api", "web_root", OT_STR, O(web_root), 0, 0, INGOT_WEB_DIR,
	  "The web console's files (index.html, ...), read once at start; when "
	  "it was changed from the default, missing files stop the start." },
	{ "api", "web_refresh_seconds", OT_INT, O(web_refresh), 1, 3600, "3",
	  "Seconds between the web console's refreshes (each one a few API "
	  "requests per open page)." },
	{ "database", "path", OT_STR, O(db_path), 0, 0, "/var/lib/ingot/ingot.db",
	  "SQLite database file; created and migrated at start (with connection: "
	  "only the base of images/, dhcp/, sdr-cache)." },
	{ "database", "connection", OT_STR, O(db_connection), 0, 0, "",
	  "PostgreSQL instead of SQLite at path: postgresql://USER@HOST[:PORT]/DB"
	  "[?sslmode=verify-full&sslrootcert=FILE] (see docs/scale-out.md)." },
	{ "database", "secret_key_file", OT_STR, O(secret_key_file), 0, 0, "",
	  "Key (32 bytes, or 64 hex digits) to store BMC passwords and other "
	  "driver_info secrets encrypted (AES-256-GCM); empty: stored as given." },
	{ "conductor", "host", OT_STR, O(host), 0, 0, "",
	  "This conductor's name (used for node locks); empty: the hostname." },
	{ "conductor", "group", OT_STR, O(group), 0, 0, "",
	  "Conductor group this conductor serves." },
	{ "conductor", "role", OT_STR, O(role), 0, 0, "all",
	  "What this ingotd runs: all (API and conductor), api (the public API "
	  "only: no periodic work, owns no nodes, forwards verbs to their owners) "
	  "or conductor (owns nodes; its API answers only forwarded verbs, the "
	  "deploy ramdisks and /). See docs/scale-out.md." },
	{ "conductor", "workers", OT_INT, O(workers), 1, 1024, "8",
	  "Worker threads running node tasks." },
	{ "conductor", "automated_clean", OT_BOOL, O(automated_clean), 0, 1, "true",
	  "Clean nodes when they are provided and after undeploy (nodes may override)." },
	{ "conductor", "power_timeout", OT_INT, O(power_timeout), 1, 3600, "30",
	  "Seconds to wait for a power change to be confirmed." },
	{ "conductor", "heartbeat_interval", OT_INT, O(heartbeat_interval), 1, 3600, "10",
	  "Seconds between conductor heartbeats in the database." },
	{ "conductor", "heartbeat_timeout", OT_INT, O(cond_heartbeat_timeout), 2, 86400,
	  "60", "Seconds without a heartbeat after which a conductor is dead: the "
	  "others release its node locks and take its nodes over (several "
	  "conductors on one database; keep it several heartbeat_interval)." },
	{ "conductor", "api_url", OT_STR, O(api_url), 0, 0, "",
	  "Base URL other conductors forward this one's provisioning and power "
	  "requests to; empty: [api] public_url, else http(s):// and listen." },
	{ "conductor", "sync_power_state_interval", OT_INT, O(sync_power_interval), 0,
	  86400, "60", "Seconds between power state syncs (0: off)." },
	{ "conductor", "sync_power_state_workers", OT_INT, O(sync_power_workers), 1,
	  1024, "32", "BMCs read at once during a power state sync." },
	{ "conductor", "power_state_sync_max_retries", OT_INT, O(power_failure_max), 1,
	  100, "3", "Failed BMC reads in a row before a node gets a power failure fault." },
	{ "conductor", "force_power_state_during_sync", OT_BOOL, O(force_power_state),
	  0, 1, "true", "Re-apply the recorded power state when the BMC reports "
	  "another (false: record what the BMC says)." },
	{ "conductor", "switch_reconcile_interval", OT_INT, O(switch_reconcile_interval),
	  0, 86400, "60", "Seconds between read-backs of every managed switch port "
	  "(wrong VLANs are corrected; 0: only at start)." },
	{ "conductor", "node_locked_retry_attempts", OT_INT, O(lock_retry_attempts), 1, 1000, "20",
	  "Tries to take a node lock that another request holds briefly (a PATCH, a "
	  "heartbeat, a power-sync read) before answering 409; a node in a running "
	  "operation (deploying, a power action ...) answers 409 at once, as Ironic's "
	  "node_locked_retry_attempts." },
	{ "conductor", "node_locked_retry_interval", OT_INT, O(lock_retry_interval), 1, 10000,
	  "100", "Longest pause between those tries, in milliseconds (the first "
	  "comes after 1 ms, each next one after twice as long)." },
	{ "deploy", "callback_timeout", OT_INT, O(callback_timeout), 10, 86400, "1800",
	  "Seconds a deploy ramdisk may stay silent before its deploy or cleaning fails." },
	{ "deploy", "heartbeat_timeout", OT_INT, O(heartbeat_timeout), 5, 86400, "300",
	  "Heartbeat timeout told to agents at lookup (they heartbeat well within it)." },
	{ "inspection", "max_interfaces", OT_INT, O(inspect_max_interfaces), 1, 4096, "64",
	  "Network interfaces one inventory may list (more: the agent's inspection "
	  "data is refused with 400)." },
	{ "inspection", "max_disks", OT_INT, O(inspect_max_disks), 1, 4096, "256",
	  "Disks one inventory may list." },
	{ "inspection", "max_data_size", OT_INT, O(inspect_max_size), 1024, 1L << 30,
	  "1048576", "Bytes of one agent's inspection data (compact JSON; bodies are "
	  "also bounded by [api] max_body_size)." },
	{ "inspection", "discovery", OT_BOOL, O(discovery), 0, 1, "false",
	  "Enrol unknown machines: the provisioning network's DHCP answers any MAC, "
	  "unknown MACs boot the deploy ramdisk, and an inventory posted from no "
	  "known MAC creates a node in enroll (Ironic's auto discovery)." },
	{ "inspection", "discovery_driver", OT_STR, O(discovery_driver), 0, 0,
	  "fake-hardware", "Hardware type of discovered nodes (Ironic's "
	  "[auto_discovery] enroll_node_driver)." },
	{ "inspection", "discovery_rate", OT_INT, O(discovery_rate), 1, 100000, "30",
	  "Most nodes discovery creates in one minute; more posts get 429." },
	{ "inspection", "discovery_max_enroll", OT_INT, O(discovery_max_enroll), 1,
	  10000000, "200", "Discovery creates no node while this many nodes are in "
	  "enroll (429)." },
	{ "inspection", "discovery_bmc_networks", OT_STR, O(discovery_bmc_networks), 0,
	  0, "", "Comma-separated IPv4 networks (a.b.c.d/n) a discovered node's BMC "
	  "address, as its agent reads it, may be in to become driver_info "
	  "ipmi_address; empty: any address but 0.0.0.0/8, 127.0.0.0/8, "
	  "169.254.0.0/16, 224.0.0.0/4 and 240.0.0.0/4 (listing a network allows "
	  "it, as the lab's 127.0.0.0/8)." },
	{ "deploy", "erase_devices", OT_BOOL, O(erase_devices), 0, 1, "false",
	  "Automated cleaning erases whole disks (false: partition tables and "
	  "signatures only)." },
	{ "deploy", "image_cache_dir", OT_STR, O(image_cache), 0, 0, "",
	  "Where images are cached and served from; empty: images/ beside the database." },
	{ "deploy", "http_url", OT_STR, O(image_url), 0, 0, "",
	  "Base URL deploy ramdisks reach ingotd at (images, lookup, heartbeat); "
	  "empty: http:// (https:// with TLS) and the API listen address." },
	{ "deploy", "kernel", OT_STR, O(deploy_kernel), 0, 0, "",
	  "Deploy kernel file for nodes without driver_info deploy_kernel." },
	{ "deploy", "ramdisk", OT_STR, O(deploy_ramdisk), 0, 0, "",
	  "Deploy ramdisk (initramfs) file for nodes without driver_info deploy_ramdisk." },
	{ "deploy", "kernel_append", OT_STR, O(kernel_append), 0, 0, "",
	  "Extra kernel command line for the deploy ramdisk." },
	{ "deploy", "file_url_allowed_paths", OT_STR, O(file_url_allowed_paths), 0, 0, "",
	  "Comma-separated directories file:// images and driver_info "
	  "deploy_kernel/ramdisk may come from (real path); empty: none. Never "
	  "for projects." },
	{ "deploy", "image_download_timeout", OT_INT, O(image_download_timeout), 1,
	  604800, "3600",
	  "Seconds one image download (or local copy) may take in total." },
	{ "deploy", "image_download_stall_timeout", OT_INT, O(image_stall_timeout), 1,
	  86400, "60",
	  "An image download slower than 1 KiB/s for this many seconds fails." },
	{ "deploy", "image_max_size", OT_INT, O(image_max_size), 1, 1 << 30, "20480",
	  "Largest image the conductor fetches or copies, in MiB." },
	{ "deploy", "image_follow_redirects", OT_BOOL, O(image_follow_redirects), 0, 1,
	  "false",
	  "Follow HTTP redirects of image URLs (each hop checked like the first)." },
	{ "deploy", "image_allowed_hosts", OT_STR, O(image_allowed_hosts), 0, 0, "",
	  "Comma-separated host names or addresses http(s) image sources may "
	  "name; empty: any host." },
	{ "deploy", "image_download_source", OT_STR, O(image_download_source), 0, 0,
	  "local",
	  "Who downloads deploy images (Ironic's image_download_source): local "
	  "(ingotd downloads, verifies and serves them at /images/) or http (the "
	  "agent downloads an http(s) image_source itself; file:// images are "
	  "served by ingotd). A node's instance_info or driver_info "
	  "image_download_source overrides it." },
	{ "deploy", "image_download_workers", OT_INT, O(image_download_workers), 1, 256,
	  "4",
	  "Concurrent image downloads (further ones wait their turn)." },
	{ "dhcp", "enabled", OT_BOOL, O(dhcp_enabled), 0, 1, "false",
	  "Run a dnsmasq per network (in a namespace on an OVS internal port)." },
	{ "dhcp", "ovsdb", OT_STR, O(dhcp_ovsdb), 0, 0, "unix:/run/openvswitch/db.sock",
	  "OVSDB of the switch that carries the DHCP servers' ports." },
	{ "dhcp", "bridge", OT_STR, O(dhcp_bridge), 0, 0, "br-int",
	  "OVS bridge the DHCP servers' internal ports are added to." },
	{ "dhcp", "dnsmasq", OT_STR, O(dnsmasq), 0, 0, "dnsmasq",
	  "The dnsmasq program." },
	{ "dhcp", "state_dir", OT_STR, O(dhcp_state_dir), 0, 0, "",
	  "dnsmasq configs, host entries, leases and logs; empty: dhcp/ beside the database." },
	{ "dhcp", "tftp_root", OT_STR, O(tftp_root), 0, 0, "/usr/lib/ipxe",
	  "TFTP root with undionly.kpxe and ipxe.efi (Debian's ipxe package)." },
	{ "network", "tenant_vlan_ranges", OT_STR, O(tenant_vlan_ranges), 0, 0, "",
	  "VLANs projects may create networks on: FIRST:LAST[,...], e.g. 1000:1999 "
	  "(vlan_id omitted: the lowest free). Empty: projects cannot; keep BMC and "
	  "storage VLANs out." },
	{ "network", "max_networks_per_project", OT_INT, O(max_networks_per_project), 1,
	  4094, "5",
	  "How many networks one project may own (each may cost a dnsmasq); 409 past it." },
	{ "network", "uplinks_carry_provisioning", OT_BOOL, O(uplinks_carry_provisioning),
	  0, 0, "false",
	  "May an uplink's span name the provisioning or cleaning network (e.g. a "
	  "router port serving them). Off: uplinks carry tenant VLANs only." },
	{ "network", "max_members_per_network", OT_INT, O(max_members_per_network), 1,
	  65536, "256",
	  "How many VM ports (members) one network may have; 409 past it." },
	{ "recovery", "policy", OT_STR, O(recovery_policy), 0, 0, "manual",
	  "Active node found failed: automatic (fence, move to a spare), manual "
	  "(fence, wait for an operator) or off; driver_info recovery_policy "
	  "overrides it (docs/recovery.md)." },
	{ "recovery", "bmc_failures", OT_INT, O(recovery_bmc_failures), 1, 100, "3",
	  "Power-sync passes in a row an active node's BMC must miss to be failed." },
	{ "recovery", "power_off_grace", OT_INT, O(recovery_power_off_grace), 0, 86400,
	  "120", "Seconds an active node may be found powered off without a request "
	  "before it is failed." },
	{ "recovery", "spare_trait", OT_STR, O(recovery_spare_trait), 0, 0, "",
	  "When set (e.g. CUSTOM_SPARE), only available nodes with this trait are "
	  "spares; empty: any fitting available node." },
	{ "recovery", "max_per_pass", OT_INT, O(recovery_max_per_pass), 1, 10000, "2",
	  "Recoveries detection starts per power-sync pass; others wait for the "
	  "next pass (a BMC network outage does not fence the fleet)." },
	{ "recovery", "sensor_failures", OT_INT, O(recovery_sensor_failures), 0, 100, "0",
	  "Sensor reads in a row on which an active node's BMC must report a "
	  "critical sensor for the node to be failed; each pass then reads the "
	  "sensors of active nodes found on (one more BMC call each). 0: off." },
	{ "recovery", "auto_retries", OT_INT, O(recovery_auto_retries), 0, 100, "3",
	  "Times a node waiting in recover wait for want of a spare is retried "
	  "by itself when a new available node appears (at most max_per_pass "
	  "per pass, one per new node). 0: only an operator's recover." },
	{ "storage", "pool_dir", OT_STR, O(storage_pool_dir), 0, 0, "",
	  "Directory of the volume pool (storage_interface iscsi): one sparse file "
	  "per volume. Empty: no pool, /v1/volumes refuses to create." },
	{ "storage", "tgtadm", OT_STR, O(storage_tgtadm), 0, 0, "tgtadm",
	  "tgt's control program (Debian's tgt), run for each export and removal." },
	{ "storage", "tgt_control_port", OT_INT, O(storage_tgt_control_port), 0, 65535,
	  "0", "tgtd's management channel (tgtd -C N, tgtadm -C N); 0: its default." },
	{ "storage", "portal", OT_STR, O(storage_portal), 0, 0, "127.0.0.1:3260",
	  "host:port of tgtd's iSCSI portal as nodes reach it (on the storage or "
	  "tenant network; see storage.md)." },
	{ "storage", "iqn_prefix", OT_STR, O(storage_iqn_prefix), 0, 0,
	  "iqn.2026-01.org.ingot", "Target names: PREFIX:VOLUME-UUID." },
	{ "storage", "max_volume_gb", OT_INT, O(storage_max_volume_gb), 1, 65536, "1024",
	  "Largest volume size (GiB) /v1/volumes accepts." },
	{ "storage", "max_volumes", OT_INT, O(storage_max_volumes), 1, 100000, "256",
	  "How many volumes the pool holds (and one project may own); 413 past it." },
	{ "storage", "max_attachments", OT_INT, O(storage_max_attachments), 1, 64, "8",
	  "How many nodes may attach one multiattach volume at a time." },
	{ "cinder", "auth_url", OT_STR, O(cinder_auth_url), 0, 0, "",
	  "storage_interface cinder: Keystone v3 of the Cinder service user, e.g. "
	  "http://127.0.0.1:5000/v3. Empty: the cinder interface is off." },
	{ "cinder", "username", OT_STR, O(cinder_username), 0, 0, "",
	  "cinder: the service user Ingot attaches volumes as." },
	{ "cinder", "password", OT_STR, O(cinder_password), 0, 0, "",
	  "cinder: the service user's password (never logged)." },
	{ "cinder", "project_name", OT_STR, O(cinder_project), 0, 0, "",
	  "cinder: the project the service token is scoped to (it owns the volumes, "
	  "or is an admin)." },
	{ "cinder", "user_domain_name", OT_STR, O(cinder_user_domain), 0, 0, "Default",
	  "cinder: the service user's domain (name)." },
	{ "cinder", "project_domain_name", OT_STR, O(cinder_project_domain), 0, 0,
	  "Default", "cinder: the service project's domain (name)." },
	{ "cinder", "url", OT_STR, O(cinder_url), 0, 0, "",
	  "cinder: Cinder's v3 base URL (with the project id if the deployment uses "
	  "one). Empty: the block-storage (volumev3) endpoint of Keystone's catalog." },
	{ "cinder", "endpoint_interface", OT_STR, O(cinder_interface), 0, 0, "public",
	  "cinder: which catalog endpoint (public, internal, admin) is used." },
	{ "cinder", "timeout", OT_INT, O(cinder_timeout), 1, 3600, "60",
	  "cinder: seconds one request to Cinder (or its Keystone) may take." },
	{ "ipmi", "timeout_ms", OT_INT, O(ipmi_timeout_ms), 100, 600000, "2000",
	  "Milliseconds one IPMI session (and each command in it) may take." },
	{ "ipmi", "retries", OT_INT, O(ipmi_retries), 0, 10, "2",
	  "Retries of an IPMI operation whose BMC did not answer." },
	{ "ipmi", "retry_backoff_ms", OT_INT, O(ipmi_backoff_ms), 0, 60000, "200",
	  "First wait before a retry; doubles each time." },
	{ "redfish", "timeout", OT_INT, O(redfish_timeout), 1, 600, "10",
	  "Seconds one Redfish request may take." },
	{ "redfish", "connect_timeout", OT_INT, O(redfish_connect_timeout), 1, 600, "5",
	  "Seconds to connect to a Redfish BMC." },
	{ "redfish", "retries", OT_INT, O(redfish_retries), 0, 10, "1",
	  "Retries of a Redfish read the BMC did not answer (changes are never "
	  "sent twice)." },
	{ "redfish", "task_timeout", OT_INT, O(redfish_task_timeout), 1, 86400, "300",
	  "Seconds to wait for a BMC task (an action answered 202) to end." },
	{ "vmedia", "dir", OT_STR, O(vmedia_dir), 0, 0, "",
	  "Where the per-node ISOs of the redfish-virtual-media boot interface "
	  "are built and served from; empty: vmedia/ beside the database." },
	{ "vmedia", "max_size", OT_INT, O(vmedia_max_size), 1, 1 << 20, "4096",
	  "MiB all those ISOs may take together (a build past it fails the node's "
	  "deploy, cleaning, rescue or inspection)." },
	{ "vmedia", "http_url", OT_STR, O(vmedia_http_url), 0, 0, "",
	  "Base URL BMCs fetch the ISOs from (/vmedia/TOKEN.iso is appended); "
	  "empty: the API's own URL." },
	{ "vmedia", "uefi", OT_BOOL, O(vmedia_uefi), 0, 1, "true",
	  "Add GRUB's EFI boot image to the ISOs (grub-efi-amd64-bin, dosfstools, "
	  "mtools) so UEFI nodes boot them too; BIOS boot uses isolinux." },
	{ "auth", "strategy", OT_STR, O(auth_strategy), 0, 0, "noauth",
	  "noauth (everyone is the system admin; only with a loopback listen "
	  "address), http_basic (htpasswd_file + roles_file) or keystone "
	  "(X-Auth-Token validated by keystone_url)." },
	{ "auth", "htpasswd_file", OT_STR, O(auth_htpasswd), 0, 0, "",
	  "http_basic: 'user:bcrypt-hash' lines (htpasswd -B)." },
	{ "auth", "roles_file", OT_STR, O(auth_roles), 0, 0, "",
	  "http_basic: 'user project|system admin|member|reader' lines." },
	{ "auth", "failed_auth_window_ms", OT_INT, O(failed_auth_window_ms), 1, 600000,
	  "1000", "http_basic: after a wrong password, further attempts by the same "
	  "user from the same address fail without a bcrypt for this long." },
	{ "auth", "keystone_url", OT_STR, O(ks_url), 0, 0, "",
	  "keystone: the Identity v3 endpoint, e.g. http://127.0.0.1:5000/v3." },
	{ "auth", "keystone_username", OT_STR, O(ks_username), 0, 0, "",
	  "keystone: ingotd's service user, to validate tokens." },
	{ "auth", "keystone_password", OT_STR, O(ks_password), 0, 0, "",
	  "keystone: the service user's password (never logged)." },
	{ "auth", "keystone_project", OT_STR, O(ks_project), 0, 0, "",
	  "keystone: the project the service token is scoped to." },
	{ "auth", "keystone_user_domain", OT_STR, O(ks_user_domain), 0, 0, "Default",
	  "keystone: the service user's domain (name)." },
	{ "auth", "keystone_project_domain", OT_STR, O(ks_project_domain), 0, 0, "Default",
	  "keystone: the service project's domain (name)." },
	{ "auth", "keystone_service_token_file", OT_STR, O(ks_token_file), 0, 0, "",
	  "keystone: a file holding a service token, instead of the credentials above." },
	{ "auth", "keystone_cache_seconds", OT_INT, O(ks_cache_seconds), 0, 86400, "60",
	  "keystone: how long a validated token is trusted without asking again "
	  "(never past its expiry); a revoked token works that long." },
	{ "console", "listen", OT_STR, O(console_listen), 0, 0, "127.0.0.1",
	  "Address (IPv4) the serial console ports listen on." },
	{ "console", "raw_port", OT_INT, O(console_raw_port), 0, 65535, "0",
	  "TCP port of the raw console stream (socat, telnet; a token line "
	  "first); 0: off. See docs/console.md." },
	{ "console", "websocket_port", OT_INT, O(console_ws_port), 0, 65535, "0",
	  "TCP port of the WebSocket console (browsers; the token as the first "
	  "message); 0: off. With both ports 0, consoles cannot be enabled." },
	{ "console", "public_host", OT_STR, O(console_public_host), 0, 0, "",
	  "Host name put in console_info URLs; empty: listen." },
	{ "console", "log_dir", OT_STR, O(console_log_dir), 0, 0, "",
	  "Directory of the console output rings; empty: console/ beside the "
	  "database." },
	{ "console", "log_size", OT_INT, O(console_log_size), 4096, 1L << 30, "1048576",
	  "Bytes of console output kept per node (the newest; two files of half)." },
	{ "console", "token_ttl", OT_INT, O(console_token_ttl), 1, 3600, "60",
	  "Seconds a console token (from GET states/console) may wait to be used; "
	  "each is good for one connection." },
	{ "console", "auth_timeout", OT_INT, O(console_auth_timeout), 1, 300, "10",
	  "Seconds a console connection has to present its token." },
	{ "console", "max_connections", OT_INT, O(console_max_connections), 1, 100000,
	  "64", "Most console connections at once, on both ports together." },
	{ "console", "max_watchers", OT_INT, O(console_max_watchers), 0, 1000, "8",
	  "Read-only viewers per node beside its one read-write viewer." },
	{ "log", "file", OT_STR, O(log_file), 0, 0, "-",
	  "Log file; - for standard error." },
	{ "log", "format", OT_STR, O(log_format), 0, 0, "logfmt",
	  "Line format: logfmt (ts=... level=... request=... node=... project=... "
	  "msg=\"...\"), json (one object a line, the same keys) or text." },
	{ "log", "level", OT_STR, O(log_level), 0, 0, "info",
	  "debug, info, warning or error." },
	{ NULL, NULL, OT_STR, 0, 0, 0, NULL, NULL },
};

static int
set_option(const struct option_def *o, const char *value, char *err, size_t len)
{
	char *p = (char *)&cfg + o->offset;
	long v;

	switch (o->type) {
	case OT_STR:
		free(*(char **)p);
		*(char **)p = util_strdup(value);
		return 0;
	case OT_INT:
		if (!util_parse_int(value, o->min, o->max, &v)) {
			snprintf(err, len, "[%s] %s: '%s' is not a whole number from %ld "
			    "to %ld", o->section, o->key, value, o->min, o->max);
			return -1;
		}
		*(int *)p = (int)v;
		return 0;
	case OT_BOOL:
		if (strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0 ||
		    strcasecmp(value, "yes") == 0 || strcasecmp(value, "on") == 0) {
			*(bool *)p = true;
		} else if (strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0 ||
		    strcasecmp(value, "no") == 0 || strcasecmp(value, "off") == 0) {
			*(bool *)p = false;
		} else {
			snprintf(err, len, "[%s] %s: '%s' is not true or false",
			    o->section, o->key, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

void
config_defaults(void)
{
	char err[256];

	for (const struct option_def *o = options; o->key != NULL; o++)
		if (set_option(o, o->dflt, err, sizeof(err)) != 0)
			abort();
}

int
config_set(const char *section, const char *key, const char *value, char *err,
    size_t len)
{
	for (const struct option_def *o = options; o->key != NULL; o++)
		if (strcmp(o->section, section) == 0 && strcmp(o->key, key) == 0)
			return set_option(o, value, err, len);
	snprintf(err, len, "unknown option [%s] %s", section, key);
	return -1;
}

struct parse_ctx {
	char	err[512];
	int	(*section_hook)(const char *, const char *, const char *, char *, size_t);
};

static int
on_ini(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;

	if (strncmp(section, "switch:", 7) == 0 && ctx->section_hook != NULL)
		return ctx->section_hook(section + 7, key, value, ctx->err,
		    sizeof(ctx->err)) == 0;
	return config_set(section, key, value, ctx->err, sizeof(ctx->err)) == 0;
}

int
config_load(const char *path, int (*switch_hook)(const char *, const char *,
    const char *, char *, size_t), char *err, size_t len)
{
	struct parse_ctx ctx = { .section_hook = switch_hook };
	int line = ini_parse(path, on_ini, &ctx);

	if (line == -1) {
		snprintf(err, len, "cannot read config file %s", path);
		return -1;
	}
	if (line != 0) {
		snprintf(err, len, "%s:%d: %s", path, line,
		    ctx.err[0] ? ctx.err : "syntax error");
		return -1;
	}
	return 0;
}

/* The options SIGHUP applies; every other line is read but left alone. */
static const char *const reloadable[][2] = {
	{ "log", "level" }, { "log", "format" },
	{ "auth", "htpasswd_file" }, { "auth", "roles_file" },
	{ "api", "tls_cert_file" }, { "api", "tls_key_file" },
};

static int
accept_all(void *user, const char *section, const char *key, const char *value)
{
	(void)user; (void)section; (void)key; (void)value;
	return 1;
}

static int
on_reload(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *ctx = user;

	if (strncmp(section, "switch:", 7) == 0 && ctx->section_hook != NULL)
		return ctx->section_hook(section + 7, key, value, ctx->err,
		    sizeof(ctx->err)) == 0;
	for (size_t i = 0; i < sizeof(reloadable) / sizeof(reloadable[0]); i++)
		if (strcmp(section, reloadable[i][0]) == 0 && strcmp(key, reloadable[i][1]) == 0)
			return config_set(section, key, value, ctx->err, sizeof(ctx->err)) == 0;
	return 1;
}

int
config_reload(const char *path, int (*switch_hook)(const char *, const char *,
    const char *, char *, size_t), char *err, size_t len)
{
	struct parse_ctx ctx = { .section_hook = switch_hook };
	int line;

	/* A file that does not parse changes nothing: checked first. */
	if ((line = ini_parse(path, accept_all, NULL)) != 0) {
		snprintf(err, len, line == -1 ? "cannot read config file %s" :
		    "%s:%d: syntax error", path, line);
		return -1;
	}
	if ((line = ini_parse(path, on_reload, &ctx)) != 0) {
		snprintf(err, len, "%s:%d: %s", path, line, ctx.err);
		return -1;
	}
	return 0;
}

/* Prints text as "# " comment lines of at most 78 columns (ini parsers,
 * inih among them, read lines of a bounded length). */
static void
print_comment(FILE *fp, const char *text)
{
	const char *p = text;

	while (*p != '\0') {
		size_t n = strlen(p), cut = n;
		if (n > 76) {
			for (cut = 76; cut > 0 && p[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = 76;
		}
		fprintf(fp, "# %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

void
config_print_example(FILE *fp)
{
	const char *section = "";

	fprintf(fp, "# ingotd configuration; generated by `ingotd "
	    "--print-example-config`.\n# Every option is shown with its default. "
	    "Command-line flags override this file.\n");
	for (const struct option_def *o = options; o->key != NULL; o++) {
		if (strcmp(section, o->section) != 0) {
			fprintf(fp, "\n[%s]\n", o->section);
			section = o->section;
		}
		print_comment(fp, o->help);
		fprintf(fp, "#%s = %s\n", o->key, o->dflt);
	}
	fprintf(fp, "\n# Switches whose ports Ingot moves between VLANs are declared "
	    "as [switch:NAME]\n# sections; see docs/switches.md.\n");
}

void
config_free(void)
{
	for (const struct option_def *o = options; o->key != NULL; o++) {
		if (o->type == OT_STR) {
			char **p = (char **)((char *)&cfg + o->offset);
			free(*p);
			*p = NULL;
		}
	}
}
