//go:build unix

package procs_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	procs.Register("fork-then-exit", forkThenExit)
	procs.Register("answerless-child", answerlessChild)
}

// TestPrestartParentExitsRightAfterFork: Fork's contract through the pool
// (without the child's answer, where answerless) — the child has its copy
// when Fork returns, so a parent may exit right after Fork. The driver, a
// forked child of the test, fills a pool of one, forks through it with a
// file in Attr.Files, stops its child at once (so that, most times, it
// has not read its request yet), and exits; the test continues the child
// once the driver is gone, and the child must run its entry point with the
// driver's state and file all the same.
func TestPrestartParentExitsRightAfterFork(t *testing.T) {
	dir := testutil.TempDir(t)
	shared := filepath.Join(dir, "shared")
	require.NoError(t, os.WriteFile(shared, nil, 0o644))
	out := newReport(t)
	// Not in a process group of its own: one that the driver's exit
	// orphans while its child is stopped would get SIGHUP from the kernel.
	driver := forkWith(t, "fork-then-exit", &procs.Attr{}, func() { forkCase.Out, forkCase.Name = out, shared })
	require.Zero(t, waitCode(t, driver), "the driver forked and exited")
	var d struct{ Pid, Answerless int }
	require.NoError(t, json.Unmarshal([]byte(readReport(t, out).Note), &d))
	if procs.AnswerlessOK {
		assert.Equal(t, 1, d.Answerless, "the driver's Fork did not wait for an answer")
	} else {
		assert.Zero(t, d.Answerless)
	}
	// The driver is reaped: the child, orphaned, continues.
	require.NoError(t, syscall.Kill(d.Pid, syscall.SIGCONT))
	t.Cleanup(func() {
		if t.Failed() { // it may still hang there
			_ = syscall.Kill(d.Pid, syscall.SIGKILL)
		}
	})
	child := out + ".child"
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(child); err == nil && len(b) > 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the child (PID %d) of a parent that exited right after Fork never ran its entry point", d.Pid)
	}
	r := readReport(t, child)
	assert.Equal(t, d.Pid, r.Pid)
	assert.Equal(t, "41", r.Note, "the copied state the driver had at Fork")
	b, err := os.ReadFile(shared)
	require.NoError(t, err)
	assert.Equal(t, "through the inherited file\n", string(b), "Attr.Files, sent before the driver exited")
	t.Logf("the child's parent at its entry point: %d (the driver was %d)", r.Ppid, driver.Pid)
}

// forkThenExit is the driver: forkCase.Out is its report, forkCase.Name
// the file it passes in Attr.Files.
func forkThenExit() {
	if err := procs.Prestart(1); err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	f, err := os.OpenFile(forkCase.Name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(3)
	}
	out := forkCase.Out
	before := procs.AnswerlessForks()
	forkCase.Out, forkCase.Value = out+".child", 41
	p, err := procs.ForkWith("answerless-child", &procs.Attr{Files: []*os.File{f}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		procs.Exit(4)
	}
	_ = syscall.Kill(p.Pid, syscall.SIGSTOP)
	note, _ := json.Marshal(map[string]int64{"Pid": int64(p.Pid), "Answerless": procs.AnswerlessForks() - before})
	writeReport(out, report{Note: string(note)})
	procs.Exit(0) // without Prestart(0), closing f or waiting
}

// answerlessChild writes through its inherited file and reports the
// copied value.
func answerlessChild() {
	if fs := procs.Inherited(); len(fs) != 1 {
		procs.Exit(3)
	} else if _, err := fs[0].WriteString("through the inherited file\n"); err != nil {
		procs.Exit(3)
	}
	writeReport(forkCase.Out, report{Note: strconv.Itoa(forkCase.Value)})
}

// TestPrestartAnswersWhereTheChildMayRefuse: Fork waits for a pre-started
// child's answer where the child could refuse or must act before Fork
// returns (a value whose marshaler runs, Group, Detach), and only there.
func TestPrestartAnswersWhereTheChildMayRefuse(t *testing.T) {
	withPool(t, 1)
	for _, tt := range []struct {
		name       string
		attr       *procs.Attr
		marshaled  bool
		answerless bool
	}{
		{"plain state", &procs.Attr{}, false, procs.AnswerlessOK},
		{"a marshaler's value", &procs.Attr{}, true, false},
		{"Group", &procs.Attr{Group: true}, false, false},
		{"Detach", &procs.Attr{Detach: true}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			waitPoolFull(t, 1)
			out := newReport(t)
			pooled, answerless := procs.PooledForks(), procs.AnswerlessForks()
			p := forkWith(t, "report", tt.attr, func() {
				forkCase.Out = out
				if tt.marshaled {
					reentrantState = &reentrant{N: 3}
				}
			})
			forkMu.Lock()
			reentrantState = nil
			forkMu.Unlock()
			require.Zero(t, waitCode(t, p))
			assert.Equal(t, p.Pid, readReport(t, out).Pid)
			assert.Equal(t, int64(1), procs.PooledForks()-pooled, "served by the pool")
			assert.Equal(t, tt.answerless, procs.AnswerlessForks()-answerless == 1, "answerless")
		})
	}
}

