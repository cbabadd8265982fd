#!/usr/bin/env bash
# The lab Redfish BMC (lab/redfish-bmc) held to the Redfish schema by an
# independent client, Debian's python3-sushy: it reads the system and its
# inventory, changes power and boot, inserts and ejects virtual media,
# reads and patches BIOS settings, over sessions and Basic auth, plain
# HTTP and TLS; then ETags, tasks and refusals are checked with curl.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/redfish.sh"
PY=/usr/bin/python3	# Debian's, which has python3-sushy
"$PY" -c 'import sushy' 2>/dev/null || { echo "python3-sushy missing (scripts/install-deps)"; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/bmc.key" -out "$T/bmc.crt" 2>/dev/null
rf_start plain --mac 52:54:00:12:34:56 --mac 52:54:00:12:34:57 || exit 1
rf_start tls --tls-cert "$T/bmc.crt" --tls-key "$T/bmc.key" || exit 1

# sushy: prints "ok - ..." / "not ok - ..." per check.
sushy_checks() {
	# (requests prefers these to the CA sushy is given)
	env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE "$PY" - "$@" <<'PY'
import sys
import sushy
from sushy import auth
url, sysid, cafile, mode = sys.argv[1:5]
fails = 0
def check(what, cond, got=None):
    global fails
    print(("ok - " if cond else "not ok - ") + "sushy(%s): %s" % (mode, what) +
          ("" if cond else ": got %r" % (got,)))
    fails += 0 if cond else 1
a = auth.SessionAuth("admin", "password") if mode == "session" else auth.BasicAuth("admin", "password")
root = sushy.Sushy(url + "/redfish/v1/", auth=a, verify=cafile if cafile != "-" else True)
check("service root version", root.redfish_version == "1.11.0", root.redfish_version)
if mode == "session":
    sess = root.get_session_service().sessions.get_members()
    check("one session open", len(sess) == 1 and sess[0].username == "admin", len(sess))
s = root.get_system("/redfish/v1/Systems/" + sysid)
check("system id", s.identity == sysid, s.identity)
check("powered off at start", s.power_state == sushy.PowerState.OFF, s.power_state)
s.reset_system(sushy.ResetType.ON); s.refresh()
check("reset On", s.power_state == sushy.PowerState.ON, s.power_state)
s.reset_system(sushy.ResetType.FORCE_OFF); s.refresh()
check("reset ForceOff", s.power_state == sushy.PowerState.OFF, s.power_state)
s.reset_system(sushy.ResetType.ON); s.reset_system(sushy.ResetType.GRACEFUL_SHUTDOWN); s.refresh()
check("reset GracefulShutdown", s.power_state == sushy.PowerState.OFF, s.power_state)
s.set_system_boot_options(sushy.BootSource.PXE, enabled=sushy.BootSourceOverrideEnabled.ONCE,
                          mode=sushy.BootSourceOverrideMode.UEFI)
s.refresh()
check("boot override Pxe once UEFI", (s.boot.target, s.boot.enabled, s.boot.mode) ==
      (sushy.BootSource.PXE, sushy.BootSourceOverrideEnabled.ONCE, sushy.BootSourceOverrideMode.UEFI),
      (s.boot.target, s.boot.enabled, s.boot.mode))
s.reset_system(sushy.ResetType.ON); s.refresh()
check("a Once override is used by one boot", s.boot.enabled == sushy.BootSourceOverrideEnabled.DISABLED
      and s.json["Oem"]["IngotLab"]["LastBootSource"] == "Pxe", s.boot.enabled)
s.set_system_boot_options(sushy.BootSource.HDD, enabled=sushy.BootSourceOverrideEnabled.CONTINUOUS,
                          mode=sushy.BootSourceOverrideMode.LEGACY)
s.reset_system(sushy.ResetType.FORCE_RESTART); s.refresh()
check("a Continuous Legacy override stays", (s.boot.target, s.boot.enabled, s.boot.mode) ==
      (sushy.BootSource.HDD, sushy.BootSourceOverrideEnabled.CONTINUOUS, sushy.BootSourceOverrideMode.LEGACY),
      (s.boot.target, s.boot.enabled))
s.set_system_boot_options(mode=sushy.BootSourceOverrideMode.UEFI)
try:
    s.reset_system("Bogus")
    check("unknown reset type refused", False)
except (sushy.exceptions.InvalidParameterValueError, ValueError):
    check("unknown reset type refused (sushy checks the allowed values)", True)
# inventory
check("processor summary", (s.processors.summary.count, s.processors.summary.architecture) ==
      (80, sushy.ProcessorArchitecture.X86), s.processors.summary)
check("memory summary", s.memory_summary.size_gib == 32, s.memory_summary)
macs = sorted(s.ethernet_interfaces.summary)
check("NIC MACs", macs == sorted(sys.argv[5].split(",")), macs)
drives = [d for st in s.storage.get_members() for d in st.drives]
check("storage drive size", [d.capacity_bytes for d in drives] == [64 << 30], [d.capacity_bytes for d in drives])
# BIOS: read, patch (pending), applied at the next reset
bios = s.bios
check("bios attributes", bios.attributes.get("ProcTurboMode") == "Enabled", bios.attributes)
bios.set_attributes({"ProcTurboMode": "Disabled", "NumLock": "Off"})
check("bios pending", dict(bios.pending_attributes) == {"ProcTurboMode": "Disabled", "NumLock": "Off"},
      bios.pending_attributes)
s.reset_system(sushy.ResetType.FORCE_RESTART); bios.refresh()
check("bios applied at reset", (bios.attributes["ProcTurboMode"], bios.attributes["NumLock"]) ==
      ("Disabled", "Off") and not bios.pending_attributes, bios.attributes)
try:
    bios.set_attributes({"NoSuchSetting": "x"})
    check("unknown BIOS attribute refused", False)
except sushy.exceptions.BadRequestError as e:
    check("unknown BIOS attribute refused with ExtendedInfo", "NoSuchSetting" in str(e), str(e))
# secure boot
sb = s.secure_boot
sb.set_enabled(True); sb.refresh()
check("secure boot enabled", sb.enabled is True, sb.enabled)
sb.set_enabled(False)
# virtual media
m = root.get_manager("/redfish/v1/Managers/BMC")
vm = m.virtual_media.get_member("/redfish/v1/Managers/BMC/VirtualMedia/Cd")
check("CD media types", sushy.VirtualMediaType.CD in vm.media_types, vm.media_types)
vm.insert_media("http://127.0.0.1:1/ingot.iso", inserted=True, write_protected=True)
vm.refresh()
check("media inserted", (vm.inserted, vm.image) == (True, "http://127.0.0.1:1/ingot.iso"), (vm.inserted, vm.image))
vm.eject_media(); vm.refresh()
check("media ejected", (vm.inserted, vm.image) == (False, None), (vm.inserted, vm.image))
# chassis sensors
ch = root.get_chassis("/redfish/v1/Chassis/Chassis")
check("thermal reading", ch.thermal.temperatures[0].reading_celsius in (25, 45), ch.thermal.temperatures)
if mode == "session":
    root._conn._auth.close()
    b = sushy.Sushy(url + "/redfish/v1/", auth=auth.BasicAuth("admin", "password"), verify=False)
    check("session deleted on close", len(b.get_session_service().sessions.get_members()) == 0)
sys.exit(1 if fails else 0)
PY
}
count() { PASS=$((PASS + $(grep -c '^ok - ' "$1"))); FAIL=$((FAIL + $(grep -c '^not ok - ' "$1"))); cat "$1"; }
sushy_checks "$(rf_url plain)" plain - session 52:54:00:12:34:56,52:54:00:12:34:57 >"$T/s1" 2>"$T/s1.err"; count "$T/s1"
expect_eq "sushy over sessions ran to the end" 0 "$(grep -c Traceback "$T/s1.err")"
sushy_checks "$(rf_url tls)" tls "$T/bmc.crt" basic "$(rf_get tls /Systems/tls/EthernetInterfaces/NIC1 | jq -r .MACAddress)" >"$T/s2" 2>"$T/s2.err"; count "$T/s2"
expect_eq "sushy over TLS with Basic auth ran to the end" 0 "$(grep -c Traceback "$T/s2.err")"
[ "$FAIL" -eq 0 ] || { cat "$T/s1.err" "$T/s2.err" | tail -30; }

# Sessions by hand: a token works, a deleted or unknown one is 401.
U=$(rf_url plain)
curl -s -D "$T/h" -o "$T/b" -H 'Content-Type: application/json' \
	-d '{"UserName":"admin","Password":"password"}' "$U/redfish/v1/SessionService/Sessions"
tok=$(awk -F': ' 'tolower($1)=="x-auth-token"{print $2}' "$T/h" | tr -d '\r')
loc=$(awk -F': ' 'tolower($1)=="location"{print $2}' "$T/h" | tr -d '\r')
expect_eq "session created" 201 "$(head -1 "$T/h" | awk '{print $2}')"
expect_eq "the token reads" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $tok" "$U/redfish/v1/Systems/plain")"
expect_eq "wrong password: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -d '{"UserName":"admin","Password":"x"}' "$U/redfish/v1/SessionService/Sessions")"
expect_eq "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U/redfish/v1/Systems/plain")"
expect_eq "delete the session" 204 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "X-Auth-Token: $tok" "$U$loc")"
expect_eq "a deleted token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $tok" "$U/redfish/v1/Systems/plain")"

