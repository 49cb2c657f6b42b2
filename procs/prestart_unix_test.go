//go:build unix

package procs_test

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertPooledTree: with Attr.Group, a pre-started child makes its own
// process group before it answers, as a fresh child starts in one.
func assertPooledTree(t *testing.T, r report) {
	t.Helper()
	assert.Equal(t, r.Pid, r.Pgid, "Attr.Group: the child leads a process group")
}

// waitGone polls until process pid has exited (gone, or a zombie left to
// whoever adopted it), for at most 30 s.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			return
		}
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		if state := strings.TrimSpace(string(out)); state == "" || strings.HasPrefix(state, "Z") {
			return
		}
		require.True(t, time.Now().Before(deadline), "process %d still runs 30 s after its parent was killed", pid)
		time.Sleep(10 * time.Millisecond)
	}
}
