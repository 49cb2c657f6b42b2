//go:build !(linux && forkport_bsdpaths)

package testutil

// ImitateMacOS does nothing outside a forkport_bsdpaths build: the OS is
// what it is.
func ImitateMacOS() error { return nil }
