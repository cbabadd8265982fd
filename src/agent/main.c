/*
 * ingot-agent: the deploy ramdisk's agent.  It speaks the protocol of
 * ironic-python-agent (IPA), so ingotd can drive stock IPA ramdisks and
 * Ironic's conductor can drive this agent:
 *
 *   - looks its node up: GET {api}/v1/lookup?addresses=MAC,...  -> node,
 *     config, one-time agent token (client.c);
 *   - heartbeats: POST {api}/v1/heartbeat/{node} with callback_url,
 *     agent_token, agent_version (and progress while writing) (client.c);
 *   - serves the command API on its own port (server.c):
 *       POST /v1/commands/?wait=true|false&agent_token=T  {"name", "params"}
 *       GET  /v1/commands/        GET /v1/commands/{id}
 *     commands are "extension.command": standby.*, deploy.*, clean.*,
 *     log.*, poll.get_hardware_info (commands.c).
 *
 * Settings come from flags or, in a ramdisk, from the kernel command line
 * (ipa-api-url=, ipa-advertise-host=, ipa-advertise-port=,
 * ipa-listen-port=, ipa-insecure=1, ipa-ca-file=).
 */
#include <curl/curl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "disk.h"
#include "imagewrite.h"
#include "util.h"

struct agent_conf conf = { .listen_addr = "0.0.0.0", .listen_port = 9999,
    .direct_io = true };
volatile sig_atomic_t agent_quit;

static void
usage(FILE *f)
{
	fprintf(f, "usage: ingot-agent [--api-url URL] [--listen ADDR:PORT] "
	    "[--advertise-host H] [--advertise-port P] [--mac MAC]... [--disk FILE] "
	    "[--heartbeat-interval S] [--insecure | --ca-file PEM] [--no-power]\n"
	    "       [--inspection-callback-url URL [--collect-lldp] [--lldp-timeout S] "
	    "[--boot-mac MAC]] [--shadow-file FILE] [--direct-io on|off]\n"
	    "       ingot-agent write-image URL DISK [ALGO:HEX] [FORMAT]\n"
	    "       ingot-agent root-device HINTS-JSON\n"
	    "       ingot-agent install-bootloader DISK uefi|bios [ROOT-UUID [ESP-UUID]]\n");
}

/* BOOTIF= (01-aa-bb-..., as PXELINUX) or a MAC: the NIC that booted. */
static void
set_boot_mac(const char *v)
{
	char m[32];

	if (strncmp(v, "01-", 3) == 0 && strlen(v) == 20)
		v += 3;
	snprintf(m, sizeof(m), "%s", v);
	for (char *c = m; *c; c++)
		if (*c == '-')
			*c = ':';
	if (!util_normalize_mac(m, conf.boot_mac))
		conf.boot_mac[0] = '\0';
}

/* The inspection settings of the kernel command line (IPA's names). */
static void
inspect_from_cmdline(const char *t)
{
	if (strncmp(t, "ipa-inspection-callback-url=", 28) == 0 && !conf.inspection_url)
		conf.inspection_url = strdup(t + 28);
	else if (strcmp(t, "ipa-collect-lldp=1") == 0)
		conf.collect_lldp = true;
	else if (strncmp(t, "ipa-lldp-timeout=", 17) == 0 && conf.lldp_timeout <= 0)
		conf.lldp_timeout = atof(t + 17);
	else if (strncmp(t, "BOOTIF=", 7) == 0 && !conf.boot_mac[0])
		set_boot_mac(t + 7);
}

