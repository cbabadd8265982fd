/*
 * The agent-driven ("direct") deploy and cleaning, as Ironic runs them with
 * ironic-python-agent, and the agent's side of the API (lookup, heartbeat).
 *
 * Deploy: boot the ramdisk (boot device pxe, power on) and wait; on the
 * first heartbeat send standby.prepare_image and wait; when the agent
 * reports it done, power off, move the switch ports to the tenant
 * networks, boot from disk, power on: active.  Cleaning is the same shape
 * with clean.execute_clean_step for each step.  Every wait is a provision
 * state in the database; heartbeats resume the node in a worker.  The
 * phase lives in driver_internal_info.agent_phase.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "agent_client.h"
#include "agent_flow.h"
#include "boot_ipxe.h"
#include "node.h"
#include "fsm.h"
#include "hw.h"
#include "images.h"
#include "log.h"
#include "netflow.h"
#include "store.h"
#include "util.h"
#include "worker.h"

static struct agent_conf aconf = { .callback_timeout = 1800, .heartbeat_timeout = 300 };

void
agent_flow_configure(const struct agent_conf *c)
{
	aconf = *c;
}

static json_t *
dii(json_t *node)
{
	json_t *d = node_driver_internal_info(node);

	if (!json_is_object(d)) {
		d = json_object();
		json_object_set_new(node, "driver_internal_info", d);
	}
	return d;
}

static void
set_phase(json_t *node, const char *phase)
{
	json_object_set_new(dii(node), "agent_phase", phase ? json_string(phase) : json_null());
}

static const char *
phase_of(json_t *node)
{
	return jstr(dii(node), "agent_phase");
}

static void
forget_agent(json_t *node)
{
	static const char *const keys[] = { "agent_secret_token", "agent_url",
	    "agent_phase", "agent_last_heartbeat", "agent_version",
	    "agent_clean_steps", "agent_clean_index", "agent_status_message",
	    "agent_verify_ca", NULL };
	for (size_t i = 0; keys[i] != NULL; i++)
		json_object_del(dii(node), keys[i]);
}

bool
agent_flow_used(json_t *node)
{
	return hw_generic_find(HW_IF_DEPLOY, node_deploy_interface(node)) ==
	    &deploy_direct_ops;
}

/* --- hardware helpers ---------------------------------------------------- */

static int
power(json_t *node, enum hw_power_action act, char *err, size_t len)
{
	const struct hw_power_ops *p = hw_power_find(node_power_interface(node));
	enum hw_power want = act == HW_ACT_POWER_OFF || act == HW_ACT_SOFT_POWER_OFF ?
	    HW_POWER_OFF : HW_POWER_ON;

	if (p == NULL) {
		snprintf(err, len, "no power interface");
		return -1;
	}
	if (p->set_state(node, act, 0, err, len) != 0)
		return -1;
	json_object_set_new(node, "power_state", json_string(want == HW_POWER_ON ?
	    "power on" : "power off"));
	return 0;
}

static int
boot_device(json_t *node, const char *dev, bool persistent, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = hw_mgmt_find(node_management_interface(node));

	if (m == NULL || m->set_boot_device == NULL)
		return 0;
	return m->set_boot_device(node, dev, persistent, err, len);
}

static int
ramdisk(json_t *node, bool prepare, char *err, size_t len)
{
	const struct hw_generic_ops *b = hw_generic_find(HW_IF_BOOT,
	    node_boot_interface(node));
	int (*fn)(json_t *, char *, size_t) = NULL;

	if (b != NULL)
		fn = prepare ? b->prepare_ramdisk : b->clean_up_ramdisk;
	return fn != NULL ? fn(node, err, len) : 0;
}

