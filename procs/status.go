package procs

import (
	"fmt"
	"syscall"
)

// Status is how a child process ended, as returned by Wait, Waitpid and Reap:
// either it exited with a code, or (on Unix) a signal killed it.
type Status struct {
	pid      int
	code     int
	signal   syscall.Signal
	signaled bool
}

// Pid returns the process ID of the child this status is for.
func (s *Status) Pid() int { return s.pid }

// Exited reports whether the child ended by exiting (rather than by a signal).
// On Windows it is always true: there are no signals, and a killed process
// exits with the code its killer chose (1 for Process.Kill).
func (s *Status) Exited() bool { return !s.signaled }

// Signaled reports whether a signal ended the child (Unix only).
func (s *Status) Signaled() bool { return s.signaled }

// Signal returns the signal that ended the child, or 0 if it exited.
func (s *Status) Signal() syscall.Signal {
	if !s.signaled {
		return 0
	}
	return s.signal
}

// ExitCode returns the child's exit code or, for a child killed by a signal,
// minus the signal number, as Python's os.spawn*(P_WAIT) reports it. On Unix
// an exit code is the low 8 bits of what the child passed to exit (exit(256)
// is 0, exit(-1) is 255); on Windows it is the full 32-bit value, as an
// unsigned number.
func (s *Status) ExitCode() int {
	if s.signaled {
		return -int(s.signal)
	}
	return s.code
}

// Success reports whether the child exited with code 0.
func (s *Status) Success() bool { return !s.signaled && s.code == 0 }

// String describes the status as os/exec does: "exit status 3" or
// "signal: killed".
func (s *Status) String() string {
	if s.signaled {
		return "signal: " + s.signal.String()
	}
	return fmt.Sprintf("exit status %d", s.code)
}
