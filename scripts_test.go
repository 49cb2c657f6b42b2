package forkport_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/internal/chapter"
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

// TestScripts checks the chapter's claims against procs, one subtest per
// file of testdata/script.
func TestScripts(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
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
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		// procstest answers [cpython] and has checked, before this runs,
		// that the claim states "expect cpython:" (the test's name ends
		// in CPython): the twins come first on PATH.
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
			return nil
		},
	})
}