/* Boots the deploy ramdisk: network boot, power (re)start. */
static enum hw_step
boot_ramdisk(json_t *node, char *err, size_t len)
{
	const struct hw_generic_ops *b = hw_generic_find(HW_IF_BOOT,
	    node_boot_interface(node));

	forget_agent(node);
	if (ramdisk(node, true, err, len) != 0 || boot_device(node, b != NULL &&
	    b->ramdisk_boot_device != NULL ? b->ramdisk_boot_device : "pxe", false,
	    err, len) != 0)
		return HW_STEP_FAIL;
	set_phase(node, "booting");
	/* Stored before the power-on: the node asks for its iPXE script (which
	 * reads boot_ramdisk from the database) seconds later, possibly before
	 * this task ends and saves the node. */
	struct ierr e = { 0 };
	if (node_save(node, &e) != 0) {
		snprintf(err, len, "cannot record the ramdisk boot: %s", e.msg);
		return HW_STEP_FAIL;
	}
	if (power(node, HW_ACT_POWER_OFF, err, len) != 0 ||
	    power(node, HW_ACT_POWER_ON, err, len) != 0)
		return HW_STEP_FAIL;
	return HW_STEP_WAIT;
}

enum hw_step
agent_boot_ramdisk(json_t *node, char *err, size_t len)
{
	return boot_ramdisk(node, err, len);
}

/* file:// sources only for deploys a system-scoped user asked for
 * (recorded by cond_provision). */
static bool
file_images_ok(json_t *node)
{
	return json_is_true(json_object_get(dii(node), "deploy_file_images"));
}

enum hw_step
agent_deploy_start(json_t *node, char *err, size_t len)
{
	json_t *ii = node_instance_info(node);

	images_release(node_uuid(node));	/* nothing from an earlier deploy */
	if (jstr(ii, "image_source") == NULL) {
		snprintf(err, len, "instance_info.image_source is required for the "
		    "direct deploy interface");
		return HW_STEP_FAIL;
	}
	if (images_check_source(jstr(ii, "image_source"), !file_images_ok(node),
	    err, len) != 0)
		return HW_STEP_FAIL;
	return boot_ramdisk(node, err, len);
}

enum hw_step
agent_clean_start(json_t *node, json_t *steps, char *err, size_t len)
{
	json_t *list;

	if (json_is_array(steps) && json_array_size(steps) > 0) {
		list = json_deep_copy(steps);
	} else {
		list = json_pack("[{s:s, s:s, s:i}]", "interface", "deploy", "step",
		    aconf.erase_devices ? "erase_devices" : "erase_devices_metadata",
		    "priority", 99);
	}
	if (boot_ramdisk(node, err, len) != HW_STEP_WAIT) {
		json_decref(list);
		return HW_STEP_FAIL;
	}
	json_object_set_new(dii(node), "agent_clean_steps", list);
	json_object_set_new(dii(node), "agent_clean_index", json_integer(0));
	return HW_STEP_WAIT;
}

/* --- finishing and failing -------------------------------------------- */

static int
fail(json_t *node, const char *what, const char *why, struct ierr *e)
{
	char msg[1200], err[512] = "";

	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	log_error("%s", msg);
	forget_agent(node);
	images_release(node_uuid(node));
	if (power(node, HW_ACT_POWER_OFF, err, sizeof(err)) != 0)
		log_error("could not power off the ramdisk: %s", err);
	ramdisk(node, false, err, sizeof(err));
	if (netflow_fail_safe(node, err, sizeof(err)) != 0) {
		size_t n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, "; isolating its switch ports also "
		    "failed: %s", err);
	}
	return cond_transition(node, "fail", msg, e);
}

static int
finish_deploy(json_t *node, struct ierr *e)
{
	char err[512] = "";

	/* Ramdisk off, switch ports to the tenant, then boot the instance. */
	if (power(node, HW_ACT_POWER_OFF, err, sizeof(err)) != 0)
		return fail(node, "Deploy failed", err, e);
	if (netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0)
		return fail(node, "Deploy failed: cannot move the node to its tenant "
		    "networks", err, e);
	if (ramdisk(node, false, err, sizeof(err)) != 0 ||
	    boot_device(node, "disk", true, err, sizeof(err)) != 0 ||
	    power(node, HW_ACT_POWER_ON, err, sizeof(err)) != 0)
		return fail(node, "Deploy failed while booting the instance", err, e);
	forget_agent(node);
	images_release(node_uuid(node));
	json_object_set_new(node, "deploy_step", json_object());
	if (cond_transition(node, "done", NULL, e) != 0)
		return -1;
	log_info("deploy finished: the node boots its instance");
	return 0;
}

