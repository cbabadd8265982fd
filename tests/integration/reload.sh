#!/usr/bin/env bash
# Logs and reload: lines in logfmt by default (request, node, project), JSON
# by setting; SIGHUP applies a new [log] level and format and new
# http_basic users and roles at once, leaves everything else, and a file
# that does not parse changes nothing.
. "$(dirname "$0")/../lib/lib.sh"

hash() {	# USER... -> htpasswd lines (bcrypt, low cost: a test)
	/usr/bin/python3 -W ignore -c 'import crypt, sys
for u in sys.argv[1:]:
    print(u + ":" + crypt.crypt("pw-" + u, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$@"
}
hash alice >"$T/htpasswd"
printf 'alice system admin\n' >"$T/roles"
write_conf() {	# LEVEL FORMAT
	printf '[log]\nlevel = %s\nformat = %s\n[auth]\nstrategy = http_basic\nhtpasswd_file = %s\nroles_file = %s\n' \
	    "$1" "$2" "$T/htpasswd" "$T/roles" >"$T/ingotd.conf"
}
write_conf info logfmt
ingot_start --config "$T/ingotd.conf" || exit 1
as() { curl -s -o /dev/null -w '%{http_code}' -u "$1:pw-$1" -H 'X-OpenStack-Ironic-API-Version: 1.81' "$INGOT_URL$2"; }
lines() { wc -l <"$T/ingotd.log"; }

expect_eq "alice is a user" 200 "$(as alice /v1/nodes)"
expect_eq "carol is not a user" 401 "$(as carol /v1/nodes)"
ok "lines are logfmt: ts, level, msg" grep -Eq '^ts=[0-9T:.-]+Z level=info .*msg="' "$T/ingotd.log"
ok "a request's lines carry its id" grep -Eq '^ts=[^ ]+ level=info request=req-[0-9a-f-]+ msg="HTTP 401' "$T/ingotd.log"
ok "no debug line at level info" sh -c "! grep -q 'level=debug' '$T/ingotd.log'"

# New users and roles, level debug, format json: SIGHUP.
hash bob >>"$T/htpasswd"
sed -i '/^alice:/d' "$T/htpasswd"
printf 'bob system reader\n' >"$T/roles"
write_conf debug json
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "SIGHUP says what it reloaded" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'SIGHUP: reloaded \\[log\\] level debug, format json, the htpasswd and roles files'"
expect_eq "bob is a user now" 200 "$(as bob /v1/nodes)"
expect_eq "... with his role: a reader may not create" 403 \
	"$(curl -s -o /dev/null -w '%{http_code}' -u bob:pw-bob -X POST -H 'Content-Type: application/json' \
	    -d '{"driver":"fake-hardware"}' "$INGOT_URL/v1/nodes")"
expect_eq "alice is gone" 401 "$(as alice /v1/nodes)"
n=$(lines)
as bob /v1/nodes >/dev/null
ok "lines are JSON objects now" sh -c "tail -n +$((n + 1)) '$T/ingotd.log' | jq -e -s 'length > 0 and all(.ts and .level and .msg)' >/dev/null"
ok "debug lines appear" sh -c "tail -n +$((n + 1)) '$T/ingotd.log' | jq -e -s 'any(.level == \"debug\")' >/dev/null"

# A file that does not parse: nothing changes.
printf '[log\nlevel = error\n' >"$T/ingotd.conf"
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "a broken file is refused, in the log" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'configuration not reloaded'"
expect_eq "bob still authenticates" 200 "$(as bob /v1/nodes)"
# A roles file naming an unknown user: the users stay as they were.
write_conf debug json
printf 'bob system reader\nmallory system admin\n' >"$T/roles"
n=$(lines)
kill -HUP "$INGOTD_PID"
ok "a bad roles file is refused" wait_until 60 \
	"tail -n +$((n + 1)) '$T/ingotd.log' | grep -q 'the users were not reloaded'"
expect_eq "bob still authenticates after it" 200 "$(as bob /v1/nodes)"
ok "ingotd is still up" kill -0 "$INGOTD_PID"
ok "no password in the log" sh -c "! grep -q 'pw-' '$T/ingotd.log'"
finish