# ETags: a stale If-Match is 412 and changes nothing.
etag=$(curl -s -D - -o /dev/null -u admin:password "$U/redfish/v1/Systems/plain" | awk -F': ' 'tolower($1)=="etag"{print $2}' | tr -d '\r')
expect_eq "PATCH with the current ETag" 200 "$(curl -s -o /dev/null -w '%{http_code}' -u admin:password -X PATCH -H "If-Match: $etag" -H 'Content-Type: application/json' -d '{"Boot":{"BootSourceOverrideTarget":"Cd"}}' "$U/redfish/v1/Systems/plain")"
expect_eq "PATCH with the old ETag: 412" 412 "$(curl -s -o /dev/null -w '%{http_code}' -u admin:password -X PATCH -H "If-Match: $etag" -H 'Content-Type: application/json' -d '{"Boot":{"BootSourceOverrideTarget":"Pxe"}}' "$U/redfish/v1/Systems/plain")"
expect_eq "the 412 changed nothing" Cd "$(rf_get plain /Systems/plain | jq -r .Boot.BootSourceOverrideTarget)"
expect_eq "a bad value: 400 with ExtendedInfo" "Base.1.8.PropertyValueNotInList" "$(curl -s -u admin:password -X PATCH -H 'Content-Type: application/json' -d '{"Boot":{"BootSourceOverrideTarget":"Tape"}}' "$U/redfish/v1/Systems/plain" | jq -r '.error["@Message.ExtendedInfo"][0].MessageId')"

