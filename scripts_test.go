package forkport_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/probe"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/wine"
	"github.com/forkport/forkport/procs"
	"github.com/rogpeppe/go-internal/testscript"
)

// commands are the programs the claim scripts run: the chapter's four, and
// the probes. testscript.Main puts a copy of this test binary on the
// scripts' PATH under each name.
func commands() map[string]func([]string) int {
	cmds := map[string]func([]string) int{
		"fork1":      chapter.Fork1,
		"fork-count": chapter.ForkCount,
		"fork-exec":  chapter.ForkExec,
		"child":      chapter.Child,
	}
	for name, f := range probe.Commands() {
		cmds[name] = f
	}
	return cmds
}

func TestMain(m *testing.M) {
	procs.Init() // a forked child runs its entry point here and exits
	// A command runs before anything below touches the environment, so a
	// program started with an exact environment (the e variants) sees
	// exactly that. It is chosen by the executable's name, not argv[0]
	// (testscript.Main's way), so scripts can pass any argv[0].
	if f, ok := commands()[executableName()]; ok {
		procs.Exit(f(os.Args[1:]))
	}
	top := leakcheck.Tag()
	if os.Getenv("GORACE") == "" {
		// Under -race every process would otherwise sleep 1 s at exit.
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	mains := map[string]func(){}
	for name, f := range commands() {
		mains[name] = func() { procs.Exit(f(os.Args[1:])) }
	}
	testscript.Main(suite{m, top}, mains)
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
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if err := leakcheck.Check(s.top); err != nil {
		fmt.Fprintln(os.Stderr, err)
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

func TestScripts(t *testing.T) {
	work, err := os.MkdirTemp("", "forkport-scripts-")
	if err != nil {
		t.Fatal(err)
	}
	// Setting WorkdirRoot keeps testscript from removing the work
	// directories itself (os.RemoveAll fails under Wine); we do it.
	t.Cleanup(func() {
		if err := testutil.RemoveAll(work); err != nil {
			t.Errorf("removing script work directories: %v", err)
		}
	})
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		WorkdirRoot:         work,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setup,
		Condition:           condition,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"setmatch":  cmdSetmatch,
			"eq":        cmdEq,
			"before":    cmdBefore,
			"which":     cmdWhich,
			"samelines": cmdSamelines,
		},
	})
}

// hostVars are passed from the host into every script: Windows programs
// need them (DLL loading, command lookup), and they do not exist elsewhere.
var hostVars = []string{"SYSTEMROOT", "WINDIR", "PATHEXT", "COMSPEC"}

func setup(env *testscript.Env) error {
	for _, k := range hostVars {
		if v, ok := os.LookupEnv(k); ok {
			env.Setenv(k, v)
		}
	}
	// Every process a script starts carries the run's tag, so the leak
	// check finds any of them still running at the end.
	env.Setenv(leakcheck.TagEnv, leakcheck.TagValue())
	return nil
}

// condition adds [wine]: the Windows test binary runs under Wine, not
// Windows. Claim files use it only to mark a documented Wine deviation.
func condition(cond string) (bool, error) {
	switch cond {
	case "wine":
		return wine.Detected(), nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// readSource returns the text named by a builtin's first argument: the last
// command's stdout or stderr, or a file in the work directory.
func readSource(ts *testscript.TestScript, name string) string {
	return ts.ReadFile(name)
}

// cmdSetmatch: setmatch [-n N] stdout|stderr|FILE REGEXP
// sets an environment variable for each named group of the Nth match (1 by
// default) of REGEXP, so later lines can use $name. It fails if there are
// fewer than N matches.
func cmdSetmatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! setmatch")
	}
	n := 1
	if len(args) > 0 && args[0] == "-n" && len(args) > 1 {
		var err error
		n, err = strconv.Atoi(args[1])
		ts.Check(err)
		args = args[2:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: setmatch [-n N] stdout|stderr|FILE REGEXP")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	text := readSource(ts, args[0])
	matches := re.FindAllStringSubmatch(text, -1)
	if len(matches) < n {
		ts.Fatalf("%s has %d match(es) of %q, want at least %d", args[0], len(matches), args[1], n)
	}
	for i, name := range re.SubexpNames() {
		if name != "" {
			ts.Setenv(name, matches[n-1][i])
			ts.Logf("%s=%s", name, matches[n-1][i])
		}
	}
}

// cmdEq: eq A B succeeds when A and B are the same string; ! eq when not.
func cmdEq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: eq A B")
	}
	if (args[0] == args[1]) == neg {
		if neg {
			ts.Fatalf("%q and %q are equal", args[0], args[1])
		}
		ts.Fatalf("%q and %q differ", args[0], args[1])
	}
}

// cmdBefore: before stdout|stderr|FILE A B succeeds when the first match of
// regexp A starts before the first match of regexp B; ! before when it
// starts after. Both must match.
func cmdBefore(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: before stdout|stderr|FILE REGEXP_A REGEXP_B")
	}
	text := readSource(ts, args[0])
	pos := make([]int, 2)
	for i, expr := range args[1:] {
		re, err := regexp.Compile(`(?m)` + expr)
		ts.Check(err)
		loc := re.FindStringIndex(text)
		if loc == nil {
			ts.Fatalf("no match of %q in %s", expr, args[0])
		}
		pos[i] = loc[0]
	}
	if (pos[0] < pos[1]) == neg {
		if neg {
			ts.Fatalf("%q comes before %q", args[1], args[2])
		}
		ts.Fatalf("%q does not come before %q", args[1], args[2])
	}
}

// cmdWhich: which PROG VAR sets VAR to the path procs.LookPath finds for
// PROG on the script's PATH, for the variants that take a path.
func cmdWhich(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: which PROG VAR")
	}
	path, err := procs.LookPath(args[0], []string{"PATH=" + ts.Getenv("PATH")})
	ts.Check(err)
	ts.Setenv(args[1], path)
}

// cmdSamelines: samelines REGEXP FILE... succeeds when the lines matching
// REGEXP are the same, in the same order, in every FILE.
func cmdSamelines(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: samelines REGEXP FILE FILE...")
	}
	re, err := regexp.Compile(args[0])
	ts.Check(err)
	pick := func(name string) string {
		var keep []string
		for _, line := range strings.Split(readSource(ts, name), "\n") {
			if re.MatchString(line) {
				keep = append(keep, line)
			}
		}
		return strings.Join(keep, "\n")
	}
	want := pick(args[1])
	if want == "" {
		ts.Fatalf("no line of %s matches %q", args[1], args[0])
	}
	for _, name := range args[2:] {
		if got := pick(name); got != want {
			ts.Fatalf("%s and %s differ in the lines matching %q:\n%s\n---\n%s", args[1], name, args[0], want, got)
		}
	}
}
