/*
 * ingot: the command-line client of ingotd.  One table lists every command
 * with its usage; handlers turn options into Ironic v1 API calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct cli_state cli;

#define MAXOPT 64

struct opts {
	const char	*key[MAXOPT];
	const char	*val[MAXOPT];
	int		 n;
	const char	*pos[MAXOPT];
	int		 npos;
};

struct command {
	const char	*group, *verb;
	const char	*usage;
	const char	*valued;	/* space-separated options taking a value */
	int		 min_pos, max_pos;
	void		(*fn)(struct opts *);
};

static const struct command *current;

static void
usage_exit(void)
{
	fprintf(stderr, "ingot: usage: ingot %s %s %s\n", current->group,
	    current->verb, current->usage);
	exit(2);
}

static const char *
opt(struct opts *o, const char *k)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->key[i], k) == 0)
			return o->val[i] ? o->val[i] : "";
	return NULL;
}

/* Every value of a repeatable option, in order. */
static int
opts_all(struct opts *o, const char *k, const char **out, int max)
{
	int n = 0;

	for (int i = 0; i < o->n && n < max; i++)
		if (strcmp(o->key[i], k) == 0)
			out[n++] = o->val[i];
	return n;
}

static void
parse(int argc, char **argv, const struct command *c, struct opts *o)
{
	char want[256];

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			if (o->n == MAXOPT)
				usage_exit();
			snprintf(want, sizeof(want), " %s ", c->valued ? c->valued : "");
			char key[80];
			snprintf(key, sizeof(key), " %s ", a);
			/* Only options the usage line names are accepted. */
			char ukey[90];
			const char *at = c->usage;
			bool known = false;
			snprintf(ukey, sizeof(ukey), "%s", a);
			while ((at = strstr(at, ukey)) != NULL) {
				char nx = at[strlen(ukey)];
				if (nx == '\0' || nx == ' ' || nx == ']' || nx == '|') {
					known = true;
					break;
				}
				at++;
			}
			if (!known) {
				fprintf(stderr, "ingot: %s %s: unknown option %s\n", c->group,
				    c->verb, a);
				usage_exit();
			}
			o->key[o->n] = a;
			o->val[o->n] = NULL;
			if (strstr(want, key) != NULL) {
				if (i + 1 >= argc)
					usage_exit();
				o->val[o->n] = argv[++i];
			} else if (strcmp(a, "--wait") == 0 && i + 1 < argc &&
			    strspn(argv[i + 1], "0123456789") == strlen(argv[i + 1])) {
				o->val[o->n] = argv[++i];
			}
			o->n++;
		} else {
			if (o->npos == MAXOPT)
				usage_exit();
			o->pos[o->npos++] = a;
		}
	}
	if (o->npos < c->min_pos || o->npos > c->max_pos)
		usage_exit();
}

/* --- helpers ---------------------------------------------------------- */

static void
put_kvs(struct opts *o, const char *option, json_t *obj, const char *field)
{
	const char *vals[MAXOPT];
	int n = opts_all(o, option, vals, MAXOPT);
	json_t *d = json_object_get(obj, field);

	for (int i = 0; i < n; i++) {
		char k[256];
		json_t *v;
		if (d == NULL) {
			d = json_object();
			json_object_set_new(obj, field, d);
		}
		kv_parse(vals[i], k, sizeof(k), &v);
		json_object_set_new(d, k, v);
	}
}

static void
put_str(struct opts *o, const char *option, json_t *obj, const char *field)
{
	const char *v = opt(o, option);

	if (v != NULL)
		json_object_set_new(obj, field, json_string(v));
}

static void
show_path(const char *path)
{
	json_t *j = cli_call("GET", path, NULL);

	out_object(j);
	json_decref(j);
}

static char *
enc(const char *s)
{
	static char buf[4][512];
	static int k;
	char *o = buf[k++ % 4];
	size_t j = 0;

	for (; *s && j < 500; s++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:", *s))
			o[j++] = *s;
		else
			j += (size_t)snprintf(o + j, 4, "%%%02X", (unsigned char)*s);
	}
	o[j] = '\0';
	return o;
}

/* --- nodes -------------------------------------------------------------- */

