#!/usr/bin/env bash
# Builds the one-file release binary: dist/cracktrader.
#
# The Swift runtime is linked statically (--static-swift-stdlib), and so are zlib, libstdc++ and
# libgcc: their static archives are put in a folder the linker searches first. SQLite is compiled
# in from sqlite-nio's vendored amalgamation. What stays dynamic is the C library family only
# (libc, libm, ld-linux), present on every Linux system. lld links it: gold rejects the SystemTap
# notes in a static libstdc++ once unused sections are collected. A non-PIE executable needs no
# load-time relocations (2 MB less), and the export map keeps every symbol but `main` local.
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
# keeps its speed (measured in docs/performance.md); it saves about 2 MB.
swift build -c release --product cracktrader --scratch-path "$scratch" \
    --static-swift-stdlib \
    -Xswiftc -Osize \
    -Xlinker -L"$PWD/$static_dir" \
    -Xlinker --version-script="$PWD/BuildTools/release-exports.map" \
    -Xswiftc -Xclang-linker -Xswiftc -no-pie \
    -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
    -Xswiftc -use-ld=lld

binary="$scratch/release/cracktrader"
cp "$binary" dist/cracktrader
# Symbols go, and so do the unwind tables (.eh_frame, 4.6 MB): nothing in the binary unwinds with
# them — Swift errors are ordinary returns, and the C and C++ code in it (BoringSSL, SQLite, zlib,
# the Swift runtime) is built without exceptions. A crash still prints its signal and registers,
# and the frame-pointer walk; symbolicated crash reports need a build from source.
strip dist/cracktrader
objcopy --remove-section=.eh_frame --remove-section=.eh_frame_hdr dist/cracktrader

echo "dist/cracktrader: $(stat -c %s dist/cracktrader) bytes (stripped)"
echo "dynamic dependencies:"
ldd dist/cracktrader || true