# Tasks: with --task-seconds an action answers 202 with a task to poll.
rf_start tasks --task-seconds 1 || exit 1
TU=$(rf_url tasks)
curl -s -D "$T/h" -o /dev/null -u admin:password -H 'Content-Type: application/json' \
	-d '{"ResetType":"On"}' "$TU/redfish/v1/Systems/tasks/Actions/ComputerSystem.Reset"
expect_eq "reset as a task: 202" 202 "$(head -1 "$T/h" | awk '{print $2}')"
tloc=$(awk -F': ' 'tolower($1)=="location"{print $2}' "$T/h" | tr -d '\r')
wait_until 30 bash -c "curl -s -u admin:password '$TU$tloc' | jq -e '.TaskState == \"Completed\"'"
expect_eq "task done: power on" On "$(rf_get tasks /Systems/tasks | jq -r .PowerState)"

# With --qmp it drives a real QEMU (started paused, no disk: it boots
# nothing): power, boot order, NMI and the CD, read back through QMP.
QSOCK=$T/qmp.sock
qemu-system-x86_64 -M q35 -S -nodefaults -display none -no-shutdown -m 64 \
	-qmp "unix:$QSOCK,server=on,wait=off" -drive if=none,id=cd0,media=cdrom \
	-device ide-cd,drive=cd0,bus=ide.0,id=cddev \
	-device virtio-net-pci,id=nic0,netdev=n0,romfile= -netdev user,id=n0 >"$T/qemu.log" 2>&1 &
