/*
 * --wait: a node's progress while the CLI waits for it.  Each poll reads
 * the node (provision and power state with their targets, deploy or clean
 * step, the agent's progress message, last_error) and, every second, its
 * ports' VLANs as the switch was last set (internal_info).  On a terminal
 * one line is redrawn in place; otherwise a plain line is printed when
 * something changes.  Standard error: standard output stays the command's
 * (-f json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define POLL_US		200000		/* between node reads */
#define PORTS_EVERY	5		/* ports read every 5th poll */

static bool drawing;			/* a line is on the terminal, unterminated */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
cat(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, fmt, a ? a : "", b ? b : "");
}

/* "deploy.write_image" of a deploy_step or clean_step, or NULL. */
static const char *
step(json_t *node, const char *field, char *out, size_t len)
{
	json_t *s = json_object_get(node, field);

	if (str(s, "step") == NULL)
		return NULL;
	snprintf(out, len, "%s%s%s", str(s, "interface") ? str(s, "interface") : "",
	    str(s, "interface") ? "." : "", str(s, "step"));
	return out;
}

/* The VLANs of a node's ports ("VLAN 100 (provisioning)"), or "". */
static void
vlans(const char *seg, char *out, size_t len)
{
	char path[700], msg[256], one[64];
	long status;
	json_t *r, *p;
	size_t i;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/v1/nodes/%s/ports?fields=internal_info", seg);
	if ((r = cli_try("GET", path, NULL, &status, msg, sizeof(msg))) == NULL)
		return;		/* a lessee may not read ports: no VLAN shown */
	json_array_foreach(json_object_get(r, "ports"), i, p) {
		json_t *ii = json_object_get(p, "internal_info");
		const char *phase = str(ii, "ingot_phase");
		json_int_t v = json_integer_value(json_object_get(ii, "ingot_native_vlan"));
		if (phase == NULL)
			continue;
		if (v > 0)
			snprintf(one, sizeof(one), "VLAN %lld (%s)", (long long)v, phase);
		else
			snprintf(one, sizeof(one), "%s", phase);
		if (strstr(out, one) == NULL)
			cat(out, len, "%s%s", out[0] ? ", " : "", one);
	}
	json_decref(r);
}

/* The progress line of node n, without the elapsed time. */
static void
describe(const char *ident, json_t *n, const char *vl, char *buf, size_t len)
{
	const char *msg = str(json_object_get(n, "driver_internal_info"),
	    "agent_status_message");
	char s[160];

	snprintf(buf, len, "%s: %s", ident, str(n, "provision_state") ?
	    str(n, "provision_state") : "?");
	if (str(n, "target_provision_state"))
		cat(buf, len, " -> %s%s", str(n, "target_provision_state"), NULL);
	cat(buf, len, " | %s%s", str(n, "power_state") ? str(n, "power_state") :
	    "power unknown", NULL);
	if (str(n, "target_power_state"))
		cat(buf, len, " -> %s%s", str(n, "target_power_state"), NULL);
	if (step(n, "deploy_step", s, sizeof(s)) != NULL)
		cat(buf, len, " | deploy step %s%s", s, NULL);
	if (step(n, "clean_step", s, sizeof(s)) != NULL)
		cat(buf, len, " | clean step %s%s", s, NULL);
	if (vl[0] != '\0')
		cat(buf, len, " | %s%s", vl, NULL);
	if (msg != NULL && str(n, "target_provision_state"))
		cat(buf, len, " | %s%s", msg, NULL);
	if (str(n, "last_error"))
		cat(buf, len, " | last error: %s%s", str(n, "last_error"), NULL);
}

static int
columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}

/* Shows line: redrawn in place on a terminal, else printed when changed. */
static void
show(const char *line, double elapsed, char *last, size_t len)
{
	static char drawn[1400];
	bool tty = isatty(STDERR_FILENO);
	char full[1400];

	snprintf(full, sizeof(full), "[%3.0fs] %s", elapsed, line);
	if (tty && strcmp(full, drawn) != 0) {
		/* to the terminal's width: a longer line would wrap and the
		 * next \r redraw only its last row */
		fprintf(stderr, "\r\033[K%.*s", columns() - 1, full);
		snprintf(drawn, sizeof(drawn), "%s", full);
		drawing = true;
	} else if (!tty && strcmp(line, last) != 0) {
		fprintf(stderr, "%s\n", full);
	}
	fflush(stderr);
	snprintf(last, len, "%s", line);
}

void
cli_progress_end(void)
{
	if (drawing)
		fputc('\n', stderr);
	drawing = false;
}

static bool
failed_state(const char *ps, const char *want, const char *err)
{
	return strstr(ps, "failed") || strcmp(ps, "error") == 0 ||
	    (strcmp(ps, "enroll") == 0 && strcmp(want, "manageable") == 0 && err);
}

/* 1 when n is where it should be, -1 when it failed, 0 while on its way. */
static int
outcome(json_t *n, const char *want)
{
	const char *ps = str(n, "provision_state");

	if (ps == NULL)
		return 0;
	if (strcmp(ps, want) == 0 && json_is_null(json_object_get(n,
	    "target_provision_state")))
		return 1;
	return failed_state(ps, want, str(n, "last_error")) ? -1 : 0;
}

void
cli_wait(const char *ident, const char *seg, const char *want, int timeout)
{
	char path[700], line[1200], last[1200] = "", vl[256] = "";
	double t0 = now();
	int r = 0;

	snprintf(path, sizeof(path), "/v1/nodes/%s?fields=provision_state,"
	    "target_provision_state,power_state,target_power_state,deploy_step,"
	    "clean_step,last_error,driver_internal_info", seg);
	for (int i = 0; r == 0; i++) {
		json_t *n = cli_call("GET", path, NULL);
		if (i % PORTS_EVERY == 0)
			vlans(seg, vl, sizeof(vl));
		describe(ident, n, vl, line, sizeof(line));
		show(line, now() - t0, last, sizeof(last));
		if ((r = outcome(n, want)) < 0) {
			cli_progress_end();
			fprintf(stderr, "ingot: node %s is %s: %s\n", ident,
			    str(n, "provision_state"), str(n, "last_error") ?
			    str(n, "last_error") : "no error recorded");
		}
		json_decref(n);
		if (r == 0 && timeout > 0 && now() - t0 >= timeout) {
			cli_progress_end();
			cli_die("node %s did not reach %s within %d s", ident, want, timeout);
		}
		if (r == 0)
			usleep(POLL_US);
	}
	cli_progress_end();
	if (r < 0)
		exit(1);
}
