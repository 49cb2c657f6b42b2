package probe

import (
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

// waitExitedNotReaped polls ps until pid shows as a zombie.
func waitExitedNotReaped(pid int) error {
	for !strings.HasPrefix(psState(pid), "Z") {
		time.Sleep(10 * time.Millisecond)
	}
	return nil
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
