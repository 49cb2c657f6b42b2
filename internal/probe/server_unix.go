//go:build unix

package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ignoreChildSignal sets SIGCHLD to SIG_IGN (signal.Ignore): POSIX then
// has the kernel reap exited children, and wait fails with ECHILD.
func ignoreChildSignal() string {
	signal.Ignore(syscall.SIGCHLD)
	return "ignored"
}

// afterChildExit waits (at most 5 s) until the child pid, which has closed
// its connection and is exiting, is gone, and says whether it is, or is
// still a zombie. A zombie seen before that may be passing: a Go child's
// main thread shows as Z (Linux's delayed group leader) until its other
// threads have exited, and only then is the process reaped or left a
// zombie for its parent.
func afterChildExit(pid int) string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := describe(pid)
		if strings.HasPrefix(d, "gone") || time.Now().After(deadline) {
			return fmt.Sprintf("gone=%t zombie=%t", strings.HasPrefix(d, "gone"), strings.HasPrefix(d, "zombie=yes"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listenReusePort listens on the IPv4 loopback's port (0: any) with
// SO_REUSEPORT set before bind (net.ListenConfig.Control).
func listenReusePort(port int) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	return lc.Listen(context.Background(), "tcp4", fmt.Sprintf("127.0.0.1:%d", port))
}

// addrInUse reports whether a bind failed because the address is in use.
func addrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// isRefused reports whether a dial was refused: nothing listens.
func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
