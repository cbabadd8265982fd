/*
 * The ssh switch driver: the switch's own CLI over SSH (libssh), with the
 * commands of each operation taken from a per-vendor template
 * (template.c, etc/switches/NAME.conf).
 *
 * One SSH session per switch, kept open and used by one operation at a
 * time (a mutex per switch); a session that fails (connection lost, no
 * answer in timeout_ms) is dropped and the operation tried once more on a
 * new one.  The host key must be in the switch's known_hosts file: an
 * unknown or changed key refuses the connection.
 *
 * Templates in "exec" mode run each command on its own channel of the
 * session (Linux-based switches: OVS hosts, Cumulus, SONiC) and fail on a
 * non-zero exit status; "shell" mode keeps one interactive CLI open
 * (IOS, EOS, Junos, OS10), types each line and waits for the prompt, and
 * fails when the output matches the template's error pattern.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "log.h"
#include "strbuf.h"
#include "switch.h"
#include "template.h"
#include "util.h"

#include "switch_paths.h"

#ifndef INGOT_SWITCH_TEMPLATES_DIR
#define INGOT_SWITCH_TEMPLATES_DIR "/usr/local/share/ingot/switches"
#endif

#define E_CMD	-1	/* the switch refused a command */
#define E_LINK	-2	/* the session failed: reconnect and retry */

struct port_mem {
	char		 port[80];
	struct switch_port_state st;
	struct port_mem	*next;
};

struct ssh_sw {
	pthread_mutex_t	 mtx;
	struct tmpl	*t;
	char		 host[256];
	int		 port;
	ssh_session	 s;
	ssh_channel	 shell;
	unsigned long	 connects;
	struct port_mem	*mem;		/* what Ingot last set, per port */
};

static long
ms_left(double deadline)
{
	double l = (deadline - util_mono_now()) * 1000.0;

	return l > 0 ? (long)l : 0;
}

