#!/bin/sh
# Builds the livepatch modules klp-verify's tests and examples read, with Debian's kernel
# headers, and keeps them stripped of debug info (about 10 KB each) next to their sources.
#
#   scripts/build-test-modules.sh                  # every folder below
#   scripts/build-test-modules.sh DIR...           # the C files of DIR, into DIR/ko/
#
# Needs linux-headers-6.1.0-57-amd64 (with linux-headers-6.1.0-57-common, linux-kbuild-6.1),
# gcc-12 and make. KDIR overrides the headers' build folder. The committed .ko files are the
# output of this script: tests never need a compiler.
set -eu

KDIR=${KDIR:-/usr/src/linux-headers-6.1.0-57-amd64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "$#" -eq 0 ]; then
	set -- "$ROOT/test/fixtures/modules/src" "$ROOT/test/fixtures/modules/kernel" \
		"$ROOT/examples/artifact-stream/src"
fi
[ -d "$KDIR" ] || { echo "no kernel build folder at $KDIR (set KDIR)" >&2; exit 2; }

for dir in "$@"; do
	dir=$(cd "$dir" && pwd)
	build=$(mktemp -d)
	cp "$dir"/*.c "$build"/
	cp "$dir"/*.h "$build"/ 2>/dev/null || true
	objs=""
	for c in "$dir"/*.c; do
		objs="$objs $(basename "$c" .c).o"
	done
	echo "obj-m +=$objs" > "$build/Kbuild"
	make -s -C "$KDIR" M="$build" modules >&2
	mkdir -p "$dir/ko"
	for c in "$dir"/*.c; do
		name=$(basename "$c" .c)
		strip --strip-debug -o "$dir/ko/$name.ko" "$build/$name.ko"
		# A module made for an older kernel's layout says which release to record.
		vermagic=$(sed -n 's/.*klp-verify-vermagic: \(.*\)$/\1/p' "$c")
		if [ -n "$vermagic" ]; then
			objcopy -O binary --only-section=.modinfo "$dir/ko/$name.ko" "$build/modinfo"
			VERMAGIC="$vermagic" perl -0pi -e 's/vermagic=[^\0]*/vermagic=$ENV{VERMAGIC} /' "$build/modinfo"
			objcopy --update-section .modinfo="$build/modinfo" "$dir/ko/$name.ko"
		fi
	done
	rm -rf "$build"
	echo "built $(ls "$dir/ko" | wc -l) modules in $dir/ko" >&2
done
