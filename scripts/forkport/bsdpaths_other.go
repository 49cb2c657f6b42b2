//go:build !linux

package main

// withFileLimit calls start: the bsd-paths leg, the only one that sets a
// file limit, runs on Linux only.
func withFileLimit(_ uint64, start func() error) error { return start() }
