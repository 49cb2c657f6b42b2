//go:build darwin || (linux && forkport_bsdpaths)

package probe

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// psState returns the state column ps(1) shows for pid, "" if none.
func psState(pid int) string {
	out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	return strings.TrimSpace(string(out))
}

// waitExitedNotReaped polls ps until pid shows as a zombie. A pid that ps
// no longer shows has been reaped already, by someone else: an error, at
// once.
func waitExitedNotReaped(pid int) error {
	for {
		switch s := psState(pid); {
		case strings.HasPrefix(s, "Z"):
			return nil
		case s == "":
			return fmt.Errorf("process %d is gone: it was reaped before the caller waited for it", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// describe says what ps shows of pid.
func describe(pid int) string {
	switch s := psState(pid); {
	case s == "":
		return "gone from ps"
	case strings.HasPrefix(s, "Z"):
		return "zombie=yes state=Z in ps"
	default:
		return "zombie=no state=" + s
	}
}