static int
parse_address(struct switch_conf *sw, struct ssh_sw *st, char *err, size_t len)
{
	const char *a = sw->address, *colon;
	long p = 22;

	if (a[0] == '[') {			/* [v6]:port */
		const char *e = strchr(a, ']');
		if (e == NULL)
			goto bad;
		snprintf(st->host, sizeof(st->host), "%.*s", (int)(e - a - 1), a + 1);
		colon = e[1] == ':' ? e + 1 : NULL;
	} else {
		colon = strchr(a, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;		/* bare IPv6 */
		snprintf(st->host, sizeof(st->host), "%.*s",
		    (int)(colon ? (size_t)(colon - a) : strlen(a)), a);
	}
	if (colon != NULL && !util_parse_int(colon + 1, 1, 65535, &p))
		goto bad;
	if (st->host[0] == '\0')
		goto bad;
	st->port = (int)p;
	return 0;
bad:
	snprintf(err, len, "switch %s: bad ssh address '%s' (HOST or HOST:PORT)",
	    sw->name, sw->address);
	return -1;
}

static int
switch_ssh_prepare(struct switch_conf *sw, char *err, size_t len)
{
	struct ssh_sw *st = util_calloc(1, sizeof(*st));
	char path[1024], e[600];

	pthread_mutex_init(&st->mtx, NULL);
	sw->priv = st;
	if (parse_address(sw, st, err, len) != 0)
		return -1;
	if (sw->username[0] == '\0' || (sw->password == NULL && sw->key_file[0] == '\0')) {
		snprintf(err, len, "switch %s: the ssh driver needs username and "
		    "password or key_file", sw->name);
		return -1;
	}
	if (sw->known_hosts[0] == '\0' || access(sw->known_hosts, R_OK) != 0) {
		snprintf(err, len, "switch %s: the ssh driver needs known_hosts, a "
		    "readable file with the switch's host key (%s)", sw->name,
		    sw->known_hosts[0] ? sw->known_hosts : "not set");
		return -1;
	}
	if (sw->key_file[0] != '\0' && access(sw->key_file, R_OK) != 0) {
		snprintf(err, len, "switch %s: cannot read key_file %s", sw->name,
		    sw->key_file);
		return -1;
	}
	if (sw->template_path[0] != '\0') {
		snprintf(path, sizeof(path), "%s", sw->template_path);
	} else if (sw->device_type[0] != '\0') {
		snprintf(path, sizeof(path), "%s/%s.conf", sw->templates_dir[0] ?
		    sw->templates_dir : INGOT_SWITCH_TEMPLATES_DIR, sw->device_type);
	} else {
		snprintf(err, len, "switch %s: the ssh driver needs device_type (ovs, "
		    "cisco_ios, arista_eos, juniper_junos, dell_os10, cumulus_nvue, "
		    "sonic) or template", sw->name);
		return -1;
	}
	if ((st->t = tmpl_load(path, e, sizeof(e))) == NULL) {
		snprintf(err, len, "switch %s: %s", sw->name, e);
		return -1;
	}
	for (int i = 0; i < sw->nvars; i++)
		if (!tmpl_has_var(st->t, sw->var_name[i])) {
			snprintf(err, len, "switch %s: var.%s: template %s has no such "
			    "variable", sw->name, sw->var_name[i], path);
			return -1;
		}
	return 0;
}

static void
disconnect(struct ssh_sw *st)
{
	if (st->shell != NULL) {
		ssh_channel_close(st->shell);
		ssh_channel_free(st->shell);
		st->shell = NULL;
	}
	if (st->s != NULL) {
		ssh_disconnect(st->s);
		ssh_free(st->s);
		st->s = NULL;
	}
}

static void
switch_ssh_release(struct switch_conf *sw)
{
	struct ssh_sw *st = sw->priv;

	if (st == NULL)
		return;
	disconnect(st);
	tmpl_free(st->t);
	while (st->mem != NULL) {
		struct port_mem *n = st->mem->next;
		free(st->mem);
		st->mem = n;
	}
	pthread_mutex_destroy(&st->mtx);
	free(st);
	sw->priv = NULL;
}

unsigned long
switch_ssh_connects(const struct switch_conf *sw)
{
	struct ssh_sw *st = sw->priv;

	return st ? st->connects : 0;
}

static struct port_mem *
mem_of(struct ssh_sw *st, const char *port, bool create)
{
	struct port_mem *m;

	for (m = st->mem; m != NULL; m = m->next)
		if (strcmp(m->port, port) == 0)
			return m;
	if (!create)
		return NULL;
	m = util_calloc(1, sizeof(*m));
	snprintf(m->port, sizeof(m->port), "%s", port);
	m->st.native = -1;
	m->next = st->mem;
	st->mem = m;
	return m;
}

/* "SHA256:..." of the server's host key, or "?" */
static void
fingerprint(ssh_session s, char *out, size_t len)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	snprintf(out, len, "?");
	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
		if ((fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen))) {
			snprintf(out, len, "%s", fp);
			ssh_string_free_char(fp);
		}
		ssh_clean_pubkey_hash(&hash);
	}
	ssh_key_free(key);
}

static bool
prompt_seen(struct ssh_sw *st, const struct strbuf *b)
{
	const char *last;
	char line[512];

	if (b->len == 0)
		return false;
	last = memrchr(b->buf, '\n', b->len);
	last = last ? last + 1 : b->buf;
	snprintf(line, sizeof(line), "%.*s", (int)(b->buf + b->len - last), last);
	return line[0] != '\0' && regexec(&st->t->prompt, line, 0, NULL, 0) == 0;
}

