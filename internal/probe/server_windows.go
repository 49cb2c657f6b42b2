package probe

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/sys/windows"
)

// ignoreChildSignal does nothing: Windows has no SIGCHLD (nor zombies); a
// process object lasts while a handle to it is open.
func ignoreChildSignal() string { return "does not exist on this OS" }

// afterChildExit waits until the child pid has exited and says what is
// left of it before Wait: its process object, while procs holds a handle.
func afterChildExit(pid int) string {
	if err := waitExitedNotReaped(pid); err != nil {
		return "unknown: " + err.Error()
	}
	d := describe(pid)
	return fmt.Sprintf("gone=%t zombie=%t", strings.HasSuffix(d, "gone"), strings.HasPrefix(d, "zombie=yes"))
}

// errNoReusePort: Winsock has no SO_REUSEPORT. Its SO_REUSEADDR is not the
// same: it lets a second socket take over a bound port, with undetermined
// delivery (what SO_EXCLUSIVEADDRUSE prevents); Go does not set it on
// Windows listeners, and the probe does not either.
var errNoReusePort = fmt.Errorf("SO_REUSEPORT: %w on Windows", errors.ErrUnsupported)

// listenReusePort fails on Windows: there is no SO_REUSEPORT.
func listenReusePort(int) (net.Listener, error) { return nil, errNoReusePort }

// addrInUse reports whether a bind failed because the address is in use.
func addrInUse(err error) bool { return errors.Is(err, windows.WSAEADDRINUSE) }

// isRefused reports whether a dial was refused: nothing listens.
func isRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }
