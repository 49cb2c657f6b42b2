package procs_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fork hand-off's guarantees, through real forks and real starters.

// forgedMarker is a FORKPORT_FORK entry as someone other than Fork might
// set it: parent pid, a fresh nonce (returned) and channel ids.
func forgedMarker(t *testing.T, ppid int, channel string) (string, []byte) {
	t.Helper()
	nonce := make([]byte, 16)
	_, err := rand.Read(nonce)
	require.NoError(t, err)
	return fmt.Sprintf("FORKPORT_FORK=3 %d %s %s  0 report", ppid, hex.EncodeToString(nonce), channel), nonce
}

// startForged starts path (the test binary or a copy) with marker in its
// environment, as a helper that would exit 0 at once were the marker
// ignored, with files at descriptors 3, 4, ... (Unix).
func startForged(t *testing.T, path, marker string, files ...*os.File) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd, stderr := startForgedCmd(t, path, marker)
	cmd.ExtraFiles = files
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, stderr
}

// startForgedCmd prepares the command startForged starts.
func startForgedCmd(t *testing.T, path, marker string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	return &exec.Cmd{
		Path:   path,
		Args:   []string{helperArgv0("exit", ""), "0"},
		Env:    append(os.Environ(), marker),
		Stderr: &stderr,
	}, &stderr
}

// assertRefused waits for a forged child and checks that it refused to run
// an entry point: the set-up status, 70, and a message saying why.
func assertRefused(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, why string) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "the child ran (stderr: %s)", stderr)
	assert.Equal(t, 70, ee.ExitCode(), "stderr: %s", stderr)
	assert.Contains(t, stderr.String(), "procs: forked child")
	assert.Contains(t, stderr.String(), why)
}

func TestMarkerWithoutChannelIsRefused(t *testing.T) {
	t.Parallel()
	// Windows: handle values nobody gave the child; Unix: descriptor 3,
	// which the starter did not pass.
	m, _ := forgedMarker(t, os.Getpid(), badChannel)
	cmd, stderr := startForged(t, exe(t), m)
	assertRefused(t, cmd, stderr, badChannelSays)
}

func TestForkStripsStaleMarkers(t *testing.T) {
	t.Parallel()
	// As a forked child's package-level os.Environ() would keep its own
	// marker: the first of duplicate entries is the one a child sees.
	stale, _ := forgedMarker(t, os.Getpid(), badChannel)
	stale = strings.Replace(stale, "report", "exit-skips-defer", 1)
	out := newReport(t)
	env := append([]string{stale}, os.Environ()...)
	p := forkWith(t, "report", &procs.Attr{Env: env, Group: true}, func() { forkCase.Out = out })
	require.Zero(t, waitCode(t, p))
	r := readReport(t, out)
	assert.Equal(t, p.Pid, r.Pid, "the entry point Fork named ran")
	assert.NotContains(t, strings.Join(r.Env, "\n"), "FORKPORT_FORK=")
}

func TestForkDeepStateIsAnError(t *testing.T) {
	t.Parallel()
	forkMu.Lock()
	codecCycle = &codecNode{}
	for n, i := codecCycle, 0; i < 30_000; i++ {
		n.Next = &codecNode{Value: i}
		n = n.Next
	}
	_, err := procs.Fork("bench-noop")
	codecCycle = nil
	forkMu.Unlock()
	assert.ErrorContains(t, err, "codecCycle")
	assert.ErrorContains(t, err, "nest deeper than", "an error, not a stack overflow in the parent")
}

// reentrant's marshaler calls into procs, as a user's may. It is copied in
// every fork of this test binary, nil (so its marshaler does not run, and
// the state is plain: see TestPrestartAnswersForMarshaledState) except
// while TestMarshalerMayCallProcs forks.
type reentrant struct{ N int }

var reentrantState *reentrant

func (r reentrant) MarshalText() ([]byte, error) {
	_ = procs.Forked()
	_ = procs.Inherited()
	return fmt.Appendf(nil, "%d", r.N), nil
}

func (r *reentrant) UnmarshalText(b []byte) error {
	_ = procs.Forked()
	_, err := fmt.Sscanf(string(b), "%d", &r.N)
	return err
}

func init() { procs.Copy("reentrant", &reentrantState) }

