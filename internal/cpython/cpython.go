// Package cpython makes CPython the second subject of forkport's claims.
//
// Under the procs subject the programs a claim script starts by name
// (fork1, forkprobe, echoargs, ...) are Go programs built on package procs.
// Under the cpython subject they are their CPython twins, the Python 3
// programs in internal/probe/python, which use the os module the way the
// chapter does. The supervisor (run) and the script vocabulary stay Go.
//
// Find locates the interpreter: $FORKPORT_PYTHON when set, else python3 on
// PATH (on Windows "py -3", then python), resolved to its sys.executable.
// Install puts the twins in a directory the scripts' PATH starts with, so
// that each runs by name as a program of its own: on Unix an executable
// file whose "#!" line names the interpreter, so the kernel runs the
// interpreter in the process that was started (exec keeps the PID, as for
// any Python script); on Windows, which has no "#!", a launcher
// <name>.exe next to <name>-script.py, the pattern of setuptools' and pip's
// console scripts: the launcher starts the interpreter on the script as its
// child, waits, and exits with its status (see Launch).
package cpython

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/wine"
)

// PythonEnv names the interpreter to use instead of python3 from PATH.
const PythonEnv = "FORKPORT_PYTHON"

// Required reports whether a missing interpreter is an error rather than a
// reason to skip the CPython subject: under CI ($CI set), which installs
// one on every runner, except under Wine, where no Windows CPython runs.
func Required() bool { return required(os.Getenv("CI") != "", wine.Detected()) }

// required is Required's rule, given whether $CI is set and whether the
// program runs under Wine.
func required(ci, underWine bool) bool { return ci && !underWine }

// Interpreter is a CPython 3 interpreter.
type Interpreter struct {
	Path    string // sys.executable: an absolute path
	Version string // platform.python_version(), such as "3.11.7"
	From    string // how it was found: "$FORKPORT_PYTHON", "python3 on PATH", ...
}

// Short is the version without its micro part: "3.11".
func (i Interpreter) Short() string {
	parts := strings.SplitN(i.Version, ".", 3)
	if len(parts) < 2 {
		return i.Version
	}
	return parts[0] + "." + parts[1]
}

// Subject names the subject in a leg: "cpython3.11".
func (i Interpreter) Subject() string { return "cpython" + i.Short() }

// query prints what Find needs to know, one item per line.
const query = `import sys, platform
print(sys.implementation.name)
print(platform.python_version())
print(sys.executable)`

// maxQueryOutput bounds what Find reads from a candidate interpreter.
const maxQueryOutput = 64 << 10

// queryTimeout bounds how long a candidate may take to answer.
var queryTimeout = 30 * time.Second

// queryWaitDelay bounds how long Find waits, once the candidate has
// exited, for its output to close: a process it started and left running
// may hold it open for ever.
var queryWaitDelay = 2 * time.Second

var versionRE = regexp.MustCompile(`^3\.[0-9]+\.[0-9]+`)

// Find returns the interpreter the cpython subject runs: $FORKPORT_PYTHON
// when set (a path, or a command name looked up on PATH), else the OS's
// usual names (candidates). The error wraps exec.ErrNotFound when there is
// no interpreter, and fs.ErrInvalid when the one found is not CPython 3.
//
// A candidate gets queryTimeout (30 s) to answer. On Unix it runs in a
// process group of its own, which Find kills when the candidate has
// answered or timed out, so nothing it started outlives the query; a
// candidate that leaves a process holding its output open is refused
// (after queryWaitDelay) rather than waited for. Elsewhere only the
// candidate itself is killed (see inGroup).
func Find() (Interpreter, error) {
	if v, ok := os.LookupEnv(PythonEnv); ok {
		if v == "" {
			return Interpreter{}, fmt.Errorf("$%s is set but empty: unset it to use python3 from PATH, or name an interpreter: %w", PythonEnv, fs.ErrInvalid)
		}
		return ask([]string{v}, "$"+PythonEnv)
	}
	var tried []string
	for _, argv := range candidates {
		if _, err := exec.LookPath(argv[0]); err != nil {
			tried = append(tried, strings.Join(argv, " "))
			continue
		}
		return ask(argv, strings.Join(argv, " ")+" on PATH")
	}
	return Interpreter{}, fmt.Errorf("no Python 3 interpreter on PATH (looked for %s), and $%s is unset: %w",
		strings.Join(tried, ", "), PythonEnv, exec.ErrNotFound)
}

