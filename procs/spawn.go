package procs

import "strconv"

// Mode selects what a Spawn* call does once the program has started, as the
// mode argument of Python's os.spawn*.
type Mode int

const (
	// PWait waits for the program and returns its exit code, or minus the
	// signal number that killed it (os.P_WAIT).
	PWait Mode = iota
	// PNoWait returns the child's PID at once; reap it with Waitpid or Reap
	// (os.P_NOWAIT).
	PNoWait
	// PDetach returns the child's PID at once, the child started in a new
	// session (Unix setsid) or detached from the console in a new process
	// group (Windows), so it outlives the caller and its terminal
	// (os.P_DETACH, which Python has on Windows only). On Unix it is still
	// the caller's child: reap it with Waitpid or Reap, or it stays a zombie
	// until the caller exits.
	PDetach
	// POverlay replaces the caller with the program, as the matching Exec*
	// call does; it returns only on failure (os.P_OVERLAY, Windows-only in
	// Python).
	POverlay
)

// String returns the Python name of the mode, such as "P_WAIT".
func (m Mode) String() string {
	switch m {
	case PWait:
		return "P_WAIT"
	case PNoWait:
		return "P_NOWAIT"
	case PDetach:
		return "P_DETACH"
	case POverlay:
		return "P_OVERLAY"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Spawnv starts the program at path with argv, as os.spawnv. With PWait it
// returns the exit code; with PNoWait or PDetach, the child's PID.
func Spawnv(mode Mode, path string, argv []string) (int, error) {
	return spawn("spawnv", mode, path, argv, nil, false, false)
}

// Spawnve is Spawnv with env as the program's whole environment, as
// os.spawnve.
func Spawnve(mode Mode, path string, argv []string, env []string) (int, error) {
	return spawn("spawnve", mode, path, argv, env, false, true)
}

// Spawnvp is Spawnv that looks file up in the caller's PATH when it contains
// no path separator, as os.spawnvp.
func Spawnvp(mode Mode, file string, argv []string) (int, error) {
	return spawn("spawnvp", mode, file, argv, nil, true, false)
}

// Spawnvpe is Spawnvp with env as the program's whole environment, whose
// PATH is the one searched (see Execvpe), as os.spawnvpe.
func Spawnvpe(mode Mode, file string, argv []string, env []string) (int, error) {
	return spawn("spawnvpe", mode, file, argv, env, true, true)
}

// Spawnl is Spawnv with argv passed as separate arguments, as os.spawnl.
func Spawnl(mode Mode, path string, argv ...string) (int, error) {
	return spawn("spawnl", mode, path, argv, nil, false, false)
}

// Spawnle is Spawnve with argv passed as separate arguments after env, as
// os.spawnle.
func Spawnle(mode Mode, path string, env []string, argv ...string) (int, error) {
	return spawn("spawnle", mode, path, argv, env, false, true)
}

// Spawnlp is Spawnvp with argv passed as separate arguments, as os.spawnlp.
func Spawnlp(mode Mode, file string, argv ...string) (int, error) {
	return spawn("spawnlp", mode, file, argv, nil, true, false)
}

// Spawnlpe is Spawnvpe with argv passed as separate arguments after env, as
// os.spawnlpe.
func Spawnlpe(mode Mode, file string, env []string, argv ...string) (int, error) {
	return spawn("spawnlpe", mode, file, argv, env, true, true)
}

func spawn(op string, mode Mode, name string, argv, env []string, search, envGiven bool) (int, error) {
	if mode < PWait || mode > POverlay {
		return 0, wrap(op, name, invalid("unknown mode %d (want PWait, PNoWait, PDetach or POverlay)", int(mode)))
	}
	c, err := newCommand(op, name, argv, env, search, envGiven)
	if err != nil {
		return 0, err
	}
	if mode == POverlay {
		return 0, wrap(op, name, overlay(c))
	}
	p, err := start(c.path, c.argv, &Attr{Env: c.env, Detach: mode == PDetach}, nil)
	if err != nil {
		return 0, wrap(op, name, err)
	}
	if mode != PWait {
		track(p)
		return p.Pid, nil
	}
	st, err := p.Wait()
	if err != nil {
		return 0, err
	}
	return st.ExitCode(), nil
}
