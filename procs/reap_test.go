package procs_test

import (
	"os"
	"syscall"
	"testing"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pidsOf lists the PIDs of the statuses Reap returned.
func pidsOf(sts []*procs.Status) []int {
	pids := make([]int, len(sts))
	for i, st := range sts {
		pids[i] = st.Pid()
	}
	return pids
}

// TestReapLeavesRunningChildren: Reap reaps only children that have
// exited. A child still running is neither reported nor reaped; once it
// exits, Reap reports it with its real status, once.
func TestReapLeavesRunningChildren(t *testing.T) {
	// Not parallel: Reap reaps every exited procs child, another test's
	// included.
	stdinR, stdinW, err := os.Pipe()
	require.NoError(t, err)
	defer stdinW.Close()
	p, err := procs.Start(exe(t), []string{helperArgv0("block", "")}, &procs.Attr{Stdin: stdinR})
	stdinR.Close()
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = p.Kill()
		_, _ = p.Wait()
	})

	for range 3 {
		assert.NotContains(t, pidsOf(procs.Reap()), p.Pid, "a running child is not reaped")
	}

	require.NoError(t, stdinW.Close()) // the helper exits 0 at end of input
	waitExited(t, p.Pid)
	var reaped []*procs.Status
	for _, st := range procs.Reap() {
		if st.Pid() == p.Pid {
			reaped = append(reaped, st)
		}
	}
	require.Len(t, reaped, 1, "the exited child is reaped")
	assert.True(t, reaped[0].Success(), "%s", reaped[0])
	assert.NotContains(t, pidsOf(procs.Reap()), p.Pid, "once")
	_, err = p.Wait()
	assert.ErrorIs(t, err, syscall.ECHILD, "Wait after Reap: already reaped")
}
