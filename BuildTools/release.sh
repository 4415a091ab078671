#!/usr/bin/env bash
# Builds the one-file release binary: dist/cracktrader.
#
# The Swift runtime is linked statically (--static-swift-stdlib), and so are zlib, libstdc++ and
# libgcc: their static archives are put in a folder the linker searches first. SQLite is compiled
# in from sqlite-nio's vendored amalgamation. What stays dynamic is the C library family only
# (libc, libm, ld-linux), present on every Linux system. lld links it: gold rejects the SystemTap
# notes in a static libstdc++ once unused sections are collected.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${CRACKTRADER_RELEASE_SCRATCH:-.build}"
static_dir="$scratch/static-libs"
mkdir -p "$static_dir" dist

find_archive() {
    local name=$1
    local path
    path=$(gcc -print-file-name="$name")
    if [[ "$path" == "$name" || ! -f "$path" ]]; then
        echo "release.sh: cannot find $name (install zlib1g-dev and libstdc++-12-dev)" >&2
        exit 1
    fi
    echo "$path"
}
ln -sf "$(find_archive libz.a)" "$static_dir/libz.a"
ln -sf "$(find_archive libstdc++.a)" "$static_dir/libstdc++.a"

# -Osize: the binary is I/O- and network-bound outside the engine loop, and the engine's hot loop
# keeps its speed (measured in docs/performance.md); it saves several megabytes.
swift build -c release --product cracktrader --scratch-path "$scratch" \
    --static-swift-stdlib \
    -Xswiftc -Osize \
    -Xlinker -L"$PWD/$static_dir" \
    -Xlinker --version-script="$PWD/BuildTools/release-exports.map" \
    -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
    -Xswiftc -use-ld=lld

binary="$scratch/release/cracktrader"
cp "$binary" dist/cracktrader
strip dist/cracktrader

echo "dist/cracktrader: $(stat -c %s dist/cracktrader) bytes (stripped)"
echo "dynamic dependencies:"
ldd dist/cracktrader || true
