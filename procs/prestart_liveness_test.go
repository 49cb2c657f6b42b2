package procs_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// poolInitBlockEnv names a directory: a pre-started child of the test
// binary that finds it in its environment creates a file there named
// after its PID, then blocks in its package initialisation (as a program
// whose init is slow, or a child stopped there) until its parent is gone.
const poolInitBlockEnv = "FORKPORT_TEST_POOL_INIT_BLOCK"

func init() {
	dir := os.Getenv(poolInitBlockEnv)
	if dir == "" || !strings.HasPrefix(os.Getenv("FORKPORT_FORK"), "3p ") { // a pool child's marker
		return
	}
	ppid := os.Getppid()
	if f, err := os.Create(filepath.Join(dir, strconv.Itoa(os.Getpid()))); err == nil {
		f.Close()
	}
	for os.Getppid() == ppid {
		time.Sleep(10 * time.Millisecond)
	}
	os.Exit(0)
}

// waitBlockedInInit waits (for at most a minute) until n pool children
// block in their package initialisation, and returns their PIDs.
func waitBlockedInInit(t *testing.T, dir string, n int) []int {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		if len(ents) >= n {
			var pids []int
			for _, e := range ents {
				pid, err := strconv.Atoi(e.Name())
				require.NoError(t, err)
				pids = append(pids, pid)
			}
			return pids
		}
		require.True(t, time.Now().Before(deadline), "no pool child reached its package initialisation in a minute")
		time.Sleep(5 * time.Millisecond)
	}
}

// within runs f and fails the test if it has not returned after a minute
// (a hang guard: f is expected to return at once).
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s still blocks after a minute", what)
	}
}

// TestPrestartStopEndsChildrenInInit: Prestart(0) kills a child still in
// its package initialisation (there for good: it blocks) rather than wait
// for it, and reaps it before it returns.
func TestPrestartStopEndsChildrenInInit(t *testing.T) {
	kids, err := leakcheck.Children(os.Getpid())
	if err != nil {
		t.Skipf("cannot list a process's children here (%v)", err)
	}
	require.NoError(t, procs.Prestart(0)) // FORKPORT_PRESTART's pool, if any
	t.Cleanup(func() {
		if _, err := testutil.Prestart(); err != nil {
			t.Error(err)
		}
	})
	kids, err = leakcheck.Children(os.Getpid())
	require.NoError(t, err)
	require.Empty(t, kids, "a stopped pool leaves no child")
	dir := testutil.TempDir(t)
	t.Setenv(poolInitBlockEnv, dir)

	started := make(chan error, 1)
	go func() { started <- procs.Prestart(1) }() // returns once the child is ready: never, unless stopped
	pids := waitBlockedInInit(t, dir, 1)
	t.Cleanup(func() { killIfChild(t, pids[0]) }) // only if the stop failed to
	within(t, "Prestart(0), with a child blocked in its package initialisation,", func() {
		assert.NoError(t, procs.Prestart(0))
	})
	within(t, "Prestart(1), stopped by Prestart(0),", func() { <-started })
	kids, err = leakcheck.Children(os.Getpid())
	require.NoError(t, err)
	assert.Empty(t, kids, "Prestart(0) left the child it was starting (PID %d) running or unreaped", pids[0])
}

// killIfChild kills pid if it is still an unreaped child of this process
// (so not a PID reused by another process), and reaps it.
func killIfChild(t *testing.T, pid int) {
	t.Helper()
	kids, _ := leakcheck.Children(os.Getpid())
	for _, k := range kids {
		if k.Pid == pid {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
				_, _ = p.Wait()
			}
		}
	}
}
