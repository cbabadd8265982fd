#!/usr/bin/env bash
# [auth] strategy = keystone against a real Keystone (Debian's python3-keystone,
# served by wsgiref on loopback from a scratch directory: its own config,
# SQLite database and fernet keys; nothing under /etc is read or written).
# Projects a and b, users: admin (system admin, from bootstrap), amember,
# areader (project a), bmember (project b), ingot (ingotd's service user).
# A compact RBAC table, revocation, then the cache: Keystone is stopped, a
# token validated moments ago still works, a new one gets 503.
source "$(dirname "$0")/../lib/lib.sh"

PY=/usr/bin/python3		# Debian's python, where python3-keystone lives
if ! $PY -c 'import keystone.server.wsgi' 2>/dev/null; then
	echo "1..0 # SKIP python3-keystone is not installed (deps/keystone.txt)"
	exit 77
fi
KS=$T/keystone
KS_PORT=$(free_port)
K=http://127.0.0.1:$KS_PORT/v3
KS_PID=
ks_stop() { [ -n "$KS_PID" ] && kill "$KS_PID" 2>/dev/null && wait "$KS_PID" 2>/dev/null; KS_PID=; }
trap 'ks_stop; _cleanup' EXIT

t0=$(date +%s%N)
mkdir -p "$KS"
cat >"$KS/keystone.conf" <<CONF
[DEFAULT]
log_file = $KS/keystone.log
[database]
connection = sqlite:///$KS/keystone.db
[identity]
# a throwaway Keystone: cheap bcrypt (default 12 rounds, ~0.25 s a login)
password_hash_rounds = 4
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $KS/fernet-keys
[fernet_receipts]
key_repository = $KS/fernet-receipts
[credential]
key_repository = $KS/credential-keys
CONF
# keystone-manage without the keystone package (whose postinst sets up a
# system service): the same entry point, from the library.
kmanage() {
	$PY -c 'import sys; from keystone.cmd.manage import main; sys.argv[0] = "keystone-manage"; sys.exit(main())' \
		--config-file "$KS/keystone.conf" "$@" >>"$KS/manage.log" 2>&1
}
# The key repositories do not need the database: set them up alongside.
kmanage fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" & p1=$!
kmanage credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" & p2=$!
kmanage db_sync
wait $p1 $p2
kmanage bootstrap --bootstrap-password adminpw --bootstrap-public-url "$K/"
ok "keystone bootstrapped" test "$(sqlite3 "$KS/keystone.db" "select count(*) from local_user where name = 'admin'")" = 1
cat >"$KS/serve.py" <<'PY'
import os, sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import make_server, WSGIServer, WSGIRequestHandler
class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass
conf, port = sys.argv[1], int(sys.argv[2])
sys.argv = sys.argv[:1]		# oslo.config parses the command line
os.environ['OS_KEYSTONE_CONFIG_FILES'] = conf
from keystone.server.wsgi import initialize_public_application
app = initialize_public_application()
make_server('127.0.0.1', port, app, server_class=Server, handler_class=Quiet).serve_forever()
PY
t1=$(date +%s%N)
$PY "$KS/serve.py" "$KS/keystone.conf" "$KS_PORT" >>"$KS/serve.log" 2>&1 &
KS_PID=$!
wait_until 60 curl -fsS "$K" || { echo "keystone did not answer"; tail -20 "$KS/serve.log"; exit 1; }
t2=$(date +%s%N)
echo "# keystone: setup $(( (t1 - t0) / 1000000 )) ms, serving after $(( (t2 - t1) / 1000000 )) ms"

# ks METHOD PATH [BODY]: Keystone's REST API as the system admin
ks() {
	curl -fsS -X "$1" -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$K$2"
}
# token USER PASSWORD SCOPE-JSON: a new token
token() {
	curl -fsS -o /dev/null -D - -H 'Content-Type: application/json' --data-binary \
		"{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":$3}}" \
		"$K/auth/tokens" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}
