package procstest_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helperEnv names the case TestHelper runs in a child test binary;
// helperDirEnv is the claim directory of cases that make one.
const (
	helperEnv    = "PROCSTEST_TEST_HELPER"
	helperDirEnv = "PROCSTEST_TEST_DIR"
)

// greet [-pid] [-n N] [-exit N] [-sleep D] [-leak] NAME prints "hello NAME
// i" for i = 1..N, after its PID with -pid; -exit exits with that status instead; -sleep
// sleeps first; -leak starts "greet -sleep 1m" and exits without waiting.
func greet() int {
	fs := flag.NewFlagSet("greet", flag.ContinueOnError)
	n := fs.Int("n", 1, "")
	code := fs.Int("exit", 0, "")
	sleep := fs.Duration("sleep", 0, "")
	leak := fs.Bool("leak", false, "")
	pid := fs.Bool("pid", false, "")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if *pid {
		fmt.Printf("greet pid=%d\n", os.Getpid())
	}
	time.Sleep(*sleep)
	if *leak {
		self, err := exec.LookPath("greet")
		if err != nil {
			fmt.Fprintln(os.Stderr, "greet:", err)
			return 1
		}
		cmd := exec.Command(self, "-sleep", "1m", "leaked")
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "greet:", err)
			return 1
		}
		fmt.Printf("leaked pid=%d\n", cmd.Process.Pid)
		return 0
	}
	if *code != 0 {
		fmt.Fprintf(os.Stderr, "greet: exiting with %d\n", *code)
		return *code
	}
	for i := 1; i <= *n; i++ {
		fmt.Printf("hello %s %d\n", fs.Arg(0), i)
	}
	return 0
}

func TestMain(m *testing.M) {
	cmds := map[string]func() int{"greet": greet, "status": status, "forkpooled": forkpooled}
	if os.Getenv(helperEnv) == "main-clash" {
		cmds[procstest.Supervisor] = greet
	}
	procstest.Main(m, cmds)
}

// TestRun runs testdata/script: the vocabulary, the supervisor, a command
// from Main, and the caller's own commands, Setup and condition.
func TestRun(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"shout": func(ts *testscript.TestScript, neg bool, args []string) {
				fmt.Fprintln(ts.Stdout(), strings.ToUpper(strings.Join(args, " ")))
			},
		},
		Setup: func(env *testscript.Env) error {
			env.Setenv("FROM_SETUP", "yes")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "caller-cond" {
				return true, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// TestHelper is the child test binary's side of TestBadInput.
func TestHelper(t *testing.T) {
	name := os.Getenv(helperEnv)
	if name == "" {
		t.Skip("run by TestBadInput in a child test binary")
	}
	p := testscript.Params{Dir: os.Getenv(helperDirEnv)}
	switch name {
	case "clash":
		p.Cmds = map[string]func(*testscript.TestScript, bool, []string){
			"eq": func(*testscript.TestScript, bool, []string) {},
		}
	case "files":
		p.Files = []string{filepath.Join("testdata", "script", "vocabulary.txtar")}
	}
	procstest.Run(t, p)
}

func TestBadInput(t *testing.T) {
	empty := testutil.TempDir(t)
	unknownCond := testutil.TempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(unknownCond, "cond.txtar"), []byte(
		"# claim: c\n# source: s\n# expect:\n#   linux: holds\n#   darwin: holds\n#   windows: holds\n\n[nosuch] eq a a\n"), 0o666))
	leak := testutil.TempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(leak, "leak.txtar"), []byte(
		"# claim: c\n# source: s\n# expect:\n#   linux: holds\n#   darwin: holds\n#   windows: holds\n\nexec greet -leak x\n"), 0o666))

	tests := []struct {
		name, helper, dir string
		top               bool     // run the child as a run's top-level binary: it checks for leaks
		want              []string // lines (regexps) the child's output must have
	}{
		{name: "claim directory missing", helper: "run", dir: filepath.Join("testdata", "nope"),
			want: []string{`procstest.Run: claim directory: \S+ testdata.nope: \S`}},
		{name: "claim directory without claims", helper: "run", dir: empty,
			want: []string{`procstest.Run: claim directory \S+ has no \*\.txtar file`}},
		{name: "command clash", helper: "clash", dir: filepath.Join("testdata", "script"),
			want: []string{`procstest.Run: Params.Cmds\["eq"\] clashes with procstest's command "eq": rename yours`}},
		{name: "Files instead of Dir", helper: "files",
			want: []string{`procstest.Run: Params.Files is set`}},
		{name: "malformed headers fail their files only", helper: "run", dir: filepath.Join("testdata", "badheader"),
			want: []string{
				`--- PASS: TestHelper/good `,
				`--- FAIL: TestHelper/no-header `,
				`testdata.badheader.no-header\.txtar:1: no claim header`,
				`--- FAIL: TestHelper/no-windows `,
				`testdata.badheader.no-windows\.txtar:3: expect: missing windows`,
			}},
		{name: "unknown condition", helper: "run", dir: unknownCond,
			want: []string{`unknown condition "nosuch" \(procstest adds \[holds\], \[differs\], \[cpython\] and \[wine\]; Params.Condition gives the others\)`}},
		{name: "supervisor clash in Main", helper: "main-clash", dir: filepath.Join("testdata", "script"),
			want: []string{`^procstest.Main: command "run" clashes with the supervisor procstest adds`}},
		{name: "leaked process", helper: "run", dir: leak, top: true,
			want: []string{`--- PASS: TestHelper/leak `, `procstest: leakcheck: the tests left 1 process\(es\) behind:`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := leakcheck.Tagged("0"); tt.top && errors.Is(err, errors.ErrUnsupported) {
				t.Skip("the leak check finds a reparented grandchild only where it can read other processes' environments (leakcheck.Tagged): on Linux, not in a forkport_bsdpaths build")
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$", "-test.v", "-test.count=1")
			env := []string{helperEnv + "=" + tt.helper, helperDirEnv + "=" + tt.dir}
			for _, kv := range os.Environ() {
				if tt.top && strings.HasPrefix(kv, "FORKPORT_LEAKCHECK_TAG=") {
					continue
				}
				if strings.HasPrefix(kv, "FORKPORT_PRESTART=") {
					continue // the leaked command's waiting children would be counted too
				}
				env = append(env, kv)
			}
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			killLeaked(t, out)
			var exit *exec.ExitError
			require.True(t, errors.As(err, &exit), "the child must fail; err %v, output:\n%s", err, out)
			assert.NotZero(t, exit.ExitCode())
			assert.NotContains(t, string(out), "panic:")
			for _, w := range tt.want {
				assert.Regexp(t, regexp.MustCompile(`(?m)`+w), string(out))
			}
		})
	}
}

// killLeaked kills the process the leak case leaves behind on purpose.
func killLeaked(t *testing.T, out []byte) {
	for _, m := range regexp.MustCompile(`leaked pid=(\d+)`).FindAllSubmatch(out, -1) {
		pid, _ := strconv.Atoi(string(m[1]))
		if p, err := os.FindProcess(pid); err == nil {
			if err := p.Kill(); err != nil {
				t.Logf("killing leaked pid %d: %v", pid, err)
			}
		}
	}
}
