# OpenIPMI ipmi_sim BMCs for tests: source after lib.sh.
#   bmc_start NAME     (BMC_SENSORS=1: with a "CPU Temp" sensor reading 45 C,
#                      thresholds upper non-critical 80, critical 90,
#                      non-recoverable 105; BMC_CONSOLE=1: with ipmi_sim's
#                      emulation console on a free 127.0.0.1 TCP port)
#                      starts ipmi_sim on a free 127.0.0.1 UDP port with user
#                      admin/password and a chassis_control program that keeps
#                      power and boot device in files ($T/bmc-NAME/power, boot);
#                      sets BMC_PORT; BMC_SOL=tcp:HOST:PORT: Serial-over-LAN
#                      to the serial port at that address (ipmi_sim connects);
#                      BMC_CHASSIS=none: no chassis_control program, ipmi_sim
#                      answers power reads itself ("off") without starting a
#                      process per read; power and boot-device control are
#                      refused (for read-only benchmarks with many BMCs)
#   bmc_stop NAME      kills it (by pid)
#   ipmitool_for NAME ARGS...   ipmitool -I lanplus -C 3 against it
#   bmc_cmd NAME 'EMU COMMAND'  runs an emulation command on its console
#                      (BMC_CONSOLE=1), e.g. 'sensor_set_value 0x20 0 1 0x5f 0'
#                      sets CPU Temp to 95 C (critical)
declare -A BMC_PIDS BMC_PORTS BMC_CONSOLES
# A UDP port no socket holds (/proc/net/udp), from the ephemeral range,
# without starting an interpreter per BMC (seconds each on a loaded machine).
free_udp_port() {
	local p
	for _ in $(seq 1 100); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		grep -q ":$(printf '%04X' "$p") " /proc/net/udp /proc/net/udp6 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

bmc_start() {
	local name=$1 d=$T/bmc-$1 port=${BMC_PORTS[$1]:-$(free_udp_port)}
	mkdir -p "$d/state"
	cat >"$d/chassis" <<'SH'
#!/bin/sh
# builtins only on the read path: ipmi_sim runs this for every power
# read, and a process per read is what loads a machine with many BMCs
d=${0%/*}
op=$1; shift
case $op in
get)	for p in "$@"; do
		case $p in
		power) v=0; [ -f "$d/power" ] && read -r v <"$d/power"; echo "power:$v" ;;
		boot) v=default; [ -f "$d/boot" ] && read -r v <"$d/boot"; echo "boot:$v" ;;
		reset) echo "reset:0" ;;
		esac
	done ;;
set)	while [ $# -ge 2 ]; do
		case $1 in
		power) echo "$2" >"$d/power" ;;
		boot) echo "$2" >"$d/boot" ;;
		reset) date +%s >>"$d/resets" ;;
		esac
		shift 2
	done ;;
esac
exit 0
SH
	chmod +x "$d/chassis"
	[ -z "${BMC_CONSOLE:-}" ] || BMC_CONSOLES[$name]=${BMC_CONSOLES[$name]:-$(free_port)}
	cat >"$d/lan.conf" <<CONF
name "$name"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
$([ "${BMC_CHASSIS:-}" = none ] || echo "  chassis_control \"$d/chassis\"")
${BMC_SOL:+  sol \"$BMC_SOL\" 115200}
  startnow false
$([ -n "${BMC_CONSOLE:-}" ] && echo "  console 127.0.0.1 ${BMC_CONSOLES[$name]}")
  user 1 true  ""        "test" user     10       none md2 md5 straight
  user 2 true  "admin"   "password" admin    10       none md2 md5 straight
CONF
	printf 'mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nsel_enable 0x20 1000 0x0a\n' >"$d/cmds"
	if [ -n "${BMC_SENSORS:-}" ]; then
		# One temperature sensor, "CPU Temp", reading 45 C (M=1, B=0),
		# upper thresholds readable: 80 (non-critical), 90 (critical),
		# 105 (non-recoverable).
		cat >>"$d/cmds" <<'EMU'
main_sdr_add 0x20 0x01 0x00 0x51 0x01 0x33 0x20 0x00 0x01 0x03 0x01 0x7f 0x68 0x01 0x01 0x00 0x00 0x00 0x00 0x38 0x38 0x00 0x01 0x00 0x00 0x01 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0xff 0x00 0x69 0x5a 0x50 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00 0xc8 0x43 0x50 0x55 0x20 0x54 0x65 0x6d 0x70
sensor_add 0x20 0 1 0x01 0x01
sensor_set_threshold 0x20 0 1 readable 111000 0x69 0x5a 0x50 0 0 0
sensor_set_value 0x20 0 1 0x2d 0
EMU
	fi
	printf 'mc_enable 0x20\n' >>"$d/cmds"
	setsid ipmi_sim -c "$d/lan.conf" -f "$d/cmds" -s "$d/state" -n </dev/null >"$d/sim.log" 2>&1 &
	BMC_PIDS[$name]=$!
	BMC_PORTS[$name]=$port
	BMC_PORT=$port
	for _ in $(seq 1 50); do
		grep -q ":$(printf '%04X' "$port") " /proc/net/udp && return 0
		sleep 0.05
	done
	echo "ipmi_sim $name did not start"; return 1
}

bmc_cmd() {
	printf '%s\n' "$2" | timeout 5 socat -t 1 - "TCP:127.0.0.1:${BMC_CONSOLES[$1]}" >/dev/null
}

bmc_stop() {
	local pid=${BMC_PIDS[$1]:-}
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	BMC_PIDS[$1]=
	return 0
}

ipmitool_for() {
	local name=$1; shift
	ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "${BMC_PORTS[$name]}" -U admin -P password "$@"
}

bmc_stop_all() {
	local n
	[ ${#BMC_PIDS[@]} -gt 0 ] 2>/dev/null || return 0
	for n in "${!BMC_PIDS[@]}"; do bmc_stop "$n"; done
}
