#!/usr/bin/env bash
# ingot-agent's image writer (the same code the agent runs for
# standby.prepare_image), driven through `ingot-agent write-image URL DISK`:
# qcow2 converted while streaming must give exactly the bytes of
# `qemu-img convert -O raw`; gzip/zstd raw; checksums; refusals.
source "$(dirname "$0")/../lib/lib.sh"
AGENT=${AGENT:-$INGOT_BUILD/src/agent/ingot-agent}
cd "$T" || exit 1

w() { "$AGENT" write-image "$@" >"$T/w.json" 2>"$T/w.err"; }
# Fills the target with garbage first so zeros must really be written.
dirty() { head -c "$1" /dev/urandom >"$2"; }

# Each qcow2 image: written through the agent, compared with qemu-img's raw.
check_qcow2() {
	local name=$1 img=$2 size
	qemu-img convert -O raw "$img" "$name.ref"
	size=$(stat -c %s "$name.ref")
	dirty "$size" "$name.disk"
	ok "$name: agent writes it" w "file://$T/$img" "$T/$name.disk" "sha256:$(sha256sum "$img" | cut -d' ' -f1)" qcow2
	ok "$name: disk bytes equal qemu-img convert -O raw" cmp "$name.ref" "$name.disk"
}

# sparse: a few extents, a zero cluster, the last cluster
qemu-img create -q -f qcow2 sparse.qcow2 64M
qemu-io -c "write -P 0xab 0 1M" -c "write -P 0xcd 10M 3M" -c "write -z 11M 64k" \
	-c "write -P 0x11 63M 1M" sparse.qcow2 >/dev/null
check_qcow2 sparse sparse.qcow2
expect_eq "sparse: only allocated data is written" 5177344 "$(jq .bytes_written w.json)"

# random data over several L2 tables with 4 KiB clusters (many tables)
head -c 6M /dev/urandom >rand.raw
truncate -s 40M rand.raw
qemu-img convert -q -f raw -O qcow2 -o cluster_size=4096 rand.raw small-clusters.qcow2
check_qcow2 small-clusters small-clusters.qcow2

# zlib-compressed clusters (qemu-img convert -c), mixed with zeros
dd if=/dev/urandom of=mixed.raw bs=1M count=2 status=none
yes ingot | head -c 3M >>mixed.raw
truncate -s 20M mixed.raw
qemu-img convert -q -c -f raw -O qcow2 mixed.raw compressed.qcow2
check_qcow2 compressed compressed.qcow2

# zstd-compressed clusters
qemu-img convert -q -c -f raw -O qcow2 -o compression_type=zstd mixed.raw zstd-clusters.qcow2
check_qcow2 zstd-clusters zstd-clusters.qcow2

# qcow2 version 2 (compat=0.10), 2 MiB clusters, unaligned virtual size
truncate -s 5000000 odd.raw
printf 'tail bytes' | dd of=odd.raw bs=1 seek=4999990 conv=notrunc status=none
qemu-img convert -q -f raw -O qcow2 -o compat=0.10,cluster_size=2M odd.raw v2.qcow2
check_qcow2 v2-2M-clusters v2.qcow2

# preallocated metadata: every L2 table written up front, data later
qemu-img create -q -f qcow2 -o preallocation=metadata prealloc.qcow2 16M
qemu-io -c "write -P 0x5a 4M 1M" prealloc.qcow2 >/dev/null
check_qcow2 preallocated prealloc.qcow2

# L1 and L2 tables after the data they place (legal, never written by
# qemu): the writer must hold the early clusters until the tables arrive
python3 - late-tables.qcow2 <<'PY'
import struct, sys
cs, n = 65536, 24
# clusters: 0 header, 1..n data, n+1 refcount table, n+2 L2 table, n+3 L1 table
hdr = struct.pack(">IIQIIQIIQQIIQ", 0x514649fb, 2, 0, 0, 16, 8 * 1024 * 1024, 0,
                  1, (n + 3) * cs, (n + 1) * cs, 1, 0, 0)
hdr += b"\0" * (cs - len(hdr))
l2 = bytearray(cs)
for h in range(1, n + 1):        # host cluster h -> guest cluster (h * 5) % 128, scattered
    g = (h * 5) % 128
    l2[g * 8:g * 8 + 8] = struct.pack(">Q", (1 << 63) | (h * cs))