/* The kernel command line fills in what no flag gave. */
static void
conf_from_cmdline(void)
{
	FILE *f = fopen("/proc/cmdline", "r");
	char line[4096], *save = NULL;

	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	for (char *t = strtok_r(line, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		if (strncmp(t, "ipa-api-url=", 12) == 0 && conf.api_url == NULL) {
			conf.api_url = strdup(t + 12);
			conf.ramdisk = true;
		} else if (strncmp(t, "ipa-advertise-host=", 19) == 0 && !conf.advertise_host)
			conf.advertise_host = strdup(t + 19);
		else if (strncmp(t, "ipa-advertise-port=", 19) == 0 && !conf.advertise_port)
			conf.advertise_port = atoi(t + 19);
		else if (strncmp(t, "ipa-listen-port=", 16) == 0)
			conf.listen_port = atoi(t + 16);
		else if (strcmp(t, "ipa-insecure=1") == 0)
			conf.insecure = true;
		else if (strncmp(t, "ipa-ca-file=", 12) == 0 && conf.ca_file == NULL)
			conf.ca_file = strdup(t + 12);
		else
			inspect_from_cmdline(t);
	}
}

/* One flag into conf: 0, 1 (--help done), or -1 (said why). */
static int
conf_flag(int ch, char *arg)
{
	switch (ch) {
	case 'a': conf.api_url = arg; break;
	case 'l': return server_listen_opt(arg);
	case 'H': conf.advertise_host = arg; break;
	case 'P': conf.advertise_port = atoi(arg); break;
	case 'm':
		if (conf.nmacs < AGENT_MAXMACS)
			conf.macs[conf.nmacs++] = arg;
		break;
	case 'd': conf.disk = arg; break;
	case 'i': conf.heartbeat_interval = atof(arg); break;
	case 'D': conf.direct_io = strcmp(arg, "off") != 0; break;
	case 'q': conf.qcow2_buffer_max = (size_t)atol(arg) << 20; break;
	case 'k': conf.insecure = true; break;
	case 'c': conf.ca_file = arg; break;
	case 'n': conf.no_power = true; break;
	case 'I': conf.inspection_url = arg; break;
	case 'L': conf.collect_lldp = true; break;
	case 'T': conf.lldp_timeout = atof(arg); break;
	case 'B': set_boot_mac(arg); break;
	case 'S': conf.shadow_file = arg; break;
	case 'h': usage(stdout); return 1;
	default: usage(stderr); return -1;
	}
	return 0;
}

/* The flags; returns -1 (exit 2), 1 (exit 0) or 0 (go on at optind). */
static int
parse_flags(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-url", required_argument, NULL, 'a' },
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise-host", required_argument, NULL, 'H' },
		{ "advertise-port", required_argument, NULL, 'P' },
		{ "mac", required_argument, NULL, 'm' },
		{ "disk", required_argument, NULL, 'd' },
		{ "heartbeat-interval", required_argument, NULL, 'i' },
		{ "qcow2-buffer-mib", required_argument, NULL, 'q' },
		{ "direct-io", required_argument, NULL, 'D' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "ca-file", required_argument, NULL, 'c' },
		{ "no-power", no_argument, NULL, 'n' },
		{ "inspection-callback-url", required_argument, NULL, 'I' },
		{ "collect-lldp", no_argument, NULL, 'L' },
		{ "lldp-timeout", required_argument, NULL, 'T' },
		{ "boot-mac", required_argument, NULL, 'B' },
		{ "shadow-file", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1)
		if ((rc = conf_flag(ch, optarg)) != 0)
			return rc;
	return 0;
}

/* ingot-agent write-image: one image write, for tests and benchmarks. */
static int
cli_write(int argc, char **argv)
{
	struct iw_opts o = { 0 };
	struct iw_result r;
	char err[1024], algo[16] = "";

	if (argc < 4) {
		usage(stderr);
		return 2;
	}
	o.url = argv[2];
	o.disk = argv[3];
	if (argc > 4 && argv[4][0]) {
		const char *c = strchr(argv[4], ':');
		if (c == NULL || c - argv[4] >= (long)sizeof(algo)) {
			fprintf(stderr, "ingot-agent: checksum must be ALGO:HEX\n");
			return 2;
		}
		snprintf(algo, sizeof(algo), "%.*s", (int)(c - argv[4]), argv[4]);
		o.hash_algo = algo;
		o.hash_value = c + 1;
	}
	if (argc > 5 && argv[5][0])
		o.disk_format = argv[5];
	o.qcow2_buffer_max = conf.qcow2_buffer_max;
	o.direct_io = conf.direct_io;
	o.insecure = conf.insecure;
	o.ca_file = conf.ca_file;
	if (iw_write(&o, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ingot-agent: %s\n", err);
		return 1;
	}
	printf("{\"format\": \"%s\", \"bytes_in\": %llu, \"image_size\": %llu, "
	    "\"bytes_written\": %llu, \"seconds\": %.3f, \"hash\": \"%s\"}\n", r.format,
	    (unsigned long long)r.bytes_in, (unsigned long long)r.image_size,
	    (unsigned long long)r.bytes_written, r.seconds, r.hash);
	return 0;
}

/* ingot-agent root-device HINTS: which disk the hints choose here. */
static int
cli_root(int argc, char **argv)
{
	struct disk *d = NULL;
	json_t *h = argc > 2 ? json_loads(argv[2], JSON_DECODE_ANY, NULL) : NULL;
	char err[512];
	int n = disk_list(&d, conf.disk), i;

	i = disk_root_device(d, n, h, err, sizeof(err));
	json_decref(h);
	if (i < 0) {
		fprintf(stderr, "ingot-agent: %s\n", err);
		free(d);
		return 1;
	}
	printf("%s\n", d[i].name);
	free(d);
	return 0;
}

/* ingot-agent install-bootloader: image.install_bootloader on DISK. */
static int
cli_bootloader(int argc, char **argv)
{
	char msg[512], err[1024];

	if (argc < 4) {
		usage(stderr);
		return 2;
	}
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	if (bootloader_install(argv[2], argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL,
	    argv[3], NULL, msg, sizeof(msg), err, sizeof(err)) != 0) {
		fprintf(stderr, "ingot-agent: %s\n", err);
		return 1;
	}
	printf("%s\n", msg);
	return 0;
}

static void
on_signal(int s)
{
	(void)s;
	agent_quit = 1;
}

/* The agent proper: serve, look up, heartbeat until a signal. */
static int
agent(void)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	cmd_init();
	if (server_start() != 0)
		return 1;
	if (conf.inspection_url != NULL)
		inspect_run();
	client_lookup();
	if (!agent_quit)
		client_start();
	while (!agent_quit)
		pause();
	alog("stopping");
	client_stop();
	server_stop();
	cmd_free();
	client_free();
	return 0;
}

/*
 * Random bytes that never wait for the kernel's random pool.  On Linux
 * 5.18 and later, /dev/urandom and getrandom() wait until the pool is
 * initialised: a second or more after power-on on a server whose kernel
 * trusts no hardware RNG (measured in the TCG lab without virtio-rng:
 * the agent's first JSON answer parsed 1.0 s after it arrived, its first
 * command id 2.0 s late).  What uses these needs unpredictable or unique
 * values, not key material: a hash-table seed against hash flooding, a
 * command's id.  The pool's output before it is initialised
 * (GRND_INSECURE) will do, and the clock if even that is missing
 * (kernels before 5.6).
 */
void
agent_random_early(void *buf, size_t n)
{
	static _Atomic unsigned long ctr;
	unsigned char *b = buf;
	ssize_t got = -1;

#ifdef GRND_INSECURE
	got = getrandom(buf, n, GRND_INSECURE);
#endif
	if (got != (ssize_t)n)
		got = getrandom(buf, n, GRND_NONBLOCK);
	if (got != (ssize_t)n) {
		struct timespec ts;
		unsigned long x;

		clock_gettime(CLOCK_REALTIME, &ts);
		x = (unsigned long)ts.tv_nsec ^ (unsigned long)ts.tv_sec << 30 ^
		    (unsigned long)getpid() << 16 ^ ++ctr * 0x9e3779b97f4a7c15UL;
		for (size_t i = 0; i < n; i++) {	/* xorshift over the mix */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[i] = (unsigned char)x;
		}
	}
}

int
main(int argc, char **argv)
{
	uint32_t seed = 0;
	int rc;

	while (seed == 0)	/* 0 would mean "seed it yourself" */
		agent_random_early(&seed, sizeof(seed));
	json_object_seed(seed);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((rc = parse_flags(argc, argv)) != 0)
		return rc < 0 ? 2 : 0;
	if (optind < argc && strcmp(argv[optind], "write-image") == 0)
		return cli_write(argc - optind + 1, argv + optind - 1);
	if (optind < argc && strcmp(argv[optind], "root-device") == 0)
		return cli_root(argc - optind + 1, argv + optind - 1);
	if (optind < argc && strcmp(argv[optind], "install-bootloader") == 0)
		return cli_bootloader(argc - optind + 1, argv + optind - 1);
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	conf_from_cmdline();
	if (client_conf() != 0 || server_conf() != 0 || client_macs() != 0)
		return 2;
	rc = agent();
	curl_global_cleanup();
	return rc;
}
