/* dnsmasq configurations and host entries (src/net/dhcp_conf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dhcp_conf.h"

static json_t *
net(const char *json)
{
	json_t *n = json_loads(json, 0, NULL);

	assert_non_null(n);
	return n;
}

static const struct dhcp_render tenant = { .ifname = "ingot200",
	.dir = "/var/lib/ingot/dhcp/net200", .provisioning = false,
	.tftp_root = "/usr/lib/ipxe", .http_port = 6385 };

static void
render_tenant(void **unused)
{
	json_t *n = net("{\"name\":\"ta\",\"vlan_id\":200,\"cidr\":\"10.200.0.0/24\","
	    "\"dhcp_range\":\"10.200.0.100,10.200.0.150\",\"purpose\":\"tenant\"}");
	char *text = dhcp_conf_render(n, &tenant);

	(void)unused;
	assert_non_null(text);
	assert_string_equal(text,
	    "# written by ingotd for network ta (VLAN 200); do not edit\n"
	    "port=0\nbind-interfaces\ninterface=ingot200\nexcept-interface=lo\n"
	    "user=root\nno-resolv\nno-hosts\nno-ping\nlog-dhcp\n"
	    "log-facility=/var/lib/ingot/dhcp/net200/dnsmasq.log\n"
	    "dhcp-leasefile=/var/lib/ingot/dhcp/net200/leases\n"
	    "dhcp-hostsdir=/var/lib/ingot/dhcp/net200/hosts\n"
	    "pid-file=/var/lib/ingot/dhcp/net200/dnsmasq.pid\n"
	    "dhcp-ignore=tag:!known\n"
	    "dhcp-range=10.200.0.100,10.200.0.150,255.255.255.0,1h\n"
	    "enable-ra\ndhcp-range=fd00:c8::,ra-only,64,1h\nra-param=ingot200,10,0\n"
	    "dhcp-option=3\ndhcp-option=6\n");
	free(text);
	json_decref(n);
}

/* A tenant network where nodes boot from volumes: iPXE clients, and only
 * they, are sent to the sanboot listener; no TFTP. */
static void
render_tenant_sanboot(void **unused)
{
	json_t *n = net("{\"name\":\"ta\",\"vlan_id\":200,\"cidr\":\"10.200.0.0/24\","
	    "\"dhcp_range\":\"10.200.0.100,10.200.0.150\",\"purpose\":\"tenant\"}");
	struct dhcp_render r = tenant;
	char *text;

	(void)unused;
	r.sanboot = true;
	text = dhcp_conf_render(n, &r);
	assert_non_null(text);
	assert_non_null(strstr(text, "dhcp-option=6\ndhcp-match=set:ipxe,175\n"
	    "dhcp-boot=tag:ipxe,http://10.200.0.1:6385/sanboot.ipxe\n"));
	assert_null(strstr(text, "tftp"));
	assert_null(strstr(text, "undionly"));
	assert_null(strstr(text, "encap:175"));
	free(text);
	json_decref(n);
}

static void
render_provisioning(void **unused)
{
	json_t *n = net("{\"name\":\"prov\",\"vlan_id\":100,\"cidr\":\"10.100.0.0/16\","
	    "\"gateway\":\"10.100.0.1\",\"dns_servers\":[\"192.0.2.53\",\"192.0.2.54\"],"
	    "\"dhcp_range\":\"10.100.1.0,10.100.1.255\",\"purpose\":\"provisioning\"}");
	struct dhcp_render r = tenant;
	char *text;

	(void)unused;
	r.ifname = "ingot100";
	r.dir = "/d/net100";
	r.provisioning = true;
	r.tls = true;
	text = dhcp_conf_render(n, &r);
	assert_non_null(text);
	assert_non_null(strstr(text, "interface=ingot100\n"));
	assert_non_null(strstr(text, "dhcp-range=10.100.1.0,10.100.1.255,255.255.0.0,1h\n"));
	assert_non_null(strstr(text, "dhcp-range=fd00:64::,ra-only,64,1h\n"));
	assert_non_null(strstr(text, "\ndhcp-option=3,10.100.0.1\n"
	    "dhcp-option=6,192.0.2.53,192.0.2.54\n"));
	/* The gateway has the first address: the server takes the second. */
	assert_non_null(strstr(text, "enable-tftp\ntftp-root=/usr/lib/ipxe\n"
	    "dhcp-match=set:ipxe,175\n"
	    "dhcp-match=set:efi64,option:client-arch,7\n"
	    "dhcp-match=set:efi64,option:client-arch,9\n"
	    "dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi\n"
	    "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"
	    "dhcp-boot=tag:ipxe,https://10.100.0.2:6385/boot.ipxe\n"
	    "dhcp-option=tag:ipxe,encap:175,176,1\n"));
	/* Only known MACs, unless discovery asks for any. */
	assert_non_null(strstr(text, "dhcp-ignore=tag:!known\n"));
	free(text);
	r.any_mac = true;
	text = dhcp_conf_render(n, &r);
	assert_non_null(text);
	assert_null(strstr(text, "dhcp-ignore"));
	assert_non_null(strstr(text, "dhcp-boot=tag:ipxe,https://10.100.0.2:6385/boot.ipxe\n"));
	free(text);
	json_decref(n);
}

