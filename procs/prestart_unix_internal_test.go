//go:build unix

package procs

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSwapUmask: reading the umask where the system cannot only read it
// leaves it as it was, before and after a change (Linux reads
// /proc/self/status instead, except on kernels before 4.7).
func TestSwapUmask(t *testing.T) {
	orig := syscall.Umask(0o027)
	defer syscall.Umask(orig)
	for _, mask := range []int{0o027, 0o027, 0o077, 0o002} {
		syscall.Umask(mask)
		assert.Equal(t, mask, swapUmask(), "the umask read")
		assert.Equal(t, mask, syscall.Umask(mask), "the umask once read")
	}
}
