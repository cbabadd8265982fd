#!/usr/bin/env bash
# The seed's flow end to end in the virtual lab, asserted: lab/demo --e2e
# (two QEMU nodes nobody enrolled PXE-boot and are discovered: ingotd
# enrols each from its agent's inventory with its CPU, memory, disk, MAC
# and the switch port the lab switch's LLDP (lldpd on the taps) names,
# checked against lab.json; then they PXE-boot the deploy ramdisk through ingotd's dnsmasq,
# ingot-agent writes raw and qcow2 images, the switch ports move to the
# tenants' VLANs, the instances boot from disk with their tenants' leases,
# isolation is checked with packets, undeploy cleans the disks), VMs beside
# them (issue #16: a hypervisor namespace with its own OVS behind an uplink,
# a QEMU VM of each tenant registered as a network member; VM <-> bare metal
# within a tenant, isolation across tenants and from provisioning, probed
# from inside the guests) plus rebuild, abort in wait call-back, a wrong
# checksum, a dead BMC and a VM leaving its network.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
export LAB=le$(printf '%x' $(($$ % 0xfffff)))
export WORKDIR=$(mktemp -d /tmp/ingot-e2e.XXXXXX)/lab
export BMC_PORT=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$here/../../lab/demo" --e2e
rc=$?
[ $rc -eq 0 ] && rm -rf "$(dirname "$WORKDIR")"
exit $rc
