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

// TestDecodeRequestRefusesSockets: a request's sockets are among its files
// on Unix, and at most maxSockets.
func TestDecodeRequestRefusesSockets(t *testing.T) {
	for _, r := range []request{
		{entry: "e", files: 1, sockets: 2},
		{entry: "e", files: maxPooledFiles, sockets: maxSockets + 1},
	} {
		_, err := decodeRequest(r.encode()[4:])
		assert.ErrorIs(t, err, errCorrupt, "%+v", r)
	}
	_, err := decodeRequest(request{entry: "e", files: 2, sockets: 2}.encode()[4:])
	assert.NoError(t, err)
}
