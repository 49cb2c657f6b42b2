package probe

import (
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// TestMain doubles as the process the tests start: with
// PROBE_TEST_CHILD set it blocks until its stdin closes.
func TestMain(m *testing.M) {
	if os.Getenv("PROBE_TEST_CHILD") != "" {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestWaitExitSkipsAStrangerWithTheSamePID: waitExit waits for a process
// that started before the caller (its parent). A process found under the
// PID but created after the caller is a stranger that reused the PID, so
// waitExit returns at once, while that process still runs.
func TestWaitExitSkipsAStrangerWithTheSamePID(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "PROBE_TEST_CHILD=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })

	done := make(chan error, 1)
	go func() { done <- waitExit(cmd.Process.Pid) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Minute): // a bound, not a measurement: it should return at once
		_ = stdin.Close()
		t.Fatal("waitExit waited for a process created after the caller")
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(cmd.Process.Pid))
	require.NoError(t, err)
	defer windows.CloseHandle(h)
	ev, err := windows.WaitForSingleObject(h, 0)
	require.NoError(t, err)
	assert.Equal(t, uint32(windows.WAIT_TIMEOUT), ev, "the stranger still runs")
}

func TestStartedBefore(t *testing.T) {
	a := windows.NsecToFiletime(1_000_000_000)
	b := windows.NsecToFiletime(2_000_000_000)
	assert.True(t, startedBefore(a, b))
	assert.True(t, startedBefore(a, a), "same tick: the clock's resolution")
	assert.False(t, startedBefore(b, a))
}
