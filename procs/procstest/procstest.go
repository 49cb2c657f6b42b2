package procstest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/probe"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/wine"
	"github.com/forkport/forkport/procs"
	"github.com/rogpeppe/go-internal/testscript"
)

// Supervisor is the name of the command Main adds to every set of commands:
// the supervisor scripts start their programs with ("exec run PROG ...").
const Supervisor = "run"

// mainRan is set by Main, so that Run can tell when TestMain is not Main.
var mainRan atomic.Bool

// Main is TestMain for a package whose tests run claim scripts:
//
//	func TestMain(m *testing.M) { procstest.Main(m, map[string]func() int{"myprog": myprog.Main}) }
//
// It calls procs.Init first (a forked child runs its entry point there).
// When the test binary was started as one of commands, or as the supervisor
// "run", it runs that command and exits with its status: the command is
// chosen by the executable's name, not argv[0], so a script may pass any
// argv[0], and it runs before Main touches the environment, so a program
// started with an exact environment sees exactly that. A command reads its
// arguments from os.Args[1:].
//
// Otherwise Main puts a copy of the test binary on the scripts' PATH under
// each command's name, runs the tests, and then fails the run if a process
// that the tests started is still running or was never waited for (on
// Linux, any process carrying the run's tag, wherever it was reparented).
//
// A command named "run" (the supervisor's name), an empty name or one with a
// path separator is an error: Main prints one line and exits with status 2.
func Main(m *testing.M, commands map[string]func() int) {
	if err := testutil.ImitateMacOS(); err != nil { // forkport_bsdpaths only
		fmt.Fprintln(os.Stderr, "procstest.Main:", err)
		os.Exit(2)
	}
	procs.Init()
	cmds, err := withSupervisor(commands)
	if err != nil {
		fmt.Fprintln(os.Stderr, "procstest.Main:", err)
		os.Exit(2)
	}
	if name := executableName(); cmds[name] != nil {
		procs.Exit(runCommand(name, cmds[name]))
	}
	mainRan.Store(true)
	top := leakcheck.Tag()
	if os.Getenv("GORACE") == "" {
		// Under -race every process would otherwise sleep 1 s at exit.
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	mains := make(map[string]func(), len(cmds))
	for name, f := range cmds {
		mains[name] = func() { procs.Exit(runCommand(name, f)) }
	}
	testscript.Main(suite{m, top}, mains)
}

// runCommand runs a command; with FORKPORT_PRESTART=N its Forks go through
// a pool of N pre-started children (procs.Prestart). Not the supervisor's,
// which forks nothing and waits for all its descendants: its waiting
// children would wait for it in turn.
func runCommand(name string, f func() int) int {
	if name == Supervisor {
		return f()
	}
	stop, err := testutil.Prestart()
	if err != nil {
		fmt.Fprintln(os.Stderr, "procstest:", err)
		return 2
	}
	defer stop()
	return f()
}

// withSupervisor returns commands plus the supervisor, or an error naming
// a command that cannot be one.
func withSupervisor(commands map[string]func() int) (map[string]func() int, error) {
	cmds := map[string]func() int{Supervisor: func() int { return probe.Run(os.Args[1:]) }}
	for _, name := range sortedKeys(commands) {
		switch {
		case name == Supervisor:
			return nil, fmt.Errorf("command %q clashes with the supervisor procstest adds: %w", name, fs.ErrExist)
		case name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == "..":
			return nil, fmt.Errorf("command name %q: want a file name without a path separator: %w", name, fs.ErrInvalid)
		case commands[name] == nil:
			return nil, fmt.Errorf("command %q is nil: %w", name, fs.ErrInvalid)
		}
		cmds[name] = commands[name]
	}
	return cmds, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// executableName is the name this binary was started as, from the
// executable's path (testscript.Main gives each command its own copy or hard
// link of the test binary), without ".exe".
func executableName() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(filepath.Base(exe), ".exe")
}

// suite runs the tests, then cleans up what testscript.Main would fail to
// remove under Wine, and fails the run if any process was left behind.
type suite struct {
	m   *testing.M
	top bool
}

func (s suite) Run() int {
	code := s.m.Run()
	if err := removeCommandDir(); err != nil {
		fmt.Fprintln(os.Stderr, "procstest:", err)
		code = 1
	}
	if err := leakcheck.Check(s.top); err != nil {
		fmt.Fprintln(os.Stderr, "procstest:", err)
		code = 1
	}
	return code
}

// removeCommandDir removes the directory testscript.Main made for the
// command binaries (the first PATH element, .../testscript-main*/bin),
// before testscript's own clean-up does. Under Wine, testscript's
// os.RemoveAll fails with "Invalid function" (see testutil.TempDir) and
// log.Fatalf's after the tests pass; removing the directory entry by entry
// first leaves it nothing to do, on every OS.
func removeCommandDir() error {
	bin := filepath.SplitList(os.Getenv("PATH"))[0]
	root := filepath.Dir(bin)
	if filepath.Base(bin) != "bin" || !strings.HasPrefix(filepath.Base(root), "testscript-main") {
		return nil
	}
	if err := testutil.RemoveAll(root); err != nil {
		return fmt.Errorf("removing testscript's command directory: %w", err)
	}
	return nil
}

// Run runs every claim file in p.Dir as a parallel subtest named after the
// file, with testscript.Run. It adds procstest's vocabulary to p (the
// commands setmatch, eq, before, samelines and which, and the conditions
// [holds], [differs], [cpython] and [wine]; the supervisor run is a command
// on PATH, from Main) and checks each file's claim header, and that its
// script follows the header (see the package documentation): a file whose
// header is missing or malformed, or whose script does not follow it,
// fails, with the file and line, and the others run.
//
// The subject the scripts run against is the test's: a top-level test whose
// name ends in CPython (TestScriptsCPython) runs the CPython subject, whose
// expectations are each claim's "expect cpython:" block (a claim without
// one fails); any other test runs procs, the "expect:" block.
//
// What p brings keeps working: its Cmds next to procstest's (the same name
// in both is an error), its Setup after procstest's, its Condition for every
// condition but procstest's. When p.WorkdirRoot is empty, Run makes one and
// removes it after the subtests, entry by entry (os.RemoveAll does not work
// under Wine). Run fails the test at once, running nothing, when p.Dir does
// not exist or holds no .txtar file, when p.Files is set (claims are the
// files of a directory), or when TestMain is not Main.
func Run(t *testing.T, p testscript.Params) {
	t.Helper()
	if !mainRan.Load() {
		t.Fatal("procstest.Run: TestMain must call procstest.Main (it puts the commands and the supervisor on PATH and checks for leaked processes)")
	}
	runs, err := params(p, claims.SubjectOfTest(t.Name()))
	if err != nil {
		t.Fatalf("procstest.Run: %v", err)
	}
	work := p.WorkdirRoot
	if work == "" {
		work, err = os.MkdirTemp("", "procstest-")
		if err != nil {
			t.Fatalf("procstest.Run: %v", err)
		}
		// Setting WorkdirRoot keeps testscript from removing the work
		// directories itself (os.RemoveAll fails under Wine); we do it.
		t.Cleanup(func() {
			if err := testutil.RemoveAll(work); err != nil {
				t.Errorf("procstest.Run: removing the scripts' work directories: %v", err)
			}
		})
	}
	// One testscript.Run per claim: testscript asks Params.Condition about
	// a condition without saying which script asks, and [holds] and
	// [differs] depend on the script's header. The subtests are parallel
	// still, and named after their files as in one run.
	for _, r := range runs {
		r.WorkdirRoot = work
		testscript.Run(t, r)
	}
}

// params returns, for each claim file of p.Dir, the Params that run it
// against subject: p with that one file, procstest's vocabulary, and the
// checks of the file's header. The error says why the claims cannot run.
func params(p testscript.Params, subject string) ([]testscript.Params, error) {
	if p.Files != nil {
		return nil, fmt.Errorf("Params.Files is set: claims are the .txtar files of Params.Dir: %w", fs.ErrInvalid)
	}
	if p.Dir == "" {
		return nil, fmt.Errorf("Params.Dir is empty: give the claim directory, such as testdata/script: %w", fs.ErrInvalid)
	}
	files, err := loadClaims(p.Dir)
	if err != nil {
		return nil, err
	}
	cmds := vocabulary()
	for _, name := range sortedKeys(p.Cmds) {
		if _, clash := cmds[name]; clash {
			return nil, fmt.Errorf("Params.Cmds[%q] clashes with procstest's command %q: rename yours: %w", name, name, fs.ErrExist)
		}
		cmds[name] = p.Cmds[name]
	}
	p.Cmds = cmds
	var runs []testscript.Params
	for _, f := range files {
		r := p
		r.Dir, r.Files = "", []string{f.path}
		r.Setup = f.setup(subject, p.Setup)
		r.Condition = f.condition(subject, p.Condition)
		runs = append(runs, r)
	}
	return runs, nil
}

// claimFile is one script file of the claim directory: its claim, or why
// it is not one.
type claimFile struct {
	path  string
	claim *claims.Claim
	err   error
}

// setup checks the claim before its script runs, logs what the header says
// for this OS (claims.RanAgainst, which the verdicts read), and prepares
// the environment; then the caller's Setup runs.
func (f claimFile) setup(subject string, user func(*testscript.Env) error) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		if f.err != nil {
			return f.err
		}
		c := f.claim
		if c.Expectations(subject) == nil {
			return c.MissingSubject(subject)
		}
		if err := c.Agrees(); err != nil {
			return err
		}
		if why := notImitated(c, subject); why != "" {
			env.T().Skip(why)
		}
		if e, ok := c.ExpectFor(subject, expectOS); ok {
			env.T().Log(claims.RanAgainst(subject, expectOS, e.Outcome))
		}
		setup(env)
		if user != nil {
			return user(env)
		}
		return nil
	}
}

