//go:build !linux

package procs_test

// fdTargets is nil where the OS has no /proc/self/fd to name a
// descriptor's file.
func fdTargets() []string { return nil }
