package procs_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	procs.Copy("forkCase", &forkCase)
	procs.Register("report", func() { writeReport(forkCase.Out, report{}) })
	procs.Register("return", func() {})
	procs.Register("exit-skips-defer", func() {
		defer os.WriteFile(forkCase.Out, []byte("deferred call ran"), 0o644)
		procs.Exit(42)
	})
	procs.Register("copy", copyEntry)
	procs.Register("files", filesEntry)
	procs.Register("stdout", func() { fmt.Print("child on the inherited stdout\n") })
	procs.Register("exec", execEntry)
	procs.Register("tree", treeEntry)
	procs.Register("tree-leaf", treeLeafEntry)
	procs.Register("duplicate", func() {})
	procs.Register("duplicate", func() {})
}

func TestForkNewPidAndParent(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	p := forkWith(t, "report", nil, func() { forkCase.Out = out })
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)
	assert.Equal(t, p.Pid, r.Pid, "Fork returns the child's PID")
	assert.NotEqual(t, os.Getpid(), r.Pid, "the child is a new process")
	assert.Equal(t, os.Getpid(), r.Ppid, "the child's parent is the caller")
	assert.Equal(t, os.Args, r.Args, "the child starts with the caller's arguments")
	wd, _ := os.Getwd()
	assert.Equal(t, wd, r.Dir, "and its working directory")
	assert.NotContains(t, strings.Join(r.Env, "\n"), "FORKPORT_FORK=", "the fork marker is gone before the entry point runs")
}

// copyEntry checks the copy it started with, waits until the parent has
// changed its own copy, then changes its copy and reports what it saw.
func copyEntry() {
	in := bufio.NewReader(procs.Inherited()[0])
	atStart := forkCase.Memory
	_, _ = in.ReadString('\n') // the parent has now set its Memory to 3
	afterParentChange := forkCase.Memory
	forkCase.Memory = 2
	writeReport(forkCase.Out, report{Note: fmt.Sprintf("%d %d %d", atStart, afterParentChange, forkCase.Memory)})
}

func TestForkCopiesMemory(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	var p *procs.Process
	func() {
		forkMu.Lock()
		defer forkMu.Unlock()
		forkCase.Out, forkCase.Memory = out, 1
		p, err = procs.ForkWith("copy", &procs.Attr{Files: []*os.File{r}})
		require.NoError(t, err)
		forkCase.Memory = 3 // after Fork: the child must not see this
	}()
	t.Cleanup(func() { _ = p.Kill(); _, _ = p.Wait() })
	_, err = w.WriteString("changed\n")
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Zero(t, waitCode(t, p))
	got := readReport(t, out)
	assert.Equal(t, "1 1 2", got.Note, "the child sees the value at Fork time, not the parent's later change, and changes its own copy")
	forkMu.Lock()
	assert.Equal(t, 3, forkCase.Memory, "the child's change is not seen by the parent")
	forkMu.Unlock()
}

// filesEntry appends to the file the parent passed, at the shared offset.
func filesEntry() {
	f := procs.Inherited()[0]
	if _, err := f.WriteString("child\n"); err != nil {
		procs.Exit(3)
	}
}

func TestForkSharesOpenFiles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testutil.TempDir(t), "shared")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("parent before\n")
	require.NoError(t, err)
	p := forkWith(t, "files", &procs.Attr{Files: []*os.File{f}}, func() {})
	require.Zero(t, waitCode(t, p))
	_, err = f.WriteString("parent after\n")
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "parent before\nchild\nparent after\n", string(b),
		"one open file, one offset: neither process overwrites the other")
}

func TestForkInheritsStdout(t *testing.T) {
	t.Parallel()
	path := filepath.Join(testutil.TempDir(t), "stdout")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	p := forkWith(t, "stdout", &procs.Attr{Stdout: f}, func() {})
	require.Zero(t, waitCode(t, p))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "child on the inherited stdout\n", string(b))
}

func TestForkEntryReturningExitsZero(t *testing.T) {
	t.Parallel()
	p := forkWith(t, "return", nil, func() {})
	assert.Equal(t, 0, waitCode(t, p))
}

func TestExitSkipsDeferredCalls(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	p := forkWith(t, "exit-skips-defer", nil, func() { forkCase.Out = out })
	assert.Equal(t, 42, waitCode(t, p))
	assert.NoFileExists(t, out, "procs.Exit must not run deferred calls")
}

func TestForkErrors(t *testing.T) {
	t.Parallel()
	_, err := procs.Fork("never-registered")
	assert.ErrorIs(t, err, procs.ErrNotRegistered)
	assert.ErrorContains(t, err, "never-registered")

	_, err = procs.Fork("duplicate")
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.ErrorContains(t, err, "registered twice")

	procs.Register("registered-after-init", func() {})
	_, err = procs.Fork("registered-after-init")
	assert.ErrorIs(t, err, procs.ErrLateRegister)

	_, err = procs.ForkWith("report", &procs.Attr{Env: []string{"NOEQUALS"}})
	assert.ErrorIs(t, err, fs.ErrInvalid)
}