/* Reads the shell until the prompt; output in b, '\r' dropped. */
static int
read_prompt(const struct switch_conf *sw, struct ssh_sw *st, struct strbuf *b,
    char *err, size_t len)
{
	double deadline = util_mono_now() + sw->timeout_ms / 1000.0;
	char buf[4096];

	for (;;) {
		long left = ms_left(deadline);
		int n;
		if (left == 0) {
			snprintf(err, len, "no prompt from the switch CLI within %d ms",
			    sw->timeout_ms);
			return E_LINK;
		}
		n = ssh_channel_read_timeout(st->shell, buf, sizeof(buf), 0, (int)left);
		if (n < 0 || (n == 0 && ssh_channel_is_eof(st->shell))) {
			snprintf(err, len, "the switch CLI closed the session");
			return E_LINK;
		}
		for (int i = 0; i < n; i++)
			if (buf[i] != '\r' && buf[i] != '\0')
				sb_add(b, buf + i, 1);
		if (n > 0 && prompt_seen(st, b))
			return 0;
	}
}

/* Output lines matching the template's error pattern fail the command. */
static int
check_output(struct ssh_sw *st, const char *cmd, const char *out, char *err, size_t len)
{
	regmatch_t m;

	if (!st->t->has_error || regexec(&st->t->error, out, 1, &m, 0) != 0)
		return 0;
	const char *ls = out + m.rm_so, *le;
	while (ls > out && ls[-1] != '\n')
		ls--;
	le = strchr(ls, '\n');
	snprintf(err, len, "`%s` refused: %.*s", cmd,
	    (int)(le ? (size_t)(le - ls) : strlen(ls)), ls);
	return E_CMD;
}

static int
shell_cmd(const struct switch_conf *sw, struct ssh_sw *st, const char *cmd,
    struct strbuf *out, char *err, size_t len)
{
	struct strbuf b;
	const char *body, *end;
	int rc;

	if (ssh_channel_write(st->shell, cmd, (uint32_t)strlen(cmd)) < 0 ||
	    ssh_channel_write(st->shell, "\n", 1) < 0) {
		snprintf(err, len, "cannot write to the switch CLI: %s", ssh_get_error(st->s));
		return E_LINK;
	}
	sb_init(&b, 256);
	if ((rc = read_prompt(sw, st, &b, err, len)) != 0) {
		sb_free(&b);
		return rc;
	}
	/* Between the echoed command line (when the CLI echoes) and the new
	 * prompt. */
	sb_add(&b, "", 1);
	body = strchr(b.buf, '\n');
	if (body != NULL && memmem(b.buf, (size_t)(body - b.buf), cmd, strlen(cmd)) != NULL)
		body++;
	else
		body = b.buf;
	end = strrchr(body, '\n');
	end = end ? end : body;
	b.buf[end - b.buf] = '\0';
	rc = check_output(st, cmd, body, err, len);
	if (out != NULL)
		sb_puts(out, body);
	sb_free(&b);
	return rc;
}

static int
exec_cmd(const struct switch_conf *sw, struct ssh_sw *st, const char *cmd,
    struct strbuf *out, char *err, size_t len)
{
	double deadline = util_mono_now() + sw->timeout_ms / 1000.0;
	ssh_channel ch = ssh_channel_new(st->s);
	struct strbuf o, e;
	char buf[4096];
	int rc = 0, status, n;

