// Package leakcheck finds processes that a test run left behind: children of
// the test binary that are still running or were never reaped (zombies), and,
// on Linux, any process still carrying the run's environment tag, wherever it
// was reparented. TestMain functions use Main to fail a run that leaks.
//
// On macOS, and on Linux built with the tag forkport_bsdpaths (which takes
// macOS's paths), the children come from ps(1) and Tagged is unsupported: /proc
// is not read.
package leakcheck

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// TagEnv is the environment variable that marks every process a test run
// starts (directly or not): its value is the PID of the top-level test
// binary.
const TagEnv = "FORKPORT_LEAKCHECK_TAG"

// Proc is a process found by a check.
type Proc struct {
	Pid, Ppid int
	State     string // "Z" for a zombie where the OS says so
	Command   string
}

// String describes the process in one line.
func (p Proc) String() string {
	return fmt.Sprintf("pid %d (ppid %d, state %s): %s", p.Pid, p.Ppid, p.State, p.Command)
}

// Tag marks this process and everything it starts with the run's tag, and
// reports whether this is the top-level process of the run (the one that
// must check for leaks at its end).
func Tag() (top bool) {
	if os.Getenv(TagEnv) != "" {
		return false
	}
	os.Setenv(TagEnv, strconv.Itoa(os.Getpid()))
	return true
}

// TagValue is the tag of this run ("" before Tag).
func TagValue() string { return os.Getenv(TagEnv) }

// Leaks returns the children of this process (running or zombie) and, where
// the OS lets a process read another's environment (Linux), every other
// process carrying this run's tag. It waits up to grace for processes that
// are still on their way out (killed, exiting) before it reports them.
func Leaks(grace time.Duration) ([]Proc, error) {
	deadline := time.Now().Add(grace)
	for {
		found, err := find()
		if err != nil || len(found) == 0 || time.Now().After(deadline) {
			return found, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func find() ([]Proc, error) {
	kids, err := Children(os.Getpid())
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return nil, err
	}
	tagged, err := Tagged(TagValue())
	if errors.Is(err, errors.ErrUnsupported) {
		err = nil
	}
	seen := map[int]bool{}
	var out []Proc
	for _, p := range append(kids, tagged...) {
		if !seen[p.Pid] {
			seen[p.Pid] = true
			out = append(out, p)
		}
	}
	return out, err
}

// Check is for the end of TestMain: it returns an error listing leaked
// processes, and (on Linux) listening sockets this process still holds, or
// nil. Only the top-level process of a run (see Tag) checks: a listener
// held by another process is held by a leaked process.
func Check(top bool) error {
	if !top {
		return nil
	}
	leaks, err := Leaks(5 * time.Second)
	if err != nil {
		return fmt.Errorf("leakcheck: %w", err)
	}
	listeners, err := Listeners()
	if err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("leakcheck: %w", err)
	}
	var errs []error
	if len(leaks) > 0 {
		lines := make([]string, len(leaks))
		for i, p := range leaks {
			lines[i] = "  " + p.String()
		}
		errs = append(errs, fmt.Errorf("leakcheck: the tests left %d process(es) behind:\n%s", len(leaks), strings.Join(lines, "\n")))
	}
	if len(listeners) > 0 {
		errs = append(errs, fmt.Errorf("leakcheck: the tests left %d listening socket(s) open:\n  %s", len(listeners), strings.Join(listeners, "\n  ")))
	}
	return errors.Join(errs...)
}
