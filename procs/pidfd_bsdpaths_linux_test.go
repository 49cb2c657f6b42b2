//go:build forkport_bsdpaths

package procs_test

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"
)

// TestNoProcessDescriptors: a forkport_bsdpaths test binary has no
// pidfds, as macOS has no process descriptors (testutil.ImitateMacOS, from
// TestMain), so os and procs track children by PID here, as there; and
// what it starts inherits that (a forked child's report says so).
func TestNoProcessDescriptors(t *testing.T) {
	_, err := unix.PidfdOpen(os.Getpid(), 0)
	assert.ErrorIs(t, err, syscall.ENOSYS, "pidfd_open in the test binary")
	out := newReport(t)
	p := forkWith(t, "pidfd", nil, func() { forkCase.Out = out })
	waitCode(t, p)
	assert.Equal(t, syscall.ENOSYS.Error(), readReport(t, out).Note, "pidfd_open in a forked child")
}

func init() {
	procs.Register("pidfd", func() {
		_, err := unix.PidfdOpen(os.Getpid(), 0)
		writeReport(forkCase.Out, report{Note: fmt.Sprint(err)})
	})
}
