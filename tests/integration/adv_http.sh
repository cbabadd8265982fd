#!/usr/bin/env bash
# Adversarial: the listeners (issue #11, item 9 and "Low").  One client
# holding many idle or half-sent connections does not lock others out
# (per-address and total limits, idle timeout, on by default); a request
# whose body length can be read two ways is refused and its connection
# closed; HTTPS speaks TLS 1.2+ with forward-secret suites only.
# 127.0.0.1 and 127.0.0.2 are two source addresses on loopback.
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"
HOLD_PID=
trap '[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null; _cleanup' EXIT

adv_start || { finish; exit 1; }
PORT=${INGOT_URL##*:}

# --- slowloris --------------------------------------------------------------
# The holder opens N connections from 127.0.0.1 (every other one sends half
# a request line and stops) and writes how many the server keeps open.
N=1100
cat >"$T/hold.py" <<'PY'
import os, resource, socket, sys, time
port, n, out, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.bind(("127.0.0.1", 0))
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(s)
time.sleep(0.2)
for i, s in enumerate(socks):
    if i % 2:
        try:
            s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
t0 = time.time()
while not os.path.exists(stop):
    still = 0
    for s in socks:
        if s.fileno() < 0:
            continue
        try:
            if s.recv(4096, socket.MSG_PEEK) == b"":
                s.close()
            else:
                still += 1
        except BlockingIOError:
            still += 1
        except OSError:
            s.close()
    with open(out + ".tmp", "w") as f:
        f.write("%d %.1f\n" % (still, time.time() - t0))
    os.rename(out + ".tmp", out)
    if still == 0:
        break
    time.sleep(0.2)
PY
python3 "$T/hold.py" "$PORT" "$N" "$T/open" "$T/stop" &
HOLD_PID=$!
open_count() { [ -s "$T/open" ] && cut -d' ' -f1 "$T/open"; }
ok "the holder's $N connections are counted" wait_until 120 '[ -s "$T/open" ]'
ok "at most 32 of them stay open (per-address limit; $(open_count) open)" \
	wait_until 60 '[ "$(open_count)" -le 32 ]'
expect_eq "another address (127.0.0.2) is served meanwhile" 200 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$INGOT_URL/")"
expect_eq "... with credentials too" 200 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -u sysreader:pw-sysreader "$INGOT_URL/v1/nodes")"
expect_eq "the holder's address gets no 33rd connection" 000 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 127.0.0.1 "$INGOT_URL/")"
# Idle and half-sent connections are closed after connection_timeout (30 s):
# all of them, and none long after (60 s leaves a loaded machine its time).
ok "the held connections are closed by the idle timeout (within 60 s)" \
	wait_until 90 '[ "$(open_count)" = 0 ] && [ "$(cut -d" " -f2 "$T/open" | cut -d. -f1)" -le 60 ]'
echo "# open/seconds at the end: $(cat "$T/open")"
touch "$T/stop"; wait "$HOLD_PID"; HOLD_PID=
expect_eq "the holder's address is served again" 200 \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' --interface 127.0.0.1 "$INGOT_URL/")"

# --- request framing ----------------------------------------------------------
# raw REQUEST-TEXT: sends it (\n -> CRLF) on one connection, prints every
# status line the server answered, until it closes (or 5 s pass).
cat >"$T/raw.py" <<'PY'
import re, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.stdin.buffer.read().replace(b"\n", b"\r\n"))
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except socket.timeout:
    out += b"\nTIMEOUT"
print(" ".join(re.findall(r"HTTP/1\.1 (\d{3}) ", out.decode(errors="replace"))) +
      (" open" if out.endswith(b"TIMEOUT") else ""))
