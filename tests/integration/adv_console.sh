#!/usr/bin/env bash
# Adversarial: the web console's routes (/console/, GET /v1/whoami).  Only
# the files listed at start are served, by name (no path leads anywhere
# else); pages carry a strict Content-Security-Policy and cannot be framed;
# the console needs no credentials but gives nothing away; whoami tells a
# caller only about itself.  The provisioning listener's refusal of
# /console/ is checked in network_dhcp.sh (it needs the namespace).
source "$(dirname "$0")/../lib/lib.sh"
source "$(dirname "$0")/../lib/adv.sh"

WEB=$T/web
mkdir -p "$WEB/sub"
cp "$INGOT_SRC"/web/* "$WEB"/
echo 'inner' >"$WEB/sub/inner.js"
ln -s /etc/hostname "$WEB/leak.txt"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' a >"$WEB/big.js"
echo 'x' >"$WEB/.hidden.js"
echo 'x' >"$WEB/notes.md"
echo 'not the generated one' >"$WEB/config.json"
adv_start <<CONF || { finish; exit 1; }
[api]
web_root = $WEB
CONF
echo 'late' >"$WEB/late.js"

get() {	# get PATH [curl args]: status of an anonymous GET (path sent as is)
	local p=$1; shift
	curl -s --path-as-is -o "$T/get.body" -D "$T/get.hdr" -w '%{http_code}' "$@" "$INGOT_URL$p"
}
hdr() { grep -i "^$1:" "$T/get.hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# --- only the listed files, by name ----------------------------------------
expect_eq "/console redirects to /console/" "301 /console/" "$(get /console) $(hdr Location)"
expect_eq "/console/ is the index, without credentials" 200 "$(get /console/)"
ok "... the index page" grep -q '<title>Ingot console</title>' "$T/get.body"
expect_eq "console.js" 200 "$(get /console/console.js)"
expect_eq "... as JavaScript" "text/javascript; charset=utf-8" "$(hdr Content-Type)"
for p in /console/../v1/nodes /console/../../etc/passwd /console/%2e%2e/%2e%2e/etc/passwd \
    /console/..%2f..%2fetc%2fpasswd /console/%2e%2e%2fv1%2fnodes /console/.. /console/. \
    /console/sub/inner.js /console/sub /console/leak.txt /console/big.js /console/.hidden.js \
    /console/notes.md /console/late.js \
    /console/index.html/x '/console/index.html;.js' /console/INDEX.HTML \
    "/console/$(printf 'a%.0s' $(seq 300)).js" /console//etc/passwd; do
	code=$(get "$p")
	expect_eq "GET $p: 404" 404 "$code"
	ok "... nothing of the file system in it" bash -c "! grep -qE 'root:|inner|late|$(hostname)' '$T/get.body'"
done
# The name ends at a NUL (libmicrohttpd decodes the path) or a trailing
# slash: at most a listed file, the same bytes.
for p in /console/index.html%00.js /console/index.html/; do
	code=$(get "$p")
	ok "GET $p: the index or 404 ($code)" bash -c "[ $code = 404 ] || cmp -s '$T/get.body' '$INGOT_SRC/web/index.html'"
done
expect_eq "config.json is the generated one" http_basic "$(get /console/config.json >/dev/null; jq -r .auth "$T/get.body")"
ok "... with nothing secret" bash -c "! grep -qiE 'htpasswd|roles|password|$T' '$T/get.body'"
expect_eq "POST /console/: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$INGOT_URL/console/")"
expect_eq "PUT /console/index.html: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data x "$INGOT_URL/console/index.html")"
ok "the index is the same after the PUT" cmp -s <(get /console/index.html >/dev/null; cat "$T/get.body") "$INGOT_SRC/web/index.html"

# --- headers -----------------------------------------------------------------
get /console/ >/dev/null
CSP=$(hdr Content-Security-Policy)
ok "page CSP: scripts from self only" bash -c "[[ \"$CSP\" == *\"script-src 'self'\"* ]]"
ok "page CSP: no unsafe-inline or unsafe-eval" bash -c "[[ \"$CSP\" != *unsafe* ]]"
ok "page CSP: default-src 'none', frame-ancestors 'none'" \
	bash -c "[[ \"$CSP\" == *\"default-src 'none'\"* && \"$CSP\" == *\"frame-ancestors 'none'\"* ]]"
expect_eq "page: X-Frame-Options" DENY "$(hdr X-Frame-Options)"
expect_eq "page: nosniff" nosniff "$(hdr X-Content-Type-Options)"
expect_eq "page: no-referrer" no-referrer "$(hdr Referrer-Policy)"
get /v1/nodes -u sysreader:pw-sysreader >/dev/null
expect_eq "API answers: CSP none" "default-src 'none'; frame-ancestors 'none'" "$(hdr Content-Security-Policy)"
expect_eq "API answers: X-Frame-Options" DENY "$(hdr X-Frame-Options)"
ok "no inline script or event handler in the pages" bash -c \
	"! grep -nE '<script>|<script [^>]*>[^<]|[[:space:]]on[a-z]+=|javascript:' '$INGOT_SRC'/web/*.html"
ok "the scripts never write API data as markup" bash -c \
	"! grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(' '$INGOT_SRC'/web/*.js"

# --- credentials -------------------------------------------------------------
get /v1/nodes >/dev/null
expect_eq "401 to a plain client: WWW-Authenticate" 'Basic realm="ingot"' "$(hdr WWW-Authenticate)"
get /v1/nodes -H 'X-Requested-With: XMLHttpRequest' >/dev/null
expect_eq "401 to a script: no WWW-Authenticate (no browser dialog)" "" "$(hdr WWW-Authenticate)"
expect_eq "... still 401" 401 "$(get /v1/nodes -H 'X-Requested-With: XMLHttpRequest')"
adv_rows <<'ROWS'
-|GET|/v1/whoami||401
sysreader|GET|/v1/whoami||200
amember|GET|/v1/whoami||200
creader|GET|/v1/whoami||200
-|GET|/console/index.html||200
ROWS
as amember GET /v1/whoami >/dev/null
expect_eq "whoami: a project member is told its project and role" '{"user":"amember","system":false,"project":"a","role":"member"}' \
	"$(jq -c '{user, system, project, role}' "$T/as.body")"
as sysadmin GET /v1/whoami >/dev/null
expect_eq "whoami: the system admin" "true admin" "$(jq -r '"\(.system) \(.role)"' "$T/as.body")"
ok "whoami: nothing but the caller" jq -e 'keys == ["project","project_name","role","system","user"]' "$T/as.body"

# --- off, and a broken web_root ---------------------------------------------
P2=$(free_port)
printf '[api]\nweb_console = false\nweb_root = %s\n' "$WEB" >"$T/off.conf"
"$INGOTD" --config "$T/off.conf" --listen "127.0.0.1:$P2" --db "$T/off.db" \
    --log-file "$T/off.log" 2>>"$T/off.stderr" &
OFF_PID=$!
wait_until 30 "curl -fsS http://127.0.0.1:$P2/ >/dev/null"
expect_eq "web_console = false: /console/ 404" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/console/")"
kill "$OFF_PID"; wait "$OFF_PID"
printf '[api]\nweb_root = %s/nowhere\n' "$T" >"$T/bad.conf"
"$INGOTD" --config "$T/bad.conf" --listen "127.0.0.1:$P2" --db "$T/bad.db" \
    --log-file "$T/bad.log" >"$T/bad.out" 2>"$T/bad.stderr"
rc=$?
ok "a web_root that cannot be read stops the start (exit $rc)" test "$rc" -ne 0
ok "... saying why" grep -q "web_root $T/nowhere cannot be read" "$T/bad.stderr" "$T/bad.log"
finish
