#!/usr/bin/env bash
# ingot-agent's image pipeline (a ring of 4 MiB slots: the reader fills,
# a hash thread and a writer thread drain): sizes at the slot boundaries
# (0, 1, one slot - 1, one slot, one slot + 1, more slots than the ring
# holds) over file:// and over HTTP (curl's small pieces gathered into
# slots), the right bytes on disk and the right digest; a corrupted image
# (one byte changed at a slot boundary, in the middle, in the last byte; in
# a raw, gzip and zstd stream) still fails the write and wipes the disk.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
cd "$T" || exit 1
SLOT=$((4 << 20))

w() { "$AGENT" write-image "$@" >"$T/w.json" 2>"$T/w.err"; }
dirty() { head -c "$1" /dev/urandom >"$2"; }
sum() { sha256sum "$@" | cut -d' ' -f1; }

HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$T" "$HPORT" >/dev/null 2>&1 &
HTTP_PID=$!
trap 'kill "$HTTP_PID" 2>/dev/null; _cleanup' EXIT
wait_until 30 curl -sf -o /dev/null "http://127.0.0.1:$HPORT/" || { ok "http server" false; finish; exit 1; }

# One image of n bytes, through both readers.
check_size() {
	local n=$1 src
	head -c "$n" /dev/urandom >"img-$n.raw"
	for src in "file://$T" "http://127.0.0.1:$HPORT"; do
		dirty $((n + 8192)) "d-$n.disk"
		ok "$n bytes via ${src%%:*}: written" w "$src/img-$n.raw" "$T/d-$n.disk" "sha256:$(sum "img-$n.raw")"
		ok "$n bytes via ${src%%:*}: disk bytes equal the image" cmp -n "$n" "img-$n.raw" "d-$n.disk"
		expect_eq "$n bytes via ${src%%:*}: the digest reported" "\"$(sum "img-$n.raw")\"" "$(jq .hash w.json)"
		expect_eq "$n bytes via ${src%%:*}: bytes_in" "$n" "$(jq .bytes_in w.json)"
	done
}
for n in 1 4095 4096 $((SLOT - 1)) $SLOT $((SLOT + 1)) $((5 * SLOT + 3)); do
	check_size "$n"
done

# 0 bytes: refused (nothing to boot) through both readers, disk wiped
: >empty.raw
for src in "file://$T" "http://127.0.0.1:$HPORT"; do
	dirty 1M e.disk
	w "$src/empty.raw" "$T/e.disk" "sha256:$(sum empty.raw)"
	expect_eq "0 bytes via ${src%%:*}: refused" 1 $?
	ok "0 bytes via ${src%%:*}: says empty" grep -q "empty" w.err
done

# Corruption: the image's digest, one byte changed.  Disk: an MBR signature
# and random bytes, which the failure must wipe.
head -c $((6 * SLOT + 100)) /dev/urandom >good.raw
GOOD=$(sum good.raw)
flip() {	# flip OFFSET SRC DST
	cp "$2" "$3"
	printf "\\x$(printf %02x $(( ($(od -An -tu1 -j "$1" -N1 "$2") + 1) % 256 )))" |
		dd of="$3" bs=1 seek="$1" conv=notrunc status=none
}
check_corrupt() {	# check_corrupt NAME URL DIGEST
	dirty $((7 * SLOT)) c.disk
	printf '\x55\xaa' | dd of=c.disk bs=1 seek=510 conv=notrunc status=none
	w "$2" "$T/c.disk" "sha256:$3"
	expect_eq "$1: the write fails" 1 $?
	ok "$1: the error names the mismatch (or the decoder's own check)" \
		grep -Eq "checksum mismatch|corrupt" w.err
	expect_eq "$1: the first MiB is wiped (no partition table, no MBR)" \
		"$(head -c 1M /dev/zero | sum)" "$(head -c 1M c.disk | sum)"
}
for off in 0 $((SLOT - 1)) $SLOT $((3 * SLOT + 12345)) $((6 * SLOT + 99)); do
	flip "$off" good.raw bad-$off.raw
	check_corrupt "raw, byte $off changed, file" "file://$T/bad-$off.raw" "$GOOD"
done
check_corrupt "raw, byte $SLOT changed, http" "http://127.0.0.1:$HPORT/bad-$SLOT.raw" "$GOOD"
# compressed streams: the digest is of the compressed file (as Glance's)
gzip -kn good.raw; zstd -q good.raw -o good.raw.zst
flip $((SLOT + 7)) good.raw.zst bad.raw.zst
check_corrupt "zstd, a byte of the stream changed" "file://$T/bad.raw.zst" "$(sum good.raw.zst)"
flip 5000000 good.raw.gz bad.raw.gz
check_corrupt "gzip, a byte of the stream changed" "file://$T/bad.raw.gz" "$(sum good.raw.gz)"
# and the good ones still pass through the same path
for f in good.raw good.raw.gz good.raw.zst; do
	dirty $((7 * SLOT)) g.disk
	ok "$f: written" w "file://$T/$f" "$T/g.disk" "sha256:$(sum "$f")"
	ok "$f: disk bytes equal the image" cmp -n $((6 * SLOT + 100)) good.raw g.disk
done
finish