RF_PIDS[qemu]=$!
wait_until 30 "[ -S '$QSOCK' ]"
qmp() { printf '{"execute":"qmp_capabilities"}{"execute":"%s"%s}\n' "$1" "${2:+,\"arguments\":$2}" | socat -t2 - "UNIX-CONNECT:$QSOCK" | tail -1; }
rf_start q --qmp "$QSOCK" --qmp-cd cd0 --qmp-boot Cd=/machine/peripheral/cddev,Pxe=/machine/peripheral/nic0 || exit 1
QU=$(rf_url q)
post() { curl -s -u admin:password -H 'Content-Type: application/json' -d "$2" "$QU/redfish/v1$1"; }
expect_eq "QEMU paused at start: Off" Off "$(rf_get q /Systems/q | jq -r .PowerState)"
post /Systems/q/Actions/ComputerSystem.Reset '{"ResetType":"On"}'
expect_eq "On: QEMU runs" running "$(qmp query-status | jq -r .return.status)"
post /Systems/q/Actions/ComputerSystem.Reset '{"ResetType":"Nmi"}'
expect_eq "Nmi delivered" 1 "$(rf_get q /Systems/q | jq -r .Oem.IngotLab.NmiCount)"
post /Systems/q/Actions/ComputerSystem.Reset '{"ResetType":"ForceOff"}'
expect_eq "ForceOff: QEMU stopped" "paused Off" "$(qmp query-status | jq -r .return.status) $(rf_get q /Systems/q | jq -r .PowerState)"
echo "an iso" >"$T/media.iso"
python3 -m http.server 0 --bind 127.0.0.1 --directory "$T" >"$T/http.log" 2>&1 &
RF_PIDS[http]=$!
wait_until 30 "grep -q 'port' '$T/http.log'"
HPORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/http.log" | head -1)
post /Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.InsertMedia "{\"Image\":\"http://127.0.0.1:$HPORT/media.iso\"}"
ok "InsertMedia: the image is in QEMU's CD drive" bash -c "cmp -s '$T/media.iso' \"\$(printf '{\"execute\":\"qmp_capabilities\"}{\"execute\":\"query-block\"}\n' | socat -t2 - UNIX-CONNECT:$QSOCK | tail -1 | jq -r '.return[] | select(.device==\"cd0\") | .inserted.file')\""
curl -s -u admin:password -X PATCH -H 'Content-Type: application/json' -d '{"Boot":{"BootSourceOverrideTarget":"Cd"}}' "$QU/redfish/v1/Systems/q" >/dev/null
post /Systems/q/Actions/ComputerSystem.Reset '{"ResetType":"On"}'
expect_eq "a Cd override puts the CD first in QEMU's boot order" "0 1" \
	"$(qmp qom-get '{"path":"/machine/peripheral/cddev","property":"bootindex"}' | jq -r .return) $(qmp qom-get '{"path":"/machine/peripheral/nic0","property":"bootindex"}' | jq -r .return)"
post /Managers/BMC/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia '{}'
expect_eq "EjectMedia: the drive is empty" "" "$(qmp query-block | jq -r '.return[] | select(.device=="cd0") | .inserted.file // empty')"
post /Systems/q/Actions/ComputerSystem.Reset '{"ResetType":"ForceOff"}'
rf_stop q; rf_stop qemu; rf_stop http

# Many BMCs in one process are cheap: 200 on consecutive ports.
for _ in 1 2 3 4 5; do	# a port of the range may be taken: another range
	base=$(( 20000 + RANDOM % 20000 ))
	"$RF_BMC" --listen "127.0.0.1:$base+200" >"$T/many.log" 2>&1 &
	RF_PIDS[many]=$!
	wait_until 60 bash -c "curl -sf -u admin:password http://127.0.0.1:$((base + 199))/redfish/v1/ >/dev/null || ! kill -0 ${RF_PIDS[many]}"
	kill -0 "${RF_PIDS[many]}" 2>/dev/null && break
done
wait_until 60 bash -c "curl -sf -u admin:password http://127.0.0.1:$((base + 199))/redfish/v1/Systems/node-$((base + 199)) >/dev/null"
expect_eq "the 200th BMC answers with its own system" "On" "$(curl -s -u admin:password -H 'Content-Type: application/json' -d '{"ResetType":"On"}' "http://127.0.0.1:$((base + 199))/redfish/v1/Systems/node-$((base + 199))/Actions/ComputerSystem.Reset" >/dev/null; curl -s -u admin:password "http://127.0.0.1:$((base + 199))/redfish/v1/Systems/node-$((base + 199))" | jq -r .PowerState)"
expect_eq "its neighbour is still off" "Off" "$(curl -s -u admin:password "http://127.0.0.1:$((base + 198))/redfish/v1/Systems/node-$((base + 198))" | jq -r .PowerState)"
finish
