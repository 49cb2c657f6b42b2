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

// parentAfterExit returns this process's parent PID once its parent, was,
// has exited: the PID of whoever adopted it. Linux and XNU both close an
// exiting process's files before they reparent its children, so an orphan
// that saw end of file on its parent's pipe may still read was from getppid
// for a moment: poll until it changes, for at most 10 s (then return was,
// and the claim reports it).
func parentAfterExit(was int) int {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ppid := os.Getppid()
		if ppid != was || time.Now().After(deadline) {
			return ppid
		}
		time.Sleep(5 * time.Millisecond)
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
