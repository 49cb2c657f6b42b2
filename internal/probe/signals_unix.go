//go:build unix

package probe

import (
	"os"
	"syscall"
)

// stopSignals are the signals on which Run kills the tree it supervises.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP}
