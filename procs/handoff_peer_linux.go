package procs

import (
	"os"

	"golang.org/x/sys/unix"
)

// channelMaker returns the PID of the process that made the socketpair fd
// is one end of: SO_PEERCRED on a socketpair reports the credentials its
// maker had when it called socketpair(2), whoever holds the other end now.
//
// The forkport_bsdpaths build (the bsd-paths leg) keeps it: macOS's
// LOCAL_PEERPID and FreeBSD's LOCAL_PEERCRED do not exist on Linux, and
// SO_PEERCRED answers as FreeBSD's does (the maker, not the last user).
func channelMaker(fd int) (int, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, os.NewSyscallError("getsockopt SO_PEERCRED", err)
	}
	return int(cred.Pid), nil
}