func TestForkBeforeInit(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(exe(t), "fork-before-init").CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(string(out), "\n")
	require.Len(t, lines, 3, "%s", out)
	assert.True(t, strings.HasPrefix(lines[0], "true "), "Fork before Init wraps ErrNoInit: %s", out)
	assert.True(t, strings.HasPrefix(lines[1], "true "), "and so does Prestart: %s", out)
}

func TestCopyMisuseFailsEveryFork(t *testing.T) {
	t.Parallel()
	// A late Copy would leave children without that state, so it poisons
	// every Fork; that must happen in a process of its own.
	cmd := exec.Command(exe(t), "-test.run=^TestCopyMisuseChild$")
	cmd.Env = append(os.Environ(), "PROCS_TEST_COPY_MISUSE=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "PASS")
}

func TestCopyMisuseChild(t *testing.T) {
	if os.Getenv("PROCS_TEST_COPY_MISUSE") == "" {
		t.Skip("runs only as the child of TestCopyMisuseFailsEveryFork")
	}
	var late int
	procs.Copy("late", &late)
	_, err := procs.Fork("return")
	assert.ErrorIs(t, err, procs.ErrLateRegister)
}

func TestCopyRejectsNonPointer(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(exe(t), "-test.run=^TestCopyNonPointerChild$")
	cmd.Env = append(os.Environ(), "PROCS_TEST_COPY_MISUSE=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "PASS")
}

func TestCopyNonPointerChild(t *testing.T) {
	if os.Getenv("PROCS_TEST_COPY_MISUSE") == "" {
		t.Skip("runs only as the child of TestCopyRejectsNonPointer")
	}
	// Before Init in real programs; here Init has run, so the error that
	// must surface first is the late call, and the type check must still
	// not panic.
	assert.NotPanics(t, func() { procs.Copy("value", 3) })
	_, err := procs.Fork("return")
	assert.Error(t, err)
}

// treeEntry forks a grandchild that shares the inherited pipe, reports both
// PIDs on it, then blocks until killed.
func treeEntry() {
	w := procs.Inherited()[0]
	g, err := procs.ForkWith("tree-leaf", &procs.Attr{Files: []*os.File{w}, Stdin: os.Stdin})
	if err != nil {
		fmt.Fprintln(w, "error", err)
		procs.Exit(1)
	}
	fmt.Fprintf(w, "child %d grandchild %d\n", os.Getpid(), g.Pid)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// treeLeafEntry answers each line on stdin on the inherited pipe, until
// killed or stdin closes.
func treeLeafEntry() {
	w := procs.Inherited()[0]
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		fmt.Fprintln(w, "pong", sc.Text())
	}
}

func TestKillTree(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	stdinR, stdinW, err := os.Pipe()
	require.NoError(t, err)
	defer stdinW.Close()
	p := forkWith(t, "tree", &procs.Attr{Group: true, Files: []*os.File{w}, Stdin: stdinR}, func() {})
	w.Close()
	stdinR.Close()
	t.Cleanup(func() { _ = p.KillTree() })
	lines := bufio.NewReader(r)
	first, err := lines.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(first, "child "), first)

	// Killing only the child leaves the grandchild running: it still
	// answers on the pipe.
	require.NoError(t, p.Kill())
	st, err := p.Wait()
	require.NoError(t, err)
	assert.Equal(t, killedCode, st.ExitCode())
	_, err = stdinW.WriteString("ping\n")
	require.NoError(t, err)
	pong, err := lines.ReadString('\n')
	require.NoError(t, err, "the grandchild must outlive its killed parent")
	assert.Equal(t, "pong ping\n", pong)

	// KillTree kills what is left: every holder of the pipe's write end is
	// gone, so reading it ends.
	require.NoError(t, p.KillTree())
	rest, err := io.ReadAll(lines)
	require.NoError(t, err)
	assert.Empty(t, string(rest))
}

func TestKillTreeOfFinishedTree(t *testing.T) {
	t.Parallel()
	p := forkWith(t, "return", &procs.Attr{Group: true}, func() {})
	require.Zero(t, waitCode(t, p))
	assert.ErrorIs(t, p.KillTree(), os.ErrProcessDone, "a tree whose processes have all exited and been reaped has nothing to kill")
}

func TestKillTreeNeedsGroup(t *testing.T) {
	t.Parallel()
	p := forkWith(t, "return", &procs.Attr{}, func() {})
	assert.ErrorIs(t, p.KillTree(), procs.ErrNoTree)
	require.Zero(t, waitCode(t, p))
}

func TestWaitTwiceAndKillAfterReap(t *testing.T) {
	t.Parallel()
	p := forkWith(t, "return", nil, func() {})
	require.Zero(t, waitCode(t, p))
	_, err := p.Wait()
	assert.ErrorIs(t, err, os.ErrProcessDone, "a second Wait fails instead of blocking")
	assert.True(t, errors.Is(err, errChild), "and says ECHILD like waitpid(2): %v", err)
	assert.ErrorIs(t, p.Kill(), os.ErrProcessDone, "killing a reaped child sends nothing")
	_, err = procs.Waitpid(p.Pid)
	assert.True(t, errors.Is(err, errChild), "Waitpid of a reaped child: %v", err)
}