l1 = bytearray(cs)
l1[0:8] = struct.pack(">Q", (1 << 63) | ((n + 2) * cs))
data = b"".join(bytes([0x40 + h]) * cs for h in range(1, n + 1))
open(sys.argv[1], "wb").write(hdr + data + bytes(cs) + bytes(l2) + bytes(l1))
PY
check_qcow2 late-tables late-tables.qcow2
qemu-img info late-tables.qcow2 >/dev/null 2>&1
ok "late-tables: the test image is valid for qemu" test $? -eq 0
: >late.disk
"$AGENT" --qcow2-buffer-mib 1 write-image "file://$T/late-tables.qcow2" "$T/late.disk" 2>w.err >/dev/null
expect_eq "late-tables: with a 1 MiB buffer it is refused" 1 $?
ok "late-tables: the refusal says it cannot be streamed" grep -q "cannot be streamed" w.err

# backing file refused, nothing written past the wipe
qemu-img create -q -f qcow2 -b sparse.qcow2 -F qcow2 overlay.qcow2
dirty 1M bk.disk
w "file://$T/overlay.qcow2" "$T/bk.disk"
expect_eq "backing file: refused" 1 $?
ok "backing file: the error says why" grep -q "backing file" w.err

# raw, gzip and zstd raw
head -c 9M /dev/urandom >img.raw
gzip -kn img.raw
zstd -q img.raw -o img.raw.zst
sum=$(sha256sum img.raw | cut -d' ' -f1)
for f in img.raw img.raw.gz img.raw.zst; do
	dirty 10M "$f.disk"
	ok "$f: written" w "file://$T/$f" "$T/$f.disk" "sha256:$(sha256sum "$f" | cut -d' ' -f1)"
	ok "$f: disk bytes equal the raw image" cmp -n 9437184 img.raw "$f.disk"
done
expect_eq "zstd format recognised" '"raw+zstd"' "$(jq .format w.json)"
md5=$(md5sum img.raw | cut -d' ' -f1)
ok "md5 checksums accepted" w "file://$T/img.raw" "$T/img.raw.disk" "md5:$md5"
sha512=$(sha512sum img.raw | cut -d' ' -f1)
ok "sha512 checksums accepted" w "file://$T/img.raw" "$T/img.raw.disk" "sha512:$sha512"

# checksum mismatch: fails and wipes the partition table
cp /dev/null mbr.disk
cp "$T/img.raw" mbr.disk
printf '\x55\xaa' | dd of=mbr.disk bs=1 seek=510 conv=notrunc status=none
bad=$(printf '%064d' 0)
w "file://$T/img.raw" "$T/mbr.disk" "sha256:$bad"
expect_eq "checksum mismatch: write fails" 1 $?
ok "checksum mismatch: error names the mismatch" grep -q "checksum mismatch" w.err
expect_eq "checksum mismatch: first MiB zeroed" \
	"$(head -c 1M /dev/zero | sha256sum)" "$(head -c 1M mbr.disk | sha256sum)"
expect_eq "checksum mismatch: last MiB zeroed" \
	"$(head -c 1M /dev/zero | sha256sum)" "$(tail -c 1M mbr.disk | sha256sum)"

# truncated downloads: short qcow2 and short gzip
head -c 300000 sparse.qcow2 >short.qcow2
dirty 1M s.disk
w "file://$T/short.qcow2" "$T/s.disk"
expect_eq "truncated qcow2: fails" 1 $?
ok "truncated qcow2: says truncated" grep -q truncated w.err
ok "truncated qcow2: header wiped" cmp -n 1048576 s.disk /dev/zero
head -c 100000 img.raw.gz >short.gz
w "file://$T/short.gz" "$T/s.disk"
expect_eq "truncated gzip: fails" 1 $?
ok "truncated gzip: says truncated" grep -q truncated w.err

# format declared wrong, missing source, bad checksum syntax
w "file://$T/img.raw" "$T/s.disk" "" qcow2
expect_eq "raw declared qcow2: refused" 1 $?
w "file://$T/sparse.qcow2" "$T/s.disk" "" raw
expect_eq "qcow2 declared raw: refused" 1 $?
ok "qcow2 declared raw: the error says so" grep -q "disk_format says raw" w.err
w "file://$T/nope.raw" "$T/s.disk"
expect_eq "missing image: fails" 1 $?
w "file://$T/img.raw" "$T/s.disk" "sha256:abc"
expect_eq "short digest: refused" 1 $?
w "ftp://example/x" "$T/s.disk"
expect_eq "unsupported URL scheme: refused" 1 $?

# a qcow2 image bigger than the block device would be refused before
# writing; a regular-file disk grows, so check the virtual size is reported
: >grow.disk
expect_eq "virtual size reported" 67108864 \
	"$("$AGENT" write-image "file://$T/sparse.qcow2" "$T/grow.disk" 2>/dev/null | jq .image_size 2>/dev/null || echo none)"
finish
