/* The privileged operations refuse every argument they were not made for
 * (src/net/priv.c); nothing here runs a command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>

#include "priv.h"

static int
setup(void **unused)
{
	struct priv_conf c = { .ovsdb = "unix:/nonexistent", .bridge = "br-test",
	    .dnsmasq = "dnsmasq", .state_dir = "/var/lib/ingot/dhcp/" };

	(void)unused;
	return priv_init(&c);
}

static void
names(void **unused)
{
	static const char *const bad[] = { "", "-rf", "--db=x", ".", "..", "a/b",
	    "a b", "a\nb", "ingot;reboot", "$(id)", "0123456789abcdef", NULL };

	(void)unused;
	assert_true(priv_ifname_ok("ingot200"));
	assert_true(priv_ifname_ok("lo"));
	assert_true(priv_ifname_ok("br-int.100_x"));
	assert_true(priv_netns_ok("ingot-net4094"));
	for (int i = 0; bad[i] != NULL; i++)
		assert_false(priv_ifname_ok(bad[i]));
	for (int i = 0; bad[i] != NULL && bad[i][0] != '0'; i++)
		assert_false(priv_netns_ok(bad[i]));
	assert_false(priv_ifname_ok(NULL));
	assert_false(priv_netns_ok(NULL));
}

#define REFUSED(call) do {		\
	errno = 0;			\
	assert_int_equal((call), -1);	\
	assert_int_equal(errno, EINVAL);\
} while (0)

static void
refusals(void **unused)
{
	pid_t pid;

	(void)unused;
	REFUSED(priv_netns_add("-all"));
	REFUSED(priv_netns_del("../../etc"));
	REFUSED(priv_ovs_port_add("ingot1", 0));
	REFUSED(priv_ovs_port_add("ingot1", 4095));
	REFUSED(priv_ovs_port_add("--", 100));
	REFUSED(priv_ovs_port_tag("ingot1", -1));
	REFUSED(priv_ovs_port_del("a b"));
	REFUSED(priv_link_move("ingot1", "-n"));
	REFUSED(priv_addr_add("ingot-net1", "ingot1", "10.0.0.1"));
	REFUSED(priv_addr_add("ingot-net1", "ingot1", "10.0.0.1/24 dev eth0"));
	REFUSED(priv_addr_add("ingot-net1", "ingot1", "10.0.0.1/33"));
	REFUSED(priv_addr_add("ingot-net1", "ingot1", "fd00::1/129"));
	REFUSED(priv_addr_add("ingot-net1", "ingot1", "-6"));
	REFUSED(priv_offload_off("ingot-net1", "-K"));
	REFUSED(priv_dnsmasq_start("ingot-net1", "/etc/dnsmasq.conf", &pid));
	REFUSED(priv_dnsmasq_start("ingot-net1", "/var/lib/ingot/dhcpx/d.conf", &pid));
	REFUSED(priv_dnsmasq_start("ingot-net1", "/var/lib/ingot/dhcp/../x.conf", &pid));
	REFUSED(priv_dnsmasq_start("ingot-net1", "/var/lib/ingot/dhcp/net1/..", &pid));
	REFUSED(priv_dnsmasq_start("ingot-net1", "/var/lib/ingot/dhcp/a\nb", &pid));
	REFUSED(priv_dnsmasq_start("-x", "/var/lib/ingot/dhcp/net1/dnsmasq.conf", &pid));
	REFUSED(priv_dhcp_release("ingot-net1", "ingot1", "10.0.0.1; reboot", "52:54:00:00:00:01"));
	REFUSED(priv_dhcp_release("ingot-net1", "ingot1", "-h", "52:54:00:00:00:01"));
	REFUSED(priv_dhcp_release("ingot-net1", "ingot1", "10.0.0.1", "52:54:00:00:00"));
	REFUSED(priv_dhcp_release("ingot-net1", "-i", "10.0.0.1", "52:54:00:00:00:01"));
	REFUSED(priv_dhcp_release("../x", "ingot1", "10.0.0.1", "52:54:00:00:00:01"));
	REFUSED(priv_dnsmasq_signal(0, SIGSTOP));
	REFUSED(priv_dnsmasq_signal(0, 0));
}

static void
bad_conf(void **unused)
{
	struct priv_conf c = { .bridge = "-br", .dnsmasq = "dnsmasq", .state_dir = "/d" };

	(void)unused;
	assert_int_equal(priv_init(&c), -1);
	c.bridge = "br-int";
	c.dnsmasq = "--conf-file=/etc/x";
	assert_int_equal(priv_init(&c), -1);
	c.dnsmasq = "dnsmasq";
	c.state_dir = "";
	assert_int_equal(priv_init(&c), -1);
	c.state_dir = "/d";
	assert_int_equal(priv_init(&c), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(refusals),
		cmocka_unit_test(bad_conf),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
