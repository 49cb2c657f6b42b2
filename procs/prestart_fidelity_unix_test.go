//go:build unix

package procs_test

// A child served by the pool must be indistinguishable from a fresh one.
// Each scenario runs in a driver: a forked child of the test (so the test
// process never changes its umask, limits, signals or credentials) that
// fills a pool of one, changes one thing a child inherits, forks a child
// (served by the pool, or fresh if the pool cannot honour the change),
// stops its pool and forks a fresh child; the test compares the two.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fidelity is what a driver's child reports about what it inherited.
type fidelity struct {
	Started    time.Time
	Args       []string
	Value      string   // $FORKPORT_TEST_FIDELITY
	StartEnv   []string // the environment the process started with (Linux: /proc/self/environ)
	FileMode   os.FileMode
	Fsize      uint64 // RLIMIT_FSIZE's soft limit
	HupIgnored bool
	Dir        string // os.Getwd, or its error
	Uid, Gid   int
	Groups     []int
	Fds        []string // open descriptors and their targets (Linux)
}

// driven is what a driver reports: its two children's reports and errors,
// and whether the pool served the first.
type driven struct {
	Pooled, Fresh       fidelity
	PooledErr, FreshErr string
	ServedByPool        bool
}

// fidelityEntry reports what the process inherited, to forkCase.Out.
func fidelityEntry() {
	r := fidelity{Started: started, Args: os.Args, Value: os.Getenv("FORKPORT_TEST_FIDELITY"),
		StartEnv: startEnv(), Uid: os.Getuid(), Gid: os.Getgid(), Fds: fdTargets()}
	r.Groups, _ = os.Getgroups()
	probe := forkCase.Out + ".mode"
	if f, err := os.OpenFile(probe, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666); err == nil {
		if fi, err := f.Stat(); err == nil {
			r.FileMode = fi.Mode().Perm()
		}
		f.Close()
		os.Remove(probe)
	}
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_FSIZE, &l) == nil {
		r.Fsize = uint64(l.Cur)
	}
	r.HupIgnored = signal.Ignored(syscall.SIGHUP)
	if d, err := os.Getwd(); err != nil {
		r.Dir = "error: " + err.Error()
	} else {
		r.Dir = d
	}
	writeJSON(forkCase.Out, r)
}

func writeJSON(path string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(path, b, 0o666)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		procs.Exit(111)
	}
}

// fidelityChanges are the drivers' scenarios: each changes, after its pool
// is full, one thing a child inherits.
var fidelityChanges = map[string]func() error{
	"umask": func() error { syscall.Umask(0o077); return nil },
	"fsize": func() error {
		var l syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &l); err != nil {
			return err
		}
		l.Cur = 64 << 20
		return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &l)
	},
	"sighup": func() error { signal.Ignore(syscall.SIGHUP); return nil },
	"args":   func() error { os.Args = []string{os.Args[0], "set", "after", "Prestart"}; return nil },
	// The same number of variables, one value changed.
	"env-value": func() error { return os.Setenv("FORKPORT_TEST_FIDELITY", "after") },
	// Read by the runtime at start only.
	"godebug": func() error { return os.Setenv("GODEBUG", "madvdontneed=1") },
	// The caller's working directory removed while it is in it: a fresh
	// child inherits it all the same.
	"cwd-removed": func() error {
		dir, err := os.MkdirTemp(filepath.Dir(forkCase.Out), "cwd")
		if err != nil {
			return err
		}
		if err := os.Chdir(dir); err != nil {
			return err
		}
		return os.Remove(dir)
	},
	// A root program drops to nobody (the test runs as root).
	"drop": func() error {
		if err := syscall.Setgroups([]int{65534}); err != nil {
			return err
		}
		if err := syscall.Setgid(65534); err != nil {
			return err
		}
		return syscall.Setuid(65534)
	},
}

