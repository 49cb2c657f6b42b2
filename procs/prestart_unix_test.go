//go:build unix

package procs_test

import (
	"fmt"
	"os"

	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/procs"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// poolTakesFiles: on Unix a pre-started child gets Attr.Files (SCM_RIGHTS).
const poolTakesFiles = true

// assertPooledTree: with Attr.Group, a pre-started child makes its own
// process group before it answers, as a fresh child starts in one.
func assertPooledTree(t *testing.T, r report) {
	t.Helper()
	assert.Equal(t, r.Pid, r.Pgid, "Attr.Group: the child leads a process group")
}

// TestExecEndsThePool: a program that execs another would leave its
// waiting children to a program that does not know them, to become its
// zombies; Exec ends them first. (Windows' exec runs the program as a child
// and exits: the waiting children see their parent exit, and leave.)
func TestExecEndsThePool(t *testing.T) {
	t.Parallel()
	if _, err := leakcheck.Children(os.Getpid()); err != nil {
		t.Skipf("cannot list a process's children here (%v)", err)
	}
	out := newReport(t)
	b, err := exec.Command(exe(t), "prestart-then-exec", out).CombinedOutput()
	require.NoError(t, err, "%s", b)
	assert.Equal(t, "0", readReport(t, out).Note, "children the exec'd program found it had")
}

// prestartThenExec fills a pool of 2, then execs the test binary as the
// helper that counts its children.
func prestartThenExec(out string) int {
	if err := procs.Prestart(2); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	self, _ := os.Executable()
	err := procs.Execv(self, []string{helperArgv0("children", out)})
	fmt.Fprintln(os.Stderr, "exec:", err)
	return 1
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
