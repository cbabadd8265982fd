#!/usr/bin/env bash
# gophercloud (Debian's golang-github-gophercloud-gophercloud-dev, built
# offline from /usr/share/gocode, unmodified) against a real ingotd: the
# client workflow of tests/integration/gophercloud/main.go, whose checks are
# this test's; the database is checked after it for locks and leftovers.
. "$(dirname "$0")/../lib/lib.sh"
src=/usr/share/gocode/src/github.com/gophercloud/gophercloud
if ! command -v go >/dev/null || [ ! -d "$src" ]; then
	echo "not ok - go or gophercloud is missing (scripts/install-deps)"; exit 1
fi
mkdir -p "$INGOT_BUILD/go-cache"
if ! (cd "$INGOT_SRC/tests/integration/gophercloud" && GOPATH=/usr/share/gocode \
    GO111MODULE=off GOFLAGS= GOCACHE="$INGOT_BUILD/go-cache" go build -o "$T/gc" .) \
    >"$T/build.out" 2>&1; then
	cat "$T/build.out"; echo "not ok - the gophercloud workflow builds"; exit 1
fi
ingot_start --workers 8 || exit 1
"$T/gc" "$INGOT_URL" | tee "$T/gc.out"
PASS=$((PASS + $(grep -c '^ok - ' "$T/gc.out")))
FAIL=$((FAIL + $(grep -c '^not ok - ' "$T/gc.out")))
ok "the workflow ran to its end" grep -q 'every node deleted' "$T/gc.out"
expect_eq "no lock left" 0 "$(db 'select count(*) from nodes where reservation is not null')"
expect_eq "no node left" 0 "$(db 'select count(*) from nodes')"
ingot_stop
finish
