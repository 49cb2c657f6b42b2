package procs_test

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withPool runs the test with a pool of n (Prestart returns once it is
// full) and puts back the pool the run was started with. Tests that use it
// do not run in parallel: the pool is the process's.
func withPool(t *testing.T, n int) {
	t.Helper()
	require.NoError(t, procs.Prestart(n))
	t.Cleanup(func() {
		require.NoError(t, procs.Prestart(0))
		if _, err := testutil.Prestart(); err != nil { // FORKPORT_PRESTART's pool, if any
			t.Error(err)
		}
	})
}

// fromPool reports whether the child of r was pre-started: its package
// initialisation ran before the parent called Fork at forkedAt.
func fromPool(r report, forkedAt time.Time) bool { return r.Started.Before(forkedAt) }

func TestPrestartKeepsForksContract(t *testing.T) {
	withPool(t, 2)
	dir := testutil.TempDir(t)
	shared, err := os.Create(filepath.Join(dir, "shared"))
	require.NoError(t, err)
	defer shared.Close()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()

	out := newReport(t)
	env := append(os.Environ(), "FORKPORT_TEST_SET_AFTER_PRESTART=yes")
	var files []*os.File
	if poolTakesFiles { // else Attr.Files would start a fresh child
		files = []*os.File{shared}
	}
	forkedAt := time.Now()
	p := forkWith(t, "report-files", &procs.Attr{Env: env, Dir: dir, Files: files, Stdout: stdout, Group: true},
		func() { forkCase.Out, forkCase.Value = out, 41 })
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)

	assert.True(t, fromPool(r, forkedAt), "the child was pre-started (package initialisation at %v, Fork at %v)", r.Started, forkedAt)
	assert.Equal(t, p.Pid, r.Pid, "Fork returns the child's PID")
	assert.Equal(t, os.Getpid(), r.Ppid, "the child's parent is the caller")
	assert.Equal(t, os.Args, r.Args, "the caller's arguments")
	assert.Equal(t, evalSymlinks(t, dir), evalSymlinks(t, r.Dir), "Attr.Dir")
	assert.Contains(t, r.Env, "FORKPORT_TEST_SET_AFTER_PRESTART=yes", "the environment at Fork, not at Prestart")
	assert.NotContains(t, strings.Join(r.Env, "\n"), "FORKPORT_FORK=")
	assert.Equal(t, "41", r.Note, "the copied state at Fork")
	if poolTakesFiles {
		b, err := os.ReadFile(shared.Name())
		require.NoError(t, err)
		assert.Equal(t, "through the inherited file\n", string(b), "Attr.Files")
	}
	b, err := os.ReadFile(stdout.Name())
	require.NoError(t, err)
	assert.Equal(t, "on Attr.Stdout\n", string(b), "Attr.Stdout")
	assertPooledTree(t, r)
}

// reportFilesEntry writes to its inherited file, if any, and stdout, then
// reports.
func reportFilesEntry() {
	for _, f := range procs.Inherited() {
		if _, err := f.WriteString("through the inherited file\n"); err != nil {
			procs.Exit(3)
		}
	}
	fmt.Println("on Attr.Stdout")
	writeReport(forkCase.Out, report{Note: strconv.Itoa(forkCase.Value)})
}

func init() { procs.Register("report-files", reportFilesEntry) }

func TestPrestartPoolIsRefilled(t *testing.T) {
	withPool(t, 1)
	for i := range 3 {
		// The pool refills in the background after each Fork: each
		// Fork, once it has, is served by a waiting child.
		waitPoolFull(t, 1)
		out := newReport(t)
		forkedAt := time.Now()
		p := forkWith(t, "report", nil, func() { forkCase.Out = out })
		require.Zero(t, waitCode(t, p))
		assert.True(t, fromPool(readReport(t, out), forkedAt), "fork %d", i)
	}
}

// waitPoolFull polls until n children wait, for at most 30 s.
func waitPoolFull(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); procs.PoolIdle() < n; {
		require.True(t, time.Now().Before(deadline), "the pool was not refilled: %d of %d waiting", procs.PoolIdle(), n)
		time.Sleep(time.Millisecond)
	}
}

