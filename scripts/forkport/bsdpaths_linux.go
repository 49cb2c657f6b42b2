package main

import (
	"fmt"
	"syscall"
)

// withFileLimit calls start (which starts a process) with this process's
// soft RLIMIT_NOFILE at n (at most the hard limit), so that what it starts
// inherits that limit, and then restores the limit; n == 0 leaves it be.
// Go programs raise the soft limit for themselves at start, on macOS as
// here, and hand the limit they started with to their own children: so a
// limit set here reaches the probes the suite runs.
func withFileLimit(n uint64, start func() error) error {
	if n == 0 {
		return start()
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		return fmt.Errorf("getrlimit RLIMIT_NOFILE: %w", err)
	}
	lim := old
	lim.Cur = min(n, old.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("setrlimit RLIMIT_NOFILE: %w", err)
	}
	err := start()
	if rerr := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); rerr != nil && err == nil {
		err = fmt.Errorf("restoring RLIMIT_NOFILE: %w", rerr)
	}
	return err
}
