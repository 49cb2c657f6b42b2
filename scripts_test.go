package forkport_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/probe"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
	"github.com/stretchr/testify/require"
)

// commands are the programs the claim scripts run: the chapter's four, and
// the probes. procstest.Main adds the supervisor, run. On Windows a command
// may also be the launcher of its CPython twin (cpython.Launch).
func commands() map[string]func() int {
	cmds := map[string]func() int{}
	add := func(name string, f func([]string) int) {
		cmds[name] = func() int {
			if code, ok := cpython.Launch(os.Args[1:]); ok {
				return code
			}
			return f(os.Args[1:])
		}
	}
	add("fork1", chapter.Fork1)
	add("fork-count", chapter.ForkCount)
	add("fork-exec", chapter.ForkExec)
	add("child", chapter.Child)
	for name, f := range probe.Commands() {
		if name != procstest.Supervisor {
			add(name, f)
		}
	}
	return cmds
}

func TestMain(m *testing.M) { procstest.Main(m, commands()) }

// subject gives the scripts' [cpython] condition: true when the subject
// is CPython.
func subject(s string) func(string) (bool, error) {
	return func(cond string) (bool, error) {
		if cond == claims.CPython {
			return s == claims.CPython, nil
		}
		return false, fmt.Errorf("unknown condition [%s] (the suite adds [cpython])", cond)
	}
}

// TestScripts checks the chapter's claims against procs, one subtest per
// file of testdata/script.
func TestScripts(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           subject(claims.Procs),
	})
}

// pythonTwins is where the CPython twins of the commands are.
var pythonTwins = filepath.Join("internal", "probe", "python")

// TestScriptsCPython checks the same claims against CPython: the programs
// the scripts start by name are the CPython twins of the commands (package
// cpython), found before the Go ones on PATH, and each claim must state
// "expect cpython:". It is skipped, with the reason, when no interpreter
// is found ($FORKPORT_PYTHON, else python3 on PATH).
func TestScriptsCPython(t *testing.T) {
	py, err := cpython.Find()
	if err != nil {
		if cpython.Required() {
			t.Fatalf("CI runs the CPython subject, and found no interpreter: %v", err)
		}
		t.Skipf("the CPython subject is not run: %v", err)
	}
	t.Logf("CPython %s at %s (%s)", py.Version, py.Path, py.From)
	bin := testutil.TempDir(t)
	twins, err := cpython.Install(bin, pythonTwins, py)
	require.NoError(t, err)
	// A command without a twin would run its Go self, found later on
	// PATH, and the claim would check procs under CPython's name.
	for name := range commands() {
		require.Contains(t, twins, name, "%s has no CPython twin %s.py", name, filepath.Join(pythonTwins, name))
	}
	dir := filepath.Join("testdata", "script")
	procstest.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           subject(claims.CPython),
		// procstest has checked the header before this runs.
		Setup: func(env *testscript.Env) error {
			id := strings.TrimPrefix(filepath.Base(env.WorkDir), "script-")
			c, err := claims.ParseFile(filepath.Join(dir, id+claims.Ext))
			if err != nil {
				return err
			}
			if c.Expectations(claims.CPython) == nil {
				return c.MissingSubject(claims.CPython)
			}
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			return nil
		},
	})
}