	if (ch == NULL || ssh_channel_open_session(ch) != SSH_OK) {
		snprintf(err, len, "cannot open a channel: %s", ssh_get_error(st->s));
		if (ch)
			ssh_channel_free(ch);
		return E_LINK;
	}
	if (ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		snprintf(err, len, "cannot run a command: %s", ssh_get_error(st->s));
		ssh_channel_free(ch);
		return E_LINK;
	}
	sb_init(&o, 256);
	sb_init(&e, 256);
	for (;;) {
		long left = ms_left(deadline);
		if (left == 0) {
			snprintf(err, len, "`%s`: no answer within %d ms", cmd, sw->timeout_ms);
			rc = E_LINK;
			break;
		}
		/* Returns with stdout data, at EOF, or at the timeout; stderr is
		 * buffered by libssh meanwhile. */
		n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, (int)left);
		if (n < 0) {
			snprintf(err, len, "session lost: %s", ssh_get_error(st->s));
			rc = E_LINK;
			break;
		}
		sb_add(&o, buf, (size_t)n);
		while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1)) > 0)
			sb_add(&e, buf, (size_t)n);
		if (ssh_channel_is_eof(ch)) {
			while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 0)) > 0)
				sb_add(&o, buf, (size_t)n);
			while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof(buf), 1)) > 0)
				sb_add(&e, buf, (size_t)n);
			break;
		}
	}
	if (rc == 0) {
		sb_add(&o, "", 1);
		sb_add(&e, "", 1);
		status = ssh_channel_get_exit_status(ch);
		if (status != 0) {
			size_t l = strcspn(e.buf[0] ? e.buf : o.buf, "\n");
			snprintf(err, len, "`%s` exited %d: %.*s", cmd, status, (int)l,
			    e.buf[0] ? e.buf : o.buf);
			rc = E_CMD;
		} else {
			rc = check_output(st, cmd, o.buf, err, len);
			if (rc == 0)
				rc = check_output(st, cmd, e.buf, err, len);
		}
		if (out != NULL)
			sb_puts(out, o.buf);
	}
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	sb_free(&o);
	sb_free(&e);
	return rc;
}

static int
run_line(const struct switch_conf *sw, struct ssh_sw *st, const char *cmd,
    struct strbuf *out, char *err, size_t len)
{
	log_debug("switch %s: %s", sw->name, cmd);
	return st->t->mode == TMODE_SHELL ? shell_cmd(sw, st, cmd, out, err, len) :
	    exec_cmd(sw, st, cmd, out, err, len);
}

static void
base_args(const struct switch_conf *sw, struct tmpl_args *a, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
	a->vlan = a->native = -1;
	a->isolation_vlan = sw->isolation_vlan;
	a->var_name = sw->var_name;
	a->var_value = sw->var_value;
	a->nvars = sw->nvars;
}

static int
run_op(const struct switch_conf *sw, struct ssh_sw *st, enum tmpl_op op,
    const struct tmpl_args *a, struct strbuf *out, char *err, size_t len)
{
	struct tmpl_cmds c;
	int rc = 0;

	if (tmpl_render(st->t, op, a, &c, err, len) != 0)
		return E_CMD;
	for (int i = 0; i < c.n && rc == 0; i++) {
		char e[512];
		rc = run_line(sw, st, c.text[i], out, e, sizeof(e));
		if (rc == E_CMD && c.ignore_errors[i]) {
			log_debug("switch %s: ignored: %s", sw->name, e);
			rc = 0;
		} else if (rc != 0) {
			snprintf(err, len, "%s: %s", tmpl_op_name(op), e);
		}
	}
	tmpl_cmds_free(&c);
	return rc;
}

static int
kbdint(ssh_session s, const char *password)
{
	int rc;

	while ((rc = ssh_userauth_kbdint(s, NULL, NULL)) == SSH_AUTH_INFO) {
		int n = ssh_userauth_kbdint_getnprompts(s);
		for (int i = 0; i < n; i++)
			if (ssh_userauth_kbdint_setanswer(s, (unsigned)i, password) < 0)
				return SSH_AUTH_ERROR;
	}
	return rc;
}

/* A new session with Ingot's options, connected to the switch, or NULL. */
static ssh_session
open_session(const struct switch_conf *sw, struct ssh_sw *st, char *err, size_t len)
{
	long sec = sw->timeout_ms / 1000, usec = (sw->timeout_ms % 1000) * 1000L;
	int verbosity = SSH_LOG_NOLOG, one = 1;
	bool no = false;
	ssh_session s;

	if ((s = ssh_new()) == NULL) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);
	ssh_options_set(s, SSH_OPTIONS_HOST, st->host);
	ssh_options_set(s, SSH_OPTIONS_PORT, &st->port);
	ssh_options_set(s, SSH_OPTIONS_USER, sw->username);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, sw->known_hosts);
	ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	if (ssh_connect(s) != SSH_OK) {
		snprintf(err, len, "cannot connect to %s port %d: %s", st->host, st->port,
		    ssh_get_error(s));
		ssh_free(s);
		return NULL;
	}
	return s;
}

