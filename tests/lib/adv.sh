# The adversarial suites' world (source after lib.sh): a real ingotd with
# http_basic auth, a system admin / member / reader, projects a, b and c
# with an admin, member and reader each, and fixtures:
#   node na  owned by a                          (deploy_interface direct)
#   node nl  owned by a, leased to b             (direct)
#   node nb  owned by b                          (direct)
#   node nu  owned by nobody                     (direct)
#   every node: driver_info ipmi_address 192.0.2.9, ipmi_password sekrit-NAME
#   network prov (provisioning, VLAN 100), ta (a, 200), tb (b, 300),
#   sh (b, shared, 400)
#
#   adv_start [ingotd flags...]   extra config lines on stdin (appended after
#                                 [auth]; start them with a [section] line);
#                                 $ADV_HTPASSWD_EXTRA / $ADV_ROLES_EXTRA: more
#                                 htpasswd and roles lines
#   as USER METHOD PATH [BODY] [curl args...]
#                                 prints the status; the body is in $T/as.body;
#                                 USER - sends no credentials
#   adv_rows                      rows on stdin: user|method|path|body|status
#                                 (a status may be a|b for either); # comments
#   adv_fixtures                  creates the fixtures above (adv_start does)
#   node_uuid NAME                the fixture node's UUID
ADV_USERS="sysadmin sysmember sysreader aadmin amember areader badmin bmember breader cadmin cmember creader"

_adv_hash() {
	python3 -W ignore -c 'import crypt, sys
for u in sys.argv[1:]:
    print(u + ":" + crypt.crypt("pw-" + u, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))' "$@"
}

adv_start() {
	_adv_hash $ADV_USERS >"$T/htpasswd"
	cat >"$T/roles" <<-ROLES
	sysadmin  system admin
	sysmember system member
	sysreader system reader
	aadmin    a admin
	amember   a member
	areader   a reader
	badmin    b admin
	bmember   b member
	breader   b reader
	cadmin    c admin
	cmember   c member
	creader   c reader
	ROLES
	[ -z "${ADV_HTPASSWD_EXTRA:-}" ] || printf '%s\n' "$ADV_HTPASSWD_EXTRA" >>"$T/htpasswd"
	[ -z "${ADV_ROLES_EXTRA:-}" ] || printf '%s\n' "$ADV_ROLES_EXTRA" >>"$T/roles"
	{
		printf '[auth]\nstrategy = http_basic\nhtpasswd_file = %s\nroles_file = %s\n' \
		    "$T/htpasswd" "$T/roles"
		[ -t 0 ] || cat
	} >"$T/ingotd.conf"
	ingot_start --config "$T/ingotd.conf" "$@" || return 1
	adv_fixtures
}

as() {
	local u=$1 m=$2 p=$3 b=${4:-}
	shift 3; [ $# -gt 0 ] && shift
	local args=(-s -o "$T/as.body" -w '%{http_code}' -X "$m"
		-H 'X-OpenStack-Ironic-API-Version: latest')
	[ "$u" != - ] && args+=(-u "$u:pw-$u")
	[ -n "$b" ] && args+=(-H 'Content-Type: application/json' --data-binary "$b")
	curl "${args[@]}" "$@" "$INGOT_URL$p"
}

adv_fixtures() {
	local n name owner lessee body
	for n in na:a: nl:a:b nb:b: nu::; do
		IFS=: read -r name owner lessee <<<"$n"
		body="{\"name\":\"$name\",\"driver\":\"fake-hardware\",\"deploy_interface\":\"direct\""
		body+=",\"driver_info\":{\"ipmi_address\":\"192.0.2.9\",\"ipmi_password\":\"sekrit-$name\"}"
		[ -n "$owner" ] && body+=",\"owner\":\"$owner\""
		[ -n "$lessee" ] && body+=",\"lessee\":\"$lessee\""
		[ "$(as sysadmin POST /v1/nodes "$body}")" = 201 ] ||
			{ echo "# fixture node $name: $(cat "$T/as.body")"; return 1; }
	done
	for n in 'prov|{"name":"prov","vlan_id":100,"cidr":"10.100.0.0/24","purpose":"provisioning"}' \
	    'ta|{"name":"ta","vlan_id":200,"cidr":"10.200.0.0/24","project":"a"}' \
	    'tb|{"name":"tb","vlan_id":300,"cidr":"10.30.0.0/24","project":"b"}' \
	    'sh|{"name":"sh","vlan_id":400,"cidr":"10.40.0.0/24","project":"b","shared":true}'; do
		[ "$(as sysadmin POST /v1/networks "${n#*|}")" = 201 ] ||
			{ echo "# fixture network ${n%%|*}: $(cat "$T/as.body")"; return 1; }
	done
}

node_uuid() {
	as sysadmin GET "/v1/nodes/$1" >/dev/null && jq -r .uuid "$T/as.body"
}

adv_rows() {
	local u m p b want got
	while IFS='|' read -r u m p b want; do
		case $u in ''|'#'*) continue ;; esac
		got=$(as "$u" "$m" "$p" "$b")
		if [[ "|$want|" == *"|$got|"* ]]; then
			expect_eq "$u $m $p${b:+ $b}" "$got" "$got"
		else
			expect_eq "$u $m $p${b:+ $b}" "$want" "$got"
			{ head -c 300 "$T/as.body"; echo; } | sed 's/^/#   /' 
		fi
	done
}
