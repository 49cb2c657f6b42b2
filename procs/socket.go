package procs

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"syscall"
)

// maxSockets bounds Attr.Sockets: the most sockets one child is handed.
const maxSockets = 64

// A socket handed to this process by its parent (Attr.Sockets), until the
// program takes it with InheritedListener or InheritedConn.
type inheritedSocket struct {
	f         *os.File // nil once taken
	listening bool     // SO_ACCEPTCONN: a listener, else a connection
}

// sockets are the sockets this forked child was handed, in order; guarded
// by regMu.
var sockets []inheritedSocket

// checkSockets validates Attr.Sockets before any child starts: each must
// be an open stream socket of a family procs hands on (IPv4, IPv6 or Unix
// domain), at most maxSockets of them.
func (a *Attr) checkSockets() error {
	if len(a.Sockets) > maxSockets {
		return invalid("Attr.Sockets holds %d sockets, over the limit of %d", len(a.Sockets), maxSockets)
	}
	for i, c := range a.Sockets {
		if err := withSocket(c, checkStreamSocket); err != nil {
			return fmt.Errorf("Attr.Sockets[%d] (%T): %w", i, c, err)
		}
	}
	return nil
}

// withSocket runs fn with c's descriptor (Unix) or socket handle (Windows),
// which stays open until fn returns. A closed c is an error wrapping
// os.ErrClosed; a nil one, fs.ErrInvalid.
func withSocket(c syscall.Conn, fn func(fd uintptr) error) error {
	if c == nil || isNilPointer(c) {
		return invalid("a nil socket")
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return closedOr(err)
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(fd) }); err != nil {
		return closedOr(err)
	}
	return ferr
}

// closedOr makes the error of a closed connection or file wrap
// os.ErrClosed (net.ErrClosed does not).
func closedOr(err error) error {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("%w (%v)", os.ErrClosed, err)
	}
	return err
}

