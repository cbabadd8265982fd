# OpenStack Ironic for the benchmarks (sourced): Debian's all-in-one
# `ironic` (API and conductor in one process, its default workers), noauth,
# rpc_transport=none, fake-hardware and ipmi enabled.
#   ironic_start DIR DBURL   writes DIR/ironic.conf (database DBURL, an
#                            SQLAlchemy URL), creates the schema, starts
#                            it: sets IRONIC_PID and IRONIC_URL
ironic_start() {
	local dir=$1 db=$2 port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p "$dir"
	cat >"$dir/ironic.conf" <<CONF
[DEFAULT]
auth_strategy = noauth
enabled_hardware_types = fake-hardware,ipmi
enabled_boot_interfaces = fake,pxe
enabled_deploy_interfaces = fake,direct
enabled_power_interfaces = fake,ipmitool
enabled_management_interfaces = fake,ipmitool
enabled_network_interfaces = noop,flat
default_network_interface = noop
enabled_inspect_interfaces = no-inspect,fake
enabled_vendor_interfaces = no-vendor,fake
enabled_raid_interfaces = no-raid,fake
enabled_rescue_interfaces = no-rescue,fake
enabled_console_interfaces = no-console,fake
enabled_bios_interfaces = no-bios,fake
enabled_storage_interfaces = noop,fake
rpc_transport = none
host = bench-ironic
use_stderr = false
log_file = $dir/ironic.log
[api]
host_ip = 127.0.0.1
port = $port
[database]
connection = $db
[conductor]
automated_clean = true
[dhcp]
dhcp_provider = none
[oslo_concurrency]
lock_path = $dir/lock
CONF
	/usr/bin/ironic-dbsync --config-file "$dir/ironic.conf" create_schema >"$dir/dbsync.log" 2>&1
	/usr/bin/ironic --config-file "$dir/ironic.conf" >"$dir/run.log" 2>&1 &
	IRONIC_PID=$!
	IRONIC_URL=http://127.0.0.1:$port
}
