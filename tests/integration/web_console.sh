#!/usr/bin/env bash
# The web console in a real browser: headless Chromium (Debian's) driven by
# puppeteer-core (npm, installed once into /var/cache/ingot-test/npm) against
# a real ingotd with http_basic (tests/lib/adv.sh's users and nodes) and a
# real Open vSwitch: log in, see the nodes and their states, deploy node wa
# from the page and watch its state and its switch port's VLAN change live
# (checked against the OVS port's tag), tenants see only their nodes, a
# wrong password and a stopped ingotd show a message.  Screenshots go to
# build/test-artifacts/web_console/.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
source "$(dirname "$0")/../lib/ovs.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NPM_CACHE=${INGOT_NPM_CACHE:-/var/cache/ingot-test/npm}
PUPPETEER_VERSION=24
PUPPETEER_CORE=$NPM_CACHE/node_modules/puppeteer-core
ART=$INGOT_BUILD/test-artifacts/web_console
BR=iwc$$
PORT_WA=wa$$
SWID=52:54:00:ff:00:0c
BROWSER_PID=

if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null; then
	echo "# SKIP: needs chromium and node (scripts/install-deps)"
	exit 77
fi
if [ ! -d "$PUPPETEER_CORE" ]; then
	mkdir -p "$NPM_CACHE"
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$NPM_CACHE" --no-audit --no-fund \
	    --silent "puppeteer-core@$PUPPETEER_VERSION" >"$T/npm.log" 2>&1 ||
	    { echo "not ok - npm install puppeteer-core"; cat "$T/npm.log"; exit 1; }
fi
trap '[ -n "$BROWSER_PID" ] && kill "$BROWSER_PID" 2>/dev/null; _cleanup' EXIT

ovs_start "$BR" || { echo "not ok - OVS start"; exit 1; }
vsctl add-port "$BR" "$PORT_WA" -- set interface "$PORT_WA" type=internal
adv_start <<CONF || { finish; exit 1; }
[api]
web_root = $INGOT_SRC/web
web_refresh_seconds = 1
[switch:tor1]
driver = ovsdb
address = $OVSDB
switch_id = $SWID
ports = $PORT_WA
timeout_ms = 2000
CONF

# Node wa (project a, fake hardware taking 2 s per action, VLAN-managed):
# its port is cabled to tor1, it is attached to a's network, available.
as sysadmin POST /v1/nodes '{"name":"wa","driver":"fake-hardware","owner":"a",
  "network_interface":"vlan","driver_info":{"fake_delay":2}}' >/dev/null
expect_eq "node wa created" 200 "$(as sysadmin GET /v1/nodes/wa)"
expect_eq "wa's port cabled to tor1" 201 "$(as sysadmin POST /v1/ports "{\"address\":\"52:54:00:0c:00:01\",
  \"node_uuid\":\"$(node_uuid wa)\",\"local_link_connection\":{\"switch_id\":\"$SWID\",
  \"port_id\":\"$PORT_WA\",\"switch_info\":\"tor1\"}}")"
expect_eq "wa attached to ta" 204 "$(as sysadmin POST /v1/nodes/wa/vifs '{"id":"ta"}')"
wastate() { as sysadmin GET /v1/nodes/wa >/dev/null; jq -r .provision_state "$T/as.body"; }
as sysadmin PUT /v1/nodes/wa/states/provision '{"target":"manage"}' >/dev/null
wait_until 60 '[ "$(wastate)" = manageable ]'
as sysadmin PUT /v1/nodes/wa/states/provision '{"target":"provide"}' >/dev/null
wait_until 90 '[ "$(wastate)" = available ]'
expect_eq "wa available" available "$(wastate)"
expect_eq "wa's port isolated before the deploy" 4095 "$(vsctl get port "$PORT_WA" tag)"

# The browser: it writes $T/stop when it wants ingotd stopped.
mkdir -p "$T/shots"
PUPPETEER_CORE=$PUPPETEER_CORE CHROMIUM=$CHROMIUM NODE_PORT=$PORT_WA \
    node "$INGOT_SRC/tests/integration/web_console.js" "$INGOT_URL" "$T/shots" \
    "$T/stop" "$T/stopped" >"$T/browser.out" 2>"$T/browser.err" &
BROWSER_PID=$!
wait_until 150 '[ -e "$T/stop" ] || ! kill -0 $BROWSER_PID'
expect_eq "after the page's deploy: wa active" active "$(wastate)"
expect_eq "after the page's deploy: wa's port on tenant a's VLAN" 200 "$(vsctl get port "$PORT_WA" tag)"
ingot_stop
touch "$T/stopped"
wait "$BROWSER_PID"
rc=$?
BROWSER_PID=
cat "$T/browser.out"
[ -s "$T/browser.err" ] && sed 's/^/# browser: /' "$T/browser.err" | head -20
PASS=$((PASS + $(grep -c '^ok - ' "$T/browser.out")))
FAIL=$((FAIL + $(grep -c '^not ok - ' "$T/browser.out")))
expect_eq "the browser script exits 0" 0 "$rc"
expect_eq "nine screenshots" 9 "$(ls "$T/shots"/*.png 2>/dev/null | wc -l)"
rm -rf "$ART" && mkdir -p "$ART" && cp "$T/shots"/*.png "$ART"/
echo "# screenshots in $ART"
finish
