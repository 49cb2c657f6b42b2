package procs

import (
	"os"

	"golang.org/x/sys/unix"
)

// channelMaker returns the PID of the process that last used the other end
// of the socketpair fd is one end of (LOCAL_PEERPID): its maker, until
// another process sends or receives on it. The parent's end never leaves
// the parent, so for a channel Fork made this is the parent; for one made
// by another process, that process or whoever it passed the end to.
func channelMaker(fd int) (int, error) {
	pid, err := unix.GetsockoptInt(fd, unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt LOCAL_PEERPID", err)
	}
	return pid, nil
}