/* The server's host key (fingerprint fp) must be the one in known_hosts. */
static int
check_host_key(const struct switch_conf *sw, struct ssh_sw *st, ssh_session s,
    const char *fp, char *err, size_t len)
{
	switch (ssh_session_is_known_server(s)) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
		snprintf(err, len, "host key of %s changed: it is %s, not the one in %s; "
		    "refusing to connect (possible man-in-the-middle; if the switch "
		    "was re-keyed, update the file)", st->host, fp, sw->known_hosts);
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		snprintf(err, len, "host key of %s (%s) is of another type than the one "
		    "in %s; refusing to connect", st->host, fp, sw->known_hosts);
		break;
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		snprintf(err, len, "host key of %s (%s) is not in %s; refusing to "
		    "connect to an unknown host (add its key to the file)", st->host, fp,
		    sw->known_hosts);
		break;
	default:
		snprintf(err, len, "cannot check the host key of %s against %s: %s",
		    st->host, sw->known_hosts, ssh_get_error(s));
		break;
	}
	return E_CMD;
}

/* Logs in with key_file, then the password (or keyboard-interactive). */
static int
login(const struct switch_conf *sw, struct ssh_sw *st, ssh_session s, char *err,
    size_t len)
{
	int rc = SSH_AUTH_DENIED;

	if (sw->key_file[0] != '\0') {
		ssh_key key = NULL;
		if (ssh_pki_import_privkey_file(sw->key_file, NULL, NULL, NULL, &key) != SSH_OK) {
			snprintf(err, len, "cannot load key_file %s", sw->key_file);
			return E_CMD;
		}
		rc = ssh_userauth_publickey(s, NULL, key);
		ssh_key_free(key);
	}
	if (rc != SSH_AUTH_SUCCESS && sw->password != NULL) {
		rc = ssh_userauth_password(s, NULL, sw->password);
		if (rc == SSH_AUTH_DENIED)
			rc = kbdint(s, sw->password);
	}
	if (rc != SSH_AUTH_SUCCESS) {
		snprintf(err, len, "%s refused the login of %s", st->host, sw->username);
		return E_CMD;
	}
	return 0;
}

/* Shell mode: opens the interactive CLI and waits for its first prompt. */
static int
open_shell(const struct switch_conf *sw, struct ssh_sw *st, char *err, size_t len)
{
	struct strbuf b;
	int rc;

	st->shell = ssh_channel_new(st->s);
	if (st->shell == NULL || ssh_channel_open_session(st->shell) != SSH_OK ||
	    ssh_channel_request_pty_size(st->shell, "vt100", 511, 24) != SSH_OK ||
	    ssh_channel_request_shell(st->shell) != SSH_OK) {
		snprintf(err, len, "cannot open the switch CLI: %s", ssh_get_error(st->s));
		return E_LINK;
	}
	sb_init(&b, 256);
	rc = read_prompt(sw, st, &b, err, len);
	sb_free(&b);
	return rc;
}

/* After login: the shell (in shell mode) and the template's [connect]. */
static int
start_cli(const struct switch_conf *sw, struct ssh_sw *st, char *err, size_t len)
{
	struct tmpl_args a;
	int rc;

	if (st->t->mode == TMODE_SHELL && (rc = open_shell(sw, st, err, len)) != 0)
		return rc;
	if (tmpl_has(st->t, TOP_CONNECT)) {
		base_args(sw, &a, NULL);
		if ((rc = run_op(sw, st, TOP_CONNECT, &a, NULL, err, len)) != 0)
			return rc;
	}
	return 0;
}

