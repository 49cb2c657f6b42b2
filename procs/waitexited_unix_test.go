//go:build (unix && !linux) || (linux && forkport_bsdpaths)

package procs_test

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitExited blocks until child pid has exited (ps shows it as a zombie),
// without reaping it. A child already reaped fails the test at once.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	for {
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		state := strings.TrimSpace(string(out))
		if strings.HasPrefix(state, "Z") {
			return
		}
		require.NotEmpty(t, state, "process %d is gone: reaped by someone else before the test waited for it", pid)
		time.Sleep(10 * time.Millisecond)
	}
}