func TestMarshalerMayCallProcs(t *testing.T) {
	t.Parallel()
	done := make(chan error, 1)
	go func() {
		forkMu.Lock() // the copied state must not change while it is encoded
		reentrantState = &reentrant{N: 7}
		p, err := procs.Fork("return")
		reentrantState = nil
		forkMu.Unlock()
		if err == nil {
			_, err = p.Wait()
		}
		done <- err
	}()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(2 * time.Minute): // a deadlock detector, not a timing assertion
		t.Fatal("Fork deadlocked: a marshaler calling procs.Forked blocked on the registry lock")
	}
}

func TestForkRefusesNilOrClosedFiles(t *testing.T) {
	t.Parallel()
	closed, err := os.Open(exe(t))
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	for _, tt := range []struct {
		name string
		attr *procs.Attr
		want error
	}{
		{"nil file", &procs.Attr{Files: []*os.File{nil}}, fs.ErrInvalid},
		{"closed file", &procs.Attr{Files: []*os.File{closed}}, os.ErrClosed},
		{"closed stdout", &procs.Attr{Stdout: closed}, os.ErrClosed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := procs.ForkWith("return", tt.attr)
			assert.ErrorIs(t, err, tt.want)
			_, err = procs.Start(exe(t), []string{"x"}, tt.attr)
			assert.ErrorIs(t, err, tt.want, "Start checks the same")
		})
	}
}

func TestForkFromEmptyArgv0(t *testing.T) {
	t.Parallel()
	// os.fork does not care what argv[0] is, and neither does Fork.
	out := newReport(t)
	cmd := &exec.Cmd{Path: exe(t), Args: []string{"", "fork-from-empty-argv0", out}}
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	r := readReport(t, out)
	assert.Equal(t, "", r.Args[0], "the child has the caller's argv, argv[0] included")
}

// forkFromEmptyArgv0 runs in a process started with argv[0] == "".
func forkFromEmptyArgv0(out string) int {
	forkCase.Out = out
	p, err := procs.Fork("report")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	st, err := p.Wait()
	if err != nil || !st.Success() {
		fmt.Fprintln(os.Stderr, st, err)
		return 1
	}
	return 0
}

// TestForkAfterTheExecutableIsReplaced replaces the file a running forker
// was started from (as an upgrade does: the old file renamed away and
// deleted, a new file renamed to the old path), then has it fork. On Linux Fork re-executes the running image
// (/proc/self/exe), so the fork works; elsewhere the child is the new
// build, which refuses the old build's state, and Fork says so.
func TestForkAfterTheExecutableIsReplaced(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	forker := filepath.Join(dir, "forker"+exeSuffix)
	require.NoError(t, copyExe(forker))
	out := newReport(t)
	cmd := exec.Command(forker, "fork-on-stdin", out)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w
	require.NoError(t, cmd.Start())
	w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	output := bufio.NewReader(r)
	line, err := output.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)
	// The forker is running: install the "upgrade" as installers do on
	// every OS (Windows will not replace a running executable in place,
	// but lets it be renamed away).
	upgrade := filepath.Join(dir, "upgrade"+exeSuffix)
	require.NoError(t, copyExe(upgrade))
	old := filepath.Join(dir, "forker-old"+exeSuffix)
	require.NoError(t, os.Rename(forker, old))
	// Unix lets the old file go while it runs (Linux then reports the
	// running executable as "forker-old (deleted)"); Windows does not.
	_ = os.Remove(old)
	require.NoError(t, os.Rename(upgrade, forker))
	require.NoError(t, stdin.Close())
	rest, err := io.ReadAll(output)
	require.NoError(t, err)
	err = cmd.Wait()
	assertReplacedExecutable(t, err, string(rest), out)
}

// forkOnStdin prints "ready", forks "report" once stdin is closed, and
// prints the outcome.
func forkOnStdin(out string) int {
	fmt.Println("ready")
	if _, err := io.ReadAll(os.Stdin); err != nil { // until the test closes it
		return 1
	}
	forkCase.Out = out
	p, err := procs.Fork("report")
	if err != nil {
		fmt.Println("fork:", err, "handoff:", errors.Is(err, procs.ErrHandoff))
		return 3
	}
	st, err := p.Wait()
	fmt.Println("child:", st, err)
	return 0
}
