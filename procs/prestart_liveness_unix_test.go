//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
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

func init() { procs.Register("exec-with-pool-child-in-init", execWithPoolChildInInit) }

// TestPrestartForkPassesAStoppedChild: a waiting child that does not
// answer (stopped by SIGSTOP) does not make Fork wait: Fork kills and
// reaps it and starts a fresh child. Without Group, where Fork would not
// wait for an answer, it sees that the child is stopped before it sends
// it anything, and does the same.
func TestPrestartForkPassesAStoppedChild(t *testing.T) {
	if _, err := leakcheck.Children(os.Getpid()); err != nil {
		t.Skipf("cannot list a process's children here (%v)", err)
	}
	for _, group := range []bool{true, false} {
		t.Run(fmt.Sprintf("group=%v", group), func(t *testing.T) { forkPassesAStoppedChild(t, group) })
	}
}

func forkPassesAStoppedChild(t *testing.T, group bool) {
	withPool(t, 1)
	idle := procs.PoolIdlePids()
	require.Len(t, idle, 1, "the pool is full")
	stopped := idle[0]
	require.NoError(t, syscall.Kill(stopped, syscall.SIGSTOP))
	t.Cleanup(func() { killIfChild(t, stopped) }) // only if Fork failed to
	// Stopped, not only signalled (a child that stops as Fork hands it
	// its request is one stopped right after Fork).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(stopped)).Output()
		if strings.HasPrefix(strings.TrimSpace(string(out)), "T") {
			break
		}
		require.True(t, time.Now().Before(deadline), "process %d did not stop: %q", stopped, out)
	}

	out := newReport(t)
	forkedAt := time.Now()
	var p *procs.Process
	var err error
	within(t, "Fork, with a stopped waiting child,", func() {
		forkMu.Lock()
		defer forkMu.Unlock()
		forkCase.Out = out
		p, err = procs.ForkWith("report", &procs.Attr{Group: group})
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.KillTree(); _ = p.Kill(); _, _ = p.Wait() })
	require.NotEqual(t, stopped, p.Pid, "Fork did not return the stopped child")
	require.Zero(t, waitCode(t, p), "the child Fork returns works")
	r := readReport(t, out)
	assert.Equal(t, p.Pid, r.Pid)
	assert.False(t, fromPool(r, forkedAt), "a fresh child")
	kids, err := leakcheck.Children(os.Getpid())
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(kids, func(k leakcheck.Proc) bool { return k.Pid == stopped }),
		"the stopped child (PID %d) was killed and reaped: %v", stopped, kids)
}

// TestExecEndsChildrenInInit: Exec* kills a pool child still in its
// package initialisation rather than wait for it (for ever: it blocks),
// and the exec'd program inherits no child.
func TestExecEndsChildrenInInit(t *testing.T) {
	if _, err := leakcheck.Children(os.Getpid()); err != nil {
		t.Skipf("cannot list a process's children here (%v)", err)
	}
	// The forked helper must be a fresh child, not one of this
	// process's pool (which would have run its init before the variable
	// was set, but the helper's own pool children must see it).
	require.NoError(t, procs.Prestart(0))
	t.Cleanup(func() {
		if _, err := testutil.Prestart(); err != nil {
			t.Error(err)
		}
	})
	dir := testutil.TempDir(t)
	t.Setenv(poolInitBlockEnv, dir)
	out := newReport(t)
	p := forkWith(t, "exec-with-pool-child-in-init", nil, func() { forkCase.Out, forkCase.Name = out, dir })
	var st *procs.Status
	var err error
	within(t, "Exec, with a pool child blocked in its package initialisation,", func() { st, err = p.Wait() })
	require.NoError(t, err)
	assert.Zero(t, st.ExitCode())
	assert.Equal(t, "0", readReport(t, out).Note, "children the exec'd program found it had")
}

// execWithPoolChildInInit starts a pool of 1 whose child blocks in its
// package initialisation (poolInitBlockEnv names forkCase.Name), then
// execs the helper that counts its children.
func execWithPoolChildInInit() {
	go func() { _ = procs.Prestart(1) }() // never returns by itself
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if ents, _ := os.ReadDir(forkCase.Name); len(ents) > 0 {
			break
		}
		if time.Now().After(deadline) {
			procs.Exit(3)
		}
	}
	self, _ := os.Executable()
	_ = procs.Execv(self, []string{helperArgv0("children", forkCase.Out)})
	procs.Exit(4)
}
