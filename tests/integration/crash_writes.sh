#!/usr/bin/env bash
# Crash safety of acknowledged writes: 16 concurrent clients create nodes
# and PATCH them while ingotd is SIGKILLed mid-burst.  After a restart on
# the same database every write that got a 2xx answer is there, and no
# PATCH value appears that was never sent.
source "$(dirname "$0")/../lib/lib.sh"
ingot_start --workers 4 || exit 1

# burst.py URL OUT: runs until the server goes away (or 30 s); writes one
# line per node: name uuid-or-- last-acked-PATCH-value last-sent-value
cat >"$T/burst.py" <<'PY'
import http.client, json, sys, threading, time
host, port = sys.argv[1].split("//")[1].split(":")
port = int(port)
out = sys.argv[2]
nodes = []                      # [name, uuid, acked, sent]
lock = threading.Lock()
stop = threading.Event()
def req(conn, method, path, body, ctype="application/json"):
    conn.request(method, path, body=json.dumps(body),
                 headers={"Content-Type": ctype,
                          "X-OpenStack-Ironic-API-Version": "latest"})
    r = conn.getresponse()
    return r.status, r.read()
def client(t):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    i = 0
    try:
        while not stop.is_set():
            i += 1
            rec = ["b%d-%d" % (t, i), "-", 0, 0]
            with lock:
                nodes.append(rec)
            st, body = req(conn, "POST", "/v1/nodes", {"name": rec[0],
                           "driver": "fake-hardware", "extra": {"v": 0}})
            if st // 100 != 2:
                continue
            rec[1] = json.loads(body)["uuid"]
            for k in range(1, 4):
                rec[3] = k
                st, _ = req(conn, "PATCH", "/v1/nodes/" + rec[1],
                            [{"op": "replace", "path": "/extra/v", "value": k}],
                            "application/json-patch+json")
                if st // 100 == 2:
                    rec[2] = k
    except (OSError, http.client.HTTPException):
        stop.set()
threads = [threading.Thread(target=client, args=(t,)) for t in range(16)]
for th in threads: th.start()
deadline = time.time() + 30
for th in threads: th.join(max(0.1, deadline - time.time()))
stop.set()
with open(out, "w") as f:
    for n in nodes:
        f.write("%s %s %d %d\n" % tuple(n))
PY

python3 "$T/burst.py" "$INGOT_URL" "$T/acked" &
BURST=$!
# the kill lands mid-burst: once 60 nodes exist, however fast the machine
wait_until 30 '[ "$(db "select count(*) from nodes")" -ge 60 ]'
n0=$(db "select count(*) from nodes")
kill -KILL "$INGOTD_PID"; wait "$INGOTD_PID" 2>/dev/null; INGOTD_PID=
wait "$BURST"
expect_eq "the burst client ended cleanly" 0 $?
created=$(awk '$2 != "-"' "$T/acked" | wc -l)
patched=$(awk '$3 > 0' "$T/acked" | wc -l)
echo "# before the kill: $n0 nodes in the database; acknowledged: $created creations, $patched nodes patched"
ok "the burst was under way when ingotd was killed (>= 50 creations acked)" test "$created" -ge 50

ingot_start --workers 4 || exit 1
[ "$INGOT_DB_ENGINE" = pg ] || expect_eq "integrity_check ok" ok "$(db 'pragma integrity_check')"
# Read every node back through the API of the restarted ingotd, page by
# page (50 a page, so that paging is used on any machine; a page holds at
# most 1000 and a fast machine creates more than that).
list_all "/v1/nodes?fields=name,uuid,extra&limit=50" nodes | jq '{nodes: .}' >"$T/nodes.json"
expect_eq "every node is in the listing" "$(db "select count(*) from nodes")" \
	"$(jq '.nodes | length' "$T/nodes.json")"
missing=0 wrongv=0 checked=0 inflight=0
declare -A V U
while read -r name uuid v; do V[$name]=$v; U[$name]=$uuid; done < <(jq -r '.nodes[] | "\(.name) \(.uuid) \(.extra.v)"' "$T/nodes.json")
while read -r name uuid acked sent; do
	[ "$uuid" = - ] && continue
	checked=$((checked + 1))
	if [ "${U[$name]:-}" != "$uuid" ]; then
		missing=$((missing + 1)); echo "# acknowledged node $name $uuid is missing"; continue
	fi
	# The value is the last acknowledged one, or the one in flight at the kill.
	[ "${V[$name]}" != "$acked" ] && [ "${V[$name]}" = "$sent" ] && inflight=$((inflight + 1))
	if [ "${V[$name]}" != "$acked" ] && [ "${V[$name]}" != "$sent" ]; then
		wrongv=$((wrongv + 1)); echo "# $name: extra.v=${V[$name]}, acked $acked, last sent $sent"
	fi
done <"$T/acked"
echo "# $(jq '.nodes | length' "$T/nodes.json") nodes after the restart; $inflight unanswered PATCH(es) were committed"
expect_eq "all $checked acknowledged creations survived" 0 "$missing"
expect_eq "every acknowledged PATCH value is there" 0 "$wrongv"
expect_eq "no node appeared that no client asked for" 0 \
	"$(jq -r '.nodes[].name' "$T/nodes.json" | grep -cvf <(awk '{print "^" $1 "$"}' "$T/acked"))"
api POST /v1/nodes '{"name":"after","driver":"fake-hardware"}' >/dev/null
expect_eq "the restarted ingotd takes writes" 201 "$STATUS"
finish
