/* ingotd: the REST API, the conductor and the network manager in one process. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "conductor.h"
#include "dnsmasq_keeper.h"
#include "auth.h"
#include "bmc_addr.h"
#include "config.h"
#include "fsm.h"
#include "hw_console.h"
#ifdef INGOT_HAVE_IPMI
#include "ipmi.h"
#endif
#include "log.h"
#include "console.h"
#include "redfish.h"
#include "vmedia.h"
#include "scon.h"
#include "store.h"
#include "switch.h"
#include "uplink.h"
#include "web_paths.h"

#define INGOT_VERSION "0.1.0"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: ingotd [--config FILE] [--listen HOST:PORT] [--db PATH]\n"
	    "              [--connection postgresql://...] [--log-file FILE]\n"
	    "              [--log-level LEVEL] [--host NAME] [--workers N]\n"
	    "              [--role all|api|conductor]\n"
	    "       ingotd --check-config [--config FILE]\n"
	    "       ingotd --migrate[=VERSION] [--config FILE] [--db PATH | --connection URL]\n"
	    "       ingotd --copy-to postgresql://... [--config FILE] [--db PATH]\n"
	    "       ingotd --print-example-config | --print-states dot|markdown |\n"
	    "              --print-routes markdown | --version\n");
}

static int
die(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "ingotd: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\n");
	return 1;
}

/* Reads a whole PEM file (at most 1 MiB) into a malloc'd string. */
static char *
read_pem(const char *key, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, len, "[api] %s %s: cannot read it (%s)", key, path,
		    strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (buf == NULL || ferror(f) || !feof(f)) {
		snprintf(err, len, "[api] %s %s: cannot read it (unreadable or larger "
		    "than 1 MiB)", key, path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/*
 * [api] tls_cert_file and tls_key_file: both or neither; the certificate
 * must parse, the key must be an unencrypted PEM key that matches it.
 */
static int
load_tls(char **cert, char **key, char *err, size_t len)
{
	bool hc = cfg.tls_cert_file[0] != '\0', hk = cfg.tls_key_file[0] != '\0';
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	BIO *b;
	int rc = -1;

	*cert = *key = NULL;
	if (!hc && !hk)
		return 0;
	if (hc != hk) {
		snprintf(err, len, "[api] tls_cert_file and tls_key_file go together "
		    "(%s is set, %s is not)", hc ? "tls_cert_file" : "tls_key_file",
		    hc ? "tls_key_file" : "tls_cert_file");
		return -1;
	}
	if ((*cert = read_pem("tls_cert_file", cfg.tls_cert_file, err, len)) == NULL ||
	    (*key = read_pem("tls_key_file", cfg.tls_key_file, err, len)) == NULL)
		goto out;
	if ((b = BIO_new_mem_buf(*cert, -1)) != NULL) {
		x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL);
		BIO_free(b);
	}
	if (x == NULL) {
		snprintf(err, len, "[api] tls_cert_file %s: not a PEM certificate",
		    cfg.tls_cert_file);
		goto out;
	}
	if ((b = BIO_new_mem_buf(*key, -1)) != NULL) {
		pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
		BIO_free(b);
	}
	if (pk == NULL) {
		snprintf(err, len, "[api] tls_key_file %s: not an unencrypted PEM "
		    "private key", cfg.tls_key_file);
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		snprintf(err, len, "[api] tls_key_file %s does not match the "
		    "certificate in %s", cfg.tls_key_file, cfg.tls_cert_file);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(pk);
	if (rc != 0) {
		free(*cert);
		free(*key);
		*cert = *key = NULL;
	}
	return rc;
}

static int print_states(const char *format);

struct override { const char *sec, *key, *val; };

/* What the command line asked for. */
struct args {
	const char	*config_path;
	bool		 check_only;
	struct override	 over[16];
	int		 nover;
	int		 migrate;	/* --migrate: -1 no, 0 latest, else up to it */
	const char	*copy_to;	/* --copy-to URL */
};

/* -1: go on; otherwise main's exit status (a --print-* or --help option). */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "connection", required_argument, NULL, 'D' },
		{ "migrate", optional_argument, NULL, 'M' },
		{ "copy-to", required_argument, NULL, 'T' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "host", required_argument, NULL, 'H' },
		{ "role", required_argument, NULL, 'r' },
		{ "workers", required_argument, NULL, 'w' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-example-config", no_argument, NULL, 'E' },
		{ "print-states", required_argument, NULL, 'S' },
		{ "print-routes", required_argument, NULL, 'R' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct { int ch; const char *sec, *key; } flags[] = {
		{ 'l', "api", "listen" }, { 'd', "database", "path" },
		{ 'D', "database", "connection" },
		{ 'L', "log", "file" }, { 'v', "log", "level" },
		{ 'H', "conductor", "host" }, { 'w', "conductor", "workers" },
		{ 'r', "conductor", "role" },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (flags[i].ch == ch && a->nover < 16)
				a->over[a->nover++] = (struct override){ flags[i].sec,
				    flags[i].key, optarg };
		switch (ch) {
		case 'l': case 'd': case 'D': case 'L': case 'v': case 'H': case 'w':
		case 'r': break;
		case 'M':
			if (optarg != NULL && (a->migrate = atoi(optarg)) <= 0)
				return die("--migrate=VERSION takes a version from 1, not %s%s",
				    optarg, "");
			if (optarg == NULL)
				a->migrate = 0;
			break;
		case 'T': a->copy_to = optarg; break;
		case 'c': a->config_path = optarg; break;
		case 'C': a->check_only = true; break;
		case 'E': config_print_example(stdout); return 0;
		case 'S': return print_states(optarg);
		case 'R':
			if (strcmp(optarg, "markdown") != 0)
				return die("--print-routes takes markdown, not %s%s", optarg, "");
			api_print_routes(stdout);
			return 0;
		case 'V': printf("ingotd %s (API 1.%d-1.%d)\n", INGOT_VERSION,
		    API_MIN_MINOR, API_MAX_MINOR); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

static int
print_states(const char *format)
{
	if (strcmp(format, "dot") == 0)
		fsm_print_dot(stdout);
	else if (strcmp(format, "markdown") == 0)
		fsm_print_markdown(stdout);
	else
		return die("--print-states takes dot or markdown, not %s%s", format, "");
	return 0;
}

/* The configuration file, then the flags over it; 0 or -1 with err. */
static int
load_config(const struct args *a, char *err, size_t len)
{
	char e[700];

	if (a->config_path != NULL && (config_load(a->config_path, switch_conf_set, e,
	    sizeof(e)) != 0 || switch_conf_finish(e, sizeof(e)) != 0)) {
		snprintf(err, len, "bad configuration: %s", e);
		return -1;
	}
	for (int i = 0; i < a->nover; i++)
		if (config_set(a->over[i].sec, a->over[i].key, a->over[i].val, e,
		    sizeof(e)) != 0) {
			snprintf(err, len, "bad option: %s", e);
			return -1;
		}
	return 0;
}

/*
 * [api] web_*: the console's files.  A web_root that was set is checked
 * with the rest of the configuration (early); the default one is read at
 * start, once logging goes where it should (when it is missing: a warning).
 */
static int
configure_console(bool early, char *err, size_t len)
{
	bool required = strcmp(cfg.web_root, INGOT_WEB_DIR) != 0;
	struct console_conf c = { .enabled = cfg.web_console, .root = cfg.web_root,
	    .required = required,
	    .auth_strategy = cfg.auth_strategy,
	    .keystone_url = strcmp(cfg.auth_strategy, "keystone") == 0 ? cfg.ks_url : NULL,
	    .refresh_seconds = cfg.web_refresh };

	if (early != required)
		return 0;
	return api_console_configure(&c, err, len);
}

/* [api] and [auth]: checked before anything starts. */
static int
configure_api(char *err, size_t len)
{
	struct auth_conf authc = { .strategy = cfg.auth_strategy,
	    .htpasswd_file = cfg.auth_htpasswd, .roles_file = cfg.auth_roles,
	    .listen = cfg.listen, .failed_auth_window_ms = cfg.failed_auth_window_ms,
	    .keystone = { .url = cfg.ks_url, .username = cfg.ks_username,
		.password = cfg.ks_password, .project = cfg.ks_project,
		.user_domain = cfg.ks_user_domain, .project_domain = cfg.ks_project_domain,
		.service_token_file = cfg.ks_token_file,
		.cache_seconds = cfg.ks_cache_seconds } };

	if (api_check_listen(cfg.listen, err, len) != 0)
		return -1;
	if (strcmp(cfg.ramdisk_endpoints, "provisioning") != 0 &&
	    strcmp(cfg.ramdisk_endpoints, "all") != 0) {
		snprintf(err, len, "[api] ramdisk_endpoints '%s' is not provisioning "
		    "or all", cfg.ramdisk_endpoints);
		return -1;
	}
	if (auth_configure(&authc, err, len) != 0 || configure_console(true, err, len) != 0)
		return -1;
	api_patch_limits((size_t)cfg.max_patch_ops, (size_t)cfg.max_object_size);
	uplink_configure(cfg.uplinks_carry_provisioning, cfg.max_members_per_network);
	return api_networks_configure(cfg.tenant_vlan_ranges, cfg.max_networks_per_project,
	    err, len);
}

/* NAME beside the database file (images, dhcp, sdr-cache), unless set. */
static void
beside_db(const char *set, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(cfg.db_path, '/');

	if (set != NULL && set[0] != '\0')
		snprintf(out, len, "%s", set);
	else
		snprintf(out, len, "%.*s%s", slash ? (int)(slash - cfg.db_path + 1) : 0,
		    cfg.db_path, name);
}

static struct api_conf
api_conf_of(const char *tls_cert, const char *tls_key)
{
	return (struct api_conf){
		.listen = cfg.listen, .threads = cfg.api_threads,
		.max_body = (size_t)cfg.max_body, .conn_limit = (unsigned)cfg.conn_limit,
		.per_ip_limit = (unsigned)cfg.per_ip_limit, .public_url = cfg.public_url,
		.tls_cert = tls_cert, .tls_key = tls_key,
		.conn_timeout = (unsigned)cfg.conn_timeout,
		.tls_priorities = cfg.tls_priorities,
		.ramdisk_everywhere = strcmp(cfg.ramdisk_endpoints, "all") == 0,
		.metrics = cfg.metrics,
		.conductor_only = strcmp(cfg.role, "conductor") == 0,
	};
}

/* [conductor] api_url, else [api] public_url, else the listen address (a
 * wildcard one by this host's name). */
static const char *
own_api_url(bool tls)
{
	static char url[400];
	char host[256];

	if (cfg.api_url[0] != '\0')
		return cfg.api_url;
	if (cfg.public_url[0] != '\0')
		return cfg.public_url;
	snprintf(host, sizeof(host), "%.*s", (int)(strrchr(cfg.listen, ':') - cfg.listen),
	    cfg.listen);
	if (strcmp(host, "0.0.0.0") == 0 && gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(url, sizeof(url), "%s://%s%s", tls ? "https" : "http", host,
	    strrchr(cfg.listen, ':'));
	return url;
}

/* [conductor], [deploy], [dhcp]; the paths point into the caller's buffers. */
static struct cond_conf
cond_conf_of(bool tls, const char *cache, const char *dhcpdir)
{
	int port = atoi(strrchr(cfg.listen, ':') + 1);

	return (struct cond_conf){
		.host = cfg.host, .group = cfg.group, .role = cfg.role,
		.workers = cfg.workers,
		.automated_clean = cfg.automated_clean,
		.power_timeout = cfg.power_timeout,
		.heartbeat_interval = cfg.heartbeat_interval,
		.dead_after = cfg.cond_heartbeat_timeout,
		.api_url = own_api_url(tls),
		.sync_power_interval = cfg.sync_power_interval,
		.sync_power_workers = cfg.sync_power_workers,
		.power_failure_max = cfg.power_failure_max,
		.force_power_state = cfg.force_power_state,
		.callback_timeout = cfg.callback_timeout,
		.switch_reconcile_interval = cfg.switch_reconcile_interval,
		.lock_retry_attempts = cfg.lock_retry_attempts,
		.lock_retry_interval = cfg.lock_retry_interval,
		.heartbeat_timeout = cfg.heartbeat_timeout,
		.erase_devices = cfg.erase_devices,
		.inspection = { .max_interfaces = cfg.inspect_max_interfaces,
		    .max_disks = cfg.inspect_max_disks,
		    .max_size = (size_t)cfg.inspect_max_size },
		.discovery = { .enabled = cfg.discovery, .driver = cfg.discovery_driver,
		    .per_minute = cfg.discovery_rate,
		    .max_enroll = cfg.discovery_max_enroll,
		    .bmc_networks = cfg.discovery_bmc_networks },
		.images = { .cache_dir = cache,
		    .file_allowed = cfg.file_url_allowed_paths,
		    .timeout = cfg.image_download_timeout,
		    .stall_timeout = cfg.image_stall_timeout,
		    .max_size = (long long)cfg.image_max_size << 20,
		    .follow_redirects = cfg.image_follow_redirects,
		    .allowed_hosts = cfg.image_allowed_hosts,
		    .workers = cfg.image_download_workers,
		    .download_source = cfg.image_download_source },
		.dhcp = { .enabled = cfg.dhcp_enabled, .ovsdb = cfg.dhcp_ovsdb,
		    .bridge = cfg.dhcp_bridge, .dnsmasq = cfg.dnsmasq,
		    .state_dir = dhcpdir, .tftp_root = cfg.tftp_root,
		    .http_port = port, .tls = tls, .discovery = cfg.discovery,
		    .tenant_sanboot = cfg.storage_pool_dir[0] != '\0' },
		.ipxe = { .kernel = cfg.deploy_kernel, .ramdisk = cfg.deploy_ramdisk,
		    .kernel_append = cfg.kernel_append, .http_url = cfg.image_url,
		    .http_port = port, .tls = tls, .discovery = cfg.discovery },
		.storage = { .pool_dir = cfg.storage_pool_dir,
		    .tgtadm = cfg.storage_tgtadm,
		    .tgt_control_port = cfg.storage_tgt_control_port,
		    .portal = cfg.storage_portal, .iqn_prefix = cfg.storage_iqn_prefix,
		    .max_volume_gb = cfg.storage_max_volume_gb,
		    .max_volumes = cfg.storage_max_volumes,
		    .max_attachments = cfg.storage_max_attachments },
		.cinder = { .url = cfg.cinder_url, .auth_url = cfg.cinder_auth_url,
		    .username = cfg.cinder_username, .password = cfg.cinder_password,
		    .project_name = cfg.cinder_project,
		    .user_domain_name = cfg.cinder_user_domain,
		    .project_domain_name = cfg.cinder_project_domain,
		    .endpoint_interface = cfg.cinder_interface,
		    .timeout = cfg.cinder_timeout },
		.recovery = { .policy = cfg.recovery_policy,
		    .bmc_failures = cfg.recovery_bmc_failures,
		    .power_off_grace = cfg.recovery_power_off_grace,
		    .spare_trait = cfg.recovery_spare_trait,
		    .max_per_pass = cfg.recovery_max_per_pass,
		    .sensor_failures = cfg.recovery_sensor_failures,
		    .auto_retries = cfg.recovery_auto_retries },
	};
}

static void
configure_bmcs(void)
{
#ifdef INGOT_HAVE_IPMI
	char sdr[1100];

	ipmi_set_defaults(cfg.ipmi_timeout_ms, cfg.ipmi_retries, cfg.ipmi_backoff_ms);
	beside_db(NULL, "sdr-cache", sdr, sizeof(sdr));
	ipmi_set_sdr_cache(sdr);
#endif
	rf_configure(&(struct rf_conf){ .timeout_s = cfg.redfish_timeout,
	    .connect_timeout_s = cfg.redfish_connect_timeout,
	    .retries = cfg.redfish_retries, .task_timeout_s = cfg.redfish_task_timeout });
}

/* [vmedia]: the ISO directory (vmedia/ beside the database), its bound. */
static int
configure_vmedia(char *err, size_t len)
{
	char dir[1100];

	beside_db(cfg.vmedia_dir, "vmedia", dir, sizeof(dir));
	return vmedia_configure(&(struct vmedia_conf){ .dir = dir,
	    .max_bytes = (long long)cfg.vmedia_max_size << 20,
	    .http_url = cfg.vmedia_http_url, .uefi = cfg.vmedia_uefi }, err, len);
}

/* The database: [database] connection when set, else the SQLite path. */
static const char *
db_location(void)
{
	return cfg.db_connection[0] != '\0' ? cfg.db_connection : cfg.db_path;
}

/* [conductor] role (docs/scale-out.md). */
static int
check_role(char *err, size_t len)
{
	if (strcmp(cfg.role, "all") == 0 || strcmp(cfg.role, "api") == 0 ||
	    strcmp(cfg.role, "conductor") == 0)
		return 0;
	snprintf(err, len, "[conductor] role '%.64s' is not one of all, api, "
	    "conductor", cfg.role);
	return -1;
}

static int
check_database(char *err, size_t len)
{
	if (cfg.db_connection[0] != '\0' && !store_is_pg_url(cfg.db_connection)) {
		snprintf(err, len, "[database] connection is not a postgresql:// or "
		    "postgres:// URL");
		return -1;
	}
	return 0;
}

/* --migrate and --copy-to: the database only, then exit. */
static int
db_command(const struct args *a)
{
	char err[1200], red[1024];
	long n;
	int v;

	store_redact(a->copy_to ? a->copy_to : db_location(), red, sizeof(red));
	if (a->copy_to != NULL) {
		if ((n = store_copy(cfg.db_path, a->copy_to, err, sizeof(err))) < 0)
			return die("%s%s", err, "");
		printf("copied %ld rows from %s to %s\n", n, cfg.db_path, red);
		return 0;
	}
	if (store_init(db_location(), a->migrate, err, sizeof(err)) != 0)
		return die("%s%s", err, "");
	v = store_schema_version(store_thread());
	store_shutdown();
	printf("database %s: schema version %d (latest %d)\n", red, v,
	    store_latest_version());
	return 0;
}

/* [console]: the serial console server's ports (before the conductor,
 * which restarts the consoles that were enabled). */
static int
start_serial_consoles(char *err, size_t len)
{
	static char logdir[1024];
	struct scon_conf c = { .listen = cfg.console_listen,
	    .raw_port = cfg.console_raw_port, .ws_port = cfg.console_ws_port,
	    .public_host = cfg.console_public_host, .log_dir = logdir,
	    .log_size = cfg.console_log_size, .token_ttl = cfg.console_token_ttl,
	    .auth_timeout = cfg.console_auth_timeout,
	    .max_connections = cfg.console_max_connections,
	    .max_watchers = cfg.console_max_watchers };

	beside_db(cfg.console_log_dir, "console", logdir, sizeof(logdir));
	return scon_start(&c, err, len);
}

/* The database, the API socket (first: a second ingotd on a busy port must
 * not touch the nodes of the one already running), then the conductor. */
static int
start(const char *tls_cert, const char *tls_key, char *err, size_t len)
{
	static char cache[1024], dhcpdir[1024];
	struct api_conf ac = api_conf_of(tls_cert, tls_key);
	struct cond_conf cc;

	char e[600];

	if (cfg.secret_key_file != NULL && cfg.secret_key_file[0] != '\0' &&
	    store_load_secret_key(cfg.secret_key_file, e, sizeof(e)) != 0) {
		snprintf(err, len, "bad configuration: %s", e);
		return -1;
	}
	if (configure_console(false, err, len) != 0 ||
	    store_init(db_location(), 0, err, len) != 0)
		return -1;
	if (api_start(&ac, err, len) != 0) {
		store_shutdown();
		return -1;
	}
	beside_db(cfg.image_cache, "images", cache, sizeof(cache));
	beside_db(cfg.dhcp_state_dir, "dhcp", dhcpdir, sizeof(dhcpdir));
	cc = cond_conf_of(tls_cert != NULL, cache, dhcpdir);
	configure_bmcs();
	if (configure_vmedia(err, len) != 0) {
		api_stop();
		store_shutdown();
		return -1;
	}
	cond_set_prov_listen_hook(api_listen_netns);
	if (start_serial_consoles(err, len) != 0 || conductor_start(&cc, err, len) != 0) {
		scon_stop();
		api_stop();
		store_shutdown();
		return -1;
	}
	console_restore();
	if (!ac.ramdisk_everywhere && !cfg.dhcp_enabled)
		log_warn("[api] ramdisk_endpoints = provisioning and [dhcp] is off: no "
		    "listener serves lookup, heartbeat, images or iPXE, so deploy "
		    "ramdisks cannot reach ingotd (set ramdisk_endpoints = all when "
		    "there is no provisioning network)");
	return 0;
}

/* SIGHUP's switches: the staged [switch:NAME] settings swapped in; what
 * changed appended to done. */
static void
reload_switches(char *done, size_t dlen)
{
	char what[512], err[768];

	if (switch_count() == 0) {
		switch_reload_begin();
		return;
	}
	if (switch_reload_commit(what, sizeof(what), err, sizeof(err)) != 0) {
		log_error("SIGHUP: the switches' settings were not reloaded: %s", err);
		return;
	}
	snprintf(done + strlen(done), dlen - strlen(done), ", switches: %s",
	    what[0] ? what : "unchanged");
}

/* SIGHUP's TLS: the certificate and key files read and checked again, and
 * handed to the listeners' next handshakes. */
static void
reload_tls(char *done, size_t dlen)
{
	char *cert = NULL, *key = NULL, err[768];

	if (cfg.tls_cert_file[0] == '\0' && cfg.tls_key_file[0] == '\0' &&
	    !api_tls_on())
		return;
	if (load_tls(&cert, &key, err, sizeof(err)) != 0 ||
	    (cert == NULL && (snprintf(err, sizeof(err), "TLS cannot be turned off "
	    "without a restart"), 1)) ||
	    api_tls_reload(cert, key, err, sizeof(err)) != 0)
		log_error("SIGHUP: the TLS certificate was not reloaded (the old one "
		    "stays): %s", err);
	else
		snprintf(done + strlen(done), dlen - strlen(done), ", the TLS "
		    "certificate %s", cfg.tls_cert_file);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
}

/*
 * SIGHUP: reads the configuration file again and applies what can change
 * while running — [log] level and format, the http_basic users and roles
 * files, the switches' settings (not which switches there are) and the
 * API's TLS certificate — saying in one line what it applied; the rest
 * needs a restart.  A file that does not parse changes nothing; a part
 * that fails its checks keeps its old settings and says so.
 */
static void
reload(const struct args *a)
{
	enum log_level lvl;
	enum log_format fmt;
	char err[768], done[1024] = "";

	if (a->config_path == NULL) {
		log_info("SIGHUP: no configuration file to reload");
		return;
	}
	switch_reload_begin();
	if (config_reload(a->config_path, switch_count() > 0 ? switch_stage_set : NULL,
	    err, sizeof(err)) != 0) {
		switch_reload_begin();
		log_error("SIGHUP: configuration not reloaded: %s", err);
		return;
	}
	if (log_parse_level(cfg.log_level, &lvl) == 0)
		log_set_level(lvl);
	else
		log_error("SIGHUP: [log] level '%s' is not one of debug, info, warning, "
		    "error; the level is unchanged", cfg.log_level);
	if (log_parse_format(cfg.log_format, &fmt) == 0)
		log_set_format(fmt);
	else
		log_error("SIGHUP: [log] format '%s' is not one of logfmt, json, text; "
		    "the format is unchanged", cfg.log_format);
	if (auth_reload(cfg.auth_htpasswd, cfg.auth_roles, err, sizeof(err)) != 0)
		log_error("SIGHUP: the users were not reloaded: %s", err);
	else if (auth_basic_enabled())
		snprintf(done, sizeof(done), ", the htpasswd and roles files");
	reload_switches(done, sizeof(done));
	reload_tls(done, sizeof(done));
	log_info("SIGHUP: reloaded [log] level %s, format %s%s; other settings need "
	    "a restart", cfg.log_level, cfg.log_format, done);
}

/* Until SIGTERM or SIGINT; SIGHUP reloads. */
static int
wait_for_stop(const sigset_t *sigs, const struct args *a)
{
	int sig;

	for (;;) {
		if (sigwait(sigs, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return sig;
		reload(a);
	}
}

int
main(int argc, char **argv)
{
	static char *tls_cert, *tls_key;	/* static: reachable on every exit */
	struct args a = { .migrate = -1 };
	char err[768];
	enum log_level lvl;
	enum log_format fmt;
	sigset_t sigs;
	int rc;

	if (argc > 1 && strcmp(argv[1], DNSMASQ_KEEPER_FLAG) == 0)
		return dnsmasq_keeper_main(argc, argv);
	/* Few malloc arenas: threads are many and short-lived allocations
	 * would otherwise keep one arena's worth of memory each. */
	mallopt(M_ARENA_MAX, 2);
	config_defaults();
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	if (load_config(&a, err, sizeof(err)) != 0)
		return die("%s%s", err, "");
	if (log_parse_level(cfg.log_level, &lvl) != 0)
		return die("bad configuration: [log] level '%s' is not one of debug, "
		    "info, warning, error%s", cfg.log_level, "");
	if (log_parse_format(cfg.log_format, &fmt) != 0)
		return die("bad configuration: [log] format '%s' is not one of logfmt, "
		    "json, text%s", cfg.log_format, "");
	if (check_role(err, sizeof(err)) != 0 || check_database(err, sizeof(err)) != 0 ||
	    bmc_networks_check(cfg.discovery_bmc_networks, err, sizeof(err)) != 0 ||
	    configure_api(err, sizeof(err)) != 0 ||
	    load_tls(&tls_cert, &tls_key, err, sizeof(err)) != 0)
		return die("bad configuration: %s%s", err, "");
	if (a.check_only) {
		printf("configuration ok\n");
		free(tls_cert);
		free(tls_key);
		return 0;
	}
	log_init(cfg.log_file, lvl);
	log_set_format(fmt);
	if (a.migrate >= 0 || a.copy_to != NULL)
		return db_command(&a);
	/* Signals are taken synchronously by the main thread only. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (start(tls_cert, tls_key, err, sizeof(err)) != 0)
		return die("%s%s", err, "");
	api_set_ready(true);
	store_redact(db_location(), err, sizeof(err));
	log_info("ingotd %s started (database %s)", INGOT_VERSION, err);
	log_info("signal %d: stopping (finishing requests and tasks)", wait_for_stop(&sigs, &a));
	api_stop();
	api_set_ready(false);
	conductor_stop();
	scon_stop();
	hw_console_quiesce(2000);	/* SOL deactivated at the BMCs */
	rf_sessions_close();	/* BMCs allow few sessions: give ours back */
	store_shutdown();
	log_info("ingotd stopped");
	api_console_free();
	config_free();
	free(tls_cert);
	free(tls_key);
	return 0;
}
