#!/usr/bin/env bash
# The Debian package: built from the checkout (debian/rules binary, as
# `make deb`), lintian-clean, installed with dpkg on this machine, ingotd
# started from the unit's ExecStart line with the packaged default
# configuration, GET /v1 answering from the packaged database path; then
# removed and purged without leaving files behind.
. "$(dirname "$0")/../lib/lib.sh"
cd "$INGOT_SRC" || exit 1
[ "$(id -u)" = 0 ] || { echo "not ok - the package test installs with dpkg (needs root)"; exit 1; }
if dpkg-query -W -f='${Status}' ingot 2>/dev/null | grep -q "install ok installed"; then
	echo "not ok - an ingot package is installed already; not touching it"; exit 1
fi

ok "the package builds" sh -c 'dpkg-checkbuilddeps && debian/rules binary >"$0/deb.log" 2>&1 || { tail -40 "$0/deb.log"; exit 1; }' "$T"
deb=$(ls build/deb/ingot_*_amd64.deb 2>/dev/null | head -n 1)
ok "build/deb holds ingot_<version>_amd64.deb" test -f "$deb"
[ -f "$deb" ] || { finish; exit 1; }	# nothing else can be checked
ok "lintian finds no error or warning" sh -c \
	"lintian '$deb' 2>&1 | grep -v 'running with root privileges' | tee '$T/lintian.out' | grep -q '^[EW]:' && exit 1 || exit 0"
for f in ./usr/sbin/ingotd ./usr/bin/ingot ./usr/bin/ingot-agent ./usr/sbin/ingot-build-ramdisk \
    ./etc/ingot/ingotd.conf ./lib/systemd/system/ingotd.service ./etc/logrotate.d/ingot \
    ./usr/share/ingot/switches/ovs.conf ./usr/share/ingot/ramdisk/build \
    ./usr/share/ingot/web/index.html ./usr/share/bash-completion/completions/ingot; do
	ok "the package holds $f" sh -c "dpkg-deb -c '$deb' | awk '{print \$6}' | grep -qx '$f'"
done

purge() { dpkg --purge ingot >"$T/purge.log" 2>&1; }
trap 'kill "$PKG_PID" 2>/dev/null; purge; _cleanup' EXIT
# FreeIPMI is loaded with dlopen (src/hw/ipmi/ipmi_dl.c): shlibs cannot see it.
for lib in libfreeipmi17 libipmimonitoring6 libipmiconsole2; do
	ok "the package depends on $lib (dlopen'ed, not linked)" sh -c \
		"dpkg-deb -f '$deb' Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx '$lib'"
done
ok "dpkg -i installs it" sh -c "dpkg -i '$deb' >'$T/install.log' 2>&1 || { cat '$T/install.log'; exit 1; }"
ok "the ingot system user exists" getent passwd ingot
ok "the state directory is root:ingot 0750" test "$(stat -c '%U:%G %a' /var/lib/ingot)" = "root:ingot 750"
ok "the configuration is not world-readable" test "$(stat -c '%a' /etc/ingot/ingotd.conf)" = 640
ok "the unit is hardened" grep -q '^ProtectSystem=strict' /lib/systemd/system/ingotd.service
ok "the unit bounds its capabilities" grep -q '^CapabilityBoundingSet=' /lib/systemd/system/ingotd.service

# ExecStart as systemd would run it (no systemd here), on a free port.
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/ingotd.service)
ok "ExecStart runs the packaged ingotd" test "${exec_start%% *}" = /usr/sbin/ingotd
PORT=$(free_port)
$exec_start --listen "127.0.0.1:$PORT" >"$T/pkg.out" 2>&1 &
PKG_PID=$!
ok "the packaged ingotd answers GET /v1" wait_until 60 curl -fsS "http://127.0.0.1:$PORT/v1"
expect_eq "... with Ironic's version document" v1 "$(curl -fsS "http://127.0.0.1:$PORT/v1" | jq -r .id)"
ok "it keeps its database where the package says" test -s /var/lib/ingot/ingot.db
curl -fsS -X POST -H 'Content-Type: application/json' -H 'X-OpenStack-Ironic-API-Version: 1.81' -d '{"driver":"fake-hardware","name":"pkg1"}' \
	"http://127.0.0.1:$PORT/v1/nodes" >/dev/null
expect_eq "the installed CLI talks to it" pkg1 \
	"$(INGOT_URL=http://127.0.0.1:$PORT /usr/bin/ingot -f json node show pkg1 | jq -r .name)"
expect_eq "it serves the packaged web console" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/console/")"
kill -TERM "$PKG_PID"; wait "$PKG_PID"; rc=$?; PKG_PID=
expect_eq "it stops cleanly on SIGTERM" 0 "$rc"

ok "dpkg -r removes it" sh -c "dpkg -r ingot >'$T/remove.log' 2>&1"
ok "the programs are gone" sh -c "! test -e /usr/sbin/ingotd && ! test -e /usr/bin/ingot"
ok "the configuration stays until purge" test -e /etc/ingot/ingotd.conf
ok "dpkg --purge purges it" purge
ok "nothing of it is left" sh -c "! test -e /etc/ingot/ingotd.conf && ! test -e /var/lib/ingot && ! getent passwd ingot"
finish
