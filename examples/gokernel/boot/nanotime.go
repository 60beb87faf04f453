// Package boot holds the redirect installed at boot: kimage redirect writes it into the table
// rt0 declares (main.redirects), and installRedirects writes its jump before kmain runs.
package boot

// Nanotime replaces runtime.nanotime, which would ask the vDSO or the Linux clock_gettime
// system call: there is neither on bare metal.
//
//go:redirect-from runtime.nanotime
//go:noinline
func Nanotime() int64 {
	return 0x600D71AE
}
