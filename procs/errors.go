package procs

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
)

// Sentinel errors for misuse of the fork emulation. They have no standard
// library counterpart; every other error from this package wraps a standard
// sentinel (fs.ErrNotExist, fs.ErrPermission, fs.ErrInvalid, exec.ErrNotFound,
// exec.ErrDot, os.ErrProcessDone, ...) so that errors.Is works.
var (
	// ErrNotRegistered is returned by Fork for a name that no Register call
	// declared.
	ErrNotRegistered = errors.New("fork entry point not registered")
	// ErrNoInit is returned by Fork when Init has not been called: without
	// Init, the forked child could not find its entry point.
	ErrNoInit = errors.New("procs.Init was not called")
	// ErrLateRegister is returned by Fork when Register or Copy was called
	// after Init: a forked child runs Init before such a call, so the entry
	// point or state it declares would be missing in the child.
	ErrLateRegister = errors.New("Register or Copy called after Init")
	// ErrHandoff is returned by Fork when the child it started did not take
	// over its copy of the state: it refused it (another build of the
	// program, a parent it could not verify, a corrupt payload) or ended
	// before confirming it. The error carries the child's reason and exit
	// status; Fork has reaped the child.
	ErrHandoff = errors.New("fork state hand-off failed")
	// ErrNoTree is returned by KillTree for a process that was not started
	// with Attr.Group, so it has no process group or job object to kill.
	ErrNoTree = errors.New("process was not started with Attr.Group")
)

// Error records a failed fork, exec or spawn call and the program or entry
// point it was for. Err is the underlying cause; Error unwraps to it, so
// errors.Is(err, fs.ErrNotExist) and friends work.
type Error struct {
	Op   string // the call that failed, such as "execvp" or "fork"
	Name string // the program, path or entry point name
	Err  error  // the cause
}

// Error returns the message: `procs: <op> "<name>": <cause>`.
func (e *Error) Error() string {
	return fmt.Sprintf("procs: %s %q: %v", e.Op, e.Name, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is fs.ErrNotExist for an error caused by a failed
// PATH search, so a missing program matches fs.ErrNotExist whether or not it
// was searched for (a search failure is exec.ErrNotFound).
func (e *Error) Is(target error) bool {
	return target == fs.ErrNotExist && errors.Is(e.Err, exec.ErrNotFound)
}

func wrap(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Name: name, Err: err}
}

// invalid returns an error for bad input that wraps fs.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", fs.ErrInvalid, fmt.Sprintf(format, args...))
}
