package procs_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	procs.Register("drop-then-fork", dropThenForkEntry)
	procs.Register("drop-then-forge", dropThenForgeEntry)
}

// nobody is the user and group a dropping daemon becomes.
const nobody = 65534

// dropThenForkEntry gives up root for nobody, as a daemon does once it has
// started, then forks "report" (to forkCase.Out) and waits for it. A
// failure goes to stderr, with exit status 1 for Fork's.
func dropThenForkEntry() {
	dropToNobody()
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
	dir := testutil.SharedTempDir(t) // nobody's child writes its report here
	out := filepath.Join(dir, "report")
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	require.NoError(t, err)
	defer stderr.Close()
	p := forkWith(t, "drop-then-fork", &procs.Attr{Group: true, Stderr: stderr}, func() { forkCase.Out = out })
	code := waitCode(t, p)
	msg, _ := os.ReadFile(stderr.Name())
	if exe, _ := os.Executable(); procs.SelfExeByPath && !testutil.RunnableByAll(exe) {
		// The forkport_bsdpaths build starts the executable by its
		// path, as macOS does: see TestForkAfterPrivilegeDropRunsAsTheCaller.
		assert.Equal(t, 1, code)
		assert.Contains(t, string(msg), "permission denied", "Fork after the drop, from %s, which nobody cannot reach", exe)
		return
	}
	require.Zero(t, code, "%s", msg)
	r := readReport(t, out)
	assert.Equal(t, p.Pid, r.Ppid, "the dropped process forked it")
}

// dropToNobody makes this process nobody's, and so not dumpable; it exits
// with status 2 if it cannot.
func dropToNobody() {
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
}

// dropThenForgeEntry drops to nobody, then plays a parent running another
// program than its child: it starts forkCase.Name (a copy of the test
// binary, another file) with a marker naming itself, over a socketpair it
// made, and writes the header and state its own Fork would. It prints the
// child's exit status and standard error.
func dropThenForgeEntry() {
	dropToNobody()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		procs.Exit(3)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
	defer ours.Close()
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	framed, err := procs.HandoffFrame(nonce)
	if err != nil {
		procs.Exit(3)
	}
	var stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path: forkCase.Name,
		Args: []string{helperArgv0("exit", ""), "0"},
		Env: append(os.Environ(), fmt.Sprintf("FORKPORT_FORK=3 %d %s 3  0 report",
			os.Getpid(), hex.EncodeToString(nonce))),
		ExtraFiles: []*os.File{theirs},
		Stderr:     &stderr,
	}
	err = cmd.Start()
	theirs.Close()
	if err == nil {
		_, _ = ours.Write(framed)
		err = cmd.Wait()
	}
	fmt.Printf("child: %v\n%s", err, stderr.Bytes())
}

// TestNotDumpableParentOfAnotherProgram: when the parent's executable
// cannot be read, the child still refuses a parent that runs another
// file, by the fingerprint its header carries (which covers the
// executable), as checkParent's comment and the trust model say.
func TestNotDumpableParentOfAnotherProgram(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to drop to nobody")
	}
	dir := testutil.SharedTempDir(t) // nobody runs the copy and its report goes here
	other := filepath.Join(dir, "other")
	require.NoError(t, copyExe(other))
	out := filepath.Join(dir, "report")
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	require.NoError(t, err)
	defer stdout.Close()
	p := forkWith(t, "drop-then-forge", &procs.Attr{Group: true, Stdout: stdout, Stderr: stdout},
		func() { forkCase.Name, forkCase.Out = other, out })
	code := waitCode(t, p)
	msg, _ := os.ReadFile(stdout.Name())
	require.Zero(t, code, "%s", msg)
	assert.Contains(t, string(msg), "child: exit status 70")
	assert.Contains(t, string(msg), "another build of this program")
	assert.NoFileExists(t, out, "the other program ran the entry point with the state")
}