static int
finish_clean(json_t *node, struct ierr *e)
{
	char err[512] = "";

	forget_agent(node);
	if (power(node, HW_ACT_POWER_OFF, err, sizeof(err)) != 0 ||
	    ramdisk(node, false, err, sizeof(err)) != 0 ||
	    netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0)
		return fail(node, "Cleaning failed", err, e);
	json_object_set_new(node, "clean_step", json_object());
	if (cond_transition(node, "done", NULL, e) != 0)
		return -1;
	log_info("cleaning finished");
	return 0;
}

/* --- heartbeats --------------------------------------------------------- */

static json_t *
ports_of(json_t *node)
{
	struct store_query q = { .nfilters = 1 };
	char err[128];

	q.filters[0].field = "node_uuid";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = json_object_get(node, "uuid");
	return store_list(store_thread(), &model_port, &q, err, sizeof(err));
}

static int
send_clean_step(json_t *node, struct ierr *e)
{
	json_t *steps = json_object_get(dii(node), "agent_clean_steps");
	size_t idx = (size_t)json_integer_value(json_object_get(dii(node), "agent_clean_index"));
	json_t *step = json_array_get(steps, idx), *params, *cmd;
	char err[512];

	if (step == NULL)
		return cond_transition(node, "resume", NULL, e) != 0 ? -1 :
		    finish_clean(node, e);
	params = json_pack("{s:O, s:o, s:o, s:{}}", "step", step, "node",
	    json_pack("{s:O, s:O}", "uuid", json_object_get(node, "uuid"),
	    "properties", node_properties(node)),
	    "ports", ports_of(node), "clean_version");
	cmd = agent_command(jstr(dii(node), "agent_url"),
	    jstr(dii(node), "agent_secret_token"), jstr(dii(node), "agent_verify_ca"),
	    "clean.execute_clean_step",
	    params, false, err, sizeof(err));
	json_decref(params);
	if (cond_transition(node, "resume", NULL, e) != 0) {
		json_decref(cmd);
		return -1;
	}
	if (cmd == NULL)
		return fail(node, "Cleaning failed", err, e);
	json_decref(cmd);
	json_object_set(node, "clean_step", step);
	set_phase(node, "cleaning");
	log_info("clean step %s sent to the agent", jstr(step, "step"));
	return cond_transition(node, "wait", NULL, e);
}

/* Polls the agent's last command; returns 1 done, 0 running, -1 failed. */
static int
command_state(json_t *node, const char *name, char *err, size_t len)
{
	json_t *c = agent_last_command(jstr(dii(node), "agent_url"),
	    jstr(dii(node), "agent_secret_token"), jstr(dii(node), "agent_verify_ca"),
	    name, err, len);
	const char *st;
	int rc;

	if (c == NULL)
		return -1;
	st = jstr(c, "command_status");
	if (st != NULL && strcmp(st, "SUCCEEDED") == 0) {
		rc = 1;
	} else if (st != NULL && strcmp(st, "RUNNING") == 0) {
		rc = 0;
	} else {
		json_t *e = json_object_get(c, "command_error");
		char *txt = json_is_string(e) ? strdup(json_string_value(e)) :
		    json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(err, len, "the agent's %s failed: %s", name, txt ? txt : "?");
		free(txt);
		rc = -1;
	}
	json_decref(c);
	return rc;
}

/* Sends the image to the agent once it is downloaded (phase booting or
 * fetching); the download runs on its own thread, without this node's
 * lock, and a later heartbeat finds the image ready. */
