// A bare-metal Go kernel made by `kimage init --lang go`. rt0 (rt0_amd64.s) enters kmain in long
// mode with SSE usable (kimage pack), a g0 and the FS base the Go ABI reads. Keep to code that
// does not allocate: the Go runtime is not initialised (no heap, no goroutines, no maps).
package main

import "unsafe"

// runtime.nanotime would ask Linux for the time; nanotime below replaces it (a redirect).
//
//go:linkname runtimeNanotime runtime.nanotime
func runtimeNanotime() int64

// nanotime replaces runtime.nanotime: every call to it jumps here.
//
//go:redirect-from runtime.nanotime
//go:noinline
func nanotime() int64 { return 42 }

// Set by rt0: the physical address of kimage's boot info (include/kimage/bootinfo.h).
var bootInfo uintptr

// In rt0_amd64.s.
func rt0()
func installRedirects()
func outb(port uint16, value uint8)
func inb(port uint16) uint8
func outl(port uint16, value uint32)

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

func kmain() {
	installRedirects()
	puts("hello from Go\n")
	if runtimeNanotime() != nanotime() {
		puts("FAIL runtime.nanotime was not redirected\n")
		outl(0xF4, 0x11)
	}
	puts("ok runtime.nanotime -> main.nanotime\ncommand line: ")
	bi := bootInfo
	cmdline := uintptr(*(*uint64)(unsafe.Pointer(bi + 0x80)))
	for i := uintptr(0); i < uintptr(*(*uint32)(unsafe.Pointer(bi + 0x88))); i++ {
		putc(*(*byte)(unsafe.Pointer(cmdline + i)))
	}
	puts("\nPASS\n")
	outl(0xF4, 0x10)
	for {
	}
}

func main() {
	// Never runs (the kernel starts at rt0); it keeps rt0 and kmain in the link.
	rt0()
}