pscope() { echo "{\"project\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"}}}"; }
ADMIN=$(token admin adminpw '{"system":{"all":true}}')
ok "system admin token" test -n "$ADMIN"
role_id() { ks GET "/roles?name=$1" | jq -r '.roles[0].id'; }
ks POST /roles '{"role":{"name":"service"}}' >/dev/null
for p in a b service; do
	ks POST /projects "{\"project\":{\"name\":\"$p\",\"domain_id\":\"default\"}}" >/dev/null
done
pid() { ks GET "/projects?name=$1" | jq -r '.projects[0].id'; }
A=$(pid a); B=$(pid b); SVC=$(pid service)
for urp in amember:a:member areader:a:reader bmember:b:member ingot:service:service; do
	IFS=: read -r u p r <<<"$urp"
	pw=pw-$u; [ "$u" = ingot ] && pw=svc-secret-pw
	uid=$(ks POST /users "{\"user\":{\"name\":\"$u\",\"domain_id\":\"default\",\"password\":\"$pw\"}}" | jq -r .user.id)
	ks PUT "/projects/$(pid "$p")/users/$uid/roles/$(role_id "$r")" >/dev/null
done
AM=$(token amember pw-amember "$(pscope a)")
AR=$(token areader pw-areader "$(pscope a)")
BM=$(token bmember pw-bmember "$(pscope b)")
AM2=$(token amember pw-amember "$(pscope a)")	# used only once Keystone is gone
REV=$(token bmember pw-bmember "$(pscope b)")	# revoked before use
ok "project tokens" test -n "$AM" -a -n "$AR" -a -n "$BM" -a -n "$AM2" -a -n "$REV"
t3=$(date +%s%N)
echo "# keystone: users and tokens $(( (t3 - t2) / 1000000 )) ms"

cat >"$T/ingotd.conf" <<CONF
[api]
web_root = $INGOT_SRC/web
[auth]
strategy = keystone
keystone_url = $K
keystone_username = ingot
keystone_password = svc-secret-pw
keystone_project = service
keystone_cache_seconds = 5
CONF
ingot_start --config "$T/ingotd.conf" || exit 1

# as TOKEN METHOD PATH [BODY]: body to $T/as.body, status printed
as() {
	local t=$1 m=$2 p=$3 b=${4:-}
	local args=(-s -o "$T/as.body" -w '%{http_code}' -X "$m" -H 'X-OpenStack-Ironic-API-Version: latest')
	[ "$t" != - ] && args+=(-H "X-Auth-Token: $t")
	[ -n "$b" ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	curl "${args[@]}" "$INGOT_URL$p"
}
# The web console: its login form learns the strategy and Keystone's URL,
# its pages may reach Keystone's origin (to get a token), and whoami tells
# a token's user its project (ID and name) and role.
expect_eq "console config.json: keystone and its URL" "keystone $K" \
	"$(curl -s "$INGOT_URL/console/config.json" | jq -r '"\(.auth) \(.keystone_url)"')"
ok "console CSP: connect-src 'self' and Keystone's origin" bash -c "curl -s -D - -o /dev/null \
	'$INGOT_URL/console/' | grep -i '^content-security-policy:' | grep -qF \"connect-src 'self' ${K%/v3*};\""
expect_eq "whoami with a project token" 200 "$(as "$AM" GET /v1/whoami)"
expect_eq "... its user, project ID and name, role" "amember false $A a member" \
	"$(jq -r '"\(.user) \(.system) \(.project) \(.project_name) \(.role)"' "$T/as.body")"
# Owners and lessees by project ID (as Ironic) or by name: both match.
for n in "na:$A:" "nb:b:" "nl:$B:a" nx::; do
	IFS=: read -r name owner lessee <<<"$n"
	body="{\"name\":\"$name\",\"driver\":\"fake-hardware\""
	[ -n "$owner" ] && body+=",\"owner\":\"$owner\""
	[ -n "$lessee" ] && body+=",\"lessee\":\"$lessee\""
	expect_eq "fixture node $name" 201 "$(as "$ADMIN" POST /v1/nodes "$body}")"
done

