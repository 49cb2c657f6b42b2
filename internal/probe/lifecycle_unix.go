//go:build unix

package probe

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// waitExit blocks until process pid no longer exists (polling kill(pid, 0),
// which also sees a zombie: the parent of pid must reap it).
func waitExit(pid int) error {
	for {
		err := syscall.Kill(pid, 0)
		if err == syscall.ESRCH {
			return nil
		}
		if err != nil && err != syscall.EPERM {
			return os.NewSyscallError("kill", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sessionInfo names this process's session and process group.
func sessionInfo() string {
	sid, _ := unix.Getsid(0)
	return fmt.Sprintf("pid=%d sid=%d pgid=%d", os.Getpid(), sid, unix.Getpgrp())
}

// describeReaped describes pid after Wait: on Unix, reaping removes it at
// once.
func describeReaped(pid int) string { return describe(pid) }
