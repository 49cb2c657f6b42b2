//go:build unix

package chapter

import (
	"os"

	"golang.org/x/sys/unix"
)

// newLineLock returns the file whose lock fork1's processes take to read a
// line: a temporary file, removed at once (the open descriptors keep it).
// Its lock is a POSIX record lock (fcntl), owned by a process, so it
// excludes the other processes even through the one inherited descriptor
// they all share.
func newLineLock() (*os.File, error) {
	f, err := os.CreateTemp("", "fork1-lines-")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// lockLines waits for the line lock.
func lockLines(f *os.File) error { return fcntlLock(f, unix.F_WRLCK, unix.F_SETLKW) }

// unlockLines releases the line lock.
func unlockLines(f *os.File) error { return fcntlLock(f, unix.F_UNLCK, unix.F_SETLK) }

func fcntlLock(f *os.File, typ int16, cmd int) error {
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 0} // the whole file
	for {
		err := unix.FcntlFlock(f.Fd(), cmd, &lk)
		if err != unix.EINTR {
			return os.NewSyscallError("fcntl", err)
		}
	}
}
