#!/usr/bin/env bash
# The CLI shows what happens (issue #20): --wait redraws one progress line
# in place on a terminal (run under a pseudo-terminal with script(1)) and
# prints plain lines on change otherwise, on standard error; failures end
# with one error line and exit 1; -f table|json|yaml|value|csv on list and
# show (yaml and csv read back by Python's parsers); ingot completion bash.
. "$(dirname "$0")/../lib/lib.sh"
ingot_start || exit 1
i() { "$INGOT" "$@"; }
js() { i -f json "$@"; }
pty() {	# pty OUT CMD...: runs CMD on a pseudo-terminal, its output in OUT
	local out=$1; shift
	script -qefc "$(printf '%q ' "$@")" /dev/null >"$out" </dev/null
}

i node create --driver fake-hardware --name w1 --driver-info fake_delay=1.5 >/dev/null
i node manage w1 --wait 60 2>/dev/null
i node provide w1 --wait 60 2>/dev/null
expect_eq "w1 available" available "$(js node show w1 | jq -r .provision_state)"

# --- on a terminal: one line, redrawn ----------------------------------------
pty "$T/tty.out" "$INGOT" node deploy w1 --wait 60
expect_eq "deploy --wait on a terminal: exit 0" 0 "$?"
redraws=$(grep -o $'\r\e\[K' "$T/tty.out" | wc -l)
ok "the line was redrawn in place ($redraws times)" test "$redraws" -ge 3
ok "... showing the transient state and its target" grep -q 'w1: deploying -> active' "$T/tty.out"
ok "... the power state" grep -q '| power o' "$T/tty.out"
ok "... and the end state" grep -qE $'\e\\[K\\[ *[0-9]+s\\] w1: active \\| power' "$T/tty.out"
expect_eq "... on one line (a single newline, at the end)" 1 "$(tr -cd '\n' <"$T/tty.out" | wc -c)"
expect_eq "w1 active" active "$(js node show w1 | jq -r .provision_state)"

# --- not a terminal: plain lines, one per change -------------------------------
i node undeploy w1 --wait 60 >"$T/plain.out" 2>"$T/plain.err"
expect_eq "undeploy --wait, not a terminal: exit 0" 0 "$?"
expect_eq "standard output untouched" "" "$(cat "$T/plain.out")"
ok "no escape sequence or carriage return" bash -c "! grep -q $'[\r\e]' '$T/plain.err'"
ok "plain lines: elapsed time and state" grep -qE '^\[ *[0-9]+s\] w1: deleting -> available|^\[ *[0-9]+s\] w1: cleaning -> available' "$T/plain.err"
ok "several states, each line a change" bash -c "[ \$(wc -l <'$T/plain.err') -ge 2 ] && [ -z \"\$(cut -d']' -f2- '$T/plain.err' | uniq -d)\" ]"
ok "the last line is the end state" bash -c "tail -1 '$T/plain.err' | grep -q 'w1: available'"

# --- a failure: the last line, then one error line, exit 1 -------------------
i node create --driver fake-hardware --name w2 --deploy-interface direct >/dev/null
i node manage w2 --wait 60 2>/dev/null
i node set w2 --property x=1 >/dev/null
api PATCH /v1/nodes/w2 '[{"op":"add","path":"/automated_clean","value":false}]' >/dev/null
i node provide w2 --wait 60 2>/dev/null
pty "$T/fail.out" bash -c "stty cols 400; exec '$INGOT' node deploy w2 --wait 60"
expect_eq "a failed deploy: exit 1" 1 "$?"
ok "... the error on its own line" grep -qE $'^ingot: node w2 is deploy failed: .*image_source' "$T/fail.out"
ok "... after the progress line" grep -qE $'w2: deploy failed .*last error: .*image_source' "$T/fail.out"
pty "$T/narrow.out" "$INGOT" node deploy w2 --wait 60
ok "on an 80-column terminal the long line is cut to 79" bash -c "tr '\r' '\n' <'$T/narrow.out' |
	sed 's/\x1b\[K//' | grep 'last error' | awk '{ if (length > 79) exit 1; n++ } END { exit n == 0 }'"
i node deploy w2 --wait 60 >/dev/null 2>"$T/fail.err"
expect_eq "not a terminal: exit 1" 1 "$?"
expect_eq "... the error is the last line" 1 "$(tail -1 "$T/fail.err" | grep -c '^ingot: node w2 is deploy failed')"
pty "$T/gone.out" "$INGOT" --url http://127.0.0.1:1 node deploy w1 --wait 5
expect_eq "unreachable: exit 1" 1 "$?"
expect_eq "unreachable: one line" 1 "$(tr -cd '\n' <"$T/gone.out" | wc -c)"

# --- output formats --------------------------------------------------------------
i port create 52:54:00:dd:00:01 --node w1 --local-link-connection switch_id=52:54:00:12:34:56 \
	--local-link-connection port_id=Ethernet1/1 >/dev/null
i node set w1 --extra 'note=yes: "quoted" #1' --extra num=007 --extra when=2026-01-01 >/dev/null
for what in "node list --long" "node show w1" "port list --long" "network list"; do
	# shellcheck disable=SC2086
	i -f json $what >"$T/f.json"
	# shellcheck disable=SC2086
	i -f yaml $what >"$T/f.yaml"
	ok "-f yaml $what reads back as -f json" python3 -c '
import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else "%r != %r" % (a, b))' "$T/f.yaml" "$T/f.json"
done
i -f csv node list -c name -c provision_state -c maintenance >"$T/f.csv"
expect_eq "-f csv: a quoted header, strings quoted, booleans bare" \
	$'"name","provision_state","maintenance"\n"w1","available",False\n"w2","deploy failed",False' "$(cat "$T/f.csv")"
ok "-f csv reads back" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
sys.exit(0 if rows[0] == ["name", "provision_state", "maintenance"] and rows[1][0] == "w1" else repr(rows))' "$T/f.csv"
expect_eq "-f value on list: a row a line" $'w1 available\nw2 deploy failed' "$(i -f value node list -c name -c provision_state)"
expect_eq "-f value on show: a value a line" $'w1\navailable' "$(i node show w1 -f value -c name -c provision_state)"
expect_eq "-f after the command" "w1" "$(i node show w1 -f yaml -c name | sed 's/^name: //')"
i -f xml node list >"$T/o" 2>"$T/e"
expect_eq "unknown format: exit 2" 2 "$?"
i node list -f xml >"$T/o" 2>"$T/e"
expect_eq "unknown format after the command: exit 2" 2 "$?"
ok "... saying which formats exist" grep -q "table, json, yaml, value or csv" "$T/e"

# --- bash completion ------------------------------------------------------------
i completion bash >"$T/compl.bash"
ok "completion: valid bash" bash -n "$T/compl.bash"
complete_words() { bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ingot; echo "${COMPREPLY[*]}"' _ "$T/compl.bash" "$@"; }
expect_eq "completion: groups" "network node" "$(complete_words ingot n | tr ' ' '\n' | sort | xargs)"
expect_eq "completion: verbs" "delete deploy" "$(complete_words ingot node de | tr ' ' '\n' | sort | xargs)"
expect_eq "completion: options of the command" "--config-drive --deploy-steps --wait" \
	"$(complete_words ingot -f json node deploy w1 -- | tr ' ' '\n' | sort | xargs)"
expect_eq "completion: formats" "csv json table value yaml" \
	"$(complete_words ingot node list -f '' | tr ' ' '\n' | sort | xargs)"
finish
