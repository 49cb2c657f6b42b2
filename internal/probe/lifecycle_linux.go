//go:build !forkport_bsdpaths

package probe

import (
	"fmt"
	"os"

	"github.com/forkport/forkport/internal/leakcheck"
	"golang.org/x/sys/unix"
)

// waitExitedNotReaped blocks until pid has exited, leaving it unreaped
// (waitid with WNOWAIT).
func waitExitedNotReaped(pid int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return os.NewSyscallError("waitid", err)
		}
	}
}

// describe says what /proc shows of pid.
func describe(pid int) string {
	switch s := leakcheck.State(pid); s {
	case "":
		return "gone from /proc"
	case "Z":
		return "zombie=yes state=Z in /proc/" + fmt.Sprint(pid) + "/stat"
	default:
		return "zombie=no state=" + s
	}
}
