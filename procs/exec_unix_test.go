//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// assertExecPID: on Unix, exec is execve(2), so the program keeps the PID of
// the process that called exec (the forked child), and its parent.
func assertExecPID(t *testing.T, forkedPid int, r report) {
	t.Helper()
	assert.Equal(t, forkedPid, r.Pid, "exec keeps the PID")
}

func init() {
	procs.Register("exec-keeps-fds", execKeepsFdsEntry)
}

// execKeepsFdsEntry opens two files, writes to both, clears close-on-exec
// on the first only, moves to another directory, then execs the fdwrite
// helper on the first file's descriptor.
func execKeepsFdsEntry() {
	dir := filepath.Dir(forkCase.Out)
	keep, err1 := os.Create(filepath.Join(dir, "keep"))
	closed, err2 := os.Create(filepath.Join(dir, "closed"))
	if err := errorsJoin(err1, err2); err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	_, _ = keep.WriteString("before exec;")
	_, _ = closed.WriteString("before exec;")
	keepFd, closedFd := int(keep.Fd()), int(closed.Fd())
	if _, err := unix.FcntlInt(uintptr(keepFd), unix.F_SETFD, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	_ = os.Chdir(forkCase.Name)
	err := procs.Execv(forkCase.Argv[0], []string{helperArgv0("fdwrite", forkCase.Out), strconv.Itoa(keepFd), "after exec;", strconv.Itoa(closedFd)})
	fmt.Fprintln(os.Stderr, "exec:", err)
	procs.Exit(99)
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestExecKeepsDescriptorsWithoutCloseOnExec(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	cwd := testutil.TempDir(t)
	out := filepath.Join(dir, "report.json")
	p := forkWith(t, "exec-keeps-fds", nil, func() {
		forkCase.Out, forkCase.Name, forkCase.Argv = out, cwd, []string{exe(t)}
	})
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)
	assert.Equal(t, "<nil>", r.Note, "the descriptor without close-on-exec is still open after exec")
	keep, err := os.ReadFile(filepath.Join(dir, "keep"))
	require.NoError(t, err)
	assert.Equal(t, "before exec;after exec;", string(keep), "at the same offset")
	// Both sides resolved: TMPDIR may be behind a symlink (on macOS /var is
	// one, to /private/var), and a working directory is always resolved.
	assert.Equal(t, evalSymlinks(t, cwd), evalSymlinks(t, r.Dir), "the working directory survives exec")
	assert.Equal(t, helperArgv0("fdwrite", out), r.Args[0], "argv[0] is what the caller passed, not the path")
	if r.FdTargets == nil {
		t.Log("this OS does not name a descriptor's file: the close-on-exec check needs /proc")
		return
	}
	refersTo := func(path string) bool {
		for _, fdTarget := range r.FdTargets {
			if strings.HasSuffix(fdTarget, "="+path) {
				return true
			}
		}
		return false
	}
	assert.True(t, refersTo(filepath.Join(evalSymlinks(t, dir), "keep")), "%q", r.FdTargets)
	assert.False(t, refersTo(filepath.Join(evalSymlinks(t, dir), "closed")),
		"the close-on-exec descriptor is closed by exec (its number may be reused by the new program): %q", r.FdTargets)
}

func TestExecScriptWithoutShebangFails(t *testing.T) {
	t.Parallel()
	// execvp(3) in C libraries runs such a file with /bin/sh; procs never
	// does, for any variant: the call fails with ENOEXEC (Python's
	// os.execvp fails the same way).
	dir := testutil.TempDir(t)
	notProgram(t, dir)
	out := newReport(t)
	_, code := forkExec(t, "execvpe", "notprogram", []string{"notprogram"}, []string{"PATH=" + dir}, out)
	assert.Equal(t, 99, code)
	assert.Contains(t, returned(t, out), "exec format error")
}

func TestExecNameTooLongAndArgvTooBig(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("x", 5000)
	err := procs.Execv(long, []string{"x"})
	assert.ErrorIs(t, err, unix.ENAMETOOLONG)

	// E2BIG comes from execve itself, after the checks: run it in a child.
	out := newReport(t)
	// 40 arguments of 100 KiB: each under Linux's per-argument limit
	// (128 KiB), 4 MiB in all, over ARG_MAX (2 MiB with the usual 8 MiB
	// stack limit; 1 MiB on macOS).
	chunk := strings.Repeat("a", 100<<10)
	argv := []string{"x"}
	for range 40 {
		argv = append(argv, chunk)
	}
	_, code := forkExec(t, "execv", exe(t), argv, nil, out)
	assert.Equal(t, 99, code)
	assert.Contains(t, returned(t, out), "argument list too long")
}
