#!/usr/bin/env bash
# The ssh switch driver against a real OpenSSH server whose "switch CLI" is
# ovs-vsctl on the test's real ovsdb-server (etc/switches/ovs.conf).
# sshd runs inside a network namespace reached over a veth pair, with its
# own config, host key and authorized_keys in $T, and (in its own mount
# namespace, /etc overlaid) a passwd/shadow with a test login whose shell
# is /bin/sh.
# Scenario of network_vlan.sh: tags after each deploy/undeploy step, trunk,
# tampering corrected through the read-back; plus session reuse, reconnect,
# timeouts, host key refusal, password login, bad templates, no secrets.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/ovs.sh"
SWITCHCTL=${SWITCHCTL:-$INGOT_BUILD/src/cli/ingot-switchctl}
BR=iss$$
SNS=isshd$$			# the switch host's namespace
SD=$T/sshd
X=$(( $$ % 200 + 20 ))
HOST=10.253.$X.2

sshd_start() {	# sshd_start [extra sshd_config lines]
	# /etc overlaid (not files bind-mounted: a host-side rewrite of
	# /etc/passwd would detach such a mount) in sshd's own mount namespace.
	ip netns exec "$SNS" unshare -m sh -c "mount -t overlay ingot-etc \
		-o 'lowerdir=/etc,upperdir=$SD/etc,workdir=$SD/etc.work' /etc &&
		exec /usr/sbin/sshd -f '$SD/sshd_config' -E '$SD/sshd.log'"
	wait_until 60 "test -s '$SD/sshd.pid'"
}
sshd_stop() {
	local p
	[ -s "$SD/sshd.pid" ] || return 0
	p=$(cat "$SD/sshd.pid")
	for c in $(pgrep -P "$p"); do kill "$c" 2>/dev/null; done
	kill "$p" 2>/dev/null
	rm -f "$SD/sshd.pid"
}
tree() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
# the per-connection processes of the sshd (not the listener)
session_procs() { local c; for c in $(pgrep -P "$(cat "$SD/sshd.pid")"); do tree "$c"; done; }
sessions() { grep -c "Accepted publickey for ingotsw\|Accepted password for ingotsw" "$SD/sshd.log"; }
cleanup_ssh() {
	sshd_stop
	ip link del "vs$$" 2>/dev/null
	ip netns del "$SNS" 2>/dev/null
	_cleanup
}
trap cleanup_ssh EXIT

ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
vsctl add-port "$BR" pa$$ tag=4095 -- set interface pa$$ type=internal
vsctl add-port "$BR" pb$$ tag=4095 -- set interface pb$$ type=internal

# The switch host: a namespace on a veth pair, sshd with its own everything.
mkdir -m 700 -p "$SD" "$SD/home"
ip netns add "$SNS"
ip link add "vs$$" type veth peer name eth0 netns "$SNS"
ip addr add "10.253.$X.1/30" dev "vs$$"
ip link set "vs$$" up
ip -n "$SNS" addr add "$HOST/30" dev eth0
ip -n "$SNS" link set eth0 up
ip -n "$SNS" link set lo up
ssh-keygen -q -t ed25519 -N '' -C '' -f "$SD/host_key"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$SD/client_key"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$SD/other_host_key"
cp "$SD/client_key.pub" "$SD/authorized_keys"
mkdir -p "$SD/etc" "$SD/etc.work"
cp /etc/passwd "$SD/etc/passwd"
echo "ingotsw:x:0:0:Ingot test switch:$SD/home:/bin/sh" >>"$SD/etc/passwd"
cp -p /etc/shadow "$SD/etc/shadow"
echo "ingotsw:$(openssl passwd -6 's3cret-Sw!tch'):19000:0:99999:7:::" >>"$SD/etc/shadow"
cat >"$SD/sshd_config" <<CONF
ListenAddress $HOST:22
HostKey $SD/host_key
PidFile $SD/sshd.pid
AuthorizedKeysFile $SD/authorized_keys
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
AllowUsers ingotsw
CONF
mkdir -p /run/sshd
sshd_start || { echo "not ok - sshd start"; cat "$SD/sshd.log"; exit 1; }
echo "$HOST $(cut -d' ' -f1,2 "$SD/host_key.pub")" >"$SD/known_hosts"
echo "$HOST $(cut -d' ' -f1,2 "$SD/other_host_key.pub")" >"$SD/wrong_known_hosts"
: >"$SD/empty_known_hosts"