static int
start_writing(json_t *node, const char *phase, struct ierr *e)
{
	json_t *ii = node_instance_info(node), *info, *params, *cmd;
	char err[700] = "", base[400];
	enum images_state st = IMAGES_READY;
	int direct;

	/* image_download_source http: the agent fetches the URL itself. */
	direct = images_direct_info(ii, json_object_get(node, "driver_info"), &info,
	    err, sizeof(err));
	boot_ipxe_base_url(base, sizeof(base));
	if (direct < 0)
		st = IMAGES_FAILED;
	else if (direct == 0)
		st = images_request(node_uuid(node), ii, file_images_ok(node), base,
		    &info, err, sizeof(err));
	switch (st) {
	case IMAGES_PENDING:
		if (phase != NULL && strcmp(phase, "fetching") == 0)
			return 0;
		set_phase(node, "fetching");
		return node_save(node, e);
	case IMAGES_FAILED:
		if (cond_transition(node, "resume", NULL, e) != 0)
			return -1;
		return fail(node, "Deploy failed: image", err, e);
	case IMAGES_READY:
		break;
	}
	if (cond_transition(node, "resume", NULL, e) != 0) {
		json_decref(info);
		return -1;
	}
	params = json_pack("{s:o}", "image_info", info);
	if (jstr(ii, "configdrive"))
		json_object_set(params, "configdrive", json_object_get(ii, "configdrive"));
	cmd = agent_command(jstr(dii(node), "agent_url"),
	    jstr(dii(node), "agent_secret_token"), jstr(dii(node), "agent_verify_ca"),
	    "standby.prepare_image",
	    params, false, err, sizeof(err));
	json_decref(params);
	if (cmd == NULL)
		return fail(node, "Deploy failed: cannot start writing the image", err, e);
	json_decref(cmd);
	set_phase(node, "writing");
	json_object_set_new(node, "deploy_step", json_pack("{s:s, s:s, s:i}",
	    "interface", "deploy", "step", "write_image", "priority", 80));
	log_info("the agent is writing the image");
	return cond_transition(node, "wait", NULL, e);
}

static int
deploy_heartbeat(json_t *node, struct ierr *e)
{
	const char *phase = phase_of(node);
	char err[700] = "";
	int st;

	if (phase == NULL || strcmp(phase, "booting") == 0 ||
	    strcmp(phase, "fetching") == 0)
		return start_writing(node, phase, e);
	st = command_state(node, "standby.prepare_image", err, sizeof(err));
	if (st == 0)
		return 0;	/* still writing */
	if (cond_transition(node, "resume", NULL, e) != 0)
		return -1;
	return st < 0 ? fail(node, "Deploy failed", err, e) : finish_deploy(node, e);
}

static int
clean_heartbeat(json_t *node, struct ierr *e)
{
	const char *phase = phase_of(node);
	char err[700] = "";
	int st;

	if (phase == NULL || strcmp(phase, "booting") == 0)
		return send_clean_step(node, e);
	st = command_state(node, "clean.execute_clean_step", err, sizeof(err));
	if (st == 0)
		return 0;
	if (st < 0)
		return cond_transition(node, "resume", NULL, e) != 0 ? -1 :
		    fail(node, "Cleaning failed", err, e);
	json_object_set_new(dii(node), "agent_clean_index", json_integer(
	    json_integer_value(json_object_get(dii(node), "agent_clean_index")) + 1));
	return send_clean_step(node, e);
}

/* The image of a node waiting for it is ready (or failed): the deploy goes
 * on now instead of at the agent's next heartbeat, which may be minutes
 * away.  A node that is locked, gone or elsewhere is left to that
 * heartbeat. */
void
agent_flow_image_done(const char *uuid)
{
	struct ierr e = { 0 };
	json_t *node;
	const char *phase;

	if ((node = node_lock_reload(uuid, &e)) == NULL)
		return;
	phase = phase_of(node);
	if (strcmp(node_provision_state(node), "wait call-back") == 0 &&
	    phase != NULL && strcmp(phase, "fetching") == 0)
		worker_submit(agent_flow_heartbeat, uuid, NULL);	/* unlocks */
	else
		node_unlock(uuid);
	json_decref(node);
}

int
agent_flow_heartbeat(json_t *node, json_t *args, struct ierr *e)
{
	const char *ps = node_provision_state(node);

	if (strcmp(ps, "wait call-back") == 0)
		return deploy_heartbeat(node, e);
	if (strcmp(ps, "clean wait") == 0)
		return clean_heartbeat(node, e);
	/* Inspection and rescue by agent come later: record only. */
	return node_save(node, e);
}

void
agent_flow_abort(json_t *node)
{
	char err[512] = "";

	forget_agent(node);
	images_release(node_uuid(node));
	if (power(node, HW_ACT_POWER_OFF, err, sizeof(err)) != 0)
		log_warn("abort: could not power off: %s", err);
	ramdisk(node, false, err, sizeof(err));
	if (netflow_fail_safe(node, err, sizeof(err)) != 0)
		log_error("abort: could not isolate the switch ports: %s", err);
}


bool
agent_flow_awaits_agent(json_t *node)
{
	return fsm_ramdisk(node_provision_state(node));
}

bool
agent_flow_token_issued(json_t *node)
{
	return jstr(dii(node), "agent_secret_token") != NULL;
}

static void
new_token(char out[65])
{
	if (!util_random_hex(out, 32))
		fatalx("no randomness for an agent token");
}

json_t *
agent_lookup(json_t *node, struct ierr *e)
{
	char token[65] = "******";
	json_t *out, *view;

	if (!fsm_ramdisk(node_provision_state(node))) {
		ierr_set(e, IG_ENOTFOUND, AGENT_LOOKUP_NOT_FOUND);
		return NULL;
	}
	if (jstr(dii(node), "agent_secret_token") == NULL) {
		new_token(token);
		json_object_set_new(dii(node), "agent_secret_token", json_string(token));
		if (node_save(node, e) != 0)
			return NULL;
		log_info("agent looked up: token issued");
	}
	view = json_pack("{s:O, s:O, s:O, s:O, s:O}", "uuid", json_object_get(node, "uuid"),
	    "name", json_object_get(node, "name"),
	    "properties", node_properties(node),
	    "provision_state", json_object_get(node, "provision_state"),
	    "instance_info", node_instance_info(node));
	json_t *vi = json_deep_copy(json_object_get(view, "instance_info"));
	if (json_object_get(vi, "configdrive"))
		json_object_set_new(vi, "configdrive", json_string("******"));
	json_object_set_new(view, "instance_info", vi);
	out = json_pack("{s:o, s:{s:i, s:s, s:b, s:b}}", "node", view, "config",
	    "heartbeat_timeout", aconf.heartbeat_timeout, "agent_token", token,
	    "agent_token_required", 1, "agent_md5_checksum_enable", 0);
	return out;
}

/* Constant time: the comparison says nothing about how much matched. */
static bool
token_equal(const char *want, const char *got)
{
	size_t n = strlen(want);

	return got != NULL && n > 0 && strlen(got) == n && CRYPTO_memcmp(want, got, n) == 0;
}

#define CALLBACK_URL_MAX 256

/*
 * An agent's callback URL: http or https, a host (name, IPv4 or [IPv6]),
 * an optional port, an optional path; no credentials, no spaces or
 * control characters.  The conductor sends commands (with the token) there.
 */
