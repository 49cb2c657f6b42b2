package procs

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/windows"
)

// On Windows the runtime's network poller serves a socket through the
// process's I/O completion port, and a socket (one kernel object, however
// many processes hold a handle to it) belongs to one port at most: the
// child's poller cannot take a socket that is still on another process's
// port. That is the case when the parent could not take it off its own
// (Wine 8 does not implement FileReplaceCompletionInformation), and for a
// listener handed to several children, which the first child's poller
// holds. CreateIoCompletionPort then fails with ERROR_INVALID_PARAMETER,
// and the child serves the socket with blocking Winsock calls instead
// (what CPython's sockets do on every OS): a net.Listener or net.Conn all
// the same, each call blocking the thread it runs on. The connections a
// blocking listener accepts are new sockets, on no port, served by the
// poller where the system lets it take them (not Wine 8, whose File.Fd
// cannot take a socket off the port os.NewFile puts it on: there every
// socket is served by blocking calls).

// otherPort reports the error of a socket the poller cannot take because
// another process's completion port has it.
func otherPort(err error) bool { return errors.Is(err, windows.ERROR_INVALID_PARAMETER) }

// listenerFrom makes the listener the program takes from a socket: the
// poller's (f's socket is then closed), else a blocking one, which owns
// it. It keeps f.
func listenerFrom(f *os.File) (l net.Listener, err error) {
	l, err = net.FileListener(f)
	if err == nil {
		releaseSocket(f)
		return l, nil
	}
	if !otherPort(err) {
		return l, err
	}
	s, err := newBlockingSocket(f)
	if err != nil {
		return nil, err
	}
	keepSocketFile(f)
	return &blockingListener{s}, nil
}

// connFrom is listenerFrom for a connection.
func connFrom(f *os.File) (c net.Conn, err error) {
	c, err = net.FileConn(f)
	if err == nil {
		releaseSocket(f)
		return c, nil
	}
	if !otherPort(err) {
		return c, err
	}
	s, err := newBlockingSocket(f)
	if err != nil {
		return nil, err
	}
	keepSocketFile(f)
	return &blockingConn{blockingSocket: s}, nil
}

// A blockingSocket is a socket handle served by blocking Winsock calls.
type blockingSocket struct {
	h             windows.Handle
	network       string
	local, remote net.Addr
	mu            sync.Mutex
	closed        bool
}

func newBlockingSocket(f *os.File) (*blockingSocket, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &blockingSocket{}
	var serr error
	if err := rc.Control(func(h uintptr) {
		s.h = windows.Handle(h)
		var sa windows.Sockaddr
		if sa, serr = windows.Getsockname(s.h); serr == nil {
			s.network, s.local = sockaddrAddr(sa)
			if ra, err := windows.Getpeername(s.h); err == nil {
				_, s.remote = sockaddrAddr(ra)
			}
		}
	}); err != nil {
		return nil, err
	}
	if serr != nil {
		return nil, os.NewSyscallError("getsockname", serr)
	}
	return s, nil
}

// sockaddrAddr is the network and the net.Addr of a socket address.
func sockaddrAddr(sa windows.Sockaddr) (string, net.Addr) {
	switch a := sa.(type) {
	case *windows.SockaddrInet4:
		return "tcp", &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *windows.SockaddrInet6:
		return "tcp", &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *windows.SockaddrUnix:
		return "unix", &net.UnixAddr{Name: a.Name, Net: "unix"}
	}
	return "tcp", nil
}

// handle returns the socket for one call, or net.ErrClosed.
func (s *blockingSocket) handle() (windows.Handle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return windows.InvalidHandle, net.ErrClosed
	}
	return s.h, nil
}

// Close closes the socket, which ends the blocking calls on it (they
// return net.ErrClosed). A call that read the handle just before, and has
// yet to enter Winsock, gets WSAENOTSOCK unless the number was reused in
// between: the window is the time between two instructions.
func (s *blockingSocket) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.opError("close", net.ErrClosed)
	}
	s.closed = true
	if err := windows.Closesocket(s.h); err != nil {
		return s.opError("close", os.NewSyscallError("closesocket", err))
	}
	return nil
}

// fail makes a call's error: net.ErrClosed once the socket is closed.
func (s *blockingSocket) fail(op string, err error) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	switch {
	case closed:
		err = net.ErrClosed
	case errors.Is(err, windows.WSAETIMEDOUT):
		err = os.ErrDeadlineExceeded
	default:
		err = os.NewSyscallError(op, err)
	}
	return s.opError(op, err)
}

func (s *blockingSocket) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: s.network, Source: s.local, Addr: s.remote, Err: err}
}

// A blockingListener accepts with blocking accept calls.
type blockingListener struct{ *blockingSocket }

// wsAccept is ws2_32's accept, which x/sys/windows does not provide.
var wsAccept = windows.NewLazySystemDLL("ws2_32.dll").NewProc("accept")

// Accept waits for a connection and returns it served by the poller.
func (l *blockingListener) Accept() (net.Conn, error) {
	r, err := l.accept()
	if err != nil {
		return nil, err
	}
	f := os.NewFile(r, "accepted")
	c, err := connFrom(f)
	if err != nil {
		releaseSocket(f)
		return nil, l.opError("accept", err)
	}
	return c, nil
}

