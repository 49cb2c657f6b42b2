package leakcheck

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain doubles as the child the tests start: with LEAKCHECK_TEST_CHILD
// set it blocks until its stdin closes.
func TestMain(m *testing.M) {
	if os.Getenv("LEAKCHECK_TEST_CHILD") != "" {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func pids(ps []Proc) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.Pid)
	}
	return out
}

func TestChildrenAndLeaks(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "LEAKCHECK_TEST_CHILD=1", TagEnv+"=leakcheck-test")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	kids, err := Children(os.Getpid())
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("leakcheck cannot list a process's children on this OS (Linux, macOS and Windows only)")
	}
	require.NoError(t, err)
	assert.Contains(t, pids(kids), cmd.Process.Pid, "a running child is found")

	tagged, err := Tagged("leakcheck-test")
	if errors.Is(err, errors.ErrUnsupported) {
		t.Log("this OS cannot read another process's environment: Tagged is not checked")
	} else {
		require.NoError(t, err)
		assert.Contains(t, pids(tagged), cmd.Process.Pid, "a process carrying the tag is found")
	}

	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	kids, err = Children(os.Getpid())
	require.NoError(t, err)
	assert.NotContains(t, pids(kids), cmd.Process.Pid, "a reaped child is gone")
}

func TestCheckOnlyInTopProcess(t *testing.T) {
	assert.NoError(t, Check(false), "a process that is not the run's top-level one does not check")
}
