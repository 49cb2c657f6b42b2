//go:build !forkport_bsdpaths

package procs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// selfExe is the program Fork starts: the running executable itself,
// through /proc, which stays the same file when the one on disk is
// replaced (an upgrade) or deleted.
func selfExe() (string, error) { return "/proc/self/exe", nil }

// selfExeByPath reports whether selfExe names the executable by its path,
// which a process that changed its user must still be able to reach: not
// here (/proc/self/exe is reached whatever the directories above it).
const selfExeByPath = false

// checkParent checks that this process's parent is pid and runs the same
// executable file (device and inode, through /proc, so a renamed or
// deleted file still compares). Fork waits for the child's answer, so the
// parent is alive while it is checked.
//
// A parent that is not dumpable (it changed its user or group after it
// started, as a root daemon that drops to nobody and then forks, or it runs
// with file capabilities) does not let a process of its user read its
// /proc/PID/exe. The executable is then not compared: openHandoff has
// checked that the parent made the channel (SO_PEERCRED), so only the
// parent writes on it, and the fingerprint in the header it writes covers
// its executable file, so a parent running another file is still refused,
// as another build. What is lost is only a check that a parent lying about
// its fingerprint could pass anyway (see the trust model).
func checkParent(pid int) error {
	if ppid := syscall.Getppid(); ppid != pid {
		return fmt.Errorf("started by process %d, not by process %d that the fork marker names: %w", ppid, pid, fs.ErrPermission)
	}
	var self, parent syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &self); err != nil {
		return fmt.Errorf("this program's executable: %w", os.NewSyscallError("stat", err))
	}
	p := "/proc/" + strconv.Itoa(pid) + "/exe"
	if err := syscall.Stat(p, &parent); errors.Is(err, fs.ErrPermission) {
		return nil // not dumpable: see above
	} else if err != nil {
		return fmt.Errorf("the parent's executable: %w", &fs.PathError{Op: "stat", Path: p, Err: err})
	}
	if self.Dev != parent.Dev || self.Ino != parent.Ino {
		return fmt.Errorf("the parent, process %d, runs another executable than this one: %w", pid, fs.ErrPermission)
	}
	return nil
}

// recvmsgFlags are the flags a pre-started child receives its files with:
// close-on-exec at once where the system can (else right after).
const recvmsgFlags = syscall.MSG_CMSG_CLOEXEC

// closePlaceholders closes the placeholder descriptors a request left
// unused (contiguous, at the end of the placeholders) with one
// close_range(2) where the kernel has it (5.9 and later).
func closePlaceholders(fds []uintptr) {
	if len(fds) == 0 {
		return
	}
	if unix.CloseRange(uint(fds[0]), uint(fds[len(fds)-1]), 0) == nil {
		return
	}
	for _, fd := range fds {
		_ = syscall.Close(int(fd))
	}
}
