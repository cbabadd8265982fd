# shellcheck shell=bash
# The lab Redfish BMC (lab/redfish-bmc) for integration tests.  Source after
# lib.sh.
#   rf_start NAME [bmc flags...]   one BMC on a free loopback port; sets
#                                   RF_PORTS[NAME], RF_PIDS[NAME]; its system
#                                   id is NAME
#   rf_stop NAME                    SIGTERM + wait
#   rf_get NAME PATH                GET through Basic auth (an independent read)
#   rf_stop_all                     (the EXIT trap calls it)
RF_BMC=${RF_BMC:-$INGOT_SRC/lab/redfish-bmc/redfish-bmc}
declare -A RF_PORTS RF_PIDS RF_ARGS

rf_start() {
	local name=$1; shift
	[ -n "${RF_PORTS[$name]:-}" ] || RF_PORTS[$name]=$(free_port)
	[ $# -gt 0 ] && RF_ARGS[$name]="$*"
	# shellcheck disable=SC2086
	"$RF_BMC" --listen "127.0.0.1:${RF_PORTS[$name]}" --system-id "$name" \
		--state-dir "$T" ${RF_ARGS[$name]:-} >>"$T/rf-$name.log" 2>&1 &
	RF_PIDS[$name]=$!
	for _ in $(seq 1 600); do
		curl -sk "$(rf_url "$name")/redfish/v1/" >/dev/null 2>&1 && return 0
		kill -0 "${RF_PIDS[$name]}" 2>/dev/null || { cat "$T/rf-$name.log"; return 1; }
		sleep 0.05
	done
	echo "redfish BMC $name did not answer"; return 1
}

rf_url() {
	case "${RF_ARGS[$1]:-}" in
	*--tls-cert*) echo "https://127.0.0.1:${RF_PORTS[$1]}" ;;
	*) echo "http://127.0.0.1:${RF_PORTS[$1]}" ;;
	esac
}

rf_stop() {
	[ -n "${RF_PIDS[$1]:-}" ] || return 0
	kill -CONT "${RF_PIDS[$1]}" 2>/dev/null
	kill "${RF_PIDS[$1]}" 2>/dev/null
	wait "${RF_PIDS[$1]}" 2>/dev/null
	unset "RF_PIDS[$1]"
}

rf_stop_all() {
	local n
	for n in "${!RF_PIDS[@]}"; do rf_stop "$n"; done
}

rf_get() {
	curl -sk -u admin:password "$(rf_url "$1")/redfish/v1$2"
}