/* Opens st's session unless it is open: connect, host key, login, CLI. */
static int
connect_switch(const struct switch_conf *sw, struct ssh_sw *st, char *err, size_t len)
{
	char fp[128];
	ssh_session s;
	int rc;

	if (st->s != NULL)
		return 0;
	if ((s = open_session(sw, st, err, len)) == NULL)
		return E_LINK;
	fingerprint(s, fp, sizeof(fp));
	if ((rc = check_host_key(sw, st, s, fp, err, len)) != 0 ||
	    (rc = login(sw, st, s, err, len)) != 0) {
		ssh_disconnect(s);
		ssh_free(s);
		return rc;
	}
	st->s = s;
	st->connects++;
	log_info("switch %s: SSH session %lu to %s port %d as %s (host key %s)",
	    sw->name, st->connects, st->host, st->port, sw->username, fp);
	if ((rc = start_cli(sw, st, err, len)) != 0)
		disconnect(st);
	return rc;
}

/* Reads the port back through [get_port]. */
static int
read_port(const struct switch_conf *sw, struct ssh_sw *st, const char *port,
    struct switch_port_state *got, char *err, size_t len)
{
	struct tmpl_args a;
	struct strbuf out;
	int rc;

	base_args(sw, &a, port);
	sb_init(&out, 256);
	rc = run_op(sw, st, TOP_GET_PORT, &a, &out, err, len);
	if (rc == 0) {
		sb_add(&out, "", 1);
		if (tmpl_parse_port(st->t, port, out.buf, sw->isolation_vlan, &got->native,
		    got->trunks, &got->ntrunks, SWITCH_MAX_VLANS, err, len) != 0)
			rc = E_CMD;
	}
	sb_free(&out);
	return rc;
}

static int
apply(const struct switch_conf *sw, struct ssh_sw *st, const char *port,
    const struct switch_port_state *want, char *err, size_t len)
{
	struct port_mem *m = mem_of(st, port, true);
	struct switch_port_state prev = m->st;
	struct tmpl_args a;
	int rc;

	if (!tmpl_port_ok(port)) {
		snprintf(err, len, "port name '%s' is not one a switch CLI may be given "
		    "(letters, digits, / . _ : -)", port);
		return E_CMD;
	}
	base_args(sw, &a, port);
	if (prev.native < 0 && tmpl_has(st->t, TOP_GET_PORT) &&
	    (want->native == 0 || st->t->remove_before_set) &&
	    (rc = read_port(sw, st, port, &prev, err, len)) != 0)
		return rc;
	m->st.native = -1;	/* unknown until this succeeds */
	m->st.ntrunks = 0;
	if (want->native == 0 && want->ntrunks == 0) {
		a.vlan = prev.native;
		if ((rc = run_op(sw, st, TOP_REMOVE_VLAN, &a, NULL, err, len)) != 0)
			return rc;
	} else {
		if (want->ntrunks > 0 && !tmpl_has(st->t, TOP_SET_TRUNK)) {
			snprintf(err, len, "template %s has no [set_trunk]: cannot make a "
			    "trunk on this switch", st->t->path);
			return E_CMD;
		}
		if (tmpl_has(st->t, TOP_ADD_VLAN)) {
			a.vlan = want->native;
			if (want->native > 0 &&
			    (rc = run_op(sw, st, TOP_ADD_VLAN, &a, NULL, err, len)) != 0)
				return rc;
			for (int i = 0; i < want->ntrunks; i++) {
				if (want->trunks[i] == want->native)
					continue;
				a.vlan = want->trunks[i];
				if ((rc = run_op(sw, st, TOP_ADD_VLAN, &a, NULL, err, len)) != 0)
					return rc;
			}
		}
		if (st->t->remove_before_set && prev.native > 0 &&
		    (prev.native != want->native || prev.ntrunks != want->ntrunks)) {
			a.vlan = prev.native;
			if ((rc = run_op(sw, st, TOP_REMOVE_VLAN, &a, NULL, err, len)) != 0)
				return rc;
		}
		/* A tagged-only trunk (an uplink) gets the isolation VLAN as
		 * its native VLAN: untagged frames reach nothing. */
		a.vlan = a.native = want->native > 0 ? want->native : sw->isolation_vlan;
		a.vlans = want->trunks;
		a.nvlans = want->ntrunks;
		rc = run_op(sw, st, want->ntrunks > 0 ? TOP_SET_TRUNK : TOP_SET_ACCESS, &a,
		    NULL, err, len);
		if (rc != 0)
			return rc;
	}
	if (sw->save_config && tmpl_has(st->t, TOP_SAVE) &&
	    (rc = run_op(sw, st, TOP_SAVE, &a, NULL, err, len)) != 0)
		return rc;
	m->st = *want;
	return 0;
}

