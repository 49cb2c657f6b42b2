//go:build unix

package procs

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// newHandoff makes the channel for one fork: a Unix socketpair, both ends
// close-on-exec (made under ForkLock, so no concurrent fork+exec can leak
// them). Both ends block: the parent's wait for the child's answer is then
// one wake-up of its thread, not the poller's and then the goroutine's
// (it holds a thread while it waits). The child gets the other end as
// descriptor 3.
func newHandoff() (handoffEnd, []*os.File, error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return handoffEnd{}, nil, os.NewSyscallError("socketpair", err)
	}
	p := os.NewFile(uintptr(fds[0]), "fork-handoff")
	return handoffEnd{p, p}, []*os.File{os.NewFile(uintptr(fds[1]), "fork-handoff")}, nil
}

// openHandoff opens the child's end of the channel, refusing a descriptor
// that is not a socket: a file or terminal that whoever started the
// program left at that number is not a parent's channel.
func openHandoff(ids []uintptr) (childEnd, error) {
	if len(ids) != 1 {
		return childEnd{}, fmt.Errorf("%w: want one channel descriptor, got %d", errCorrupt, len(ids))
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(ids[0]), &st); err != nil {
		return childEnd{}, fmt.Errorf("channel descriptor %d: %w", ids[0], os.NewSyscallError("fstat", err))
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
		return childEnd{}, fmt.Errorf("descriptor %d is not the socket a parent's Fork makes: %w", ids[0], fs.ErrPermission)
	}
	if err := checkChannelMaker(int(ids[0])); err != nil {
		return childEnd{}, err
	}
	f := os.NewFile(ids[0], "fork-handoff")
	keepInherited(f)
	return newChildEnd(f, f), nil
}

// checkChannelMaker refuses a channel whose other end this process's
// parent did not make: a socketpair's peer credentials are those of the
// process that called socketpair(2) (see channelMaker), so a socket that
// another process made and passed to the starter, or to the parent, is
// refused. checkParent then checks that the parent is the process the
// marker names; so the channel comes from that process. Where the system
// does not say who made a socket (channelMaker returns -1) only the
// parent is checked.
func checkChannelMaker(fd int) error {
	maker, err := channelMaker(fd)
	if err != nil {
		return fmt.Errorf("finding who made the channel, descriptor %d: %w", fd, err)
	}
	if ppid := syscall.Getppid(); maker >= 0 && maker != ppid {
		return fmt.Errorf("the channel was made by process %d, not by this process's parent, process %d: %w", maker, ppid, fs.ErrPermission)
	}
	return nil
}

// fileID is the device and inode of an executable, part of its identity.
func fileID(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return ""
}

// checkCredentials refuses a fork marker in a set-user-ID or set-group-ID
// program: whoever starts such a program is not trusted with what it runs,
// and could hand it a marker and a channel of its own.
func checkCredentials() error {
	if os.Getuid() != os.Geteuid() || os.Getgid() != os.Getegid() {
		return fmt.Errorf("a set-user-ID or set-group-ID program does not take a fork marker from its environment: %w", fs.ErrPermission)
	}
	return nil
}