// ask runs argv with the query and checks its answer.
func ask(argv []string, from string) (Interpreter, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], "-c", query)...)
	var out, errb limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = withoutPythonVars(os.Environ())
	cmd.WaitDelay = queryWaitDelay
	inGroup(cmd)
	err := cmd.Run()
	if gerr := endGroup(cmd); gerr != nil && err == nil {
		err = gerr
	}
	name := strings.Join(argv, " ")
	switch {
	case ctx.Err() != nil:
		return Interpreter{}, fmt.Errorf("%s (%s) did not answer the version query within %v (killed): %w (%w)", name, from, queryTimeout, fs.ErrInvalid, ctx.Err())
	case errors.Is(err, exec.ErrWaitDelay):
		return Interpreter{}, fmt.Errorf("%s (%s) answered the version query but left a process running that holds its output open (killed): not an interpreter the scripts can use: %w", name, from, fs.ErrInvalid)
	case err != nil:
		msg := strings.TrimSpace(errb.String())
		if msg != "" {
			msg = ": " + lastLine(msg)
		}
		return Interpreter{}, fmt.Errorf("%s (%s) does not run as a Python interpreter%s: %w", name, from, msg, err)
	}
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(out.String(), "\r\n", "\n")), "\n")
	if len(lines) != 3 {
		return Interpreter{}, fmt.Errorf("%s (%s) answered %q to the version query: %w", strings.Join(argv, " "), from, out.String(), fs.ErrInvalid)
	}
	impl, version, exe := lines[0], lines[1], lines[2]
	switch {
	case impl != "cpython":
		return Interpreter{}, fmt.Errorf("%s (%s) is %s, not CPython: %w", strings.Join(argv, " "), from, impl, fs.ErrInvalid)
	case !versionRE.MatchString(version):
		return Interpreter{}, fmt.Errorf("%s (%s) is Python %s, not Python 3: %w", strings.Join(argv, " "), from, version, fs.ErrInvalid)
	case !filepath.IsAbs(exe):
		return Interpreter{}, fmt.Errorf("%s (%s) does not know its own executable (sys.executable is %q): %w", strings.Join(argv, " "), from, exe, fs.ErrInvalid)
	}
	return Interpreter{Path: exe, Version: version, From: from}, nil
}

// withoutPythonVars drops the variables that would change what the query
// reports (PYTHONHOME, PYTHONEXECUTABLE, ...) from env: the scripts do not
// pass them either.
func withoutPythonVars(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(strings.ToUpper(kv), "PYTHON") {
			out = append(out, kv)
		}
	}
	return out
}

// lastLine is the last line of s: a Python traceback ends with what went
// wrong.
func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// limitedBuffer keeps the first maxQueryOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxQueryOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// Ext is the extension of a twin's source file.
const Ext = ".py"

// maxTwinSize bounds a twin's source: Install refuses a larger file.
const maxTwinSize = 1 << 20

// Twins returns the names of the twins in src (each <name>.py), sorted. It
// is an error when src holds none.
func Twins(src string) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("CPython twins: %w", err)
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), Ext); ok && e.Type().IsRegular() && name != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("CPython twins: %s has no *%s file: %w", src, Ext, fs.ErrNotExist)
	}
	sort.Strings(names)
	return names, nil
}

// Install puts every twin of src into dir (which must exist) as a program
// the OS runs by name with py (see the package documentation), and returns
// the twins' names.
func Install(dir, src string, py Interpreter) ([]string, error) {
	names, err := Twins(src)
	if err != nil {
		return nil, err
	}
	if err := checkInterpreterPath(py.Path); err != nil {
		return nil, err
	}
	for _, name := range names {
		body, err := readTwin(filepath.Join(src, name+Ext))
		if err != nil {
			return nil, err
		}
		if err := install(dir, name, withInterpreter(body, py.Path)); err != nil {
			return nil, fmt.Errorf("installing the CPython twin %s: %w", name, err)
		}
	}
	return names, nil
}

func readTwin(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("CPython twin: %w", err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, maxTwinSize+1)); err != nil {
		return nil, fmt.Errorf("CPython twin: %w", err)
	}
	if b.Len() > maxTwinSize {
		return nil, fmt.Errorf("CPython twin %s is larger than %d bytes: %w", path, maxTwinSize, fs.ErrInvalid)
	}
	return b.Bytes(), nil
}

// withInterpreter replaces body's "#!" line (or prepends one) with one
// naming the interpreter at path.
func withInterpreter(body []byte, path string) []byte {
	if bytes.HasPrefix(body, []byte("#!")) {
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			body = body[i+1:]
		} else {
			body = nil
		}
	}
	return append([]byte("#!"+path+"\n"), body...)
}

// interpreterOf reads the interpreter a twin's "#!" line names.
func interpreterOf(script []byte) (string, bool) {
	line, _, _ := bytes.Cut(script, []byte("\n"))
	path, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r"), []byte("#!"))
	if !ok || len(bytes.TrimSpace(path)) == 0 {
		return "", false
	}
	return string(bytes.TrimSpace(path)), true
}
