# Thin wrapper over Meson/ninja and the project scripts.
.PHONY: all demo test test-asan bench clean docs fuzz deb
all:
	@[ -f build/build.ninja ] || meson setup build
	ninja -C build
demo:
	bash scripts/demo $(ARGS)
test:
	bash tests/run
test-asan:
	bash tests/run --asan
bench:
	bash bench/run
# libFuzzer targets (clang, build-fuzz/): each runs FUZZ_SECONDS; FUZZ_TARGETS
# picks some (e.g. FUZZ_TARGETS="fuzz_http fuzz_qcow2").  See docs/fuzzing.md.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz:
	bash tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
docs: all
	./build/src/daemon/ingotd --print-states markdown > docs/states.md
	./build/src/daemon/ingotd --print-states dot > docs/states.dot
	./build/src/daemon/ingotd --print-example-config > etc/ingotd.conf.example
	./build/src/daemon/ingotd --print-routes markdown > build/routes.md
	awk 'FNR == NR { t = t $$0 "\n"; next } /<!-- routes:end -->/ { printf "%s", t; skip = 0 } \
	    !skip { print } /<!-- routes:begin -->/ { skip = 1 }' build/routes.md docs/api.md > build/api.md
	mv build/api.md docs/api.md
clean:
	rm -rf build build-asan build-fuzz
# The Debian package: build/deb/ingot_<version>_amd64.deb (debian/).
deb:
	bash scripts/install-deps
	dpkg-checkbuilddeps
	debian/rules binary
	@ls build/deb/*.deb
