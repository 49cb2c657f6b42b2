//go:build unix

package chapter

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// haveSigchld: Unix has SIGCHLD, so -reap sigchld works.
const haveSigchld = true

// exitedUnreaped reports whether pid is a zombie: ps(1) shows its state
// (Linux, macOS and the BSDs all start a zombie's with Z).
func exitedUnreaped(pid int) (bool, error) {
	out, err := exec.Command("ps", "-o", "stat=", "-p", fmt.Sprint(pid)).Output()
	if err != nil {
		return false, fmt.Errorf("ps -p %d (gone, so reaped by someone?): %v", pid, err)
	}
	return strings.HasPrefix(strings.TrimSpace(string(out)), "Z"), nil
}

// TestForkServerSignals: SIGINT and SIGTERM stop the server cleanly, and
// SIGHUP restarts it (the successor serves on the same listener, here a
// Unix domain socket, whose name the last generation removes).
func TestForkServerSignals(t *testing.T) {
	for _, sub := range subjects(t) {
		t.Run(sub.name, func(t *testing.T) { testForkServerSignals(t, sub) })
	}
}

func testForkServerSignals(t *testing.T, sub subject) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, sub)
			_, err := echoOnce(s.net, s.addr)
			require.NoError(t, err)
			require.NoError(t, s.cmd.Process.Signal(sig))
			s.expect(t, "stop signal")
			s.expect(t, "zombies ")
			s.expect(t, fmt.Sprintf("stopped %d", s.cmd.Process.Pid))
			require.NoError(t, s.cmd.Wait())
		})
	}
	t.Run("SIGHUP", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, sub, append([]string{"-restart"}, serverAddrArgs(t, "unix")...)...)
		first, err := echoOnce(s.net, s.addr)
		require.NoError(t, err)
		require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
		next := s.expectPid(t, "successor")
		s.expect(t, fmt.Sprintf("stopped %d", s.cmd.Process.Pid))
		require.NoError(t, s.cmd.Wait())
		served, err := echoOnce(s.net, s.addr)
		require.NoError(t, err)
		assert.NotEqual(t, first, served)
		assert.Equal(t, served, s.expectPid(t, "child"))
		// The old generation may still read stdin until it exits; it has.
		tail := s.stopAndWait(t)
		assert.Equal(t, fmt.Sprintf("stopped %d", next), tail[len(tail)-1])
		assert.NotEqual(t, os.Getpid(), next)
		assert.NoFileExists(t, s.addr, "the last generation removed the socket's name")
	})
}