// accept accepts a connection, waiting for one even where accept answers
// WSAEWOULDBLOCK: a blocking call should not, but it does under Wine 8
// when several processes accept on one listener and another took the
// connection they were all woken for (seen in the prefork server's test, a
// worker stopping with "accept: winapi error #10035"), and on any system
// once the socket was made non-blocking (ioctlsocket FIONBIO, by any
// process holding it). The first retry is at once: on a blocking
// socket the call then waits, as it should. Should accept keep answering
// WSAEWOULDBLOCK, the socket is non-blocking, and the retries back off
// (1 ms, doubling to 50 ms) rather than spin. The handle is read again for
// each call, so that a Close in between ends the loop.
func (l *blockingListener) accept() (uintptr, error) {
	var backoff time.Duration
	for {
		h, err := l.handle()
		if err != nil {
			return 0, l.opError("accept", err)
		}
		// accept(s, NULL, NULL): the peer's address is read after, with
		// getpeername, so no buffer is passed.
		r, _, e := wsAccept.Call(uintptr(h), 0, 0)
		if windows.Handle(r) != windows.InvalidHandle {
			return r, nil
		}
		if !errors.Is(e, windows.WSAEWOULDBLOCK) {
			return 0, l.fail("accept", e)
		}
		if backoff > 0 {
			time.Sleep(backoff)
		}
		backoff = min(max(2*backoff, time.Millisecond), 50*time.Millisecond)
	}
}

// Addr is the listener's address.
func (l *blockingListener) Addr() net.Addr { return l.local }

// A blockingConn reads and writes with blocking recv and send calls;
// deadlines set SO_RCVTIMEO and SO_SNDTIMEO (in milliseconds) to the time
// left when they are set.
type blockingConn struct {
	*blockingSocket
}

func (c *blockingConn) Read(b []byte) (int, error) {
	h, err := c.handle()
	if err != nil {
		return 0, c.opError("read", err)
	}
	if len(b) == 0 {
		return 0, nil
	}
	var n, flags uint32
	buf := windows.WSABuf{Len: uint32(min(len(b), 1<<30)), Buf: &b[0]}
	switch err := windows.WSARecv(h, &buf, 1, &n, &flags, nil, nil); {
	case err != nil:
		return 0, c.fail("read", err)
	case n == 0:
		return 0, io.EOF // the peer closed
	}
	return int(n), nil
}

func (c *blockingConn) Write(b []byte) (int, error) {
	written := 0
	for written < len(b) {
		h, err := c.handle()
		if err != nil {
			return written, c.opError("write", err)
		}
		var n uint32
		buf := windows.WSABuf{Len: uint32(min(len(b)-written, 1<<30)), Buf: &b[written]}
		if err := windows.WSASend(h, &buf, 1, &n, 0, nil, nil); err != nil {
			return written, c.fail("write", err)
		}
		written += int(n)
	}
	return written, nil
}

func (c *blockingConn) LocalAddr() net.Addr  { return c.local }
func (c *blockingConn) RemoteAddr() net.Addr { return c.remote }

func (c *blockingConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *blockingConn) SetReadDeadline(t time.Time) error {
	return c.timeout(windows.SO_RCVTIMEO, t)
}

func (c *blockingConn) SetWriteDeadline(t time.Time) error {
	return c.timeout(windows.SO_SNDTIMEO, t)
}

// timeout sets a socket time-out to the time left until t: 0 (none) for
// the zero time, 1 ms at least for a time past.
func (c *blockingConn) timeout(opt int, t time.Time) error {
	h, err := c.handle()
	if err != nil {
		return c.opError("set", err)
	}
	ms := 0
	if !t.IsZero() {
		ms = max(int(time.Until(t).Milliseconds()), 1)
	}
	if err := windows.SetsockoptInt(h, windows.SOL_SOCKET, opt, ms); err != nil {
		return c.opError("set", os.NewSyscallError("setsockopt", err))
	}
	return nil
}

// SyscallConn returns the socket's raw connection, so that a child can
// hand on what it was handed (Attr.Sockets takes a syscall.Conn).
func (s *blockingSocket) SyscallConn() (syscall.RawConn, error) { return rawSocket{s}, nil }

// rawSocket is a blocking socket's syscall.RawConn: its Read and Write
// call f until it reports done, each call blocking in Winsock as it may.
type rawSocket struct{ s *blockingSocket }

func (r rawSocket) Control(f func(fd uintptr)) error {
	h, err := r.s.handle()
	if err != nil {
		return err
	}
	f(uintptr(h))
	return nil
}

func (r rawSocket) Read(f func(fd uintptr) (done bool)) error  { return r.loop(f) }
func (r rawSocket) Write(f func(fd uintptr) (done bool)) error { return r.loop(f) }

func (r rawSocket) loop(f func(fd uintptr) bool) error {
	for {
		h, err := r.s.handle()
		if err != nil {
			return err
		}
		if f(uintptr(h)) {
			return nil
		}
	}
}
