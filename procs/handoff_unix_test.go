//go:build unix

package procs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
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

func init() { procs.Register("make-channel", makeChannelEntry) }

// makeChannelEntry makes a socketpair and sends both ends, over the
// socket it inherited, to the process that forked it: it plays a process
// that is not a victim's parent but made the victim's channel.
func makeChannelEntry() {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		err = syscall.Sendmsg(int(procs.Inherited()[0].Fd()), []byte{'c'}, syscall.UnixRights(fds[:]...), nil, 0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "make-channel:", err)
		procs.Exit(1)
	}
}

// strangersChannel returns the two ends of a socketpair that another
// process made (and has exited), and that process's PID.
func strangersChannel(t *testing.T) (ours, theirs *os.File, maker int) {
	t.Helper()
	recv, send := socketpair(t)
	p := forkWith(t, "make-channel", &procs.Attr{Files: []*os.File{send}, Group: true}, func() {})
	require.Zero(t, waitCode(t, p))
	oob := make([]byte, syscall.CmsgSpace(2*4))
	_, oobn, _, _, err := syscall.Recvmsg(int(recv.Fd()), make([]byte, 1), oob, 0)
	require.NoError(t, err)
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	fds, err := syscall.ParseUnixRights(&msgs[0])
	require.NoError(t, err)
	require.Len(t, fds, 2)
	ours, theirs = os.NewFile(uintptr(fds[0]), "stranger's"), os.NewFile(uintptr(fds[1]), "stranger's")
	t.Cleanup(func() { ours.Close(); theirs.Close() })
	return ours, theirs, p.Pid
}

// TestStrangersChannelIsRefused is the attack: a process that is
// not the child's parent makes the channel and passes it on; the child is
// started by the right parent, running the right program, with a marker
// naming that parent, and the forger writes the header and state this
// build's own Fork would write (its fingerprint is computable from the
// file). The child must refuse the channel before it reads a byte: with a
// fork marker, not take the state; with a pool marker, not even announce
// itself ready for a request (which would carry argv, environment and
// directory).
func TestStrangersChannelIsRefused(t *testing.T) {
	t.Parallel()
	if peerIsLastUser {
		t.Skip("macOS: LOCAL_PEERPID names the last process to use the other end, and here the parent itself " +
			"writes the forger's bytes on it, so the child sees its parent; a stranger that writes them itself is " +
			"refused (see the trust model)")
	}
	t.Run("fork marker", func(t *testing.T) {
		ours, theirs, maker := strangersChannel(t)
		m, nonce := forgedMarker(t, os.Getpid(), "3")
		out := newReport(t)
		forkMu.Lock()
		forkCase.Out = out // the forger's state: the entry point reports there
		framed, err := procs.HandoffFrame(nonce)
		forkMu.Unlock()
		require.NoError(t, err)
		cmd, stderr := startForged(t, exe(t), m, theirs)
		theirs.Close()
		_, _ = ours.Write(framed) // fails once the child has refused and gone
		assertRefused(t, cmd, stderr, fmt.Sprintf("the channel was made by process %d, not by this process's parent, process %d", maker, os.Getpid()))
		assert.NoFileExists(t, out, "the entry point ran with the forger's state")
	})
	t.Run("pool marker", func(t *testing.T) {
		ours, theirs, maker := strangersChannel(t)
		m, _ := forgedMarker(t, os.Getpid(), "3")
		m = strings.Replace(m, "FORKPORT_FORK=3 ", "FORKPORT_FORK=3p ", 1)
		m = strings.TrimSuffix(m, "report") + "prestarted"
		cmd, stderr := startForged(t, exe(t), m, theirs)
		theirs.Close()
		// The child writes its ready byte only once it trusts the channel;
		// a refusing child exits, and the read sees the end of it.
		n, _ := ours.Read(make([]byte, 1))
		assert.Zero(t, n, "the child announced itself ready on a stranger's channel")
		ours.Close() // a waiting child retires
		assertRefused(t, cmd, stderr, fmt.Sprintf("the channel was made by process %d", maker))
	})
}
