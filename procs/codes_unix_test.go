//go:build unix

package procs_test

import "syscall"

// killedCode is the ExitCode of a child killed by Process.Kill: -SIGKILL.
const killedCode = -int(syscall.SIGKILL)

var errChild error = syscall.ECHILD

// Exit statuses are one byte on Unix.
const (
	truncated256    = 0
	truncatedMinus1 = 255
)

// longArgumentFits: a 64 KiB argument is within Unix's limits.
const longArgumentFits = true

// argsAreBytes: a Unix argument is bytes, passed unchanged whether or not
// they are UTF-8.
const argsAreBytes = true
