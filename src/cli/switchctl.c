/*
 * ingot-switchctl: the switches of an ingotd configuration file from the
 * command line, through the same drivers ingotd uses.
 *
 *   ingot-switchctl -c FILE list
 *   ingot-switchctl -c FILE get SWITCH PORT
 *   ingot-switchctl -c FILE set SWITCH PORT VLAN[,VLAN...]|isolate
 *   ingot-switchctl -c FILE vlan SWITCH add|delete VLAN
 *   ingot-switchctl render TEMPLATE OP [port=P] [vlan=V] [vlans=A,B] [isolation_vlan=V]
 *   ingot-switchctl -c FILE flips SWITCH FLIPS CONCURRENCY PORT...
 *
 * "render" prints the commands a template emits (no switch involved);
 * "flips" moves ports between VLANs 100 and 200 and prints flips/s.
 */
#include <getopt.h>
#include <ini.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"
#include "switch.h"
#include "template.h"
#include "util.h"

static int
on_ini(void *user, const char *section, const char *key, const char *value)
{
	char *err = user;

	if (strncmp(section, "switch:", 7) != 0)
		return 1;
	return switch_conf_set(section + 7, key, value, err, 512) == 0;
}

static int
parse_vlans(const char *s, struct switch_port_state *st)
{
	char buf[512], *save = NULL;
	long v;

	memset(st, 0, sizeof(*st));
	if (strcmp(s, "isolate") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!util_parse_int(t, 1, 4094, &v) || st->ntrunks == SWITCH_MAX_VLANS)
			return -1;
		st->trunks[st->ntrunks++] = (int)v;
	}
	if (st->ntrunks == 0)
		return -1;
	st->native = st->trunks[0];
	if (st->ntrunks == 1)
		st->ntrunks = 0;
	return 0;
}

