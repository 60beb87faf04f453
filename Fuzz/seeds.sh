#!/usr/bin/env bash
# Builds the seed corpus for every fuzz target from fixtures made now (nothing committed):
#   Fuzz/seeds.sh KIMAGE_BINARY OUTPUT_DIR
# OUTPUT_DIR/<target>/ gets one file per seed.
set -euo pipefail
kimage=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"/{inspect,elf,elf-fields,pack-layout,redirect-table,setup-header,pagetable-walker,go-source,manifest,config}

# Fixture kernels: ELF64 and ELF32, with a redirect table, data and bss: RobustnessFixture's
# source, through the fixture builder the tests use.
build=$root/Tests/Fixtures/build
echo "runtime.throw kern.Panic" > "$work/redirects.txt"
for bits in 64 32; do
    emu=$([ $bits = 64 ] && echo elf_x86_64 || echo elf_i386)
    "$build" as robustness/kernel.s "$work/k$bits.o" --$bits
    common=(-m "$emu" -z max-page-size=4096 -e _start)
    "$build" ld "$work/k$bits.elf" "${common[@]}" -Ttext=0x200000 "$work/k$bits.o"
    "$build" ld "$work/high$bits.elf" "${common[@]}" -Ttext=0xffffffff80200000 "$work/k$bits.o" 2>/dev/null || true
    "$build" ld "$work/rel$bits.o" "${common[@]}" -r "$work/k$bits.o"
    cp "$work/k$bits.elf" "$out/elf/k$bits.elf"
    cp "$work/rel$bits.o" "$out/elf/rel$bits.o"
    cp "$work/k$bits.elf" "$out/pack-layout/k$bits.elf"
    [ -f "$work/high$bits.elf" ] && cp "$work/high$bits.elf" "$out/pack-layout/high$bits.elf"
    # The same kernel after `kimage redirect`: a filled table.
    cp "$work/k$bits.elf" "$work/r$bits.elf"
    "$kimage" redirect "$work/r$bits.elf" --manifest "$work/redirects.txt" --patch --allow-spare >/dev/null 2>&1
    cp "$work/r$bits.elf" "$out/elf/redirected$bits.elf"
    objcopy -O binary --only-section=.goredirectstbl "$work/r$bits.elf" "$work/table$bits.bin"
    { printf "\\x$([ $bits = 64 ] && echo 00 || echo 01)"; cat "$work/table$bits.bin"; } > "$out/redirect-table/table$bits"
    # An image: its first 4 KiB hold the boot sector and the setup header.
    "$kimage" pack --kernel "$work/k$bits.elf" -o "$work/k$bits.img" >/dev/null
    head -c 4096 "$work/k$bits.img" > "$out/setup-header/image$bits"
    cp "$work/k$bits.img" "$out/inspect/image$bits.img"
    cp "$work/r$bits.elf" "$out/inspect/redirected$bits.elf"
done
strip -o "$out/elf/stripped64.elf" "$work/k64.elf"

# Page tables: byte 0 is the mode's index (32, pae, 4level, 5level), byte 1 the base >> 12 (0x10000).
i=0
for mode in 32 pae 4level 5level; do
    extra=()
    [ $mode = 4level ] && extra=(--higher-half 0xFFFF800000000000+8M --recursive 511)
    [ $mode = 32 ] && extra=(--map 0xC0000000=0x100000+64K:rx)
    "$kimage" pagetables -q --mode $mode --identity 0+8M "${extra[@]}" --page-size 4K --base 0x10000 --format bin -o "$work/t.bin" >/dev/null
    { printf "\\x0$i\\x10"; cat "$work/t.bin"; } > "$out/pagetable-walker/$mode-4k"
    "$kimage" pagetables -q --mode $mode --identity 0+16M --base 0x10000 --format bin -o "$work/t.bin" >/dev/null
    { printf "\\x0$i\\x10"; cat "$work/t.bin"; } > "$out/pagetable-walker/$mode-large"
    cp "$work/t.bin" "$out/inspect/$mode.bin"
    i=$((i + 1))
done

cat > "$out/go-source/annotated.go" <<'GO'
//go:build linux && amd64
// +build linux,amd64

package kernel

import "unsafe"

// Panic replaces the runtime's.
//go:redirect-from runtime.throw
func Panic(s string) { _ = unsafe.Pointer(nil) }

/* //go:redirect-from runtime.notADirective */
var s = "//go:redirect-from runtime.inAString"

// Reserve is a method.
//go:redirect-from runtime.sysReserve
func (f *Frame) Reserve(n uintptr) unsafe.Pointer { return nil }
GO
printf 'package main\n\n//go:redirect-from runtime.a\n//go:redirect-from runtime.b\nfunc F() {}\n' > "$out/go-source/two.go"

printf '# redirects\nruntime.throw kern.Panic\n\truntime.other   kern.Other  # trailing\r\n\n' > "$out/manifest/manifest.txt"
printf 'one two three\n' > "$out/manifest/bad.txt"

cp "$root/templates/project/kimage.toml" "$out/config/project.toml"
printf '[redirect]\nkernel = "build/kernel.elf"\nmanifest = ["a.txt", "b.txt"]\npatch = true\n\n[pack]\ncmdline = "console=ttyS0"\n' > "$out/config/small.toml"

# elf-fields: the bytes are field choices, not an ELF. All zeros picks the linker-like file with
# every first choice; the others pick ELF32, counts and segments at 2 MiB.
head -c 256 /dev/zero > "$out/elf-fields/zeros"
printf '\001\003\005\007\003\002\001\000\004\004\001\001\002' > "$out/elf-fields/elf32"
printf '\000\007\011\037\002\003\004\001\000\002\003\001\002\001\000\001\002\003' > "$out/elf-fields/counts"