rows() { cat <<'ROWS'
-|GET|/v1||200
-|GET|/v1/nodes||401
bogus|GET|/v1/nodes||401
ADMIN|GET|/v1/nodes/nb||200
ADMIN|GET|/v1/switches||200
ADMIN|PUT|/v1/nodes/nx/states/power|{"target":"power on"}|202
AM|GET|/v1/nodes/na||200
AM|GET|/v1/nodes/nl||200
AM|GET|/v1/nodes/nb||404
AM|GET|/v1/nodes/nx||404
AM|POST|/v1/nodes|{"driver":"fake-hardware"}|403
AM|GET|/v1/switches||403
AM|PUT|/v1/nodes/na/states/power|{"target":"power on"}|202
AM|PATCH|/v1/nodes/na|[{"op":"add","path":"/extra/k","value":1}]|200
AR|GET|/v1/nodes/na||200
AR|PUT|/v1/nodes/na/states/power|{"target":"power off"}|403
AR|PATCH|/v1/nodes/na|[{"op":"add","path":"/extra/k","value":2}]|403
BM|GET|/v1/nodes/nb||200
BM|GET|/v1/nodes/nl||200
BM|GET|/v1/nodes/na||404
BM|PUT|/v1/nodes/nl/states/power|{"target":"power on"}|202
REV|GET|/v1/nodes/nb||401
ROWS
}
curl -fsS -X DELETE -H "X-Auth-Token: $ADMIN" -H "X-Subject-Token: $REV" "$K/auth/tokens"
ok "token revoked in keystone" test $? = 0
while IFS='|' read -r who m p b want; do
	case $who in -) tok=- ;; bogus) tok=gAAAAAnot-a-token ;; *) tok=${!who} ;; esac
	expect_eq "$who $m $p" "$want" "$(as "$tok" "$m" "$p" "$b")"
done < <(rows)

names() { as "$1" GET /v1/nodes >/dev/null; jq -r '[.nodes[].name] | sort | join(",")' "$T/as.body"; }
expect_eq "system admin sees every node" "na,nb,nl,nx" "$(names "$ADMIN")"
expect_eq "a sees what it owns (by ID) or leases (by name)" "na,nl" "$(names "$AM")"
expect_eq "b sees what it owns (by name and by ID)" "nb,nl" "$(names "$BM")"
as - GET /v1/nodes >/dev/null
ok "401 names Keystone" grep -qi "^www-authenticate: Keystone uri=\"$K\"" \
	<(curl -sS -D - -o /dev/null "$INGOT_URL/v1/nodes" | tr -d '\r')

# keystone_service_token_file instead of the service credentials.
SVC_TOKEN=$(token ingot svc-secret-pw "$(pscope service)")
echo "$SVC_TOKEN" >"$T/service-token"
cat >"$T/ingotd2.conf" <<CONF
[auth]
strategy = keystone
keystone_url = $K/
keystone_service_token_file = $T/service-token
keystone_cache_seconds = 5
CONF
ingot_stop
ingot_start --config "$T/ingotd2.conf" || exit 1
expect_eq "service token file: a member" 200 "$(as "$AM" GET /v1/nodes/na)"
expect_eq "service token file: bogus token" 401 "$(as bogus-token GET /v1/nodes/na)"

# The cache: validate AM now, stop Keystone, AM still works, AM2 (never seen) 503.
expect_eq "a member, just validated" 200 "$(as "$AM" GET /v1/nodes/na)"
ks_stop
expect_eq "cached token works with Keystone down" 200 "$(as "$AM" GET /v1/nodes/na)"
expect_eq "new token with Keystone down: 503" 503 "$(as "$AM2" GET /v1/nodes/na)"
ok "503 says Keystone is unreachable" grep -q "unreachable" "$T/as.body"
sleep 5
expect_eq "cache bounded (keystone_cache_seconds = 5): 503" 503 "$(as "$AM" GET /v1/nodes/na)"

# No secret reaches the log.
for s in svc-secret-pw "$SVC_TOKEN" "$AM" "$AM2" "$ADMIN" "$REV"; do
	ok "secret not logged (${s:0:8}...)" bash -c "! grep -qF -- '$s' '$T/ingotd.log' '$T/ingotd.stderr'"
done
echo "# keystone test total $(( ($(date +%s%N) - t0) / 1000000 )) ms"
finish