static void
node_create(struct opts *o)
{
	json_t *b = json_object(), *r;

	if (opt(o, "--driver") == NULL)
		usage_exit();
	put_str(o, "--driver", b, "driver");
	put_str(o, "--name", b, "name");
	put_str(o, "--uuid", b, "uuid");
	put_str(o, "--resource-class", b, "resource_class");
	put_str(o, "--owner", b, "owner");
	put_str(o, "--lessee", b, "lessee");
	put_str(o, "--description", b, "description");
	put_str(o, "--network-interface", b, "network_interface");
	put_str(o, "--deploy-interface", b, "deploy_interface");
	put_str(o, "--boot-interface", b, "boot_interface");
	put_kvs(o, "--driver-info", b, "driver_info");
	put_kvs(o, "--property", b, "properties");
	put_kvs(o, "--instance-info", b, "instance_info");
	put_kvs(o, "--extra", b, "extra");
	r = cli_call("POST", "/v1/nodes", b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
node_list(struct opts *o)
{
	static const char *const short_cols[] = { "uuid", "name", "instance_uuid",
	    "power_state", "provision_state", "maintenance", NULL };
	static const char *const long_cols[] = { "uuid", "name", "driver",
	    "power_state", "provision_state", "target_provision_state",
	    "maintenance", "resource_class", "owner", "lessee", "last_error", NULL };
	json_t *all = json_array(), *page;
	char path[1024], q[700] = "";
	const char *marker = NULL;
	bool lng = opt(o, "--long") != NULL;
	size_t n;

	if (opt(o, "--provision-state"))
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&provision_state=%s",
		    enc(opt(o, "--provision-state")));
	if (opt(o, "--driver"))
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&driver=%s", enc(opt(o, "--driver")));
	if (opt(o, "--owner"))
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&owner=%s", enc(opt(o, "--owner")));
	if (opt(o, "--maintenance"))
		snprintf(q + strlen(q), sizeof(q) - strlen(q), "&maintenance=true");
	do {
		snprintf(path, sizeof(path), "/v1/nodes%s?limit=1000%s%s%s",
		    lng ? "/detail" : "", q, marker ? "&marker=" : "", marker ? marker : "");
		page = cli_call("GET", path, NULL);
		json_array_extend(all, json_object_get(page, "nodes"));
		n = json_array_size(json_object_get(page, "nodes"));
		marker = n == 1000 ? strdup(json_string_value(json_object_get(
		    json_array_get(json_object_get(page, "nodes"), n - 1), "uuid"))) : NULL;
		json_decref(page);
	} while (marker != NULL);
	out_list(all, lng ? long_cols : short_cols);
	json_decref(all);
}

static void
node_show(struct opts *o)
{
	char path[700];

	snprintf(path, sizeof(path), "/v1/nodes/%s%s%s", enc(o->pos[0]),
	    opt(o, "--fields") ? "?fields=" : "", opt(o, "--fields") ? opt(o, "--fields") : "");
	show_path(path);
}

static void
add_patch(json_t *ops, const char *op, const char *path, json_t *value)
{
	json_t *p = json_pack("{s:s, s:s}", "op", op, "path", path);

	if (value != NULL)
		json_object_set_new(p, "value", value);
	json_array_append_new(ops, p);
}

static void
patch_kvs(struct opts *o, const char *option, const char *field, json_t *ops, bool remove)
{
	const char *vals[MAXOPT];
	int n = opts_all(o, option, vals, MAXOPT);
	char path[600], k[256];

	for (int i = 0; i < n; i++) {
		json_t *v = NULL;
		if (remove)
			snprintf(k, sizeof(k), "%s", vals[i]);
		else
			kv_parse(vals[i], k, sizeof(k), &v);
		snprintf(path, sizeof(path), "/%s/%s", field, k);
		add_patch(ops, remove ? "remove" : "add", path, v);
	}
}

static void
patch_send(const char *what, const char *ident, json_t *ops)
{
	char path[700];
	json_t *r;

	if (json_array_size(ops) == 0)
		usage_exit();
	snprintf(path, sizeof(path), "/v1/%s/%s", what, enc(ident));
	r = cli_call("PATCH", path, ops);
	if (cli.json)
		out_object(r);
	json_decref(r);
	json_decref(ops);
}

static void
node_set(struct opts *o)
{
	static const char *const simple[][2] = { { "--name", "name" },
	    { "--description", "description" }, { "--resource-class", "resource_class" },
	    { "--owner", "owner" }, { "--lessee", "lessee" }, { "--driver", "driver" },
	    { "--network-interface", "network_interface" },
	    { "--deploy-interface", "deploy_interface" },
	    { "--boot-interface", "boot_interface" },
	    { "--conductor-group", "conductor_group" }, { NULL, NULL } };
	json_t *ops = json_array();
	char path[128];

	for (int i = 0; simple[i][0] != NULL; i++) {
		if (opt(o, simple[i][0]) != NULL) {
			snprintf(path, sizeof(path), "/%s", simple[i][1]);
			add_patch(ops, "replace", path, json_string(opt(o, simple[i][0])));
		}
	}
	patch_kvs(o, "--driver-info", "driver_info", ops, false);
	patch_kvs(o, "--property", "properties", ops, false);
	patch_kvs(o, "--instance-info", "instance_info", ops, false);
	patch_kvs(o, "--extra", "extra", ops, false);
	patch_send("nodes", o->pos[0], ops);
}

static void
node_unset(struct opts *o)
{
	static const char *const simple[][2] = { { "--name", "name" },
	    { "--description", "description" }, { "--resource-class", "resource_class" },
	    { "--owner", "owner" }, { "--lessee", "lessee" }, { NULL, NULL } };
	json_t *ops = json_array();
	char path[128];

	for (int i = 0; simple[i][0] != NULL; i++) {
		if (opt(o, simple[i][0]) != NULL) {
			snprintf(path, sizeof(path), "/%s", simple[i][1]);
			add_patch(ops, "remove", path, NULL);
		}
	}
	patch_kvs(o, "--driver-info", "driver_info", ops, true);
	patch_kvs(o, "--property", "properties", ops, true);
	patch_kvs(o, "--instance-info", "instance_info", ops, true);
	patch_kvs(o, "--extra", "extra", ops, true);
	patch_send("nodes", o->pos[0], ops);
}

static void
provision(struct opts *o, const char *target, const char *stable)
{
	char path[700];
	json_t *b = json_pack("{s:s}", "target", target);
	const char *w = opt(o, "--wait");

	if (opt(o, "--config-drive"))
		json_object_set_new(b, "configdrive", json_string(opt(o, "--config-drive")));
	if (opt(o, "--clean-steps") || opt(o, "--deploy-steps")) {
		const char *k = opt(o, "--clean-steps") ? "clean_steps" : "deploy_steps";
		json_t *steps = json_loads(opt(o, "--clean-steps") ? opt(o, "--clean-steps") :
		    opt(o, "--deploy-steps"), 0, NULL);
		if (!json_is_array(steps))
			cli_die("%s: --%s must be a JSON list", cli.command, k);
		json_object_set_new(b, k, steps);
	}
	if (opt(o, "--rescue-password"))
		json_object_set_new(b, "rescue_password", json_string(opt(o, "--rescue-password")));
	snprintf(path, sizeof(path), "/v1/nodes/%s/states/provision", enc(o->pos[0]));
	json_decref(cli_call("PUT", path, b));
	json_decref(b);
	if (w != NULL && stable != NULL)
		cli_wait(o->pos[0], enc(o->pos[0]), stable, *w ? atoi(w) : 0);
}

static void node_manage(struct opts *o) { provision(o, "manage", "manageable"); }
static void node_provide(struct opts *o) { provision(o, "provide", "available"); }
static void node_inspect(struct opts *o) { provision(o, "inspect", "manageable"); }
static void node_deploy(struct opts *o) { provision(o, "active", "active"); }
static void node_undeploy(struct opts *o) { provision(o, "deleted", "available"); }
static void node_rebuild(struct opts *o) { provision(o, "rebuild", "active"); }
static void node_abort(struct opts *o) { provision(o, "abort", NULL); }
static void node_adopt(struct opts *o) { provision(o, "adopt", "active"); }
static void node_rescue(struct opts *o) { provision(o, "rescue", "rescue"); }
static void node_unrescue(struct opts *o) { provision(o, "unrescue", "active"); }
/* Ingot's extension: fence the node, move its instance to a spare. */
static void node_recover(struct opts *o) { provision(o, "recover", "manageable"); }

static void
node_clean(struct opts *o)
{
	if (opt(o, "--clean-steps") == NULL)
		usage_exit();
	provision(o, "clean", "manageable");
}

static void
node_power(struct opts *o)
{
	const char *what = o->pos[0], *target;
	bool soft = opt(o, "--soft") != NULL;
	char path[700];
	json_t *b;

	if (strcmp(what, "on") == 0)
		target = "power on";
	else if (strcmp(what, "off") == 0)
		target = soft ? "soft power off" : "power off";
	else if (strcmp(what, "reboot") == 0)
		target = soft ? "soft rebooting" : "rebooting";
	else
		usage_exit();
	b = json_pack("{s:s}", "target", target);
	if (opt(o, "--power-timeout"))
		json_object_set_new(b, "timeout", json_integer(atoi(opt(o, "--power-timeout"))));
	snprintf(path, sizeof(path), "/v1/nodes/%s/states/power", enc(o->pos[1]));
	json_decref(cli_call("PUT", path, b));
	json_decref(b);
}

static void
node_maintenance(struct opts *o)
{
	char path[700];
	json_t *b = NULL;

	snprintf(path, sizeof(path), "/v1/nodes/%s/maintenance", enc(o->pos[1]));
	if (strcmp(o->pos[0], "set") == 0) {
		b = json_object();
		if (opt(o, "--reason"))
			json_object_set_new(b, "reason", json_string(opt(o, "--reason")));
		json_decref(cli_call("PUT", path, b));
	} else if (strcmp(o->pos[0], "unset") == 0) {
		json_decref(cli_call("DELETE", path, NULL));
	} else {
		usage_exit();
	}
	json_decref(b);
}

static void
node_validate(struct opts *o)
{
	static const char *const cols[] = { "interface", "result", "reason", NULL };
	char path[700];
	json_t *v, *rows = json_array(), *x;
	const char *k;

	snprintf(path, sizeof(path), "/v1/nodes/%s/validate", enc(o->pos[0]));
	v = cli_call("GET", path, NULL);
	json_object_foreach(v, k, x)
		json_array_append_new(rows, json_pack("{s:s, s:O, s:O}", "interface", k,
		    "result", json_object_get(x, "result"), "reason",
		    json_object_get(x, "reason") ? json_object_get(x, "reason") : json_null()));
	out_list(rows, cols);
	json_decref(rows);
	json_decref(v);
}

static void
node_boot_device(struct opts *o)
{
	char path[700];

	snprintf(path, sizeof(path), "/v1/nodes/%s/management/boot_device",
	    enc(o->pos[1]));
	if (strcmp(o->pos[0], "show") == 0 && o->npos == 2) {
		show_path(path);
	} else if (strcmp(o->pos[0], "set") == 0 && o->npos == 3) {
		json_t *b = json_pack("{s:s, s:b}", "boot_device", o->pos[2], "persistent",
		    opt(o, "--persistent") != NULL);
		json_decref(cli_call("PUT", path, b));
		json_decref(b);
	} else {
		usage_exit();
	}
}

static void
node_history(struct opts *o)
{
	static const char *const cols[] = { "created_at", "severity", "event_type",
	    "event", NULL };
	char path[700];
	json_t *h;

	snprintf(path, sizeof(path), "/v1/nodes/%s/history?detail=true", enc(o->pos[0]));
	h = cli_call("GET", path, NULL);
	out_list(json_object_get(h, "history"), cols);
	json_decref(h);
}

/* The node's serial console output kept by ingotd, oldest first. */
static void
node_console_log(struct opts *o)
{
	char path[700];

	snprintf(path, sizeof(path), "/v1/nodes/%s/states/console/log", enc(o->pos[0]));
	cli_get_raw(path);
}

/* console enable|disable NODE; console show NODE (with a fresh token) */
static void
node_console(struct opts *o)
{
	char path[700];
	json_t *b;

	snprintf(path, sizeof(path), "/v1/nodes/%s/states/console", enc(o->pos[1]));
	if (strcmp(o->pos[0], "show") == 0) {
		b = cli_call("GET", path, NULL);
		out_object(b);
	} else if (strcmp(o->pos[0], "enable") == 0 || strcmp(o->pos[0], "disable") == 0) {
		b = json_pack("{s:b}", "enabled", strcmp(o->pos[0], "enable") == 0);
		json_decref(cli_call("PUT", path, b));
	} else {
		usage_exit();
	}
	json_decref(b);
}

static void
node_delete(struct opts *o)
{
	char path[700];

	for (int i = 0; i < o->npos; i++) {
		snprintf(path, sizeof(path), "/v1/nodes/%s", enc(o->pos[i]));
		json_decref(cli_call("DELETE", path, NULL));
		if (!cli.json)
			printf("Deleted node %s\n", o->pos[i]);
	}
}

static void
node_vif(struct opts *o)
{
	char path[700];

	if (strcmp(o->pos[0], "list") == 0 && o->npos == 2) {
		static const char *const cols[] = { "id", NULL };
		snprintf(path, sizeof(path), "/v1/nodes/%s/vifs", enc(o->pos[1]));
		json_t *v = cli_call("GET", path, NULL);
		out_list(json_object_get(v, "vifs"), cols);
		json_decref(v);
	} else if (strcmp(o->pos[0], "attach") == 0 && o->npos == 3) {
		json_t *b = json_pack("{s:s}", "id", o->pos[2]);
		snprintf(path, sizeof(path), "/v1/nodes/%s/vifs", enc(o->pos[1]));
		json_decref(cli_call("POST", path, b));
		json_decref(b);
	} else if (strcmp(o->pos[0], "detach") == 0 && o->npos == 3) {
		snprintf(path, sizeof(path), "/v1/nodes/%s/vifs/%s", enc(o->pos[1]),
		    enc(o->pos[2]));
		json_decref(cli_call("DELETE", path, NULL));
	} else {
		usage_exit();
	}
}

/* --- ports, portgroups, networks, drivers, conductors -------------------- */

static void
port_create(struct opts *o)
{
	json_t *b = json_pack("{s:s}", "address", o->pos[0]), *r;
	const char *pxe = opt(o, "--pxe-enabled");

	if (opt(o, "--node") == NULL)
		usage_exit();
	put_str(o, "--node", b, "node_uuid");
	put_str(o, "--physical-network", b, "physical_network");
	put_str(o, "--portgroup", b, "portgroup_uuid");
	put_kvs(o, "--local-link-connection", b, "local_link_connection");
	put_kvs(o, "--extra", b, "extra");
	if (pxe != NULL)
		json_object_set_new(b, "pxe_enabled", json_boolean(strcmp(pxe, "true") == 0));
	r = cli_call("POST", "/v1/ports", b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
generic_list(const char *what, const char *key, const char *query,
    const char *const *cols)
{
	char path[900];
	json_t *r;

	snprintf(path, sizeof(path), "/v1/%s%s", what, query ? query : "");
	r = cli_call("GET", path, NULL);
	out_list(json_object_get(r, key), cols);
	json_decref(r);
}

static void
port_list(struct opts *o)
{
	static const char *const cols[] = { "uuid", "address", NULL };
	static const char *const lcols[] = { "uuid", "address", "node_uuid",
	    "portgroup_uuid", "pxe_enabled", "physical_network",
	    "local_link_connection", NULL };
	bool lng = opt(o, "--long") != NULL;
	char q[600];

	snprintf(q, sizeof(q), "%s%s%s", lng ? "/detail" : "", opt(o, "--node") ?
	    "?node=" : "", opt(o, "--node") ? enc(opt(o, "--node")) : "");
	generic_list("ports", "ports", q, lng ? lcols : cols);
}

static void
res_show(const char *what, struct opts *o)
{
	char path[700];

	snprintf(path, sizeof(path), "/v1/%s/%s", what, enc(o->pos[0]));
	show_path(path);
}

static void
res_delete(const char *what, struct opts *o)
{
	char path[700];

	for (int i = 0; i < o->npos; i++) {
		snprintf(path, sizeof(path), "/v1/%s/%s", what, enc(o->pos[i]));
		json_decref(cli_call("DELETE", path, NULL));
	}
}

static void port_show(struct opts *o) { res_show("ports", o); }
static void port_delete(struct opts *o) { res_delete("ports", o); }

static void
port_set(struct opts *o)
{
	json_t *ops = json_array();

	if (opt(o, "--node"))
		add_patch(ops, "replace", "/node_uuid", json_string(opt(o, "--node")));
	if (opt(o, "--physical-network"))
		add_patch(ops, "replace", "/physical_network",
		    json_string(opt(o, "--physical-network")));
	if (opt(o, "--pxe-enabled"))
		add_patch(ops, "replace", "/pxe_enabled",
		    json_boolean(strcmp(opt(o, "--pxe-enabled"), "true") == 0));
	patch_kvs(o, "--local-link-connection", "local_link_connection", ops, false);
	patch_kvs(o, "--extra", "extra", ops, false);
	patch_send("ports", o->pos[0], ops);
}

static void
port_unset(struct opts *o)
{
	json_t *ops = json_array();

	if (opt(o, "--physical-network"))
		add_patch(ops, "remove", "/physical_network", NULL);
	patch_kvs(o, "--local-link-connection", "local_link_connection", ops, true);
	patch_kvs(o, "--extra", "extra", ops, true);
	patch_send("ports", o->pos[0], ops);
}

static void
portgroup_create(struct opts *o)
{
	json_t *b = json_object(), *r;

	if (opt(o, "--node") == NULL)
		usage_exit();
	put_str(o, "--node", b, "node_uuid");
	put_str(o, "--name", b, "name");
	put_str(o, "--address", b, "address");
	put_str(o, "--mode", b, "mode");
	put_kvs(o, "--extra", b, "extra");
	r = cli_call("POST", "/v1/portgroups", b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
portgroup_list(struct opts *o)
{
	static const char *const cols[] = { "uuid", "name", "address", NULL };

	(void)o;
	generic_list("portgroups", "portgroups", NULL, cols);
}

static void portgroup_show(struct opts *o) { res_show("portgroups", o); }
static void portgroup_delete(struct opts *o) { res_delete("portgroups", o); }

static void
network_create(struct opts *o)
{
	json_t *b = json_pack("{s:s}", "name", o->pos[0]), *r;

	if (opt(o, "--vlan") == NULL)
		usage_exit();
	json_object_set_new(b, "vlan_id", json_integer(atoi(opt(o, "--vlan"))));
	put_str(o, "--cidr", b, "cidr");
	put_str(o, "--gateway", b, "gateway");
	put_str(o, "--dhcp-range", b, "dhcp_range");
	put_str(o, "--project", b, "project");
	put_str(o, "--purpose", b, "purpose");
	if (opt(o, "--shared"))
		json_object_set_new(b, "shared", json_true());
	r = cli_call("POST", "/v1/networks", b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
network_list(struct opts *o)
{
	static const char *const cols[] = { "uuid", "name", "vlan_id", "cidr",
	    "purpose", "project", NULL };

	(void)o;
	generic_list("networks", "networks", "?detail=true", cols);
}

static void network_show(struct opts *o) { res_show("networks", o); }
static void network_delete(struct opts *o) { res_delete("networks", o); }

/* --- uplinks and VM members (docs/vm-connectivity.md) ------------------- */

static json_t *
span_of(struct opts *o)
{
	const char *vals[MAXOPT];
	int n = opts_all(o, "--span", vals, MAXOPT);
	json_t *a = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(vals[i]));
	return a;
}

static void
uplink_llc(struct opts *o, json_t *b)
{
	json_t *llc = json_object();

	put_str(o, "--switch-id", llc, "switch_id");
	put_str(o, "--switch-info", llc, "switch_info");
	put_str(o, "--port-id", llc, "port_id");
	json_object_set_new(b, "local_link_connection", llc);
}

static void
uplink_create(struct opts *o)
{
	json_t *b = json_pack("{s:s}", "name", o->pos[0]), *r;

	if (opt(o, "--port-id") == NULL)
		usage_exit();
	uplink_llc(o, b);
	put_str(o, "--hypervisor", b, "hypervisor");
	put_str(o, "--physical-network", b, "physical_network");
	put_str(o, "--allowed-vlans", b, "allowed_vlans");
	json_object_set_new(b, "span", span_of(o));
	put_kvs(o, "--extra", b, "extra");
	r = cli_call("POST", "/v1/uplinks", b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
uplink_list(struct opts *o)
{
	static const char *const cols[] = { "uuid", "name", "hypervisor", NULL };
	char q[600] = "";

	if (opt(o, "--hypervisor"))
		snprintf(q, sizeof(q), "?hypervisor=%s", enc(opt(o, "--hypervisor")));
	generic_list("uplinks", "uplinks", q, cols);
}

static void
uplink_set(struct opts *o)
{
	json_t *ops = json_array();
	static const char *const fields[][2] = { { "--hypervisor", "/hypervisor" },
	    { "--physical-network", "/physical_network" },
	    { "--allowed-vlans", "/allowed_vlans" }, { NULL, NULL } };

	for (int i = 0; fields[i][0] != NULL; i++)
		if (opt(o, fields[i][0]))
			add_patch(ops, "add", fields[i][1], json_string(opt(o, fields[i][0])));
	if (opt(o, "--span") || opt(o, "--no-span"))
		add_patch(ops, "add", "/span", span_of(o));
	patch_kvs(o, "--extra", "extra", ops, false);
	patch_send("uplinks", o->pos[0], ops);
}

static void uplink_show(struct opts *o) { res_show("uplinks", o); }
static void uplink_delete(struct opts *o) { res_delete("uplinks", o); }

static void
member_create(struct opts *o)
{
	json_t *b = json_pack("{s:s}", "address", o->pos[1]), *r;
	char path[700];

	if (opt(o, "--hypervisor") == NULL)
		usage_exit();
	put_str(o, "--hypervisor", b, "hypervisor");
	put_str(o, "--ip-address", b, "ip_address");
	put_str(o, "--name", b, "name");
	put_str(o, "--project", b, "project");
	put_kvs(o, "--extra", b, "extra");
	snprintf(path, sizeof(path), "/v1/networks/%s/members", enc(o->pos[0]));
	r = cli_call("POST", path, b);
	out_object(r);
	json_decref(r);
	json_decref(b);
}

static void
member_list(struct opts *o)
{
	static const char *const cols[] = { "uuid", "address", "ip_address",
	    "hypervisor", "name", NULL };
	char q[600];

	snprintf(q, sizeof(q), "/%s/members", enc(o->pos[0]));
	generic_list("networks", "members", q, cols);
}

static void
member_show(struct opts *o)
{
	char path[900];

	snprintf(path, sizeof(path), "/v1/networks/%s/members/", enc(o->pos[0]));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s", enc(o->pos[1]));
	show_path(path);
}

static void
member_delete(struct opts *o)
{
	char path[900];

	for (int i = 1; i < o->npos; i++) {
		snprintf(path, sizeof(path), "/v1/networks/%s/members/", enc(o->pos[0]));
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s",
		    enc(o->pos[i]));
		json_decref(cli_call("DELETE", path, NULL));
	}
}

static void
driver_list(struct opts *o)
{
	static const char *const cols[] = { "name", "hosts", NULL };

	(void)o;
	generic_list("drivers", "drivers", NULL, cols);
}

static void driver_show(struct opts *o) { res_show("drivers", o); }

static void
driver_properties(struct opts *o)
{
	char path[700];

	snprintf(path, sizeof(path), "/v1/drivers/%s/properties", enc(o->pos[0]));
	show_path(path);
}

static void
conductor_list(struct opts *o)
{
	static const char *const cols[] = { "hostname", "conductor_group", "alive", NULL };

	(void)o;
	generic_list("conductors", "conductors", NULL, cols);
}

static void completion(struct opts *o);

#define NODE_VALUED "--driver --name --uuid --resource-class --owner --lessee " \
	"--description --driver-info --property --instance-info --extra " \
	"--network-interface --deploy-interface --boot-interface --conductor-group"

static const struct command commands[] = {
	{ "node", "create", "--driver DRIVER [--name NAME] [--driver-info K=V]... "
	  "[--property K=V]... [--instance-info K=V]... [--extra K=V]... "
	  "[--resource-class RC] [--owner P] [--lessee P] [--uuid UUID] "
	  "[--description D] [--network-interface I] [--deploy-interface I] "
	  "[--boot-interface I]", NODE_VALUED, 0, 0, node_create },
	{ "node", "list", "[--long] [--provision-state S] [--maintenance] [--driver D] "
	  "[--owner P]", "--provision-state --driver --owner", 0, 0, node_list },
	{ "node", "show", "NODE [--fields a,b]", "--fields", 1, 1, node_show },
	{ "node", "set", "NODE [--name N] [--driver-info K=V]... [--property K=V]... "
	  "[--instance-info K=V]... [--extra K=V]... [--description D] "
	  "[--resource-class RC] [--owner P] [--lessee P] [--driver D] "
	  "[--network-interface I] [--deploy-interface I] [--boot-interface I] "
	  "[--conductor-group G]", NODE_VALUED,
	  1, 1, node_set },
	{ "node", "unset", "NODE [--driver-info K]... [--property K]... "
	  "[--instance-info K]... [--extra K]... [--name] [--description] "
	  "[--resource-class] [--owner] [--lessee]",
	  "--driver-info --property --instance-info --extra", 1, 1, node_unset },
	{ "node", "manage", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_manage },
	{ "node", "provide", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_provide },
	{ "node", "inspect", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_inspect },
	{ "node", "deploy", "NODE [--config-drive X] [--deploy-steps JSON] [--wait [S]]",
	  "--config-drive --deploy-steps", 1, 1, node_deploy },
	{ "node", "undeploy", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_undeploy },
	{ "node", "rebuild", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_rebuild },
	{ "node", "clean", "NODE --clean-steps JSON [--wait [SECONDS]]",
	  "--clean-steps", 1, 1, node_clean },
	{ "node", "abort", "NODE", NULL, 1, 1, node_abort },
	{ "node", "adopt", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_adopt },
	{ "node", "rescue", "NODE --rescue-password PW [--wait [SECONDS]]",
	  "--rescue-password", 1, 1, node_rescue },
	{ "node", "unrescue", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_unrescue },
	{ "node", "recover", "NODE [--wait [SECONDS]]", NULL, 1, 1, node_recover },
	{ "node", "power", "on|off|reboot NODE [--soft] [--power-timeout S]",
	  "--power-timeout", 2, 2, node_power },
	{ "node", "maintenance", "set|unset NODE [--reason R]", "--reason", 2, 2,
	  node_maintenance },
	{ "node", "validate", "NODE", NULL, 1, 1, node_validate },
	{ "node", "boot-device", "set NODE pxe|disk|cdrom|bios [--persistent] | show NODE",
	  NULL, 2, 3, node_boot_device },
	{ "node", "history", "NODE", NULL, 1, 1, node_history },
	{ "node", "console", "enable|disable|show NODE", NULL, 2, 2, node_console },
	{ "node", "console-log", "NODE", NULL, 1, 1, node_console_log },
	{ "node", "vif", "list NODE | attach NODE NETWORK | detach NODE NETWORK", NULL,
	  2, 3, node_vif },
	{ "node", "delete", "NODE...", NULL, 1, MAXOPT, node_delete },
	{ "port", "create", "MAC --node NODE [--local-link-connection K=V]... "
	  "[--physical-network P] [--pxe-enabled true|false] [--portgroup PG] "
	  "[--extra K=V]...", "--node --local-link-connection --physical-network "
	  "--pxe-enabled --portgroup --extra", 1, 1, port_create },
	{ "port", "list", "[--node NODE] [--long]", "--node", 0, 0, port_list },
	{ "port", "show", "PORT|MAC", NULL, 1, 1, port_show },
	{ "port", "set", "PORT [--node N] [--local-link-connection K=V]... "
	  "[--physical-network P] [--pxe-enabled B] [--extra K=V]...",
	  "--node --local-link-connection --physical-network --pxe-enabled --extra",
	  1, 1, port_set },
	{ "port", "unset", "PORT [--local-link-connection K]... [--extra K]... "
	  "[--physical-network]", "--local-link-connection --extra", 1, 1, port_unset },
	{ "port", "delete", "PORT...", NULL, 1, MAXOPT, port_delete },
	{ "portgroup", "create", "--node NODE [--name N] [--address MAC] [--mode M] "
	  "[--extra K=V]...",
	  "--node --name --address --mode --extra", 0, 0, portgroup_create },
	{ "portgroup", "list", "", NULL, 0, 0, portgroup_list },
	{ "portgroup", "show", "PORTGROUP", NULL, 1, 1, portgroup_show },
	{ "portgroup", "delete", "PORTGROUP...", NULL, 1, MAXOPT, portgroup_delete },
	{ "network", "create", "NAME --vlan ID [--cidr C] [--gateway G] "
	  "[--dhcp-range FIRST,LAST] [--project P] [--purpose provisioning|cleaning|rescuing|tenant] "
	  "[--shared]", "--vlan --cidr --gateway --dhcp-range --project --purpose",
	  1, 1, network_create },
	{ "network", "list", "", NULL, 0, 0, network_list },
	{ "network", "show", "NETWORK", NULL, 1, 1, network_show },
	{ "network", "delete", "NETWORK...", NULL, 1, MAXOPT, network_delete },
	{ "uplink", "create", "NAME --port-id P [--switch-id MAC] [--switch-info SWITCH] "
	  "[--hypervisor H] [--physical-network P] [--allowed-vlans FIRST:LAST,...] "
	  "[--span NETWORK]... [--extra K=V]...", "--port-id --switch-id --switch-info "
	  "--hypervisor --physical-network --allowed-vlans --span --extra", 1, 1,
	  uplink_create },
	{ "uplink", "list", "[--hypervisor H]", "--hypervisor", 0, 0, uplink_list },
	{ "uplink", "show", "UPLINK", NULL, 1, 1, uplink_show },
	{ "uplink", "set", "UPLINK [--hypervisor H] [--physical-network P] "
	  "[--allowed-vlans FIRST:LAST,...] [--span NETWORK]... [--no-span] [--extra K=V]...",
	  "--hypervisor --physical-network --allowed-vlans --span --extra", 1, 1, uplink_set },
	{ "uplink", "delete", "UPLINK...", NULL, 1, MAXOPT, uplink_delete },
	{ "member", "create", "NETWORK MAC --hypervisor H [--ip-address IP] [--name N] "
	  "[--project P] [--extra K=V]...", "--hypervisor --ip-address --name --project "
	  "--extra", 2, 2, member_create },
	{ "member", "list", "NETWORK", NULL, 1, 1, member_list },
	{ "member", "show", "NETWORK MEMBER|MAC", NULL, 2, 2, member_show },
	{ "member", "delete", "NETWORK MEMBER|MAC...", NULL, 2, MAXOPT, member_delete },
	{ "driver", "list", "", NULL, 0, 0, driver_list },
	{ "driver", "show", "DRIVER", NULL, 1, 1, driver_show },
	{ "driver", "properties", "DRIVER", NULL, 1, 1, driver_properties },
	{ "conductor", "list", "", NULL, 0, 0, conductor_list },
	{ "completion", "bash", "", NULL, 0, 0, completion },
	{ NULL, NULL, NULL, NULL, 0, 0, NULL },
};

/* ingot completion bash: a bash completion script for these commands. */
static void
completion(struct opts *o)
{
	struct cli_cmd rows[sizeof(commands) / sizeof(commands[0])];
	int n = 0;

	(void)o;
	for (const struct command *c = commands; c->group != NULL; c++)
		rows[n++] = (struct cli_cmd){ c->group, c->verb, c->usage };
	completion_bash(stdout, rows, n);
}

static void
help(FILE *fp, const char *group)
{
	fprintf(fp, "usage: ingot [--url URL] [--os-cacert FILE] [-f table|json|yaml|value|csv] "
	    "[-c COLUMN]... GROUP VERB [ARGS]\n\nThe endpoint is --url, else "
	    "$INGOT_URL, else http://127.0.0.1:6385.\nAn https endpoint is verified "
	    "with --os-cacert, else $INGOT_CACERT, else the system's CAs.\n\n");
	for (const struct command *c = commands; c->group != NULL; c++)
		if (group == NULL || strcmp(group, c->group) == 0)
			fprintf(fp, "  ingot %s %s %s\n", c->group, c->verb, c->usage);
}

int
main(int argc, char **argv)
{
	struct opts o;
	int i = 1;
	char cmdname[128];

	cli.url = getenv("INGOT_URL") ? getenv("INGOT_URL") : "http://127.0.0.1:6385";
	cli.cacert = getenv("INGOT_CACERT");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			cli.url = argv[++i];
		} else if ((strcmp(argv[i], "--os-cacert") == 0 ||
		    strcmp(argv[i], "--cacert") == 0) && i + 1 < argc) {
			cli.cacert = argv[++i];
		} else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
			if (out_set_format(argv[++i]) != 0)
				goto bad;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && cli.ncolumns < 32) {
			cli.columns[cli.ncolumns++] = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("ingot 0.1.0\n");
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help(stdout, NULL);
			return 0;
		} else {
			goto bad;
		}
	}
	if (i < argc && strcmp(argv[i], "help") == 0) {
		help(stdout, i + 1 < argc ? argv[i + 1] : NULL);
		return 0;
	}
	if (argc - i < 2)
		goto bad;
	for (const struct command *c = commands; c->group != NULL; c++) {
		if (strcmp(c->group, argv[i]) != 0 || strcmp(c->verb, argv[i + 1]) != 0)
			continue;
		current = c;
		snprintf(cmdname, sizeof(cmdname), "%s %s", c->group, c->verb);
		cli.command = cmdname;
		/* -f/-c may also follow the command */
		int k = i + 2, w = i + 2;
		for (; k < argc; k++) {
			if ((strcmp(argv[k], "-f") == 0 || strcmp(argv[k], "-c") == 0) && k + 1 < argc) {
				if (argv[k][1] == 'f' && out_set_format(argv[k + 1]) != 0) {
					fprintf(stderr, "ingot: unknown format '%s' (table, json, "
					    "yaml, value or csv)\n", argv[k + 1]);
					return 2;
				} else if (argv[k][1] == 'c' && cli.ncolumns < 32)
					cli.columns[cli.ncolumns++] = argv[k + 1];
				k++;
			} else {
				argv[w++] = argv[k];
			}
		}
		parse(w - i - 2, argv + i + 2, c, &o);
		c->fn(&o);
		return 0;
	}
	fprintf(stderr, "ingot: unknown command '%s %s' (try: ingot help)\n", argv[i],
	    argv[i + 1]);
	return 2;
bad:
	fprintf(stderr, "ingot: usage: ingot [--url URL] [--os-cacert FILE] "
	    "[-f table|json|yaml|value|csv] GROUP VERB [ARGS] (try: ingot help)\n");
	return 2;
}
