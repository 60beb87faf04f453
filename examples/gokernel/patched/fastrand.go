// Package patched holds the redirect written at build time (kimage redirect --patch): its jump
// is in the kernel file, nothing installs it at boot.
package patched

// Fastrand replaces runtime.fastrand, which reads its state from getg().m: the bare-metal g0
// rt0 sets up has an m0 the runtime never initialised (its state would be zero).
//
//go:redirect-from runtime.fastrand
//go:noinline
func Fastrand() uint32 {
	return 0xFA57
}