// poolExtraEntryEnv: a pre-started child of the test binary that finds it
// in its environment registers one more entry point than its parent.
const poolExtraEntryEnv = "FORKPORT_TEST_POOL_EXTRA_ENTRY"

func init() {
	if os.Getenv(poolExtraEntryEnv) != "" && strings.HasPrefix(os.Getenv("FORKPORT_FORK"), "3p ") {
		procs.Register("only-in-the-child", func() {})
	}
}

// TestPrestartAnswersAChildThatDiffers: a pre-started child whose entry
// points differ from its parent's (registered in a package initialisation
// that saw another environment) could refuse a request, so Fork waits for
// its answer, and still uses it.
func TestPrestartAnswersAChildThatDiffers(t *testing.T) {
	require.NoError(t, procs.Prestart(0)) // FORKPORT_PRESTART's pool, if any
	t.Setenv(poolExtraEntryEnv, "1")
	withPool(t, 1)
	out := newReport(t)
	pooled, answerless := procs.PooledForks(), procs.AnswerlessForks()
	p := forkWith(t, "report", &procs.Attr{}, func() { forkCase.Out = out })
	require.Zero(t, waitCode(t, p))
	assert.Equal(t, p.Pid, readReport(t, out).Pid)
	assert.Equal(t, int64(1), procs.PooledForks()-pooled, "served by the pool")
	assert.Zero(t, procs.AnswerlessForks()-answerless, "with an answer")
}

// TestPrestartAnswerlessLeavesNoDescriptor: after an answerless hand-off
// the parent closes its end of the child's channel a moment later, off
// Fork's path, and a stop (Prestart(0)) closes the ends not closed yet at
// once: once the pool is stopped the caller holds the descriptors it held
// before Prestart, however soon after its Forks it stops. The garbage
// collector, which would close a forgotten end, is off meanwhile.
func TestPrestartAnswerlessLeavesNoDescriptor(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	require.NoError(t, procs.Prestart(0)) // FORKPORT_PRESTART's pool, if any
	// What a pool opens for the life of the process (on Linux
	// /proc/self/status, read at each start and pooled Fork) is open now.
	require.NoError(t, procs.Prestart(1))
	require.NoError(t, procs.Prestart(0))
	before := openFds()
	require.NotEmpty(t, before)
	withPool(t, 2)
	answerless := procs.AnswerlessForks()
	const forks = 5
	for range forks {
		require.NoError(t, procs.Prestart(2)) // full again: Fork takes a waiting child
		forkMu.Lock()
		p, err := procs.Fork("bench-noop")
		forkMu.Unlock()
		require.NoError(t, err)
		require.Zero(t, waitCode(t, p))
	}
	// And one whose end's moment has not come when the pool is stopped
	// (the stop closes it).
	defer procs.SetAnswerlessRefillDelay(time.Hour)()
	require.NoError(t, procs.Prestart(2))
	forkMu.Lock()
	last, err := procs.Fork("bench-noop")
	forkMu.Unlock()
	require.NoError(t, err)
	require.NoError(t, procs.Prestart(0))
	stopped := openFds()
	require.Zero(t, waitCode(t, last))
	if procs.AnswerlessOK {
		require.Equal(t, int64(forks+1), procs.AnswerlessForks()-answerless, "the Forks were answerless")
	}
	for _, fd := range stopped {
		var st syscall.Stat_t
		if !slices.Contains(before, fd) && syscall.Fstat(fd, &st) == nil {
			assert.NotEqual(t, uint32(syscall.S_IFSOCK), uint32(st.Mode)&syscall.S_IFMT,
				"descriptor %d, a socket, is open right after the stop", fd)
		}
	}
	assert.Equal(t, before, openFds(), "the pool's channels are all closed once it is stopped")
}
