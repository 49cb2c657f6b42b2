//go:build unix

package procs_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A marker naming descriptor 3, which the starter did not pass.
const badChannel, badChannelSays = "3", "descriptor 3"

// socketpair returns two connected Unix sockets, closed at the end.
func socketpair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	a, b := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestForgedHandoffIsRefused starts the program as someone other than its
// own Fork would, with FORKPORT_FORK set: each time the child must refuse
// to run the entry point, and say why.
func TestForgedHandoffIsRefused(t *testing.T) {
	t.Parallel()
	file, err := os.Create(filepath.Join(testutil.TempDir(t), "not-a-socket"))
	require.NoError(t, err)
	defer file.Close()

	t.Run("descriptor 3 is a file", func(t *testing.T) {
		m, _ := forgedMarker(t, os.Getpid(), "3")
		cmd, stderr := startForged(t, exe(t), m, file)
		assertRefused(t, cmd, stderr, "not the socket a parent's Fork makes")
	})
	t.Run("the marker names another parent", func(t *testing.T) {
		_, theirs := socketpair(t)
		m, _ := forgedMarker(t, 1, "3")
		cmd, stderr := startForged(t, exe(t), m, theirs)
		assertRefused(t, cmd, stderr, "not by process 1 that the fork marker names")
	})
	t.Run("the parent runs another program", func(t *testing.T) {
		// The child is a copy of this test binary: another file. On
		// Linux its parent's executable is compared; elsewhere the
		// fingerprint (which covers the executable file) refuses it.
		ours, theirs := socketpair(t)
		m, nonce := forgedMarker(t, os.Getpid(), "3")
		cmd, stderr := startForged(t, filepath.Join(binDir, "child"), m, theirs)
		theirs.Close()
		_, _ = ours.Write(append(append([]byte("forkport\x02"), nonce...), make([]byte, 24)...))
		assertRefused(t, cmd, stderr, otherProgramSays)
	})
	t.Run("another build's state", func(t *testing.T) {
		// The right parent and executable, but a header whose build
		// fingerprint is not this build's: refused before decoding, and
		// the reason goes back to the parent on the channel.
		ours, theirs := socketpair(t)
		m, nonce := forgedMarker(t, os.Getpid(), "3")
		cmd, stderr := startForged(t, exe(t), m, theirs)
		theirs.Close()
		_, err := ours.Write(append(append([]byte("forkport\x02"), nonce...), make([]byte, 24)...))
		require.NoError(t, err)
		reply := make([]byte, 1024)
		n, _ := ours.Read(reply)
		assertRefused(t, cmd, stderr, "another build of this program")
		assert.Contains(t, string(reply[:n]), "another build of this program", "the parent is told why")
	})
}