// fidelityDriverEntry runs the scenario forkCase.Variant and reports to
// forkCase.Out.
func fidelityDriverEntry() {
	out, dir := forkCase.Out, filepath.Dir(forkCase.Out)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "driver:", err)
		procs.Exit(3)
	}
	if err := os.Setenv("FORKPORT_TEST_FIDELITY", "before"); err != nil {
		fail(err)
	}
	if err := procs.Prestart(1); err != nil {
		fail(err)
	}
	change := fidelityChanges[forkCase.Variant]
	if change == nil {
		fail(fmt.Errorf("no scenario %q", forkCase.Variant))
	}
	if err := change(); err != nil {
		fail(err)
	}
	var d driven
	fork := func(name string, r *fidelity) string {
		forkCase.Out = filepath.Join(dir, name+".json")
		p, err := procs.Fork("fidelity")
		if err != nil {
			return err.Error()
		}
		if st, err := p.Wait(); err != nil || !st.Success() {
			return fmt.Sprintf("%v %v", st, err)
		}
		b, err := os.ReadFile(forkCase.Out)
		if err == nil {
			err = json.Unmarshal(b, r)
		}
		return fmt.Sprint(err)
	}
	before := procs.PooledForks()
	d.PooledErr = fork("pooled", &d.Pooled)
	d.ServedByPool = procs.PooledForks() > before
	if err := procs.Prestart(0); err != nil {
		fail(err)
	}
	d.FreshErr = fork("fresh", &d.Fresh)
	writeJSON(out, d)
}

func init() {
	procs.Register("fidelity", fidelityEntry)
	procs.Register("fidelity-driver", fidelityDriverEntry)
}

// drive runs a driver for scenario and returns its report.
func drive(t *testing.T, scenario string) driven {
	t.Helper()
	// A directory anyone can write to: after "drop" the children run as
	// nobody.
	dir := testutil.SharedTempDir(t)
	out := filepath.Join(dir, "driver.json")
	p := forkWith(t, "fidelity-driver", nil, func() { forkCase.Out, forkCase.Variant = out, scenario })
	require.Zero(t, waitCode(t, p), "the driver of %q", scenario)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var d driven
	require.NoError(t, json.Unmarshal(b, &d))
	return d
}

// TestPrestartChildIsLikeAFreshOne: for each change a program can make
// after Prestart, the child Fork returns has what a fresh child has. The
// pool serves the Fork where the change can be handed to a waiting child
// (umask, arguments, environment, directory), and starts a fresh child
// where it cannot (limits, ignored signals, start-only variables).
func TestPrestartChildIsLikeAFreshOne(t *testing.T) {
	for _, c := range []struct {
		scenario string
		pooled   bool
		want     any // the fresh child's
		get      func(fidelity) any
	}{
		{"umask", true, os.FileMode(0o600), func(r fidelity) any { return r.FileMode }},
		{"args", true, []string{"set", "after", "Prestart"}, func(r fidelity) any { return r.Args[1:] }},
		{"env-value", true, "after", func(r fidelity) any { return r.Value }},
		{"cwd-removed", true, "error: ", func(r fidelity) any { return r.Dir[:min(7, len(r.Dir))] }},
		{"fsize", false, uint64(64 << 20), func(r fidelity) any { return r.Fsize }},
		{"sighup", false, true, func(r fidelity) any { return r.HupIgnored }},
		// StartEnv is nil where the OS does not show it.
		{"godebug", false, true, func(r fidelity) any {
			return r.StartEnv == nil || slices.Contains(r.StartEnv, "GODEBUG=madvdontneed=1")
		}},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			d := drive(t, c.scenario)
			require.Equal(t, "<nil>", d.FreshErr, "the fresh child")
			require.Equal(t, c.want, c.get(d.Fresh), "the fresh child sees the change")
			require.Equal(t, "<nil>", d.PooledErr, "the child forked while the pool was full")
			assert.Equal(t, c.get(d.Fresh), c.get(d.Pooled), "the child forked while the pool was full is like the fresh one")
			assert.Equal(t, c.pooled, d.ServedByPool, "served by the pool")
		})
	}
}

// TestPrestartNotUsedAfterPrivilegeDrop: a root program that fills its
// pool and then drops to nobody must not get a child running as root.
func TestPrestartNotUsedAfterPrivilegeDrop(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root, to drop privileges")
	}
	d := drive(t, "drop")
	assert.False(t, d.ServedByPool, "a child started as root serves nobody's Fork")
	if d.PooledErr == "<nil>" {
		assert.Equal(t, []any{65534, 65534, []int{65534}}, []any{d.Pooled.Uid, d.Pooled.Gid, d.Pooled.Groups})
	}
}
