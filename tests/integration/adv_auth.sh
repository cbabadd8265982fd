#!/usr/bin/env bash
# Adversarial: authentication and the policy around it.  bcrypt is no
# unauthenticated CPU sink and no user-enumeration oracle; a lessee needs
# its admin role for manage/provide/clean/inspect/adopt; list markers are
# no existence oracle; files holding tokens are the owner's alone; tenants
# read errors that do not say where the BMC is.  (issue #11 item 11, Low)
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"

# "slow": a user whose hash costs 2^12 rounds, as production hashes do.
ADV_HTPASSWD_EXTRA=$(python3 -W ignore -c 'import crypt; print("slow:" + crypt.crypt("pw-slow", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=4096)))')
ADV_ROLES_EXTRA="slow      a member"
adv_start <<'CONF' || exit 1
failed_auth_window_ms = 60000
[ipmi]
timeout_ms = 300
retries = 0
CONF

# CPU seconds (ticks) ingotd has used
ticks() { awk '{print $14 + $15}' "/proc/$INGOTD_PID/stat"; }
# wrong SOURCE USER: one request with a wrong password from 127.0.0.SOURCE
wrong() {
	curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$1" -u "$2:nope" \
		"$INGOT_URL/v1/nodes"
}

# --- item 11: bcrypt as an unauthenticated CPU sink ---------------------
t0=$(ticks); s=$(wrong 1 slow); t1=$(ticks)
one=$((t1 - t0))
expect_eq "a wrong password: 401" 401 "$s"
expect_eq "one wrong password costs a bcrypt (>= 2 ticks)" true "$([ "$one" -ge 2 ] && echo true || echo "false ($one)")"
t0=$(ticks)
codes=$(for i in $(seq 1 20); do wrong 1 slow; echo; done | sort -u | tr '\n' ' ')
t1=$(ticks)
many=$((t1 - t0))
expect_eq "20 more wrong passwords: all 401" "401 " "$codes"
expect_eq "20 more from the same source cost less than 3 bcrypts ($many vs $one ticks)" true \
	"$([ "$many" -lt $((3 * one + 2)) ] && echo true || echo false)"
expect_eq "the right password from another address still works" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -u slow:pw-slow "$INGOT_URL/v1/nodes")"
# user enumeration by timing: an unknown user costs a bcrypt like a known one
t0=$(ticks); s=$(wrong 3 nosuchuser); t1=$(ticks)
unknown=$((t1 - t0))
expect_eq "unknown user: 401" 401 "$s"
expect_eq "an unknown user costs a bcrypt too ($unknown vs $one ticks)" true \
	"$([ $((unknown * 3)) -ge "$one" ] && echo true || echo false)"
# a source that failed for many users is cut off for the window (bounded work)
t0=$(ticks)
for i in $(seq 1 30); do wrong 4 "ghost$i" >/dev/null; done
t1=$(ticks)
expect_eq "30 unknown users from one source cost at most ~8 bcrypts" true \
	"$([ $((t1 - t0)) -le $((10 * one + 4)) ] && echo true || echo "false ($((t1 - t0)))")"

# --- Ironic's lessee-admin rule ----------------------------------------
adv_rows <<'ROWS'
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"manage"}|403
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"provide"}|403
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"clean","clean_steps":[]}|403
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"inspect"}|403
bmember|PUT|/v1/nodes/nl/states/provision|{"target":"adopt"}|403
breader|PUT|/v1/nodes/nl/states/provision|{"target":"active"}|403
ROWS
expect_eq "the refused verbs changed nothing" "enroll" \
	"$(as sysadmin GET /v1/nodes/nl >/dev/null; jq -r .provision_state "$T/as.body")"
adv_rows <<'ROWS'
amember|PUT|/v1/nodes/na/states/provision|{"target":"manage"}|202
badmin|PUT|/v1/nodes/nl/states/provision|{"target":"manage"}|202
ROWS

