package procs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test binary is also every program the tests start. Which one is chosen
// by argv[0], so argv[1:] stays free for the arguments under test:
//
//	helper|<name>|<report file>   a helper below (echo, exit, ...)
//	child                         the chapter's child.py, found on PATH
//	greet                         prints its arguments (for the examples)
//
// and forked children find their entry point through procs.Init.
const helperPrefix = "helper|"

// started is when this process ran its package initialisation: a child
// from the pool did so before Fork was called.
var started = time.Now()

// report is what a helper or forked child tells the test about itself.
type report struct {
	Started   time.Time // package initialisation
	Pid, Ppid int
	Args      []string
	RawArgs   [][]byte // Args as bytes: JSON would turn bytes that are not UTF-8 into U+FFFD
	Env       []string
	Dir       string
	Exe       string   // os.Executable: which copy of the test binary runs
	Sid, Pgid int      // Unix only
	Console   bool     // Windows only: attached to a console
	InJob     bool     // Windows only: in a job object
	Note      string   // free text, such as a value of copied state
	Fds       []int    // open descriptors (Unix)
	FdTargets []string // what each open descriptor refers to (Linux)
}

// binDir holds copies of the test binary named after the programs above, and
// is first in PATH while the tests run.
var binDir string

func TestMain(m *testing.M) {
	if err := testutil.ImitateMacOS(); err != nil { // forkport_bsdpaths only
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "fork-before-init" {
		// procs.Init deliberately not called yet.
		_, err := procs.Fork("report")
		fmt.Println(errors.Is(err, procs.ErrNoInit), err)
		err = procs.Prestart(1)
		fmt.Println(errors.Is(err, procs.ErrNoInit), err)
		os.Exit(0)
	}
	procs.Init()
	if len(os.Args) == 3 {
		switch os.Args[1] {
		case "fork-from-empty-argv0":
			os.Exit(forkFromEmptyArgv0(os.Args[2]))
		case "fork-on-stdin":
			os.Exit(forkOnStdin(os.Args[2]))
		case "prestart-and-wait":
			os.Exit(prestartAndWait(os.Args[2]))
		case "prestart-then-exec":
			os.Exit(prestartThenExec(os.Args[2]))
		}
	}
	if strings.HasPrefix(os.Args[0], helperPrefix) {
		os.Exit(runHelper(os.Args[0]))
	}
	switch filepath.Base(strings.TrimSuffix(os.Args[0], ".exe")) {
	case "child":
		fmt.Println("Hello from child", os.Getpid(), strings.Join(os.Args[1:], " "))
		os.Exit(0)
	case "greet":
		fmt.Println("greetings from", os.Args[0], strings.Join(os.Args[1:], " "))
		os.Exit(0)
	}
	top := leakcheck.Tag()
	if os.Getenv("GORACE") == "" {
		// Under -race every child would otherwise sleep 1 s at exit.
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	stop, err := testutil.Prestart() // FORKPORT_PRESTART=N: every Fork through the pool
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := run(m)
	stop()
	if os.Getenv(testutil.PrestartEnv) != "" {
		fmt.Printf("forks served by pre-started children: %d\n", procs.PooledForks())
	}
	if err := leakcheck.Check(top); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "procs-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer testutil.RemoveAll(dir) // os.RemoveAll fails under Wine (see testutil.TempDir)
	binDir = dir
	for _, name := range []string{"child", "greet"} {
		if err := copyExe(filepath.Join(dir, name+exeSuffix)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}

func copyExe(dst string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(exe)
	if err != nil {
		return err
	}
	defer in.Close()
	return withoutForks(func() error {
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// withoutForks runs write, which opens a file for writing and closes it,
// while no goroutine forks. A child forked while the file is open holds a
// copy of the descriptor until it execs (close-on-exec closes it only
// then), and an exec of the file meanwhile fails with ETXTBSY ("text file
// busy", Linux): the tests run programs they have just written while
// other tests, and the pool's refills, start children. os.StartProcess
// forks holding syscall.ForkLock for writing, so none forks while it is
// held for reading (a no-op on Windows, whose children inherit only the
// handles they are given).
func withoutForks(write func() error) error {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	return write()
}

// helperArgv0 names a helper and the file it reports to.
func helperArgv0(name, out string) string { return helperPrefix + name + "|" + out }

// exe is the path of the test binary, the program every helper runs in.
func exe(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	require.NoError(t, err)
	return p
}

// newReport returns a report file path in a fresh temporary directory.
func newReport(t *testing.T) string {
	t.Helper()
	return filepath.Join(testutil.TempDir(t), "report.json")
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err, "the child wrote no report")
	var r report
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

// waitReport waits for a child that keeps running to write its report, and
// returns it. It polls, for at most a minute.
func waitReport(t *testing.T, path string) report {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var r report
		b, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(b, &r) == nil {
			return r
		}
		require.False(t, time.Now().After(deadline), "no report in %s after a minute", path)
		time.Sleep(10 * time.Millisecond)
	}
}

func writeReport(path string, r report) {
	r.Pid, r.Ppid, r.Started = os.Getpid(), os.Getppid(), started
	if r.Args == nil {
		r.Args = os.Args
	}
	for _, a := range r.Args {
		r.RawArgs = append(r.RawArgs, []byte(a))
	}
	if r.Env == nil {
		r.Env = os.Environ()
	}
	r.Dir, _ = os.Getwd()
	r.Exe, _ = os.Executable()
	fillSys(&r)
	b, err := json.Marshal(r)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(111)
	}
}

func runHelper(argv0 string) int {
	parts := strings.SplitN(strings.TrimPrefix(argv0, helperPrefix), "|", 2)
	name, out := parts[0], ""
	if len(parts) == 2 {
		out = parts[1]
	}
	args := os.Args[1:]
	switch name {
	case "echo": // report argv, env, ids
		writeReport(out, report{})
		return 0
	case "exit": // exit with the code in args[0]
		code, _ := strconv.Atoi(args[0])
		return code
	case "block": // report, then block until stdin is closed
		if out != "" {
			writeReport(out, report{})
		}
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	case "fdwrite": // write args[1] to descriptor args[0], then report
		fd, _ := strconv.Atoi(args[0])
		f := os.NewFile(uintptr(fd), "fd")
		_, err := f.WriteString(args[1])
		writeReport(out, report{Note: fmt.Sprint(err), Fds: openFds(), FdTargets: fdTargets()})
		return 0
	case "children": // report how many children this process has (Note)
		kids, err := leakcheck.Children(os.Getpid())
		note := fmt.Sprint(len(kids))
		if err != nil {
			note = err.Error()
		}
		writeReport(out, report{Note: note})
		return 0
	case "serve": // take the sockets Start passed: serve one connection on socket 0, or answer connection 0
		return serveStarted()
	case "fds": // report the open descriptors
		writeReport(out, report{Fds: openFds(), FdTargets: fdTargets()})
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
	return 2
}

// forkCase is the state the tests' forked children start with: Copy makes
// the child's copy; forkMu keeps tests from changing it while another test
// forks.
var (
	forkCase struct {
		Out     string   // report file
		Variant string   // exec variant to call
		Name    string   // program for the exec variant
		Argv    []string // its argv
		Env     []string // its environment (e variants)
		Value   int      // a number the entry point reads
		Memory  int      // TestForkCopiesMemory's alone: no other test writes it
	}
	forkMu sync.Mutex
)

// forkWith sets the copied state with set, then forks name, atomically with
// respect to other tests. A nil attr starts the child as the root of its own
// tree (process group or job object), so that clean-up can kill everything
// it started, pass or fail.
func forkWith(t *testing.T, name string, attr *procs.Attr, set func()) *procs.Process {
	t.Helper()
	if attr == nil {
		attr = &procs.Attr{Group: true}
	}
	forkMu.Lock()
	defer forkMu.Unlock()
	set()
	p, err := procs.ForkWith(name, attr)
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = p.KillTree()
		_ = p.Kill()
		_, _ = p.Wait()
	})
	return p
}

func waitCode(t *testing.T, p *procs.Process) int {
	t.Helper()
	st, err := p.Wait()
	require.NoError(t, err)
	return st.ExitCode()
}

// evalSymlinks makes p absolute and resolves it as the OS names it in a working directory, in
// /proc/self/fd or in os.Executable (and, on Windows, with long names for
// short ones): compare paths under TMPDIR only once both are resolved, as
// TMPDIR may be behind a symlink (on macOS /var is one, to /private/var).
func evalSymlinks(t *testing.T, p string) string {
	t.Helper()
	q, err := filepath.Abs(p)
	require.NoError(t, err)
	q, err = filepath.EvalSymlinks(q)
	require.NoError(t, err)
	return q
}

// assertEnvHas asserts that env sets the variable name to value, finding
// the name as the OS compares names: on Windows the caller's PATH may be
// spelled Path (as pwsh and cmd spell it), and a child's environment keeps
// that spelling.
func assertEnvHas(t *testing.T, env []string, name, value string, msg string) {
	t.Helper()
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && envNameEqual(k, name) {
			assert.Equal(t, value, v, "%s: %s", msg, k)
			return
		}
	}
	assert.Fail(t, "variable not set", "%s: no %s in %q", msg, name, env)
}

// writeFile writes content to dir/name with perm and returns its path.
func writeFile(t *testing.T, dir, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, withoutForks(func() error { return os.WriteFile(p, []byte(content), perm) }))
	require.NoError(t, os.Chmod(p, perm))
	return p
}
