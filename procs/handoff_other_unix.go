//go:build (unix && !linux) || (linux && forkport_bsdpaths)

package procs

import (
	"fmt"
	"io/fs"
	"syscall"
)

// selfExe is the program Fork starts: the executable's path, as the OS
// reported it when the program started (startPath). If the file there has
// been replaced since, the child is another build and refuses the state
// (see fingerprint); if it has been deleted, Fork fails with
// fs.ErrNotExist.
func selfExe() (string, error) { return startPath() }

// selfExeByPath reports whether selfExe names the executable by its path,
// which a process that changed its user must still be able to reach
// (search every directory above it, execute the file): here it does.
const selfExeByPath = true

// checkParent checks that this process's parent is pid. Fork waits for the
// child's answer, so the parent is alive (and its PID its own) while it is
// checked. Unlike on Linux, the parent's executable is not compared: these
// systems have no portable way to name another process's executable file.
func checkParent(pid int) error {
	if ppid := syscall.Getppid(); ppid != pid {
		return fmt.Errorf("started by process %d, not by process %d that the fork marker names: %w", ppid, pid, fs.ErrPermission)
	}
	return nil
}

// recvmsgFlags are the flags a pre-started child receives its files with:
// close-on-exec at once where the system can (else right after).
const recvmsgFlags = 0

// closePlaceholders closes the placeholder descriptors a request left
// unused.
func closePlaceholders(fds []uintptr) {
	for _, fd := range fds {
		_ = syscall.Close(int(fd))
	}
}