SWID=52:54:00:ff:00:02
switch_conf() {	# switch_conf KNOWN_HOSTS [extra lines]
	cat <<CONF
[switch:tor1]
driver = ssh
device_type = ovs
templates_dir = $INGOT_SRC/etc/switches
address = $HOST
switch_id = $SWID
ports = pa$$, pb$$
username = ingotsw
key_file = $SD/client_key
known_hosts = $1
var.vsctl = ovs-vsctl --db=$OVSDB --timeout=5
timeout_ms = 2000
retries = 1
CONF
	shift
	printf '%s\n' "$@"
}
switch_conf "$SD/known_hosts" >"$T/switch.conf"
{ printf '[conductor]\nswitch_reconcile_interval = 2\n'; cat "$T/switch.conf"; } >"$T/ingotd.conf"
sc() { "$SWITCHCTL" -c "$T/switch.conf" "$@"; }

# --- the driver alone (ingot-switchctl) ---
ok "set an access VLAN over SSH" sc set tor1 pa$$ 150
expect_eq "ovs-vsctl sees tag 150" 150 "$(vsctl get port pa$$ tag)"
expect_eq "read back over SSH" "native 150 trunks" "$(sc get tor1 pa$$)"
ok "a trunk" sc set tor1 pa$$ 150,160
expect_eq "trunk tag and trunks" "150 [150, 160] native-untagged" \
	"$(vsctl get port pa$$ tag) $(vsctl get port pa$$ trunks) $(vsctl get port pa$$ vlan_mode)"
ok "isolate" sc set tor1 pa$$ isolate
expect_eq "isolated: 4095, no trunks" "4095 []" "$(vsctl get port pa$$ tag) $(vsctl get port pa$$ trunks)"
out=$(sc set tor1 nosuch$$ 150 2>&1)
ok "an unmanaged port is refused" grep -q "not a port Ingot may manage" <<<"$out"
out=$(sc set tor1 'pa$$;id' 150 2>&1)
ok "a port name with shell characters is refused" grep -q "not a port Ingot may manage" <<<"$out"

# Host keys: unknown and changed keys refuse the connection, nothing changes.
n0=$(sessions)
switch_conf "$SD/empty_known_hosts" >"$T/unknown.conf"
out=$("$SWITCHCTL" -c "$T/unknown.conf" set tor1 pa$$ 150 2>&1)
ok "unknown host key refused" grep -q "host key of $HOST (SHA256:.*) is not in $SD/empty_known_hosts; refusing" <<<"$out"
switch_conf "$SD/wrong_known_hosts" >"$T/changed.conf"
out=$("$SWITCHCTL" -c "$T/changed.conf" set tor1 pa$$ 150 2>&1)
ok "changed host key refused" grep -q "host key of $HOST changed: it is SHA256:.*, not the one in $SD/wrong_known_hosts; refusing" <<<"$out"
expect_eq "no login with a bad host key" "$n0" "$(sessions)"
expect_eq "port untouched" 4095 "$(vsctl get port pa$$ tag)"
switch_conf "$SD/missing_file" >"$T/missing.conf"
out=$("$SWITCHCTL" -c "$T/missing.conf" list 2>&1)
ok "a missing known_hosts file is a start-up error" grep -q "needs known_hosts, a readable file" <<<"$out"

