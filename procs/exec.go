package procs

// The exec family. Each spelling maps to one call of execute:
//
//	v: argv as a slice          l: argv as separate arguments
//	p: search PATH for file     e: env is the whole new environment
//
// On success none of them returns: on Unix the program replaces the caller
// (execve(2), same PID); on Windows the caller runs the program, waits for
// it and exits with its exit code (a new PID). On failure they return an
// *Error and the caller goes on.

// Execv replaces the current program with the one at path, passing argv
// (argv[0] included, as given), as os.execv.
func Execv(path string, argv []string) error {
	return execute("execv", path, argv, nil, false, false)
}

// Execl is Execv with argv passed as separate arguments, as os.execl.
func Execl(path string, argv ...string) error {
	return execute("execl", path, argv, nil, false, false)
}

// Execvp is Execv that looks file up in the caller's PATH when it contains
// no path separator, as os.execvp.
func Execvp(file string, argv []string) error {
	return execute("execvp", file, argv, nil, true, false)
}

// Execlp is Execvp with argv passed as separate arguments, as os.execlp.
func Execlp(file string, argv ...string) error {
	return execute("execlp", file, argv, nil, true, false)
}

// Execve is Execv with env as the program's whole environment (nil or
// empty: none), as os.execve.
func Execve(path string, argv []string, env []string) error {
	return execute("execve", path, argv, env, false, true)
}

// Execle is Execve with argv passed as separate arguments after env, as
// os.execle (Go's variadic argument must come last, so env moves before it).
func Execle(path string, env []string, argv ...string) error {
	return execute("execle", path, argv, env, false, true)
}

// Execvpe is Execvp with env as the program's whole environment; the PATH
// searched is env's, not the caller's (as Python's os.execvpe, libuv and
// posix_spawnp with an explicit environment do). An env without PATH
// searches nothing: the call fails with exec.ErrNotFound.
func Execvpe(file string, argv []string, env []string) error {
	return execute("execvpe", file, argv, env, true, true)
}

// Execlpe is Execvpe with argv passed as separate arguments after env, as
// os.execlpe.
func Execlpe(file string, env []string, argv ...string) error {
	return execute("execlpe", file, argv, env, true, true)
}

func execute(op, name string, argv, env []string, search, envGiven bool) error {
	c, err := newCommand(op, name, argv, env, search, envGiven)
	if err != nil {
		return err
	}
	return wrap(op, name, overlay(c))
}