func TestPrestartRelativeDirIsTheCallersAtFork(t *testing.T) {
	// A relative Attr.Dir names a directory relative to the caller's
	// directory when it calls Fork, not to the one the waiting child
	// started in. The test moves the caller to a directory with a sub
	// directory that the test binary's directory lacks.
	// The directory's clean-up runs after the pool's (clean-ups run last
	// first): a refill after the Fork starts a child while the caller is
	// in the directory, and Windows removes no directory a process is in.
	base := testutil.TempDir(t)
	withPool(t, 1)
	wd, err := os.Getwd()
	require.NoError(t, err)
	require.NoError(t, os.Mkdir(filepath.Join(base, "only-here"), 0o755))
	forkMu.Lock() // the working directory is the process's: no other fork meanwhile
	defer forkMu.Unlock()
	require.NoError(t, os.Chdir(base))
	defer func() { require.NoError(t, os.Chdir(wd)) }()
	out := newReport(t)
	forkCase.Out = out
	forkedAt := time.Now()
	p, err := procs.ForkWith("report", &procs.Attr{Dir: "only-here", Group: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.KillTree(); _ = p.Kill(); _, _ = p.Wait() })
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)
	assert.True(t, fromPool(r, forkedAt))
	assert.Equal(t, evalSymlinks(t, filepath.Join(base, "only-here")), evalSymlinks(t, r.Dir))
}

func TestPrestartedChildrenAreNotReaped(t *testing.T) {
	withPool(t, 2)
	kids, err := leakcheck.Children(os.Getpid())
	if err != nil {
		t.Skipf("cannot list a process's children here (%v)", err)
	}
	// Prestart(0) (withPool's clean-up in the test before) returns once
	// every child of the pool is reaped, including one a background
	// refill was discarding: the two waiting children are the only ones.
	require.Len(t, kids, 2, "the pool's children are this process's only ones now: %v", kids)
	var pids []int
	for _, k := range kids {
		pids = append(pids, k.Pid)
	}
	require.ElementsMatch(t, procs.PoolIdlePids(), pids, "this process's children are the waiting ones")
	// A waiting child that dies is the pool's to reap, not Reap's or
	// Waitpid's: a program never sees a status for a PID Fork did not
	// return.
	idle, err := os.FindProcess(kids[0].Pid)
	require.NoError(t, err)
	require.NoError(t, idle.Kill())
	waitExited(t, kids[0].Pid)
	assert.Empty(t, procs.Reap())
	_, err = procs.Waitpid(kids[0].Pid)
	assert.ErrorIs(t, err, syscall.ECHILD)
	// And the next Fork does not get it: it gets the other, or a fresh
	// child.
	out := newReport(t)
	p := forkWith(t, "report", nil, func() { forkCase.Out = out })
	require.Zero(t, waitCode(t, p))
	assert.NotEqual(t, kids[0].Pid, p.Pid)
}

func TestPrestartStartOnlyVariables(t *testing.T) {
	// GOGC is read by the runtime at start: a child that started without
	// it cannot honour it, so Fork starts a fresh one.
	withPool(t, 1)
	out := newReport(t)
	env := append(os.Environ(), "GOGC=137")
	forkedAt := time.Now()
	p := forkWith(t, "report", &procs.Attr{Env: env, Group: true}, func() { forkCase.Out = out })
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)
	assert.False(t, fromPool(r, forkedAt), "a fresh child for a start-only variable that differs")
	assert.Contains(t, r.Env, "GOGC=137")
}

func TestPrestartBadInput(t *testing.T) {
	err := procs.Prestart(-1)
	assert.ErrorIs(t, err, fs.ErrInvalid)
}

// TestPrestartedChildrenLeaveWithTheirParent kills a process that has a pool
// (SIGKILL on Unix, TerminateProcess on Windows: it runs no clean-up) and
// checks that its waiting children exit by themselves.
func TestPrestartedChildrenLeaveWithTheirParent(t *testing.T) {
	t.Parallel()
	if _, err := leakcheck.Children(os.Getpid()); err != nil {
		t.Skipf("cannot list a process's children here (%v): the waiting children's PIDs are unknown", err)
	}
	cmd := exec.Command(exe(t), "prestart-and-wait", "2")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	var pids []int
	for _, f := range strings.Fields(line) {
		pid, err := strconv.Atoi(f)
		require.NoError(t, err, "%q", line)
		pids = append(pids, pid)
	}
	require.Len(t, pids, 2, "the helper reports its waiting children: %q", line)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	for _, pid := range pids {
		waitGone(t, pid)
	}
}

// prestartAndWait fills a pool of n, prints its children's PIDs (its only
// children) and waits to be killed.
func prestartAndWait(n string) int {
	size, _ := strconv.Atoi(n)
	if err := procs.Prestart(size); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	kids, err := leakcheck.Children(os.Getpid())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var pids []string
	for _, k := range kids {
		pids = append(pids, strconv.Itoa(k.Pid))
	}
	fmt.Println(strings.Join(pids, " "))
	_, _ = io.Copy(io.Discard, os.Stdin) // until killed
	return 0
}