static int
render(int argc, char **argv)
{
	char err[600];
	struct tmpl *t;
	struct tmpl_args a = { .vlan = -1, .native = -1, .isolation_vlan = 4095 };
	struct tmpl_cmds c;
	static int vl[SWITCH_MAX_VLANS];
	char *vn[16], *vv[16];
	int op = -1, nv = 0;
	long v;

	if (argc < 2)
		return 2;
	if ((t = tmpl_load(argv[0], err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int i = 0; i < TOP__N; i++)
		if (strcmp(argv[1], tmpl_op_name(i)) == 0)
			op = i;
	if (op < 0) {
		fprintf(stderr, "unknown operation %s\n", argv[1]);
		tmpl_free(t);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(argv[i], "port") == 0)
			a.port = eq + 1;
		else if (strcmp(argv[i], "vlan") == 0 && util_parse_int(eq + 1, 1, 4095, &v))
			a.vlan = (int)v;
		else if (strcmp(argv[i], "native") == 0 && util_parse_int(eq + 1, 1, 4095, &v))
			a.native = (int)v;
		else if (strcmp(argv[i], "isolation_vlan") == 0 &&
		    util_parse_int(eq + 1, 1, 4095, &v))
			a.isolation_vlan = (int)v;
		else if (strcmp(argv[i], "vlans") == 0) {
			struct switch_port_state st;
			if (parse_vlans(eq + 1, &st) == 0) {
				vl[a.nvlans++] = st.native;
				for (int k = 1; k < st.ntrunks; k++)
					vl[a.nvlans++] = st.trunks[k];
			}
		} else if (nv < 16) {
			vn[nv] = argv[i];
			vv[nv++] = eq + 1;
		}
	}
	a.vlans = vl;
	a.var_name = vn;
	a.var_value = vv;
	a.nvars = nv;
	if (tmpl_render(t, op, &a, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		tmpl_free(t);
		return 1;
	}
	for (int i = 0; i < c.n; i++)
		printf("%s\n", c.text[i]);
	tmpl_cmds_free(&c);
	tmpl_free(t);
	return 0;
}

struct flipper {
	const char *sw, *port;
	int flips, done, failed;
	double *lat;
};

static void *
flip_thread(void *arg)
{
	struct flipper *f = arg;
	char err[800];

	for (int i = 0; i < f->flips; i++) {
		struct switch_port_state st = { .native = i % 2 ? 200 : 100 };
		double t0 = util_mono_now();
		if (switch_port_set(f->sw, f->port, &st, err, sizeof(err)) != 0) {
			if (f->failed++ == 0)
				fprintf(stderr, "flip failed: %s\n", err);
		} else {
			f->done++;
		}
		f->lat[i] = util_mono_now() - t0;
	}
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
flips(const char *sw, int n, int conc, char **ports, int nports)
{
	struct flipper *f = util_calloc((size_t)conc, sizeof(*f));
	pthread_t *th = util_calloc((size_t)conc, sizeof(*th));
	double *lat = util_calloc((size_t)n + (size_t)conc, sizeof(double));
	int per = (n + conc - 1) / conc, total = 0, failed = 0, nl = 0;
	double t0 = util_mono_now(), el;
	const struct switch_conf *s = switch_find(sw);

	for (int i = 0; i < conc; i++) {
		f[i] = (struct flipper){ .sw = sw, .port = ports[i % nports], .flips = per,
		    .lat = lat + (size_t)i * (size_t)per };
		if (conc == 1)
			flip_thread(&f[i]);
		else
			pthread_create(&th[i], NULL, flip_thread, &f[i]);
	}
	for (int i = 0; i < conc; i++) {
		if (conc > 1)
			pthread_join(th[i], NULL);
		total += f[i].done;
		failed += f[i].failed;
	}
	el = util_mono_now() - t0;
	for (int i = 0; i < conc; i++)
		for (int k = 0; k < f[i].flips; k++)
			lat[nl++] = f[i].lat[k];
	qsort(lat, (size_t)nl, sizeof(double), cmp_double);
	printf("%-6s %-5s concurrency %3d: %5d flips in %7.3f s = %8.1f flips/s; "
	    "per flip p50 %.1f ms, p99 %.1f ms; %d failed", sw, s ? s->driver : "?",
	    conc, total, el, total / el, lat[nl / 2] * 1000, lat[nl * 99 / 100] * 1000,
	    failed);
	if (s != NULL && strcmp(s->driver, "ssh") == 0)
		printf("; SSH sessions opened %lu", switch_ssh_connects(s));
	printf("\n");
	free(f);
	free(th);
	free(lat);
	return failed ? 1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ingot-switchctl [-c FILE] [-v] list | get SWITCH PORT | "
	    "set SWITCH PORT VLAN[,VLAN...]|isolate\n"
	    "       | vlan SWITCH add|delete VLAN | flips SWITCH N CONCURRENCY PORT...\n"
	    "       | render TEMPLATE OP [port=P] [vlan=V] [native=V] [vlans=A,B] "
	    "[isolation_vlan=V] [VAR=VALUE]\n");
}

/* The failure of a subcommand: err on stderr, exit status 1. */
static int
failed(const char *err)
{
	fprintf(stderr, "ingot-switchctl: %s\n", err);
	return 1;
}

/* render TEMPLATE OP ...: the commands a template emits. */
static int
cmd_render(int argc, char **argv)
{
	int rc = render(argc - 1, argv + 1);

	if (rc == 2)
		usage();
	return rc;
}

/* list: the configured switches, as JSON. */
static int
cmd_list(int argc, char **argv)
{
	struct strbuf b;

	sb_init(&b, 256);
	switch_list_json(&b);
	sb_add(&b, "", 1);
	printf("%s\n", b.buf);
	sb_free(&b);
	return 0;
}

/* get SWITCH PORT: the port's native VLAN and trunks. */
static int
cmd_get(int argc, char **argv)
{
	struct switch_port_state st;
	char err[800] = "";

	if (switch_port_get(argv[1], argv[2], &st, err, sizeof(err)) != 0)
		return failed(err);
	printf("native %d trunks", st.native);
	for (int i = 0; i < st.ntrunks; i++)
		printf("%s%d", i ? "," : " ", st.trunks[i]);
	printf("\n");
	return 0;
}

/* set SWITCH PORT VLAN[,VLAN...]|isolate */
static int
cmd_set(int argc, char **argv)
{
	struct switch_port_state st;
	char err[800] = "";

	if (parse_vlans(argv[3], &st) != 0) {
		usage();
		return 2;
	}
	if (switch_port_set(argv[1], argv[2], &st, err, sizeof(err)) != 0)
		return failed(err);
	return 0;
}

/* vlan SWITCH add|delete VLAN */
static int
cmd_vlan(int argc, char **argv)
{
	const struct switch_conf *s = switch_find(argv[1]);
	char err[800] = "";
	long v;

	if (s == NULL || !util_parse_int(argv[3], 1, 4094, &v)) {
		usage();
		return 2;
	}
	if (switch_ssh_vlan(s, strcmp(argv[2], "add") == 0, (int)v, err,
	    sizeof(err)) != 0)
		return failed(err);
	return 0;
}

/* flips SWITCH N CONCURRENCY PORT... */
static int
cmd_flips(int argc, char **argv)
{
	long n, conc;

	if (!util_parse_int(argv[2], 1, 10000000, &n) ||
	    !util_parse_int(argv[3], 1, 1000, &conc)) {
		usage();
		return 2;
	}
	return flips(argv[1], (int)n, (int)conc, argv + 4, argc - 4);
}

/* The subcommands; argc counts the subcommand's name. */
static const struct subcmd {
	const char	*name;
	int		 min_argc, max_argc;	/* max 0: no limit */
	bool		 config;		/* needs the switches of -c FILE */
	int		(*run)(int argc, char **argv);
} subcmds[] = {
	{ "render",	1, 0, false,	cmd_render },
	{ "list",	1, 0, true,	cmd_list },
	{ "get",	3, 3, true,	cmd_get },
	{ "set",	4, 4, true,	cmd_set },
	{ "vlan",	4, 4, true,	cmd_vlan },
	{ "flips",	5, 0, true,	cmd_flips },
};

/* The subcommand called name, or NULL. */
static const struct subcmd *
find_subcmd(const char *name)
{
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

/* Reads the [switch:NAME] sections of config and prepares the switches. */
static int
load_config(const char *config)
{
	char err[800] = "";
	int line = ini_parse(config, on_ini, err);

	if (line != 0 || switch_conf_finish(err, sizeof(err)) != 0) {
		fprintf(stderr, "ingot-switchctl: %s%s%s\n", line > 0 ? config : "",
		    line > 0 ? ": " : "", err[0] ? err : "cannot read the configuration");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct subcmd *cmd;
	const char *config = NULL;
	bool verbose = false;
	int c;

	while ((c = getopt(argc, argv, "c:vh")) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'v': verbose = true; break;
		default: usage(); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage();
		return 2;
	}
	cmd = find_subcmd(argv[0]);
	if (cmd != NULL && !cmd->config)
		return cmd->run(argc, argv);
	log_init(NULL, verbose ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (config == NULL) {
		usage();
		return 2;
	}
	if (load_config(config) != 0)
		return 1;
	if (cmd == NULL || argc < cmd->min_argc ||
	    (cmd->max_argc > 0 && argc > cmd->max_argc)) {
		usage();
		return 2;
	}
	return cmd->run(argc, argv);
}
