# A real Keystone (Debian's python3-keystone) for tests, as
# tests/integration/auth_keystone.sh runs it: served by wsgiref on
# loopback from $T/keystone (its own config, SQLite database and fernet
# keys; nothing under /etc is read or written).
#   ks_start          sets K (the v3 URL), KS_PID and ADMIN (a system admin token)
#   ks METHOD PATH [BODY]   Keystone's API as the system admin
#   ks_token USER PASSWORD SCOPE-JSON   a new token;  ks_pscope NAME
#   ks_pid NAME (project id), ks_role_id NAME, ks_user NAME PASSWORD PROJECT ROLE
#   ks_stop
PY=/usr/bin/python3
KS=$T/keystone
KS_PID=
ks_stop() { [ -n "$KS_PID" ] && kill "$KS_PID" 2>/dev/null && wait "$KS_PID" 2>/dev/null; KS_PID=; }

ks_start() {
	local port
	port=$(free_port)
	K=http://127.0.0.1:$port/v3
	mkdir -p "$KS"
	cat >"$KS/keystone.conf" <<CONF
[DEFAULT]
log_file = $KS/keystone.log
[database]
connection = sqlite:///$KS/keystone.db
[identity]
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
	_kmanage fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" || return 1
	_kmanage credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)" || return 1
	_kmanage db_sync || return 1
	_kmanage bootstrap --bootstrap-password adminpw --bootstrap-public-url "$K/" || return 1
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
sys.argv = sys.argv[:1]
os.environ['OS_KEYSTONE_CONFIG_FILES'] = conf
from keystone.server.wsgi import initialize_public_application
app = initialize_public_application()
make_server('127.0.0.1', port, app, server_class=Server, handler_class=Quiet).serve_forever()
PY
	$PY "$KS/serve.py" "$KS/keystone.conf" "$port" >>"$KS/serve.log" 2>&1 &
	KS_PID=$!
	wait_until 120 curl -fsS "$K" || { echo "keystone did not answer"; tail -20 "$KS/serve.log"; return 1; }
	ADMIN=$(ks_token admin adminpw '{"system":{"all":true}}')
	[ -n "$ADMIN" ]
}

_kmanage() {
	$PY -c 'import sys; from keystone.cmd.manage import main; sys.argv[0] = "keystone-manage"; sys.exit(main())' \
		--config-file "$KS/keystone.conf" "$@" >>"$KS/manage.log" 2>&1
}

ks() {
	curl -fsS -X "$1" -H "X-Auth-Token: $ADMIN" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$K$2"
}

ks_token() {
	curl -fsS -o /dev/null -D - -H 'Content-Type: application/json' --data-binary \
		"{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":$3}}" \
		"$K/auth/tokens" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p'
}
ks_pscope() { echo "{\"project\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"}}}"; }
ks_pid() { ks GET "/projects?name=$1" | jq -r '.projects[0].id'; }
ks_role_id() { ks GET "/roles?name=$1" | jq -r '.roles[0].id'; }
# ks_user NAME PASSWORD PROJECT ROLE: the user, with ROLE on PROJECT (created
# when missing); prints the user's id
ks_user() {
	local uid
	[ "$(ks_pid "$3")" != null ] ||
		ks POST /projects "{\"project\":{\"name\":\"$3\",\"domain_id\":\"default\"}}" >/dev/null
	[ "$(ks_role_id "$4")" != null ] || ks POST /roles "{\"role\":{\"name\":\"$4\"}}" >/dev/null
	uid=$(ks POST /users "{\"user\":{\"name\":\"$1\",\"domain_id\":\"default\",\"password\":\"$2\"}}" | jq -r .user.id)
	ks PUT "/projects/$(ks_pid "$3")/users/$uid/roles/$(ks_role_id "$4")" >/dev/null
	echo "$uid"
}
