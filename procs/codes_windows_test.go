package procs_test

import "syscall"

// killedCode is the ExitCode of a child killed by Process.Kill: Windows has no
// signals, and TerminateProcess is given exit code 1.
const killedCode = 1

var errChild error = syscall.ECHILD

// Exit codes are 32 bits on Windows: nothing is truncated.
const (
	truncated256    = 256
	truncatedMinus1 = 4294967295
)

// longArgumentFits: a 64 KiB argument exceeds Windows' 32767-character
// command line.
const longArgumentFits = false

// argsAreBytes: a Windows command line is UTF-16, so an argument that is
// not UTF-8 cannot reach a child as it was (Go turns invalid bytes into
// U+FFFD when it builds the command line).
const argsAreBytes = false
