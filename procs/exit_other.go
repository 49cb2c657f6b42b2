//go:build !linux

package procs

// yieldBeforeExit does nothing here: see exit_linux.go. (Other systems
// place a woken reader differently, and Go's syscall package has no
// portable sched_yield.)
func yieldBeforeExit() {}
