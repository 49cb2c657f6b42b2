//go:build unix && !linux

package procs_test

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitExited blocks until child pid has exited (ps shows it as a zombie),
// without reaping it.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	for {
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		if strings.HasPrefix(strings.TrimSpace(string(out)), "Z") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
