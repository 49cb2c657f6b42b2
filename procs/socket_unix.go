//go:build unix

package procs

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// checkStreamSocket checks that fd is a stream socket procs hands on.
func checkStreamSocket(fd uintptr) error {
	sotype, typeErr := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TYPE)
	var sa syscall.Sockaddr
	var nameErr error
	if typeErr == nil {
		sa, nameErr = syscall.Getsockname(int(fd))
	}
	return socketFamily(sotype, typeErr, sa, nameErr)
}

func isNotSocket(err error) bool { return err == syscall.ENOTSOCK }

// withSocketFiles returns attr with a duplicate of each of its sockets'
// descriptors after its Files: a forked child inherits a socket as it
// does a file, and takes the last len(Sockets) of its files as sockets.
// release closes the duplicates (the child has its own by then). The
// duplicates are made with os.NewFile, not (*net.TCPListener).File: a
// non-blocking descriptor given to NewFile stays non-blocking when
// os.StartProcess takes its Fd, and the open file description is the one
// the caller's listener or connection uses, which must stay non-blocking.
func withSocketFiles(attr *Attr) (*Attr, func(), error) {
	if len(attr.Sockets) == 0 {
		return attr, func() {}, nil
	}
	child := *attr
	child.Files = append(make([]*os.File, 0, len(attr.Files)+len(attr.Sockets)), attr.Files...)
	release := func() { closeAll(child.Files[len(attr.Files):]) }
	for i, c := range attr.Sockets {
		err := withSocket(c, func(fd uintptr) error {
			dup, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				return os.NewSyscallError("fcntl", err)
			}
			child.Files = append(child.Files, os.NewFile(uintptr(dup), fmt.Sprintf("socket %d", i)))
			return nil
		})
		if err != nil {
			release()
			return nil, nil, fmt.Errorf("Attr.Sockets[%d]: %w", i, err)
		}
	}
	return &child, release, nil
}

// shareSockets has nothing to send on Unix: the sockets go as files.
func shareSockets(*Attr, int) ([]byte, error) { return nil, nil }

// receiveSockets takes the last m.sockets of a forked child's inherited
// files as its sockets, and notes which are listening (SO_ACCEPTCONN).
func receiveSockets(m *marker, _ childEnd, files []*os.File) ([]*os.File, []inheritedSocket, error) {
	if m.sockets == 0 {
		return files, nil, nil
	}
	if m.sockets > len(files) {
		return nil, nil, fmt.Errorf("%w: %d sockets among %d inherited files", errCorrupt, m.sockets, len(files))
	}
	rest, tail := files[:len(files)-m.sockets], files[len(files)-m.sockets:]
	socks := make([]inheritedSocket, len(tail))
	for i, f := range tail {
		on, err := syscall.GetsockoptInt(int(f.Fd()), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
		if err != nil {
			return nil, nil, fmt.Errorf("inherited socket %d: %w", i, os.NewSyscallError("getsockopt", err))
		}
		socks[i] = inheritedSocket{f: f, listening: on != 0}
	}
	return rest, socks, nil
}

// listenerFrom makes the listener the program takes from an inherited
// socket, on the runtime's poller (net.FileListener makes its own
// descriptor), and closes f.
func listenerFrom(f *os.File) (net.Listener, error) {
	defer f.Close()
	return net.FileListener(f)
}

// connFrom is listenerFrom for a connection.
func connFrom(f *os.File) (net.Conn, error) {
	defer f.Close()
	return net.FileConn(f)
}

// passSockets passes a started program its sockets as descriptors after
// Attr.Files, named in FORKPORT_SOCKETS.
func passSockets(attr *Attr) (*Attr, spawnSockets, func(*Process) error, func(), error) {
	child, release, err := withSocketFiles(attr)
	if err != nil {
		return nil, spawnSockets{}, nil, nil, err
	}
	var s spawnSockets
	for i := range attr.Sockets {
		s.fds = append(s.fds, uintptr(3+len(attr.Files)+i))
	}
	return child, s, func(*Process) error { return nil }, release, nil
}

// receiveSpawnedSockets takes the descriptors FORKPORT_SOCKETS names: each
// must be a socket, named once.
func receiveSpawnedSockets(s spawnSockets) ([]inheritedSocket, error) {
	if s.fds == nil {
		return nil, fmt.Errorf("%w: %s names a pipe, which only Windows uses", fs.ErrInvalid, socketsEnv)
	}
	seen := map[uintptr]bool{}
	socks := make([]inheritedSocket, 0, len(s.fds))
	for _, fd := range s.fds {
		if seen[fd] || fd > 1<<20 {
			return nil, fmt.Errorf("%w: %s: descriptor %d named twice, or out of range", fs.ErrInvalid, socketsEnv, fd)
		}
		seen[fd] = true
		on, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ACCEPTCONN)
		if err != nil {
			if isNotSocket(err) || err == syscall.EBADF {
				err = fmt.Errorf("%w: not an open socket (%v)", fs.ErrInvalid, err)
			}
			return nil, fmt.Errorf("%s: descriptor %d: %w", socketsEnv, fd, err)
		}
		syscall.CloseOnExec(int(fd))
		socks = append(socks, inheritedSocket{f: os.NewFile(fd, fmt.Sprintf("socket %d", len(socks))), listening: on != 0})
	}
	return socks, nil
}
