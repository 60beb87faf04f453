// A bare-metal Go kernel for kimage: rt0 (rt0_amd64.s) enters kmain in long mode with SSE
// usable (kimage pack's handoff), a g0 and the FS base the Go ABI reads. It prints on COM1,
// proves both redirects took effect, prints the boot info, and exits through isa-debug-exit.
package main

import (
	"unsafe"

	"example.org/gokernel/boot"
	"example.org/gokernel/patched"
)

// The runtime functions the redirects replace, called as any runtime caller would.
//
//go:linkname runtimeNanotime runtime.nanotime
func runtimeNanotime() int64

//go:linkname runtimeFastrand runtime.fastrand
func runtimeFastrand() uint32

// Set by rt0: the physical address of kimage's boot info (rdi at entry).
var bootInfo uintptr

func outb(port uint16, value uint8)
func inb(port uint16) uint8
func outl(port uint16, value uint32)
func installRedirects()

// The entry point (-E main.rt0, or the linker script's ENTRY), in rt0_amd64.s.
func rt0()

func putc(c byte) {
	for inb(0x3FD)&0x20 == 0 {
	}
	outb(0x3F8, c)
}

func puts(s string) {
	for i := 0; i < len(s); i++ {
		putc(s[i])
	}
}

func puthex(v uint64) {
	puts("0x")
	for shift := 60; shift >= 0; shift -= 4 {
		putc("0123456789abcdef"[(v>>uint(shift))&0xF])
	}
}

func exit(code uint32) {
	outl(0xF4, code)
	for {
	}
}

func u32(addr uintptr) uint32 { return *(*uint32)(unsafe.Pointer(addr)) }
func u64(addr uintptr) uint64 { return *(*uint64)(unsafe.Pointer(addr)) }

var failures int

func check(ok bool, what string) {
	if ok {
		puts("ok ")
	} else {
		puts("FAIL ")
		failures++
	}
	puts(what)
	puts("\n")
}

func kmain() {
	puts("gokernel: Go ")
	puts("on bare metal\n")
	installRedirects()
	// The replacements are called directly too, which also keeps them in the link.
	check(runtimeNanotime() == boot.Nanotime(), "runtime.nanotime -> boot.Nanotime (installed at boot from main.redirects)")
	check(runtimeFastrand() == patched.Fastrand(), "runtime.fastrand -> patched.Fastrand (written by kimage redirect --patch)")

	bi := bootInfo
	check(u32(bi) == 0x474D494B, "boot info magic KIMG")
	puts("boot info at ")
	puthex(uint64(bi))
	puts(", version ")
	puthex(uint64(u32(bi + 0x04)))
	puts("\nkernel ")
	puthex(u64(bi + 0x20))
	puts("..")
	puthex(u64(bi + 0x28))
	puts(", entry ")
	puthex(u64(bi + 0xA8))
	puts("\ncommand line: ")
	cmdline := uintptr(u64(bi + 0x80))
	for i := uintptr(0); i < uintptr(u32(bi+0x88)); i++ {
		putc(*(*byte)(unsafe.Pointer(cmdline + i)))
	}
	puts("\n")
	if failures == 0 {
		puts("PASS\n")
		exit(0x10)
	}
	puts("FAIL\n")
	exit(0x11)
}

func main() {
	// Never runs: the kernel starts at rt0, not at the Go runtime's entry. It keeps rt0 (and
	// through it kmain) reachable, or an external link would drop them as dead code.
	rt0()
}
