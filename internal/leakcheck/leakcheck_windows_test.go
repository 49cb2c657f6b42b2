package leakcheck

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// TestChildOfComparesCreationTimes: Windows keeps a process's recorded
// parent PID after the parent exits, and reuses PIDs, so a process naming
// our PID but created before us is a stranger's child.
func TestChildOfComparesCreationTimes(t *testing.T) {
	self, err := creationTime(os.Getpid())
	require.NoError(t, err)
	earlier := windows.NsecToFiletime(self.Nanoseconds() - int64(time.Second))
	later := windows.NsecToFiletime(self.Nanoseconds() + int64(time.Second))
	assert.False(t, childOf(earlier, self), "created before the parent: the child of an earlier process with its PID")
	assert.True(t, childOf(later, self))
	assert.True(t, childOf(self, self), "same tick: the clock's resolution")

	// A real child: created after us.
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEAKCHECK_TEST_CHILD=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	created, err := creationTime(cmd.Process.Pid)
	require.NoError(t, err)
	assert.True(t, childOf(created, self), "a child is created after its parent")
	// Our own parent was created before us: as a child of ours it would
	// be a stale record.
	if parent, err := creationTime(os.Getppid()); err == nil {
		assert.False(t, childOf(parent, self), "our parent is not our child")
	}
	require.NoError(t, stdin.Close())
}
