package procs

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// fionbio is ioctlsocket's FIONBIO (_IOW('f', 126, u_long)).
const fionbio = 0x8004667e

// nonBlockingListener is a blocking listener (the fallback a child uses for
// a socket its poller cannot take) on a loopback socket made non-blocking,
// so that every accept with no connection waiting answers WSAEWOULDBLOCK,
// as Wine's does to the processes that lose a connection to another.
func nonBlockingListener(t *testing.T) *blockingListener {
	t.Helper()
	h, err := windows.WSASocket(windows.AF_INET, windows.SOCK_STREAM, windows.IPPROTO_TCP, nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	require.NoError(t, err)
	owned := false
	t.Cleanup(func() {
		if !owned {
			windows.Closesocket(h)
		}
	})
	require.NoError(t, windows.Bind(h, &windows.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, windows.Listen(h, 4))
	on := [4]byte{1}
	var n uint32
	require.NoError(t, windows.WSAIoctl(h, fionbio, &on[0], uint32(len(on)), nil, 0, &n, nil, 0), "FIONBIO")
	f := os.NewFile(uintptr(h), "listener")
	s, err := newBlockingSocket(f)
	require.NoError(t, err)
	keepSocketFile(f) // the listener's Close closes it, with closesocket
	owned = true
	l := &blockingListener{s}
	t.Cleanup(func() { l.Close() })
	return l
}

// TestBlockingListenerWaitsWhenAcceptWouldBlock: a blocking listener's
// Accept waits for a connection even when accept answers WSAEWOULDBLOCK
// (a prefork worker under Wine stopped with "accept: winapi error #10035"
// when another worker took the connection first), and a Close ends the
// wait with net.ErrClosed.
func TestBlockingListenerWaitsWhenAcceptWouldBlock(t *testing.T) {
	t.Run("connection", func(t *testing.T) {
		l := nonBlockingListener(t)
		accepted := make(chan error, 1)
		go func() {
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
			accepted <- err
		}()
		// Accept meets no connection first, then one.
		time.Sleep(100 * time.Millisecond)
		c, err := net.DialTimeout("tcp", l.Addr().String(), 10*time.Second)
		require.NoError(t, err)
		defer c.Close()
		select {
		case err := <-accepted:
			assert.NoError(t, err, "Accept returned the error of a non-blocking accept")
		case <-time.After(10 * time.Second):
			t.Fatal("Accept did not return the connection within 10s")
		}
	})
	t.Run("close", func(t *testing.T) {
		l := nonBlockingListener(t)
		accepted := make(chan error, 1)
		go func() {
			c, err := l.Accept()
			if err == nil {
				c.Close()
			}
			accepted <- err
		}()
		time.Sleep(100 * time.Millisecond)
		require.NoError(t, l.Close())
		select {
		case err := <-accepted:
			assert.True(t, errors.Is(err, net.ErrClosed), "Accept after Close: %v, want net.ErrClosed", err)
		case <-time.After(10 * time.Second):
			t.Fatal("Accept did not return within 10s of Close")
		}
	})
}