PY
AUTH="Authorization: Basic $(printf sysadmin:pw-sysadmin | base64)"
HDRS='Content-Type: application/json
X-OpenStack-Ironic-API-Version: latest'
raw() { python3 "$T/raw.py" "$PORT"; }
body='{"name":"smuggled","driver":"fake-hardware"}'
len=${#body}
framing() {	# framing WHAT HEADERS: one 400, the connection closed, no node
	local what=$1 hdrs=$2 got
	as sysadmin DELETE /v1/nodes/smuggled >/dev/null
	got=$(printf 'POST /v1/nodes HTTP/1.1\nHost: x\n%s\n%s\n%s\n\n%s\nGET /v1 HTTP/1.1\nHost: x\n\n' \
		"$AUTH" "$HDRS" "$hdrs" "$body" | raw)
	# (libmicrohttpd itself refuses some, with its own 400s)
	ok "$what: 400, then closed (a pipelined GET is not answered: $got)" \
		grep -Eqx '400( 400)*' <<<"$got"
	expect_eq "$what: no node created" 404 "$(as sysadmin GET /v1/nodes/smuggled)"
}
framing "two different Content-Lengths" "Content-Length: $len
Content-Length: 2"
framing "two equal Content-Lengths" "Content-Length: $len
Content-Length: $len"
framing "Transfer-Encoding with Content-Length" "Transfer-Encoding: chunked
Content-Length: $len"
framing "Content-Length with a sign" "Content-Length: +$len"
framing "Transfer-Encoding other than chunked" "Transfer-Encoding: gzip, chunked"
# The same request, framed once, is taken (and keeps the connection).
expect_eq "one Content-Length: 201, then the pipelined GET: 200" "201 200" \
	"$(printf 'POST /v1/nodes HTTP/1.1\nHost: x\n%s\n%s\nContent-Length: %d\n\n%sGET /v1 HTTP/1.1\nHost: x\nConnection: close\n\n' \
		"$AUTH" "$HDRS" "$len" "$body" | raw)"
expect_eq "... the node exists" 200 "$(as sysadmin GET /v1/nodes/smuggled)"
ingot_stop

# --- TLS ----------------------------------------------------------------------
( cd "$T" &&
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	-subj /CN=adv-ca && openssl req -newkey rsa:2048 -nodes -keyout server.key \
	-out server.csr -subj /CN=127.0.0.1 &&
  printf 'subjectAltName=IP:127.0.0.1\n' >server.ext &&
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out server.pem -days 2 -extfile server.ext ) >"$T/pki.log" 2>&1
TPORT=$(free_port)
printf '[api]\ntls_cert_file = %s\ntls_key_file = %s\n' "$T/server.pem" "$T/server.key" >"$T/tls.conf"
"$INGOTD" --config "$T/tls.conf" --listen "127.0.0.1:$TPORT" --db "$T/tls.db" \
	--log-file "$T/tls.log" 2>>"$T/ingotd.stderr" &
INGOTD_PID=$!
ok "ingotd serves https" wait_until 60 curl -fsS --cacert "$T/ca.pem" "https://127.0.0.1:$TPORT/"
# hs ARGS...: the protocol and cipher a handshake agreed on, or "refused"
hs() {
	local out
	out=$(timeout 10 openssl s_client -brief -connect "127.0.0.1:$TPORT" -CAfile "$T/ca.pem" \
		"$@" </dev/null 2>&1) || { echo refused; return; }
	echo "$(sed -n 's/^Protocol version: *//p' <<<"$out" | head -1) $(sed -n 's/^Ciphersuite: *//p' <<<"$out" | head -1)"
}
LOW='DEFAULT:@SECLEVEL=0'	# lets the client offer what OpenSSL would refuse
while IFS='|' read -r what args want; do
	[ -z "$what" ] && continue
	# shellcheck disable=SC2086
	got=$(hs $args)
	if [ "$want" = refused ]; then
		expect_eq "TLS: $what refused" refused "$got"
	else
		ok "TLS: $what accepted ($got)" grep -Eq "^$want" <<<"$got"
	fi
done <<ROWS
TLS 1.0|-tls1 -cipher $LOW|refused
TLS 1.1|-tls1_1 -cipher $LOW|refused
TLS 1.2 without forward secrecy (AES128-SHA)|-tls1_2 -cipher AES128-SHA:@SECLEVEL=0|refused
TLS 1.2 without forward secrecy (AES256-GCM-SHA384)|-tls1_2 -cipher AES256-GCM-SHA384|refused
TLS 1.2 with 3DES|-tls1_2 -cipher DES-CBC3-SHA:@SECLEVEL=0|refused
TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256|-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256|TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256
TLS 1.2, the client's defaults|-tls1_2|TLSv1.2 ECDHE
TLS 1.3|-tls1_3|TLSv1.3 TLS_
ROWS
ingot_stop

# A priority string GnuTLS does not know stops ingotd at start.
printf '[api]\ntls_cert_file = %s\ntls_key_file = %s\ntls_priorities = NOT-A-PRIORITY\n' \
	"$T/server.pem" "$T/server.key" >"$T/bad.conf"
timeout 10 "$INGOTD" --config "$T/bad.conf" --listen "127.0.0.1:$(free_port)" --db "$T/bad.db" \
	--log-file "$T/bad.log" 2>"$T/bad.err"
expect_eq "a bad tls_priorities: ingotd exits 1" 1 "$?"
ok "... saying so ($(head -1 "$T/bad.err"))" grep -q tls_priorities "$T/bad.err"
finish
