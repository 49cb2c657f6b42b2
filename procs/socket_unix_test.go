//go:build unix

package procs_test

import (
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// unixSocketsOptional: every Unix has Unix domain sockets.
const unixSocketsOptional = false

// TestForkKeepsSocketsNonBlocking: the child's copy of a socket shares the
// open file description of the caller's, so its blocking mode too; it
// must stay non-blocking, so that the caller's Accept still waits in the
// poller (where deadlines and Close reach it), not in the kernel. (Passing
// the socket through (*net.TCPListener).File would make it blocking when
// os.StartProcess takes the file's Fd.)
func TestForkKeepsSocketsNonBlocking(t *testing.T) {
	l := listen(t, "tcp4")
	p := forkWith(t, "return", &procs.Attr{Sockets: []syscall.Conn{l.(syscall.Conn)}, Group: true}, func() {})
	require.Zero(t, waitCode(t, p))
	rc, err := l.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	var flags int
	var ferr error
	require.NoError(t, rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) }))
	require.NoError(t, ferr)
	assert.NotZero(t, flags&unix.O_NONBLOCK, "the caller's listener is non-blocking after Fork")
	done := make(chan error, 1)
	go func() {
		_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := l.Accept()
		done <- err
	}()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(socketDeadline):
		l.Close()
		t.Fatal("Accept ignored its deadline: it blocks in the kernel")
	}
}
