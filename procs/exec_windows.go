package procs

import (
	"fmt"
	"os"
	"os/signal"

	"golang.org/x/sys/windows"
)

// overlay emulates execve, which Windows lacks: it starts the program with
// the caller's standard handles, environment (or c.env) and working
// directory, waits for it, and exits with its exit code, so a parent
// waiting for the caller sees the program's code (the C runtime's _execv,
// and so Python's os.exec*, exit at once instead). The program gets a new
// PID. It sits in a kill-on-close job object, so killing the caller kills it
// too, as killing an exec'd process would; what it starts breaks away from
// that job. It returns only if the program cannot be started.
func overlay(c *command) error {
	job, err := newKillOnCloseJob(true)
	if err != nil {
		return err
	}
	p, err := startIn(job, c.path, c.argv, &Attr{Env: c.env}, nil)
	if err != nil {
		windows.CloseHandle(job)
		return err
	}
	// The program shares our console: Ctrl+C and Ctrl+Break are its to
	// handle, and we must not exit before it does.
	signal.Ignore(os.Interrupt)
	st, err := p.Wait()
	if err != nil {
		fmt.Fprintf(os.Stderr, "procs: exec emulation: %v\n", err)
		Exit(1)
	}
	Exit(st.ExitCode())
	return nil
}