/* Only addresses reach the file: anything else is dropped or refused. */
static void
render_refuses(void **unused)
{
	json_t *n = net("{\"name\":\"x\",\"vlan_id\":7,\"cidr\":\"10.7.0.0/24\","
	    "\"gateway\":\"10.7.0.1\\nconf-file=/etc/shadow\","
	    "\"dns_servers\":[\"10.7.0.9\\nenable-tftp\",\"10.7.0.10\"],"
	    "\"dhcp_range\":\"10.7.0.100,10.7.0.110\"}");
	char *text;

	(void)unused;
	text = dhcp_conf_render(n, &tenant);
	assert_non_null(text);
	assert_null(strstr(text, "shadow"));
	assert_null(strstr(text, "tftp"));
	assert_non_null(strstr(text, "\ndhcp-option=3\ndhcp-option=6,10.7.0.10\n"));
	free(text);
	json_object_set_new(n, "dhcp_range", json_string("10.7.0.110,10.7.0.100"));
	assert_null(dhcp_conf_render(n, &tenant));
	json_object_set_new(n, "dhcp_range", json_string("10.7.0.100,10.7.0.110"));
	json_object_set_new(n, "cidr", json_string("10.7.0.0"));
	assert_null(dhcp_conf_render(n, &tenant));
	json_object_del(n, "cidr");
	assert_null(dhcp_conf_render(n, &tenant));
	json_decref(n);
}

static void
server_ip(void **unused)
{
	json_t *n = net("{\"vlan_id\":9,\"cidr\":\"10.9.0.0/24\"}");
	char buf[64];

	(void)unused;
	assert_string_equal(dhcp_conf_server_ip(n, buf, sizeof(buf)), "10.9.0.1");
	assert_int_equal(dhcp_conf_server_cidr(n, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.9.0.1/24");
	json_object_set_new(n, "gateway", json_string("10.9.0.1"));
	assert_string_equal(dhcp_conf_server_ip(n, buf, sizeof(buf)), "10.9.0.2");
	json_object_set_new(n, "gateway", json_string("10.9.0.254"));
	assert_string_equal(dhcp_conf_server_ip(n, buf, sizeof(buf)), "10.9.0.1");
	json_object_set_new(n, "extra", json_pack("{s:s}", "dhcp_server_ip", "10.9.0.5"));
	assert_string_equal(dhcp_conf_server_ip(n, buf, sizeof(buf)), "10.9.0.5");
	assert_int_equal(dhcp_conf_server_cidr(n, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.9.0.5/24");
	json_object_set_new(n, "extra", json_pack("{s:s}", "dhcp_server_ip", "-force"));
	assert_null(dhcp_conf_server_ip(n, buf, sizeof(buf)));
	assert_int_equal(dhcp_conf_server_cidr(n, buf, sizeof(buf)), -1);
	json_object_del(n, "extra");
	json_object_del(n, "cidr");
	assert_null(dhcp_conf_server_ip(n, buf, sizeof(buf)));
	json_decref(n);
}

static void
hosts(void **unused)
{
	char line[64], small[10];
	uint32_t ip;
	unsigned char used[4] = { 1, 0, 1, 0 }, full[2] = { 1, 1 };

	(void)unused;
	assert_int_equal(dhcp_conf_host_line("52:54:00:ab:cd:01", "10.200.0.100", line,
	    sizeof(line)), 0);
	assert_string_equal(line, "52:54:00:ab:cd:01,10.200.0.100\n");
	assert_int_equal(dhcp_conf_host_line("52:54:00:ab:cd:01", "10.200.0.100", small,
	    sizeof(small)), -1);
	assert_true(dhcp_conf_host_ip(line, &ip));
	assert_int_equal(ip, 0x0ac80064);
	assert_true(dhcp_conf_host_ip("52:54:00:ab:cd:01,10.200.0.101", &ip));
	assert_false(dhcp_conf_host_ip("52:54:00:ab:cd:01", &ip));
	assert_false(dhcp_conf_host_ip("52:54:00:ab:cd:01,junk\n", &ip));
	assert_false(dhcp_conf_host_ip(NULL, &ip));
	assert_true(dhcp_conf_first_free(10, 13, used, &ip));
	assert_int_equal(ip, 11);
	assert_false(dhcp_conf_first_free(10, 11, full, &ip));
	assert_false(dhcp_conf_first_free(0xfffffffe, 0xffffffff, full, &ip));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_tenant),
		cmocka_unit_test(render_tenant_sanboot),
		cmocka_unit_test(render_provisioning),
		cmocka_unit_test(render_refuses),
		cmocka_unit_test(server_ip),
		cmocka_unit_test(hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