// isNilPointer reports a nil pointer in an interface (a nil
// *net.TCPListener, say), whose SyscallConn would panic.
func isNilPointer(c syscall.Conn) bool {
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// socketFamily checks a socket's type and family from getsockopt and
// getsockname: a stream socket of IPv4, IPv6 or a Unix domain.
func socketFamily(sotype int, typeErr error, sa syscall.Sockaddr, nameErr error) error {
	if typeErr != nil {
		if isNotSocket(typeErr) {
			return invalid("not a socket")
		}
		return os.NewSyscallError("getsockopt", typeErr)
	}
	if sotype != syscall.SOCK_STREAM {
		return invalid("a socket of type %d, not a stream socket (SOCK_STREAM)", sotype)
	}
	if nameErr != nil {
		return os.NewSyscallError("getsockname", nameErr)
	}
	switch sa.(type) {
	case *syscall.SockaddrInet4, *syscall.SockaddrInet6, *syscall.SockaddrUnix:
		return nil
	}
	return invalid("a socket of an unsupported family (%T): procs hands on IPv4, IPv6 and Unix domain sockets", sa)
}

// InheritedSockets returns, in a forked child, how many sockets its parent
// passed in Attr.Sockets (taken or not); 0 in any other process.
func InheritedSockets() int {
	regMu.Lock()
	defer regMu.Unlock()
	return len(sockets)
}

// InheritedListener returns, in a forked child, the listening socket its
// parent passed as Attr.Sockets[i], as a net.Listener on this process's
// network poller (a *net.TCPListener or *net.UnixListener): the same
// socket as the parent's, which may go on accepting on it too. Each socket
// is taken once: a second call for i returns an error wrapping
// os.ErrClosed, so that closing what it returned closes the child's only
// copy. An i that names no inherited socket is an error wrapping
// fs.ErrNotExist; a socket that is a connection, not a listener, one
// wrapping fs.ErrInvalid (use InheritedConn).
func InheritedListener(i int) (net.Listener, error) {
	var l net.Listener
	err := takeSocket(i, true, func(f *os.File) (err error) {
		l, err = listenerFrom(f)
		return err
	})
	return l, err
}

// InheritedConn returns, in a forked child, the connected socket its parent
// passed as Attr.Sockets[i], as a net.Conn on this process's network
// poller (a *net.TCPConn or *net.UnixConn). The parent may close its copy
// at once (as the chapter's forking server does after each fork): the
// connection stays open until the child closes it too. Errors are as for
// InheritedListener; a listener is an error wrapping fs.ErrInvalid.
func InheritedConn(i int) (net.Conn, error) {
	var c net.Conn
	err := takeSocket(i, false, func(f *os.File) (err error) {
		c, err = connFrom(f)
		return err
	})
	return c, err
}

// takeSocket hands inherited socket i to build, which makes the program's
// listener or connection of it and releases the inherited file (or
// keeps it, if what it made owns the socket).
func takeSocket(i int, listener bool, build func(*os.File) error) error {
	regMu.Lock()
	defer regMu.Unlock()
	switch {
	case socketsErr != nil:
		return fmt.Errorf("procs: inherited socket %d: %w", i, socketsErr)
	case i < 0 || i >= len(sockets):
		return fmt.Errorf("procs: inherited socket %d: %w (this process was handed %d sockets)", i, fs.ErrNotExist, len(sockets))
	case sockets[i].f == nil:
		return fmt.Errorf("procs: inherited socket %d: taken already: %w", i, os.ErrClosed)
	case sockets[i].listening != listener:
		return fmt.Errorf("procs: inherited socket %d is a %s, not a %s: %w", i, kind(sockets[i].listening), kind(listener), fs.ErrInvalid)
	}
	if err := build(sockets[i].f); err != nil {
		return fmt.Errorf("procs: inherited socket %d: %w", i, err)
	}
	sockets[i].f = nil
	return nil
}

// kind names a listener or a connection.
func kind(listening bool) string {
	if listening {
		return "listener"
	}
	return "connection"
}

// socketsEnv names the environment variable through which Start tells the
// program it starts where its sockets are:
//
//	FORKPORT_SOCKETS=1 fd <descriptor>,<descriptor>,...   (Unix)
//	FORKPORT_SOCKETS=1 pipe <handle> <count>              (Windows)
//
// On Unix the sockets are inherited descriptors (after Attr.Files); on
// Windows the handle is the read end of a pipe on which the parent writes,
// once the child exists, one WSAPROTOCOL_INFOW per socket made for the
// child's process ID by WSADuplicateSocket (the bytes CPython's
// socket.fromshare takes). Init reads it (and removes it from the
// environment), so that InheritedListener and InheritedConn work in a
// started program as in a forked child.
const socketsEnv = "FORKPORT_SOCKETS"

// socketsEnvVersion is the first field of a FORKPORT_SOCKETS value.
const socketsEnvVersion = "1"

// spawnSockets is a parsed FORKPORT_SOCKETS value.
type spawnSockets struct {
	fds   []uintptr // Unix: the sockets' descriptors
	pipe  uintptr   // Windows: the pipe's handle
	count int       // Windows: how many sockets come on the pipe
}

func (s spawnSockets) String() string {
	if s.fds != nil {
		return socketsEnvVersion + " fd " + joinIDs(s.fds)
	}
	return fmt.Sprintf("%s pipe %d %d", socketsEnvVersion, s.pipe, s.count)
}

// parseSocketsEnv parses a FORKPORT_SOCKETS value: it comes from whoever
// started the process, so it is checked field by field and bounded
// (maxSockets).
func parseSocketsEnv(v string) (spawnSockets, error) {
	bad := func(what string) (spawnSockets, error) {
		return spawnSockets{}, fmt.Errorf("%w: %s=%q: %s", fs.ErrInvalid, socketsEnv, v, what)
	}
	f := strings.Split(v, " ")
	if len(f) < 3 || f[0] != socketsEnvVersion {
		return bad("not a version " + socketsEnvVersion + " value")
	}
	switch {
	case f[1] == "fd" && len(f) == 3:
		ids, err := parseIDs(f[2])
		if err != nil || len(ids) == 0 || len(ids) > maxSockets {
			return bad("bad descriptors")
		}
		return spawnSockets{fds: ids}, nil
	case f[1] == "pipe" && len(f) == 4:
		ids, err := parseIDs(f[2])
		n, nerr := strconv.Atoi(f[3])
		if err != nil || len(ids) != 1 || nerr != nil || n < 1 || n > maxSockets || strconv.Itoa(n) != f[3] {
			return bad("bad pipe or count")
		}
		return spawnSockets{pipe: ids[0], count: n}, nil
	}
	return bad("neither fd nor pipe")
}

// socketsErr is why the sockets a started program was handed could not be
// taken (guarded by regMu): InheritedListener and InheritedConn return it.
var socketsErr error

// adoptSpawnedSockets takes, in a program Start started, the sockets
// FORKPORT_SOCKETS names. Called by Init.
func adoptSpawnedSockets() {
	v, ok := os.LookupEnv(socketsEnv)
	if !ok {
		return
	}
	os.Unsetenv(socketsEnv)
	s, err := parseSocketsEnv(v)
	var socks []inheritedSocket
	if err == nil {
		socks, err = receiveSpawnedSockets(s)
	}
	regMu.Lock()
	defer regMu.Unlock()
	sockets, socketsErr = socks, err
}

// startSockets prepares a Start with Attr.Sockets: the attributes the
// child starts with (the sockets' descriptors or the pipe after Files, and
// FORKPORT_SOCKETS in its environment), what to do once it exists (send
// the sockets, on Windows), and what to close after.
func startSockets(attr *Attr) (*Attr, func(*Process) error, func(), error) {
	child, value, after, release, err := passSockets(attr)
	if err != nil {
		return nil, nil, nil, err
	}
	env := attr.Env
	if env == nil {
		env = os.Environ()
	}
	kept := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, socketsEnv+"=") {
			kept = append(kept, e)
		}
	}
	child.Env = append(kept, socketsEnv+"="+value.String())
	return child, after, release, nil
}
