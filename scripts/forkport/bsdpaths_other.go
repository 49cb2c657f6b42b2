//go:build !linux

package main

// softLimit is a soft resource limit (set on Linux only).
type softLimit struct{}

// macOSLimits are none here: the bsd-paths leg, the only one that sets
// limits, runs on Linux only.
var macOSLimits []softLimit

// withLimits calls start.
func withLimits(_ []softLimit, start func() error) error { return start() }
