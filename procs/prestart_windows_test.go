package procs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// poolTakesFiles: on Windows Fork starts a fresh child for Attr.Files,
// whose handle values a forked child keeps.
const poolTakesFiles = false

// assertPooledTree: with Attr.Group, a pre-started child is put in a job
// before it is handed anything.
func assertPooledTree(t *testing.T, r report) {
	t.Helper()
	assert.True(t, r.InJob, "Attr.Group: the child is in a job object")
}

// waitGone waits until process pid has exited, for at most 30 s.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return // gone
	}
	defer windows.CloseHandle(h)
	ev, err := windows.WaitForSingleObject(h, 30_000)
	require.NoError(t, err)
	require.Equal(t, uint32(windows.WAIT_OBJECT_0), ev, "process %d still runs 30 s after its parent was killed", pid)
}

// prestartThenExec is Unix's (see TestExecEndsThePool).
func prestartThenExec(string) int { return 2 }
