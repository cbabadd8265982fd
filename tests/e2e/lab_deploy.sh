#!/usr/bin/env bash
# The seed's flow end to end in the virtual lab, asserted: lab/demo --e2e
# (node0, an IPMI node nobody enrolled, PXE-boots and is discovered; node1,
# a Redfish node under the lab Redfish BMC, is enrolled by its BMC and
# inspected in band through virtual media (issue #17); ingotd fills in each
# from its agent's inventory with its CPU, memory, disk, MAC and the switch
# port the lab switch's LLDP (lldpd on the taps) names, checked against
# lab.json; then node0 PXE-boots the deploy ramdisk through ingotd's
# dnsmasq and node1 boots it from its ISO with a static address (the CD
# inserted, then ejected; power read back from QEMU's QMP),
# ingot-agent writes raw and qcow2 images, the switch ports move to the
# tenants' VLANs, the instances boot from disk with their tenants' leases,
# isolation is checked with packets, undeploy cleans the disks), VMs beside
# them (issue #16: a hypervisor namespace with its own OVS behind an uplink,
# a QEMU VM of each tenant registered as a network member; VM <-> bare metal
# within a tenant, isolation across tenants and from provisioning, probed
# from inside the guests), node0's serial console through its BMC's SOL
# (issue #18: bytes both ways over raw TCP and WebSocket) plus rebuild,
# rescue (login as rescue over SOL) and unrescue, abort in wait call-back,
# a wrong checksum, a dead BMC and a VM leaving its network.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
export LAB=le$(printf '%x' $(($$ % 0xfffff)))
export WORKDIR=$(mktemp -d /tmp/ingot-e2e.XXXXXX)/lab
. "$here/../lib/lab_ports.sh"
export BMC_PORT=$(lab_bmc_port)
"$here/../../lab/demo" --e2e
rc=$?
[ $rc -eq 0 ] && rm -rf "$(dirname "$WORKDIR")"
exit $rc
