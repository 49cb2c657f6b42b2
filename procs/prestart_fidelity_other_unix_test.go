//go:build unix && !linux

package procs_test

// startEnv is nil where the OS does not show the environment a process
// started with.
func startEnv() []string { return nil }
