package procs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { procs.Register("drop-then-fork", dropThenForkEntry) }

// nobody is the user and group a dropping daemon becomes.
const nobody = 65534

// dropThenForkEntry gives up root for nobody, as a daemon does once it has
// started, then forks "report" (to forkCase.Out) and waits for it. A
// failure goes to stderr, with exit status 1 for Fork's.
func dropThenForkEntry() {
	err := syscall.Setgroups(nil)
	if err == nil {
		err = syscall.Setgid(nobody)
	}
	if err == nil {
		err = syscall.Setuid(nobody)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dropping to nobody:", err)
		procs.Exit(2)
	}
	p, err := procs.Fork("report")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fork after the drop:", err)
		procs.Exit(1)
	}
	if st, err := p.Wait(); err != nil || !st.Success() {
		fmt.Fprintln(os.Stderr, "the child:", st, err)
		procs.Exit(3)
	}
}

// TestForkAfterPrivilegeDrop: a process that changed its user is not
// dumpable, so its child (of that user) cannot read its /proc/PID/exe.
// The child then relies on the channel's maker and the fingerprint (see
// checkParent), and the Fork works. The drop happens in a forked child,
// never in the test process.
func TestForkAfterPrivilegeDrop(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to drop to nobody")
	}
	dir := testutil.TempDir(t)
	require.NoError(t, os.Chmod(dir, 0o777)) // nobody's child writes its report here
	out := filepath.Join(dir, "report")
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	require.NoError(t, err)
	defer stderr.Close()
	p := forkWith(t, "drop-then-fork", &procs.Attr{Group: true, Stderr: stderr}, func() { forkCase.Out = out })
	code := waitCode(t, p)
	msg, _ := os.ReadFile(stderr.Name())
	require.Zero(t, code, "%s", msg)
	r := readReport(t, out)
	assert.Equal(t, p.Pid, r.Ppid, "the dropped process forked it")
}