# Password login (key_file left out); the password never shows.
sed -e '/^key_file/d' "$T/switch.conf" >"$T/pw.conf"
echo 'password = s3cret-Sw!tch' >>"$T/pw.conf"
ok "password login" "$SWITCHCTL" -c "$T/pw.conf" set tor1 pb$$ 170
expect_eq "tag set through the password login" 170 "$(vsctl get port pb$$ tag)"
sed -i 's/^password = .*/password = wrong-one/' "$T/pw.conf"
out=$("$SWITCHCTL" -c "$T/pw.conf" -v set tor1 pb$$ 171 2>&1)
ok "wrong password: a clear error" grep -q "refused the login of ingotsw" <<<"$out"
ok "wrong password: not echoed" bash -c "! grep -q wrong-one <<<'$out'"
"$SWITCHCTL" -c "$T/switch.conf" set tor1 pb$$ isolate

# Shell mode (the interactive-CLI path of IOS/EOS/Junos/OS10 templates),
# for real: a pty and /bin/sh as the "CLI", prompt "# ", errors matched.
cat >"$T/tpl_shell.conf" <<'TPL'
[options]
mode = shell
prompt = ^# ?$
error = ^ovs-vsctl: 
var.vsctl = ovs-vsctl
native_regex = ^tag[ ]*:[ ]*([0-9]+)
trunks_regex = ^trunks[ ]*:[ ]*\[([0-9, ]*)\]
[connect]
PS1='# '
[set_access_vlan]
{vsctl} set port {port} tag={vlan} -- clear port {port} trunks vlan_mode
[remove_vlan]
{vsctl} set port {port} tag={isolation_vlan} -- clear port {port} trunks vlan_mode
[get_port]
{vsctl} --columns=tag,trunks list port {port}
TPL
switch_conf "$SD/known_hosts" "template = $T/tpl_shell.conf" | sed -e '/^device_type/d' \
	-e "s/^ports = .*/ports =/" >"$T/shell.conf"
ok "shell mode: set" "$SWITCHCTL" -c "$T/shell.conf" set tor1 pb$$ 180
expect_eq "shell mode: tag set" 180 "$(vsctl get port pb$$ tag)"
expect_eq "shell mode: read back" "native 180 trunks" "$("$SWITCHCTL" -c "$T/shell.conf" get tor1 pb$$)"
out=$("$SWITCHCTL" -c "$T/shell.conf" set tor1 nosuch$$ 180 2>&1)
ok "shell mode: the CLI's error is reported" grep -q "refused: ovs-vsctl: no row \"nosuch$$\" in table Port" <<<"$out"
"$SWITCHCTL" -c "$T/shell.conf" set tor1 pb$$ isolate

# Bad templates stop ingotd at start with file and line.
mkdir -p "$T/tpl"
printf '[options]\nmode = exec\n[set_access_vlan]\nset {port} {vlna}\n[remove_vlan]\nx {port}\n' >"$T/tpl/typo.conf"
printf '[options]\nmode = exec\n[set_access_vlan]\nset {port} {vlan}\n' >"$T/tpl/short.conf"
printf '[options]\nmode = shell\nprompt = ([\n[set_access_vlan]\nset {port}\n[remove_vlan]\nx\n' >"$T/tpl/regex.conf"
printf '[optoins]\n' >"$T/tpl/section.conf"
for bad in "typo.conf:4: unknown placeholder {vlna} in \[set_access_vlan\]" \
	"short.conf: needs \[set_access_vlan\] and \[remove_vlan\]" \
	"regex.conf:3: bad regular expression '(\['" "section.conf:1: unknown section \[optoins\]"; do
	name=${bad%%.conf*}
	switch_conf "$SD/known_hosts" "template = $T/tpl/$name.conf" >"$T/bad.conf"
	sed -i '/^device_type/d' "$T/bad.conf"
	out=$("$INGOTD" --check-config --config "$T/bad.conf" 2>&1)
	ok "bad template $name refused at start" grep -q "switch tor1: template $T/tpl/$bad" <<<"$out"
