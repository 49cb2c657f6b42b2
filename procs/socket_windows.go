package procs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// checkStreamSocket checks that h is a stream socket procs hands on.
func checkStreamSocket(h uintptr) error {
	sotype, typeErr := syscall.GetsockoptInt(syscall.Handle(h), syscall.SOL_SOCKET, soType)
	var sa syscall.Sockaddr
	var nameErr error
	if typeErr == nil {
		sa, nameErr = syscall.Getsockname(syscall.Handle(h))
	}
	return socketFamily(sotype, typeErr, sa, nameErr)
}

// Winsock's socket options procs reads, which package syscall does not
// declare (winsock2.h).
const (
	soType       = 0x1008 // SO_TYPE
	soAcceptConn = 0x0002 // SO_ACCEPTCONN
)

func isNotSocket(err error) bool { return err == windows.WSAENOTSOCK }

// withSocketFiles has nothing to add on Windows: sockets are not inherited
// as handles, they are duplicated for the child once it exists
// (shareSockets).
func withSocketFiles(attr *Attr) (*Attr, func(), error) { return attr, func() {}, nil }

// protocolInfoSize is the size of a WSAPROTOCOL_INFOW as sent to a child.
var protocolInfoSize = binary.Size(windows.WSAProtocolInfo{})

// shareSockets duplicates attr's sockets for the process pid with
// WSADuplicateSocket: what it returns, one WSAPROTOCOL_INFOW after the
// other, is what the child needs to rebuild each with WSASocket (the
// protocol information names a socket made for that process alone). Each
// socket leaves this process's I/O completion port first, as
// (*net.TCPListener).File does in Go's net package: a socket can be
// associated with one port only, and the child's runtime poller
// associates its copy with its own.
func shareSockets(attr *Attr, pid int) ([]byte, error) {
	if len(attr.Sockets) == 0 {
		return nil, nil
	}
	var b []byte
	for i, c := range attr.Sockets {
		if fc, ok := c.(interface{ File() (*os.File, error) }); ok {
			// File disassociates the socket from this process's port
			// (and makes a duplicate, closed at once). Where the system
			// cannot (Wine 8 does not implement
			// FileReplaceCompletionInformation: "Invalid function"), the
			// socket is handed as it is: the child's poller may then
			// fail to take it, which its WSASocket or its first use
			// reports.
			if f, err := fc.File(); err == nil {
				f.Close()
			} else if errors.Is(closedOr(err), os.ErrClosed) {
				return nil, fmt.Errorf("Attr.Sockets[%d]: %w", i, closedOr(err))
			}
		}
		err := withSocket(c, func(h uintptr) error {
			var info windows.WSAProtocolInfo
			if err := windows.WSADuplicateSocket(windows.Handle(h), uint32(pid), &info); err != nil {
				return os.NewSyscallError("WSADuplicateSocket", err)
			}
			var err error
			b, err = binary.Append(b, binary.LittleEndian, &info)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("Attr.Sockets[%d]: %w", i, err)
		}
	}
	return b, nil
}

// receiveSockets rebuilds, with WSASocket, the sockets a forked child's
// parent duplicated for it: their protocol information comes framed after
// the state, like it bytes from another process, and is checked as such
// (its size; WSASocket refuses protocol information that names no socket
// duplicated for this process).
func receiveSockets(m *marker, c childEnd, files []*os.File) ([]*os.File, []inheritedSocket, error) {
	if m.sockets == 0 {
		return files, nil, nil
	}
	payload, err := unframe(c.in, m.nonce, fingerprint())
	if err != nil {
		return nil, nil, err
	}
	if len(payload) != m.sockets*protocolInfoSize {
		return nil, nil, fmt.Errorf("%w: %d bytes of protocol information for %d sockets", errCorrupt, len(payload), m.sockets)
	}
	socks, err := rebuildSockets(payload, m.sockets)
	if err != nil {
		return nil, nil, err
	}
	return files, socks, err
}

// rebuildSockets makes the sockets whose protocol information payload
// holds (n of them) with WSASocket, and notes which are listening.
func rebuildSockets(payload []byte, n int) ([]inheritedSocket, error) {
	socks := make([]inheritedSocket, 0, n)
	fail := func(err error) ([]inheritedSocket, error) {
		for _, s := range socks {
			releaseSocket(s.f)
		}
		return nil, err
	}
	for i := range n {
		var info windows.WSAProtocolInfo
		if _, err := binary.Decode(payload[i*protocolInfoSize:], binary.LittleEndian, &info); err != nil {
			return fail(fmt.Errorf("%w: socket %d: %v", errCorrupt, i, err))
		}
		h, err := windows.WSASocket(fromProtocolInfo, fromProtocolInfo, fromProtocolInfo, &info, 0,
			windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
		if err != nil {
			return fail(fmt.Errorf("socket %d: %w", i, os.NewSyscallError("WSASocket", err)))
		}
		on, err := syscall.GetsockoptInt(syscall.Handle(h), syscall.SOL_SOCKET, soAcceptConn)
		if err != nil {
			windows.Closesocket(h)
			return fail(fmt.Errorf("socket %d: %w", i, os.NewSyscallError("getsockopt", err)))
		}
		socks = append(socks, inheritedSocket{f: os.NewFile(uintptr(h), fmt.Sprintf("socket %d", i)), listening: on != 0})
	}
	return socks, nil
}

// passSockets passes a started program its sockets through a pipe whose
// read end it inherits (after Attr.Files) and FORKPORT_SOCKETS names: once
// the child exists, after duplicates each socket for its process ID and
// writes the protocol information on the pipe, from a goroutine, so that
// a program that never reads it (one that does not call procs.Init) does
// not block Start: its exit breaks the pipe.
func passSockets(attr *Attr) (*Attr, spawnSockets, func(*Process) error, func(), error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, spawnSockets{}, nil, nil, err
	}
	child := *attr
	child.Files = append(append(make([]*os.File, 0, len(attr.Files)+1), attr.Files...), r)
	s := spawnSockets{pipe: r.Fd(), count: len(attr.Sockets)}
	sent := false
	after := func(p *Process) error {
		b, err := shareSockets(attr, p.Pid)
		if err != nil {
			return err
		}
		sent = true
		go func() {
			_, _ = w.Write(b)
			w.Close()
		}()
		return nil
	}
	release := func() {
		r.Close()
		if !sent {
			w.Close()
		}
	}
	return &child, s, after, release, nil
}

// receiveSpawnedSockets reads the protocol information of the sockets
// FORKPORT_SOCKETS announces from its pipe (exactly count of them: a
// parent that died first leaves end of file) and rebuilds them.
func receiveSpawnedSockets(s spawnSockets) ([]inheritedSocket, error) {
	if s.fds != nil {
		return nil, fmt.Errorf("%w: %s names descriptors, which only Unix uses", fs.ErrInvalid, socketsEnv)
	}
	if t, err := windows.GetFileType(windows.Handle(s.pipe)); err != nil || t != windows.FILE_TYPE_PIPE {
		return nil, fmt.Errorf("%w: %s: handle %d is not a pipe (%v)", fs.ErrInvalid, socketsEnv, s.pipe, err)
	}
	f := os.NewFile(s.pipe, "sockets")
	defer f.Close()
	payload := make([]byte, s.count*protocolInfoSize)
	if _, err := io.ReadFull(f, payload); err != nil {
		return nil, fmt.Errorf("%s: reading the sockets' protocol information: %w", socketsEnv, err)
	}
	return rebuildSockets(payload, s.count)
}

// fromProtocolInfo is FROM_PROTOCOL_INFO: WSASocket takes the address
// family, type and protocol from the protocol information.
const fromProtocolInfo = -1

// releaseSocket closes a socket the child rebuilt, once the program has
// its own duplicate (net.FileListener and net.FileConn make one): with
// closesocket, as every WSASocket must be matched, not CloseHandle, which
// (*os.File).Close would call. The *os.File stays reachable, never used
// again, so that its finalizer does not close the handle a second time,
// when the number may name another handle.
func releaseSocket(f *os.File) {
	rc, err := f.SyscallConn()
	if err == nil {
		_ = rc.Control(func(h uintptr) { windows.Closesocket(windows.Handle(h)) })
	}
	keepSocketFile(f)
}

// keepSocketFile keeps the *os.File of a socket handle closed with
// closesocket, or owned by a blocking listener or connection, from its
// finalizer's CloseHandle.
func keepSocketFile(f *os.File) {
	keptMu.Lock()
	defer keptMu.Unlock()
	releasedSockets = append(releasedSockets, f)
}

// releasedSockets keeps the released sockets' files.
var (
	keptMu          sync.Mutex
	releasedSockets []*os.File
)
