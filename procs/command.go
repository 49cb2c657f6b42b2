package procs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// command is a validated, resolved program invocation shared by the exec and
// spawn families: the eight Python spellings all end up here.
type command struct {
	path string   // the program to run, resolved
	argv []string // passed as given; argv[0] included
	env  []string // nil: inherit the caller's environment
}

// newCommand validates a call and resolves its program. search selects the
// "p" behaviour (a name without a path separator is looked up in PATH);
// envGiven selects the "e" behaviour (env is the child's whole environment,
// and its PATH is the one searched).
func newCommand(op, name string, argv, env []string, search, envGiven bool) (*command, error) {
	if err := validate(name, argv, env); err != nil {
		return nil, wrap(op, name, err)
	}
	if envGiven && env == nil {
		env = []string{} // "exactly the given environment": none at all
	}
	path, err := resolve(name, search, env, envGiven)
	if err != nil {
		return nil, wrap(op, name, err)
	}
	return &command{path: path, argv: argv, env: env}, nil
}

// resolve finds the program to run: searched for in PATH (env's when
// envGiven, else the caller's) with search and a name without a path
// separator, else checked as a path.
func resolve(name string, search bool, env []string, envGiven bool) (string, error) {
	if search && !hasSeparator(name) {
		pathList := os.Getenv("PATH")
		if envGiven {
			pathList = envValue(env, "PATH")
		}
		return lookPathIn(name, pathList)
	}
	return checkProgram(name)
}

// validate rejects what no OS can pass to a new program, before any process
// is started: an empty argv or argv[0] (as Python does), NUL bytes, and
// environment entries that are not NAME=value.
func validate(name string, argv, env []string) error {
	if strings.IndexByte(name, 0) >= 0 {
		return invalid("program name contains a NUL byte")
	}
	if len(argv) == 0 {
		return invalid("argv is empty (argv[0], the program's name for itself, is required)")
	}
	if argv[0] == "" {
		return invalid("argv[0] is empty")
	}
	for i, a := range argv {
		if strings.IndexByte(a, 0) >= 0 {
			return invalid("argv[%d] contains a NUL byte", i)
		}
	}
	return validateEnv(env)
}

// validateEnv rejects environment entries with a NUL byte or without "=".
func validateEnv(env []string) error {
	for _, e := range env {
		if strings.IndexByte(e, 0) >= 0 {
			return invalid("environment entry %q contains a NUL byte", strings.ReplaceAll(e, "\x00", `\x00`))
		}
		// The name may start with '=' (Windows keeps per-drive directories
		// as "=C:=C:\dir"), so look for the separator after the first byte.
		if len(e) < 2 || strings.IndexByte(e[1:], '=') < 0 {
			return invalid("environment entry %q is not NAME=value", e)
		}
	}
	return nil
}

var errIsDir = fmt.Errorf("is a directory: %w", fs.ErrPermission)

// LookPath finds file as the p variants (Execvp, Spawnlp, ...) do, and
// returns the path they would run: a name with a path separator is checked
// as it is; any other name is looked up in the PATH of env, or of the
// caller's environment when env is nil; "", "." and ".." name no program
// and are refused before any search, as exec.LookPath does. Errors wrap
// exec.ErrNotFound, exec.ErrDot, fs.ErrNotExist or fs.ErrPermission.
func LookPath(file string, env []string) (string, error) {
	if strings.IndexByte(file, 0) >= 0 {
		return "", wrap("lookpath", file, invalid("program name contains a NUL byte"))
	}
	if err := validateEnv(env); err != nil {
		return "", wrap("lookpath", file, err)
	}
	path, err := resolve(file, true, env, env != nil)
	if err != nil {
		return "", wrap("lookpath", file, err)
	}
	return path, nil
}

// checkProgram checks a program named without PATH search: relative to the
// working directory or absolute. It reports a missing program as
// fs.ErrNotExist, and a directory or non-executable file as fs.ErrPermission,
// before a process is started, with the same rules on every OS (the
// executable check is exec.LookPath's, which on Windows also tries PATHEXT).
func checkProgram(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty program name: %w", fs.ErrNotExist)
	}
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		return "", errIsDir
	}
	p := name
	if !hasSeparator(p) {
		// exec.LookPath searches PATH for a bare name; a path is what we mean.
		p = "." + string(os.PathSeparator) + p
	}
	resolved, err := exec.LookPath(p)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			// Windows, after trying PATHEXT: no search happened, so say
			// what is missing as a missing file, as Unix does.
			return "", &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
		}
		return "", unwrapExecError(err)
	}
	if resolved != p {
		return resolved, nil // Windows: an extension from PATHEXT was added
	}
	return name, nil
}

// lookPathIn searches pathList (a PATH value) for file as exec.LookPath does:
// an empty element means ".", a non-executable match is skipped for a later
// executable one, and a match relative to the current directory is refused
// with exec.ErrDot. Unlike exec.LookPath on Windows, the current directory is
// never searched unless pathList names it, so the search is the same on every
// OS and can use a PATH other than the caller's (the pe variants').
func lookPathIn(file, pathList string) (string, error) {
	// No program is named "", "." or "..", and filepath.Join below would
	// clean "exe/." to "exe": refuse them before any search, as os/exec's
	// validateLookPath does (CVE-2025-47906).
	switch file {
	case "", ".", "..":
		return "", exec.ErrNotFound
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			dir = "."
		}
		// Cleaned ("dir/" gives dir/file, not dir//file), with a separator
		// (or, on Windows, a drive: "C:" gives "C:file") kept so
		// exec.LookPath checks this one file.
		candidate := filepath.Join(dir, file)
		if !hasSeparator(candidate) && filepath.VolumeName(candidate) == "" {
			candidate = "." + string(os.PathSeparator) + candidate
		}
		p, err := exec.LookPath(candidate)
		if err != nil {
			continue
		}
		if !filepath.IsAbs(p) {
			return "", fmt.Errorf("found %s in a relative PATH element: %w", p, exec.ErrDot)
		}
		return p, nil
	}
	return "", exec.ErrNotFound
}

// unwrapExecError drops exec.Error's own "exec: name:" prefix: Error carries
// the name already.
func unwrapExecError(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

func hasSeparator(name string) bool {
	return strings.ContainsRune(name, '/') || strings.ContainsRune(name, os.PathSeparator)
}
