package main

import (
	"fmt"
	"syscall"
)

// macOSLimits are the soft limits of the bsd-paths leg's go test run:
// macOS's default of 256 open files (launchctl limit maxfiles), which Go
// programs raise for themselves at start, on macOS as here, handing the
// limit they started with to their own children, so that the probes see
// it; and a stack of 4 MiB, for macOS's ARG_MAX of 1 MiB (execve(2): Linux
// allows a quarter of the stack limit for arguments and environment, 2 MiB
// with the usual 8 MiB).
var macOSLimits = []softLimit{{syscall.RLIMIT_NOFILE, 256, "RLIMIT_NOFILE"}, {syscall.RLIMIT_STACK, 4 << 20, "RLIMIT_STACK"}}

// softLimit is a soft resource limit.
type softLimit struct {
	resource int
	cur      uint64
	name     string
}

// withLimits calls start (which starts a process) with this process's soft
// limits set to limits (each at most its hard limit), so that what it
// starts inherits them, and then restores them.
func withLimits(limits []softLimit, start func() error) error {
	var restore []func() error
	defer func() {
		for _, r := range restore {
			_ = r()
		}
	}()
	for _, l := range limits {
		var old syscall.Rlimit
		if err := syscall.Getrlimit(l.resource, &old); err != nil {
			return fmt.Errorf("getrlimit %s: %w", l.name, err)
		}
		lim := old
		lim.Cur = min(l.cur, old.Max)
		if err := syscall.Setrlimit(l.resource, &lim); err != nil {
			return fmt.Errorf("setrlimit %s: %w", l.name, err)
		}
		restore = append(restore, func() error { return syscall.Setrlimit(l.resource, &old) })
	}
	return start()
}