/* Runs fn on a connected session, reconnecting once when the session
 * fails.  The switch's mutex is held throughout. */
static int
with_session(const struct switch_conf *sw, char *err, size_t len,
    int (*fn)(const struct switch_conf *, struct ssh_sw *, void *, char *, size_t),
    void *arg)
{
	struct ssh_sw *st = sw->priv;
	int rc = E_LINK;

	if (st == NULL) {
		snprintf(err, len, "ssh driver not prepared");
		return -1;
	}
	pthread_mutex_lock(&st->mtx);
	/* A session that was open may have died since: one more try on a new
	 * one.  A switch that cannot be reached fails at once (switch.c
	 * retries with back-off). */
	for (int attempt = 0, tries = st->s != NULL ? 2 : 1; attempt < tries &&
	    rc == E_LINK; attempt++) {
		if (attempt > 0)
			log_warn("switch %s: %s; reconnecting", sw->name, err);
		if ((rc = connect_switch(sw, st, err, len)) == 0)
			rc = fn(sw, st, arg, err, len);
		/* A CLI left mid-way (in configuration mode, say) is not
		 * reused: the next operation starts on a fresh one. */
		if (rc == E_LINK || (rc == E_CMD && st->t->mode == TMODE_SHELL))
			disconnect(st);
	}
	pthread_mutex_unlock(&st->mtx);
	return rc == 0 ? 0 : -1;
}

struct set_arg {
	const char *port;
	const struct switch_port_state *want;
	struct switch_port_state *got;
	int vlan;
	bool add;
};

static int
do_set(const struct switch_conf *sw, struct ssh_sw *st, void *arg, char *err, size_t len)
{
	struct set_arg *s = arg;

	return apply(sw, st, s->port, s->want, err, len);
}

static int
ssh_set(const struct switch_conf *sw, const char *port,
    const struct switch_port_state *want, char *err, size_t len)
{
	struct set_arg a = { .port = port, .want = want };

	return with_session(sw, err, len, do_set, &a);
}

static int
do_get(const struct switch_conf *sw, struct ssh_sw *st, void *arg, char *err, size_t len)
{
	struct set_arg *g = arg;
	struct port_mem *m;

	memset(g->got, 0, sizeof(*g->got));
	if (tmpl_has(st->t, TOP_GET_PORT))
		return read_port(sw, st, g->port, g->got, err, len);
	/* No read-back: what Ingot set; -1 (unknown) until it set something,
	 * which makes the start-up reconciliation apply every port once. */
	m = mem_of(st, g->port, false);
	if (m != NULL)
		*g->got = m->st;
	else
		g->got->native = -1;
	return 0;
}

static int
ssh_get(const struct switch_conf *sw, const char *port, struct switch_port_state *got,
    char *err, size_t len)
{
	struct set_arg a = { .port = port, .got = got };
	struct ssh_sw *st = sw->priv;

	if (st != NULL && !tmpl_has(st->t, TOP_GET_PORT)) {
		/* Nothing to ask the switch. */
		pthread_mutex_lock(&st->mtx);
		do_get(sw, st, &a, err, len);
		pthread_mutex_unlock(&st->mtx);
		return 0;
	}
	return with_session(sw, err, len, do_get, &a);
}

