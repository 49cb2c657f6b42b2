//go:build !forkport_bsdpaths

package probe

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes this process the parent of its tree's orphans.
func becomeSubreaper() error {
	return os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
}

// reapOrphans reaps the orphans reparented to us until none is left, and
// reports true; it gives up and reports false when stop fires first (an
// orphan that closed its stdout and stderr but runs on). A nil stop waits
// for as long as it takes: after a tree kill.
func reapOrphans(stop <-chan time.Time) bool {
	for {
		var ws syscall.WaitStatus
		options := syscall.WNOHANG
		if stop == nil {
			options = 0
		}
		pid, err := syscall.Wait4(-1, &ws, options, nil)
		switch {
		case err == syscall.EINTR || pid > 0:
			continue
		case err != nil: // ECHILD: none left
			return true
		}
		select {
		case <-stop:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}