static bool
callback_url_ok(const char *url)
{
	const char *p, *host, *end;
	size_t n;

	if (url == NULL || (n = strlen(url)) == 0 || n > CALLBACK_URL_MAX)
		return false;
	for (const char *c = url; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
			return false;
	if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else
		return false;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return false;
	if (*host == '[') {
		if ((p = memchr(host, ']', (size_t)(end - host))) == NULL || p == host + 1)
			return false;
		if (strspn(host + 1, "0123456789abcdefABCDEF:.") != (size_t)(p - host - 1))
			return false;
		p++;
	} else {
		p = host + strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-");
		if (p == host || p > end)
			return false;
	}
	if (p == end)
		return true;
	if (*p != ':' || p + 1 == end || end - p > 6)
		return false;
	for (const char *c = p + 1; c < end; c++)
		if (*c < '0' || *c > '9')
			return false;
	return atoi(p + 1) > 0 && atoi(p + 1) < 65536;
}

#define VERIFY_CA_MAX	16384

/*
 * agent_verify_ca (API 1.68, IPA's auto-TLS): the certificate an agent made
 * for its own https listener.  It must be one PEM certificate; like the
 * callback URL it is fixed by the first heartbeat that carries it, and it
 * is then the only certificate the agent's calls are verified with.
 */
static int
verify_ca_check(json_t *node, json_t *body, struct ierr *e)
{
	json_t *v = json_object_get(body, "agent_verify_ca");
	const char *pem = json_string_value(v), *pinned;
	X509 *x = NULL;
	BIO *b;

	if (v == NULL || json_is_null(v))
		return 0;
	if (pem != NULL && strlen(pem) <= VERIFY_CA_MAX &&
	    (b = BIO_new_mem_buf(pem, -1)) != NULL) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	X509_free(x);
	if (x == NULL) {
		ierr_set(e, IG_EINVAL, "agent_verify_ca must be a PEM certificate of at "
		    "most %d bytes.", VERIFY_CA_MAX);
		return -1;
	}
	pinned = jstr(dii(node), "agent_verify_ca");
	if (pinned != NULL && strcmp(pinned, pem) != 0) {
		ierr_set(e, IG_EINVAL, "Detected change in ramdisk provided "
		    "\"agent_verify_ca\".");
		return -1;
	}
	return 0;
}

int
agent_heartbeat_check(json_t *node, json_t *body, struct ierr *e)
{
	const char *want = jstr(dii(node), "agent_secret_token");
	const char *url = jstr(body, "callback_url");
	const char *known = jstr(dii(node), "agent_url");

	if (want == NULL || !token_equal(want, jstr(body, "agent_token"))) {
		ierr_set(e, IG_EAUTH, "Invalid or missing agent token received for node %s.",
		    node_uuid(node));
		return -1;
	}
	if (!fsm_ramdisk(node_provision_state(node))) {
		ierr_set(e, IG_ECONFLICT, "Node %s is not waiting for its agent (state %s).",
		    node_uuid(node), node_provision_state(node));
		return -1;
	}
	if (!callback_url_ok(url)) {
		ierr_set(e, IG_EINVAL, "callback_url must be an http(s) URL with a host "
		    "(and no credentials), at most %d characters.", CALLBACK_URL_MAX);
		return -1;
	}
	/* As Ironic: the agent's address is fixed by its first heartbeat. */
	if (known != NULL && strcmp(known, url) != 0) {
		ierr_set(e, IG_EINVAL, "Detected change in ramdisk provided \"callback_url\".");
		return -1;
	}
	return verify_ca_check(node, body, e);
}

int
agent_heartbeat_record(json_t *node, json_t *body, struct ierr *e)
{
	const char *url = jstr(body, "callback_url");
	char now[40];

	if (agent_heartbeat_check(node, body, e) != 0)
		return -1;
	util_now_iso(now);
	json_object_set_new(dii(node), "agent_url", json_string(url));
	if (jstr(body, "agent_verify_ca") != NULL)
		json_object_set_new(dii(node), "agent_verify_ca",
		    json_string(jstr(body, "agent_verify_ca")));
	json_object_set_new(dii(node), "agent_last_heartbeat", json_integer((json_int_t)time(NULL)));
	if (jstr(body, "agent_version"))
		json_object_set_new(dii(node), "agent_version", json_sprintf("%.64s",
		    jstr(body, "agent_version")));
	/* Progress the agent reports (image write), shown in driver_internal_info. */
	if (jstr(body, "agent_status_message"))
		json_object_set_new(dii(node), "agent_status_message", json_sprintf("%.200s",
		    jstr(body, "agent_status_message")));
	return 0;
}

bool
agent_flow_timed_out(json_t *node, time_t now)
{
	json_t *hb = json_object_get(dii(node), "agent_last_heartbeat");
	const char *pu = node_provision_updated_at(node);
	time_t since = 0;

	if (json_is_integer(hb)) {
		since = (time_t)json_integer_value(hb);
	} else if (pu != NULL) {
		struct tm tm = { 0 };
		if (strptime(pu, "%Y-%m-%dT%H:%M:%S", &tm) != NULL)
			since = timegm(&tm);
	}
	return since > 0 && now - since > aconf.callback_timeout;
}

/* Undeploy while a deploy's ramdisk is still in play (in wait call-back):
 * the agent forgotten, the image released, and the boot interface's
 * ramdisk cleaned up (iPXE's DHCP entries; the virtual-media ISO deleted,
 * so that its URL answers 404, and ejected). */
static enum hw_step
agent_tear_down(json_t *node, char *err, size_t len)
{
	json_t *d = dii(node);

	if (json_object_get(d, "boot_ramdisk") == NULL &&
	    json_object_get(d, "vmedia_iso") == NULL)
		return HW_STEP_DONE;
	forget_agent(node);
	images_release(node_uuid(node));
	if (ramdisk(node, false, err, len) != 0)
		log_warn("undeploy: cannot clean up the ramdisk's boot: %s", err);
	return HW_STEP_DONE;
}

const struct hw_generic_ops deploy_direct_ops = {
	.name = "direct",
	.deploy = agent_deploy_start,
	.clean = agent_clean_start,
	.tear_down = agent_tear_down,
};