# --- metrics: the fleet's figures are the system's ------------------------
adv_rows <<'ROWS'
aadmin|GET|/metrics||403
bmember|GET|/metrics||403
creader|GET|/metrics||403
sysreader|GET|/metrics||200
ROWS
ok "metrics need credentials" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$INGOT_URL/metrics')\" = 401 ]"

# --- existence oracles -------------------------------------------------
NB=$(node_uuid nb)
as amember GET "/v1/nodes?marker=$NB" >/dev/null; s1=$(as amember GET "/v1/nodes?marker=$NB")
b1=$(jq -r .error_message "$T/as.body" | sed "s/$NB/X/")
s2=$(as amember GET "/v1/nodes?marker=00000000-0000-0000-0000-000000000000")
b2=$(jq -r .error_message "$T/as.body" | sed "s/00000000-0000-0000-0000-000000000000/X/")
expect_eq "marker of another project's node: 400 like a missing one" "400 400" "$s1 $s2"
expect_eq "the same body for both" "$b2" "$b1"
as sysadmin GET /v1/networks/tb >/dev/null; TB=$(jq -r .uuid "$T/as.body")
s1=$(as amember GET "/v1/networks?marker=$TB")
b1=$(jq -r .error_message "$T/as.body" | sed "s/$TB/X/")
s2=$(as amember GET "/v1/networks?marker=00000000-0000-0000-0000-000000000000")
b2=$(jq -r .error_message "$T/as.body" | sed "s/00000000-0000-0000-0000-000000000000/X/")
expect_eq "marker of another project's network: 400 like a missing one" "400 400" "$s1 $s2"
expect_eq "the same body for both (networks)" "$b2" "$b1"

# --- files: the database (agent tokens) and the log are private --------
for f in ingot.db ingot.db-wal ingotd.log; do
	[ -e "$T/$f" ] && expect_eq "$f is mode 600" 600 "$(stat -c %a "$T/$f")"
done
# ... but a device given as the log (e.g. /dev/null) keeps its mode: a
# private copy of /dev/null stands in for it.
mknod -m 666 "$T/null" c 1 3
timeout 5 "$INGOT_BUILD/src/daemon/ingotd" --listen "127.0.0.1:$(free_port)" --db "$T/null.db" \
	--log-file "$T/null" >/dev/null 2>&1
expect_eq "a device as --log-file keeps its mode (666)" 666 "$(stat -c %a "$T/null")"

# --- errors tenants read do not say where the BMC is --------------------
body='{"name":"ni","driver":"ipmi","owner":"a","boot_interface":"fake","deploy_interface":"fake",
 "driver_info":{"ipmi_address":"127.0.0.77","ipmi_port":1,"ipmi_username":"bmcadmin","ipmi_password":"sekrit-ni"}}'
expect_eq "ipmi node for a" 201 "$(as sysadmin POST /v1/nodes "$body")"
expect_eq "owner powers it on" 202 "$(as amember PUT /v1/nodes/ni/states/power '{"target":"power on"}')"
wait_until 30 "as sysadmin GET /v1/nodes/ni >/dev/null; jq -e '.last_error != null and .target_power_state == null' \"\$T/as.body\""
as amember GET /v1/nodes/ni >/dev/null
expect_eq "the tenant sees that it failed" true "$(jq -r '.last_error | test("answer|BMC")' "$T/as.body")"
expect_eq "... but not the BMC's address or user" false \
	"$(grep -qE '127\.0\.0\.77|bmcadmin' "$T/as.body" && echo true || echo false)"
as amember GET /v1/nodes/ni/history >/dev/null
expect_eq "history has the event" true "$(jq -r '.history | length > 0' "$T/as.body")"
expect_eq "history does not say where the BMC is" false \
	"$(grep -qE '127\.0\.0\.77|bmcadmin' "$T/as.body" && echo true || echo false)"
finish
