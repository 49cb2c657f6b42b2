package procs_test

import (
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

// TestOnlyStdioAndGivenFilesReachChild: like os/exec's TestExtraFiles, the
// child lists what its descriptors refer to: stdin, stdout, stderr, the
// file passed in Attr.Files, and the Go runtime's own; nothing else the
// parent has open (a canary file, pipes, test files).
func TestOnlyStdioAndGivenFilesReachChild(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	canary, err := os.Create(filepath.Join(dir, "canary"))
	require.NoError(t, err)
	defer canary.Close()
	given, err := os.Create(filepath.Join(dir, "given"))
	require.NoError(t, err)
	defer given.Close()
	// /proc/self/fd names files by their resolved path, and TMPDIR may be
	// behind a symlink.
	givenPath, canaryPath := evalSymlinks(t, given.Name()), evalSymlinks(t, canary.Name())
	out := filepath.Join(dir, "report.json")
	p, err := procs.Start(exe(t), []string{helperArgv0("fds", out)}, &procs.Attr{Files: []*os.File{given}})
	require.NoError(t, err)
	st, err := p.Wait()
	require.NoError(t, err)
	require.Zero(t, st.ExitCode())
	r := readReport(t, out)
	// Descriptors this test process itself inherited without close-on-exec
	// (from whatever started go test) pass to every program it execs, procs
	// or not: they are not procs' doing.
	passThrough := inheritableFds(t)
	var unexpected []string
	for _, fdTarget := range r.FdTargets {
		fd, target, _ := strings.Cut(fdTarget, "=")
		switch {
		case fd == "0" || fd == "1" || fd == "2":
		case fd == "3" && target == givenPath:
		case runtimeFd(target), passThrough[fdTarget]:
		default:
			unexpected = append(unexpected, fdTarget)
		}
	}
	assert.Contains(t, r.FdTargets, "3="+givenPath, "the file passed in Attr.Files reaches the child as descriptor 3")
	assert.Empty(t, unexpected, "only stdio, the given file and the child runtime's own descriptors")
	for _, fdTarget := range r.FdTargets {
		assert.NotContains(t, fdTarget, canaryPath, "a file the parent did not pass must not reach the child")
	}
}

func openFdCount(t *testing.T) int {
	t.Helper()
	links, err := filepath.Glob("/proc/self/fd/*")
	require.NoError(t, err)
	return len(links)
}

// TestFailingSpawnsLeakNoDescriptor: 1000 spawns that fail (half before any
// process exists, half in the child's exec) leave the open descriptors as
// they were.
func TestFailingSpawnsLeakNoDescriptor(t *testing.T) {
	// Not parallel: other tests open and close descriptors.
	dir := testutil.TempDir(t)
	bad := notProgram(t, dir)
	missing := filepath.Join(dir, "missing")
	before := openFdCount(t)
	for i := range 1000 {
		path := missing
		if i%2 == 1 {
			path = bad
		}
		_, err := procs.Spawnv(procs.PWait, path, []string{"x"})
		require.Error(t, err)
	}
	assert.Equal(t, before, openFdCount(t))
}

// inheritableFds returns this process's descriptors above 2 without
// close-on-exec, as "N=target".
func inheritableFds(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, fdTarget := range fdTargets() {
		fd, _, _ := strings.Cut(fdTarget, "=")
		n, err := strconv.Atoi(fd)
		require.NoError(t, err)
		if n <= 2 {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(n), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			out[fdTarget] = true
		}
	}
	return out
}