// condition answers procstest's conditions for the claim's script, and
// passes the others to the caller's.
func (f claimFile) condition(subject string, user func(string) (bool, error)) func(string) (bool, error) {
	return func(cond string) (bool, error) {
		switch cond {
		case claims.CondWine:
			return wine.Detected(), nil
		case claims.CPython:
			return subject == claims.CPython, nil
		case claims.CondHolds, claims.CondDiffers:
			if f.claim == nil {
				return false, f.err
			}
			e, ok := f.claim.ExpectFor(subject, expectOS)
			if !ok {
				return false, fmt.Errorf("[%s]: claim %s states nothing for %s on %s: add \"%s: holds\" or \"%s: differs — reason\" to it: %w",
					cond, f.claim.ID, subject, expectOS, expectOS, expectOS, fs.ErrNotExist)
			}
			return string(e.Outcome) == cond, nil
		}
		if user != nil {
			return user(cond)
		}
		return false, fmt.Errorf("unknown condition %q (procstest adds [holds], [differs], [cpython] and [wine]; Params.Condition gives the others)", cond)
	}
}

// loadClaims parses every claim file in dir, in name order, keeping the
// problem of each malformed one.
func loadClaims(dir string) ([]claimFile, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("claim directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("claim directory %s is not a directory: %w", dir, fs.ErrInvalid)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("claim directory: %w", err)
	}
	var out []claimFile
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, claims.Ext):
			c, err := claims.ParseFile(path)
			var ce *claims.Error
			if err != nil && !errors.As(err, &ce) {
				err = fmt.Errorf("claim file: %w", err)
			}
			out = append(out, claimFile{path: path, claim: c, err: err})
		case strings.HasSuffix(name, ".txt"):
			// testscript runs .txt files too; a claim is a .txtar file.
			out = append(out, claimFile{path: path, err: fmt.Errorf("%s: a claim file is named <id>%s: %w", path, claims.Ext, fs.ErrInvalid)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("claim directory %s has no *%s file: %w", dir, claims.Ext, fs.ErrNotExist)
	}
	return out, nil
}

// hostVars are passed from the host into every script: Windows programs
// need them (DLL loading, command lookup), and they do not exist elsewhere.
// FORKPORT_PRESTART makes the commands fork through a pool.
var hostVars = []string{"SYSTEMROOT", "WINDIR", "PATHEXT", "COMSPEC", testutil.PrestartEnv}

func setup(env *testscript.Env) {
	for _, k := range hostVars {
		if v, ok := os.LookupEnv(k); ok {
			env.Setenv(k, v)
		}
	}
	// Every process a script starts carries the run's tag, so the leak
	// check finds any of them still running at the end.
	if tag := leakcheck.TagValue(); tag != "" {
		env.Setenv(leakcheck.TagEnv, tag)
	}
	setupOS(env)
}
