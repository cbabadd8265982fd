/*
 * The switch CLI templates (etc/switches): the exact command lines each
 * vendor's template emits per operation, read-back parsing, and the
 * errors a bad template or a bad value gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "strbuf.h"
#include "template.h"

static struct tmpl *
load(const char *name)
{
	const char *src = getenv("INGOT_SRC");
	char path[1024], err[512];
	struct tmpl *t;

	snprintf(path, sizeof(path), "%s/etc/switches/%s.conf", src ? src : ".", name);
	t = tmpl_load(path, err, sizeof(err));
	if (t == NULL)
		fail_msg("%s", err);
	return t;
}

/* Renders op and compares with the expected lines joined by '\n'. */
static void
expect(struct tmpl *t, enum tmpl_op op, const char *port, int vlan,
    const char *want)
{
	static const int trunks[] = { 200, 300 };
	struct tmpl_args a = { .port = port, .vlan = vlan, .native = 200,
	    .vlans = trunks, .nvlans = 2, .isolation_vlan = 4095 };
	struct tmpl_cmds c;
	struct strbuf b;
	char err[512];

	if (tmpl_render(t, op, &a, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", tmpl_op_name(op), err);
	sb_init(&b, 256);
	for (int i = 0; i < c.n; i++)
		sb_printf(&b, "%s%s%s", i ? "\n" : "", c.ignore_errors[i] ? "-" : "", c.text[i]);
	sb_add(&b, "", 1);
	assert_string_equal(b.buf, want);
	sb_free(&b);
	tmpl_cmds_free(&c);
}

static void
test_ovs(void **state)
{
	struct tmpl *t = load("ovs");

	assert_int_equal(t->mode, TMODE_EXEC);
	expect(t, TOP_SET_ACCESS, "tap1", 100,
	    "ovs-vsctl --timeout=5 set port tap1 tag=100 -- clear port tap1 trunks vlan_mode");
	expect(t, TOP_SET_TRUNK, "tap1", 200,
	    "ovs-vsctl --timeout=5 set port tap1 tag=200 trunks=200,300 vlan_mode=native-untagged");
	expect(t, TOP_REMOVE_VLAN, "tap1", 100,
	    "ovs-vsctl --timeout=5 set port tap1 tag=4095 -- clear port tap1 trunks vlan_mode");
	expect(t, TOP_GET_PORT, "tap1", -1,
	    "ovs-vsctl --timeout=5 --columns=tag,trunks list port tap1");
	assert_false(tmpl_has(t, TOP_ADD_VLAN));
	assert_false(tmpl_has(t, TOP_SAVE));

	int native, trunks[64], n;
	char err[256];
	assert_int_equal(tmpl_parse_port(t, "tap1",
	    "tag                 : 300\ntrunks              : [200, 300]\n", 4095,
	    &native, trunks, &n, 64, err, sizeof(err)), 0);
	assert_int_equal(native, 300);
	assert_int_equal(n, 2);
	assert_int_equal(trunks[1], 300);
	tmpl_parse_port(t, "tap1", "tag : 4095\ntrunks : []\n", 4095, &native, trunks,
	    &n, 64, err, sizeof(err));
	assert_int_equal(native, 0);
	assert_int_equal(n, 0);
	tmpl_parse_port(t, "tap1", "tag : []\ntrunks : []\n", 4095, &native, trunks,
	    &n, 64, err, sizeof(err));
	assert_int_equal(native, 0);

	/* A variable overridden from the switch's configuration. */
	char *vn[] = { "vsctl" }, *vv[] = { "ovs-vsctl --db=unix:/run/x.sock" };
	struct tmpl_args a = { .port = "p", .vlan = 7, .isolation_vlan = 4095,
	    .var_name = vn, .var_value = vv, .nvars = 1 };
	struct tmpl_cmds c;
	assert_int_equal(tmpl_render(t, TOP_SET_ACCESS, &a, &c, err, sizeof(err)), 0);
	assert_string_equal(c.text[0], "ovs-vsctl --db=unix:/run/x.sock set port p tag=7 "
	    "-- clear port p trunks vlan_mode");
	tmpl_cmds_free(&c);
	tmpl_free(t);
}

static void
test_cisco_ios(void **state)
{
	struct tmpl *t = load("cisco_ios");

	assert_int_equal(t->mode, TMODE_SHELL);
	expect(t, TOP_CONNECT, NULL, -1, "terminal length 0\nterminal width 0");
	expect(t, TOP_ADD_VLAN, NULL, 100,
	    "configure terminal\nvlan 100\nname ingot-100\nend");
	expect(t, TOP_DELETE_VLAN, NULL, 100, "configure terminal\nno vlan 100\nend");
	expect(t, TOP_SET_ACCESS, "GigabitEthernet1/0/7", 100,
	    "configure terminal\ninterface GigabitEthernet1/0/7\nswitchport mode access\n"
	    "switchport access vlan 100\nno shutdown\nend");
	expect(t, TOP_SET_TRUNK, "GigabitEthernet1/0/7", 200,
	    "configure terminal\ninterface GigabitEthernet1/0/7\n"
	    "-switchport trunk encapsulation dot1q\nswitchport mode trunk\n"
	    "switchport trunk native vlan 200\nswitchport trunk allowed vlan 200,300\n"
	    "no shutdown\nend");
	expect(t, TOP_REMOVE_VLAN, "GigabitEthernet1/0/7", 100,
	    "configure terminal\ninterface GigabitEthernet1/0/7\nshutdown\n"
	    "no switchport access vlan\nno switchport trunk native vlan\n"
	    "no switchport trunk allowed vlan\nswitchport mode access\nend");
	expect(t, TOP_SAVE, NULL, -1, "write memory");
	/* Prompts and errors as IOS prints them. */
	assert_int_equal(regexec(&t->prompt, "tor1#", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->prompt, "tor1(config-if)#", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->prompt, "tor1>", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&t->prompt, "Building configuration...", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->error, "% Invalid input detected at '^' marker.",
	    0, NULL, 0), 0);
	assert_int_not_equal(regexec(&t->error, "[OK]", 0, NULL, 0), 0);
	tmpl_free(t);
}

static void
test_arista_eos(void **state)
{
	struct tmpl *t = load("arista_eos");

	expect(t, TOP_CONNECT, NULL, -1, "terminal length 0\nterminal width 32767");
	expect(t, TOP_ADD_VLAN, NULL, 100, "configure terminal\nvlan 100\nname ingot-100\nend");
	expect(t, TOP_DELETE_VLAN, NULL, 100, "configure terminal\nno vlan 100\nend");
	expect(t, TOP_SET_ACCESS, "Ethernet12", 100,
	    "configure terminal\ninterface Ethernet12\nswitchport mode access\n"
	    "switchport access vlan 100\nno shutdown\nend");
	expect(t, TOP_SET_TRUNK, "Ethernet12", 200,
	    "configure terminal\ninterface Ethernet12\nswitchport mode trunk\n"
	    "switchport trunk native vlan 200\nswitchport trunk allowed vlan 200,300\n"
	    "no shutdown\nend");
	expect(t, TOP_REMOVE_VLAN, "Ethernet12", 100,
	    "configure terminal\ninterface Ethernet12\nshutdown\nno switchport access vlan\n"
	    "no switchport trunk native vlan\nno switchport trunk allowed vlan\n"
	    "switchport mode access\nend");
	expect(t, TOP_SAVE, NULL, -1, "write memory");
	assert_int_equal(regexec(&t->prompt, "leaf1(config-if-Et12)#", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->error, "% Invalid input", 0, NULL, 0), 0);
	tmpl_free(t);
}

static void
test_juniper_junos(void **state)
{
	struct tmpl *t = load("juniper_junos");

	expect(t, TOP_CONNECT, NULL, -1, "set cli screen-length 0\nset cli screen-width 0\n"
	    "set cli complete-on-space off");
	expect(t, TOP_ADD_VLAN, NULL, 100,
	    "configure private\nset vlans ingot-100 vlan-id 100\ncommit and-quit");
	expect(t, TOP_DELETE_VLAN, NULL, 100,
	    "configure private\ndelete vlans ingot-100\ncommit and-quit");
	expect(t, TOP_SET_ACCESS, "ge-0/0/5", 100,
	    "configure private\n"
	    "delete interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members\n"
	    "delete interfaces ge-0/0/5 native-vlan-id\n"
	    "set interfaces ge-0/0/5 unit 0 family ethernet-switching interface-mode access\n"
	    "set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members 100\n"
	    "delete interfaces ge-0/0/5 disable\ncommit and-quit");
	expect(t, TOP_SET_TRUNK, "ge-0/0/5", 200,
	    "configure private\n"
	    "delete interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members\n"
	    "set interfaces ge-0/0/5 unit 0 family ethernet-switching interface-mode trunk\n"
	    "set interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members [ 200 300 ]\n"
	    "set interfaces ge-0/0/5 native-vlan-id 200\n"
	    "delete interfaces ge-0/0/5 disable\ncommit and-quit");
	expect(t, TOP_REMOVE_VLAN, "ge-0/0/5", 100,
	    "configure private\nset interfaces ge-0/0/5 disable\n"
	    "delete interfaces ge-0/0/5 unit 0 family ethernet-switching vlan members\n"
	    "delete interfaces ge-0/0/5 native-vlan-id\ncommit and-quit");
	assert_false(tmpl_has(t, TOP_SAVE));	/* commit persists */
	assert_int_equal(regexec(&t->prompt, "ops@ex4300>", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->prompt, "ops@ex4300# ", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->error, "error: configuration check-out failed", 0,
	    NULL, 0), 0);
	assert_int_equal(regexec(&t->error, "syntax error.", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&t->error, "warning: statement not found", 0, NULL, 0), 0);
	tmpl_free(t);
}

static void
test_dell_os10(void **state)
{
	struct tmpl *t = load("dell_os10");

	expect(t, TOP_ADD_VLAN, NULL, 100,
	    "configure terminal\ninterface vlan 100\ndescription ingot-100\nend");
	expect(t, TOP_DELETE_VLAN, NULL, 100, "configure terminal\nno interface vlan 100\nend");
	expect(t, TOP_SET_ACCESS, "ethernet1/1/3", 100,
	    "configure terminal\ninterface ethernet1/1/3\nswitchport mode access\n"
	    "switchport access vlan 100\nno shutdown\nend");
	expect(t, TOP_SET_TRUNK, "ethernet1/1/3", 200,
	    "configure terminal\ninterface ethernet1/1/3\nswitchport mode trunk\n"
	    "switchport access vlan 200\nswitchport trunk allowed vlan 200,300\n"
	    "no shutdown\nend");
	expect(t, TOP_REMOVE_VLAN, "ethernet1/1/3", 100,
	    "configure terminal\ninterface ethernet1/1/3\nshutdown\n"
	    "no switchport trunk allowed vlan\nswitchport mode access\n"
	    "no switchport access vlan\nend");
	expect(t, TOP_SAVE, NULL, -1, "write memory");
	assert_int_equal(regexec(&t->prompt, "OS10(conf-if-eth1/1/3)#", 0, NULL, 0), 0);
	assert_int_equal(regexec(&t->error, "% Error: Invalid VLAN", 0, NULL, 0), 0);
	tmpl_free(t);
}

static void
test_cumulus_nvue(void **state)
{
	struct tmpl *t = load("cumulus_nvue");

	assert_int_equal(t->mode, TMODE_EXEC);
	expect(t, TOP_ADD_VLAN, NULL, 100,
	    "nv set bridge domain br_default vlan 100\nnv config apply -y");
	expect(t, TOP_DELETE_VLAN, NULL, 100,
	    "nv unset bridge domain br_default vlan 100\nnv config apply -y");
	expect(t, TOP_SET_ACCESS, "swp7", 100,
	    "-nv unset interface swp7 bridge domain br_default vlan\n"
	    "-nv unset interface swp7 bridge domain br_default untagged\n"
	    "nv set interface swp7 bridge domain br_default access 100\n"
	    "nv set interface swp7 link state up\nnv config apply -y");
	expect(t, TOP_SET_TRUNK, "swp7", 200,
	    "-nv unset interface swp7 bridge domain br_default access\n"
	    "nv set interface swp7 bridge domain br_default vlan 200,300\n"
	    "nv set interface swp7 bridge domain br_default untagged 200\n"
	    "nv set interface swp7 link state up\nnv config apply -y");
	expect(t, TOP_REMOVE_VLAN, "swp7", 100,
	    "nv set interface swp7 link state down\n"
	    "-nv unset interface swp7 bridge domain br_default access\n"
	    "-nv unset interface swp7 bridge domain br_default vlan\n"
	    "-nv unset interface swp7 bridge domain br_default untagged\n"
	    "nv config apply -y");
	expect(t, TOP_SAVE, NULL, -1, "nv config save");
	tmpl_free(t);
}

static void
test_sonic(void **state)
{
	struct tmpl *t = load("sonic");
	int native, trunks[8], n;
	char err[256];

	assert_true(t->remove_before_set);
	expect(t, TOP_ADD_VLAN, NULL, 100, "-sudo config vlan add 100");
	expect(t, TOP_DELETE_VLAN, NULL, 100, "sudo config vlan del 100");
	expect(t, TOP_SET_ACCESS, "Ethernet8", 100,
	    "sudo config vlan member add --untagged 100 Ethernet8\n"
	    "sudo config interface startup Ethernet8");
	expect(t, TOP_REMOVE_VLAN, "Ethernet8", 100,
	    "sudo config interface shutdown Ethernet8\nsudo config vlan member del 100 Ethernet8");
	/* A port in no VLAN: only the shutdown. */
	expect(t, TOP_REMOVE_VLAN, "Ethernet8", 0, "sudo config interface shutdown Ethernet8");
	expect(t, TOP_SAVE, NULL, -1, "sudo config save -y");
	assert_false(tmpl_has(t, TOP_SET_TRUNK));
	/* The VLAN is unknown: the line that needs it does not render. */
	struct tmpl_args a = { .port = "Ethernet8", .vlan = -1, .isolation_vlan = 4095 };
	struct tmpl_cmds c;
	assert_int_equal(tmpl_render(t, TOP_REMOVE_VLAN, &a, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "{vlan} is unknown here"));
	/* Read-back from "show vlan config". */
	const char *out =
	    "Name        VID  Member      Mode\n"
	    "--------  -----  ----------  --------\n"
	    "Vlan100     100  Ethernet80  untagged\n"
	    "Vlan200     200  Ethernet8   untagged\n";
	assert_int_equal(tmpl_parse_port(t, "Ethernet8", out, 4095, &native, trunks, &n,
	    8, err, sizeof(err)), 0);
	assert_int_equal(native, 200);
	assert_int_equal(tmpl_parse_port(t, "Ethernet4", out, 4095, &native, trunks, &n,
	    8, err, sizeof(err)), 0);
	assert_int_equal(native, 0);
	tmpl_free(t);
}

static void
test_port_names(void **state)
{
	struct tmpl *t = load("cisco_ios");
	struct tmpl_args a = { .vlan = 100, .isolation_vlan = 4095 };
	struct tmpl_cmds c;
	char err[512];
	const char *bad[] = { "Gi1/0/1; reload", "Gi1/0/1\nreload", "$(id)", "", "-x",
	    "a b", "p`x`", "p'q" };

	assert_true(tmpl_port_ok("GigabitEthernet1/0/1"));
	assert_true(tmpl_port_ok("ge-0/0/1.0"));
	assert_true(tmpl_port_ok("Ethernet1:1"));
	assert_true(tmpl_port_ok("swp1s0"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.port = bad[i];
		assert_false(tmpl_port_ok(bad[i]));
		assert_int_equal(tmpl_render(t, TOP_SET_ACCESS, &a, &c, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is not one a switch CLI may be given"));
	}
	tmpl_free(t);
}

/* Writes a template and expects tmpl_load to fail with msg in the error. */
static void
bad(const char *text, const char *msg)
{
	char path[] = "/tmp/ingot-tmpl-XXXXXX", err[512];
	int fd = mkstemp(path);
	struct tmpl *t;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	t = tmpl_load(path, err, sizeof(err));
	unlink(path);
	if (t != NULL)
		fail_msg("template loaded: %s", text);
	if (strstr(err, msg) == NULL || strstr(err, path) == NULL)
		fail_msg("error '%s' lacks '%s'", err, msg);
}

#define OKSETS "[set_access_vlan]\na {port} {vlan}\n[remove_vlan]\nb {port}\n"

static void
test_bad_templates(void **state)
{
	char err[256];

	bad("[options]\nmode = exec\n" OKSETS "[add_vlan]\nvlan {vlna}\n",
	    ":8: unknown placeholder {vlna} in [add_vlan]");
	bad("[options]\n" OKSETS "[save_config]\nsave {port}\n",
	    ":7: unknown placeholder {port} in [save_config]");
	bad("[options]\nmode = exec\n[set_access_vlan]\nx {port}\n", "needs [set_access_vlan] and [remove_vlan]");
	bad("[options]\nmode = shell\n" OKSETS, "mode = shell needs a prompt");
	bad("[options]\nmode = telnet\n", ":2: mode must be exec or shell");
	bad("[options]\nprompt = ([\n", ":2: bad regular expression");
	bad("[options]\ncolour = blue\n", ":2: unknown option 'colour'");
	bad("[options]\nvar.port = x\n", "variable 'port' is already defined");
	bad("[opts]\n", ":1: unknown section [opts]");
	bad("a {port}\n", ":1: text before the first [section]");
	bad("[options]\n" OKSETS "[set_trunk]\nx {port\n", ":7: unterminated '{'");
	bad("[options]\n" OKSETS "[set_trunk]\nx port}\n", ":7: unmatched '}'");
	bad("[options]\n" OKSETS "[get_port]\nshow {port}\n", "[get_port] needs native_regex");
	bad("[options]\nnative_regex = tag [0-9]+\n", ":2: native_regex needs a (group)");
	bad("[options]\n" OKSETS "[remove_vlan]\nc\n", ":6: section [remove_vlan] given twice");
	assert_null(tmpl_load("/nonexistent/x.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "template /nonexistent/x.conf: No such file"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovs),
		cmocka_unit_test(test_cisco_ios),
		cmocka_unit_test(test_arista_eos),
		cmocka_unit_test(test_juniper_junos),
		cmocka_unit_test(test_dell_os10),
		cmocka_unit_test(test_cumulus_nvue),
		cmocka_unit_test(test_sonic),
		cmocka_unit_test(test_port_names),
		cmocka_unit_test(test_bad_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