done
switch_conf "$SD/known_hosts" "var.nosuch = 1" >"$T/bad.conf"
out=$("$INGOTD" --check-config --config "$T/bad.conf" 2>&1)
ok "unknown template variable refused at start" grep -q "var.nosuch: template .* has no such variable" <<<"$out"

# --- ingotd moves nodes between networks through the ssh driver ---
echo 'password = never-shown-pw' >>"$T/ingotd.conf"	# key first, then password
ingot_start --config "$T/ingotd.conf" || exit 1
s_start=$(sessions)
i() { "$INGOT" "$@"; }
js() { "$INGOT" -f json "$@"; }
tag() { vsctl get port "$1" tag; }
trunks() { vsctl get port "$1" trunks; }
state() { js node show "$1" | jq -r .provision_state; }

ok "switch listed, driver ssh, no secrets" bash -c "curl -fsS '$INGOT_URL/v1/switches' |
	jq -e '.switches[0] | .driver == \"ssh\" and .device_type == \"ovs\"' &&
	! curl -fsS '$INGOT_URL/v1/switches' | grep -q -e never-shown -e client_key -e password"
i network create prov --vlan 100 --purpose provisioning >/dev/null
i network create ta --vlan 200 --project a >/dev/null
i network create tb --vlan 300 --project b >/dev/null
for n in a b; do
	i node create --driver fake-hardware --name n$n --network-interface vlan \
		--driver-info fake_delay=1.5 >/dev/null
	i port create "$(printf '52:54:00:00:%02x:0%d' "$X" "$([ $n = a ] && echo 1 || echo 2)")" --node n$n \
		--local-link-connection switch_id=$SWID --local-link-connection port_id=p$n$$ >/dev/null
	i node vif attach n$n t$n
	i node manage n$n --wait 20 >/dev/null
done
i node provide na >/dev/null
wait_until 60 'test "$(state na)" = cleaning'
wait_until 60 'test "$(tag pa$$)" = 100'
expect_eq "cleaning: on the provisioning VLAN" 100 "$(tag pa$$)"
i node provide nb --wait 20 >/dev/null
wait_until 60 'test "$(state na)" = available'
expect_eq "available: isolated" 4095 "$(tag pa$$)"
i node deploy na >/dev/null
wait_until 60 'test "$(state na)" = deploying'
wait_until 60 'test "$(tag pa$$)" = 100'
expect_eq "deploying: on the provisioning VLAN" 100 "$(tag pa$$)"
wait_until 60 'test "$(state na)" = active'
expect_eq "active: on tenant A's VLAN" 200 "$(tag pa$$)"
expect_eq "access port: no trunks" "[]" "$(trunks pa$$)"
ok "deploy nb" i node deploy nb --wait 20
expect_eq "nb on tenant B's VLAN" 300 "$(tag pb$$)"
ok "attach ta to active nb" i node vif attach nb ta
expect_eq "trunk native VLAN" 300 "$(tag pb$$)"
expect_eq "trunk VLANs" "[200, 300]" "$(trunks pb$$)"
ok "detach ta" i node vif detach nb ta
expect_eq "back to access" "300 []" "$(tag pb$$) $(trunks pb$$)"

# One session for all of that (reused, serialized).
expect_eq "one SSH session for every change so far" 1 $(( $(sessions) - s_start ))
ok "ingotd logged the session with the host key fingerprint" \
	grep -q "switch tor1: SSH session 1 to $HOST port 22 as ingotsw (host key SHA256:" "$T/ingotd.log"

# Tampering is seen through the read-back and corrected.
vsctl set port pa$$ tag=300
wait_until 60 'test "$(tag pa$$)" = 200'
expect_eq "tampered tag corrected" 200 "$(tag pa$$)"
ok "correction logged" grep -q "reconcile: switch $SWID port pa$$ carries native VLAN 300" "$T/ingotd.log"