static int
do_vlan(const struct switch_conf *sw, struct ssh_sw *st, void *arg, char *err, size_t len)
{
	struct set_arg *v = arg;
	struct tmpl_args a;
	int rc;

	base_args(sw, &a, NULL);
	a.vlan = v->vlan;
	rc = run_op(sw, st, v->add ? TOP_ADD_VLAN : TOP_DELETE_VLAN, &a, NULL, err, len);
	if (rc == 0 && sw->save_config && tmpl_has(st->t, TOP_SAVE))
		rc = run_op(sw, st, TOP_SAVE, &a, NULL, err, len);
	return rc;
}

int
switch_ssh_vlan(const struct switch_conf *sw, bool add, int vlan, char *err, size_t len)
{
	struct set_arg a = { .vlan = vlan, .add = add };
	struct ssh_sw *st = sw->priv;

	if (st == NULL || !tmpl_has(st->t, add ? TOP_ADD_VLAN : TOP_DELETE_VLAN))
		return 0;	/* the switch needs no such step */
	return with_session(sw, err, len, do_vlan, &a);
}

/* The ssh driver's own [switch:NAME] options (see switch_driver.conf_set). */
static int
ssh_conf_set(struct switch_conf *sw, const char *key, const char *value, char *err,
    size_t len)
{
	if (strcmp(key, "device_type") == 0) {
		snprintf(sw->device_type, sizeof(sw->device_type), "%s", value);
		for (const char *c = value; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-') {
				snprintf(err, len, "switch %s: bad device_type '%s'", sw->name, value);
				return -1;
			}
	} else if (strcmp(key, "template") == 0) {
		snprintf(sw->template_path, sizeof(sw->template_path), "%s", value);
	} else if (strcmp(key, "templates_dir") == 0) {
		snprintf(sw->templates_dir, sizeof(sw->templates_dir), "%s", value);
	} else if (strcmp(key, "username") == 0) {
		snprintf(sw->username, sizeof(sw->username), "%s", value);
	} else if (strcmp(key, "password") == 0) {
		free(sw->password);
		sw->password = util_strdup(value);
	} else if (strcmp(key, "key_file") == 0) {
		snprintf(sw->key_file, sizeof(sw->key_file), "%s", value);
	} else if (strcmp(key, "known_hosts") == 0) {
		snprintf(sw->known_hosts, sizeof(sw->known_hosts), "%s", value);
	} else if (strcmp(key, "save_config") == 0 && (strcmp(value, "true") == 0 ||
	    strcmp(value, "false") == 0)) {
		sw->save_config = value[0] == 't';
	} else if (strncmp(key, "var.", 4) == 0 && key[4] != '\0') {
		int i;
		for (i = 0; i < sw->nvars; i++)
			if (strcmp(sw->var_name[i], key + 4) == 0)
				break;
		if (i == (int)(sizeof(sw->var_name) / sizeof(sw->var_name[0]))) {
			snprintf(err, len, "switch %s: too many var. options", sw->name);
			return -1;
		}
		if (i == sw->nvars) {
			sw->var_name[sw->nvars++] = util_strdup(key + 4);
		} else {
			free(sw->var_value[i]);
		}
		sw->var_value[i] = util_strdup(value);
	} else {
		return 1;
	}
	return 0;
}

/* GET /v1/switches: which template the switch speaks. */
static void
ssh_describe(const struct switch_conf *sw, struct strbuf *b)
{
	sb_puts(b, ",\"device_type\":");
	sb_json_str(b, sw->device_type[0] ? sw->device_type : sw->template_path);
}

const struct switch_driver switch_driver_ssh = {
	.name = "ssh",
	.conf_set = ssh_conf_set,
	.prepare = switch_ssh_prepare,
	.release = switch_ssh_release,
	.describe = ssh_describe,
	.set = ssh_set,
	.get = ssh_get,
};