# The session dies (sshd's session process killed): the next change reconnects.
kill $(session_procs)
i node undeploy na >/dev/null
wait_until 60 'test "$(state na)" = cleaning'
wait_until 60 'test "$(tag pa$$)" = 100'
expect_eq "cleaning after undeploy (new session): provisioning VLAN" 100 "$(tag pa$$)"
wait_until 60 'test "$(state na)" = available'
expect_eq "available again: isolated" 4095 "$(tag pa$$)"
expect_eq "one more session after the kill" 2 $(( $(sessions) - s_start ))

# The switch hangs (sshd and its session processes stopped): the change
# fails within the timeouts with an error naming switch and port; once the
# switch answers again, the port is isolated.
hung="$(cat "$SD/sshd.pid") $(session_procs)"
kill -STOP $hung
t0=$(date +%s)
i node deploy na >/dev/null
wait_until 40 'test "$(state na)" = "deploy failed"'
expect_eq "deploy failed" "deploy failed" "$(state na)"
echo "# failed after $(( $(date +%s) - t0 )) s"
ok "last_error names switch and port" bash -c "'$INGOT' -f json node show na | jq -r .last_error | grep -q 'switch tor1 port pa$$'"
# (the failed deploy's attempt to isolate the port may still be timing out)
wait_until 60 'test -z "$(db "select reservation from nodes where name='"'na'"'")"'
ok "no lock left" test -z "$(db "select reservation from nodes where name='na'")"
kill -CONT $hung
wait_until 60 'test "$(tag pa$$)" = 4095'
expect_eq "isolated once the switch answers" 4095 "$(tag pa$$)"

ok "no secret in ingotd's log" bash -c "! grep -q -e never-shown-pw -e 's3cret' '$T/ingotd.log'"

# Restart: ports read back over SSH and corrected.
vsctl set port pb$$ tag=100
ingot_stop
ingot_start --config "$T/ingotd.conf" || exit 1
wait_until 60 'test "$(tag pb$$)" = 300'
expect_eq "restart corrected nb's port" 300 "$(tag pb$$)"

# SIGHUP: new credentials (the key dropped, the password login) apply at
# once: the session is closed, the next read-back logs in with the password.
rl() {	# rl PATTERN: SIGHUP, then the reload line matches
	local n
	n=$(wc -l <"$T/ingotd.log")
	kill -HUP "$INGOTD_PID"
	wait_until 60 "tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'SIGHUP: reloaded'" &&
	    tail -n +$((n + 1)) "$T/ingotd.log" | grep -q "$1"
}
pw_before=$(grep -c "Accepted password for ingotsw" "$SD/sshd.log")
{ printf '[conductor]\nswitch_reconcile_interval = 2\n'; switch_conf "$SD/known_hosts" 'password = s3cret-Sw!tch'; } |
	sed '/^key_file/d' >"$T/ingotd.conf"
ok "SIGHUP: the switch's new credentials, named but not shown" rl "switches: tor1 (password key_file)"
vsctl set port pb$$ tag=100
wait_until 60 'test "$(tag pb$$)" = 300'
expect_eq "tampering corrected through the new credentials" 300 "$(tag pb$$)"
ok "... a password login" test "$(grep -c "Accepted password for ingotsw" "$SD/sshd.log")" -gt "$pw_before"
# A known_hosts file that cannot be read: refused, the old settings stay.
sed -i "s|^known_hosts = .*|known_hosts = $T/nonexistent|" "$T/ingotd.conf"
ok "SIGHUP: an unreadable known_hosts is refused" \
	rl "other settings need a restart"
ok "... saying why" grep -q "the switches' settings were not reloaded: switch tor1: the ssh driver needs known_hosts" "$T/ingotd.log"
vsctl set port pb$$ tag=100
wait_until 60 'test "$(tag pb$$)" = 300'
expect_eq "the switch still works with the settings it had" 300 "$(tag pb$$)"
ok "no secret in ingotd's log after the reloads" bash -c "! grep -q -e never-shown-pw -e 's3cret' '$T/ingotd.log'"
finish
