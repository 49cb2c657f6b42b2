package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// brokenForkInterpreter makes a CPython whose os.fork fails: a virtual
// environment (pyvenv.cfg next to bin/python3, a link to py) whose
// site-packages holds a .pth file that replaces os.fork at start-up, as
// any site customisation could.
func brokenForkInterpreter(t *testing.T, py cpython.Interpreter) string {
	t.Helper()
	root := testutil.TempDir(t)
	bin := filepath.Join(root, "bin")
	site := filepath.Join(root, "lib", "python"+py.Short(), "site-packages")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.MkdirAll(site, 0o755))
	exe := filepath.Join(bin, "python3")
	require.NoError(t, os.Symlink(py.Path, exe))
	require.NoError(t, os.WriteFile(filepath.Join(root, "pyvenv.cfg"),
		[]byte("home = "+filepath.Dir(py.Path)+"\ninclude-system-site-packages = false\nversion = "+py.Version+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(site, "forkport_broken_fork.py"), []byte(`import errno, os

def fork():
    raise OSError(errno.ENOSYS, "os.fork is broken in this interpreter (forkport's test)")

os.fork = fork
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(site, "forkport_broken_fork.pth"), []byte("import forkport_broken_fork\n"), 0o644))
	return exe
}

// With an interpreter whose os.fork is broken, the CPython subject turns
// the fork claims broken, and leaves the others as they were.
func TestCPythonSubjectWithBrokenFork(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("CPython has no os.fork on Windows: the fork claims differ there whatever the interpreter")
	}
	if testing.Short() {
		t.Skip("runs the suite's CPython half (-short)")
	}
	py, err := cpython.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must have a Python 3 interpreter: %v", err)
		}
		t.Skipf("the CPython subject cannot run here: %v", err)
	}
	broken := brokenForkInterpreter(t, py)
	check := exec.Command(broken, "-c", "import os; os.fork()")
	out, err := check.CombinedOutput()
	require.Error(t, err, "the broken interpreter forks: %s", out)
	require.Contains(t, string(out), "os.fork is broken in this interpreter")

	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command (none on PATH)")
	}
	jsonFile := filepath.Join(testutil.TempDir(t), "leg.json")
	runRE := "^(fork-returns-child-pid|fork-copies-memory|exec-keeps-pid|spawn-wait-returns-exit-code)$"
	for _, tt := range []struct {
		python string
		code   int
		want   map[string]verdict.Verdict
	}{
		{py.Path, 0, map[string]verdict.Verdict{
			"fork-returns-child-pid": verdict.Holds, "fork-copies-memory": verdict.Holds,
			"exec-keeps-pid": verdict.Holds, "spawn-wait-returns-exit-code": verdict.Holds}},
		// spawnv forks too on Unix (Lib/os.py), so it breaks with fork.
		{broken, 1, map[string]verdict.Verdict{
			"fork-returns-child-pid": verdict.Broken, "fork-copies-memory": verdict.Broken,
			"exec-keeps-pid": verdict.Broken, "spawn-wait-returns-exit-code": verdict.Broken}},
	} {
		t.Run(filepath.Base(filepath.Dir(filepath.Dir(tt.python))), func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), goCmd, "run", ".", "-subject", "cpython", "-run", runRE, "-json", jsonFile)
			cmd.Dir = "."
			cmd.Env = append(os.Environ(), cpython.PythonEnv+"="+tt.python)
			out, _ := cmd.CombinedOutput()
			require.Equal(t, tt.code, cmd.ProcessState.ExitCode(), "%s", out)
			data, err := os.ReadFile(jsonFile)
			require.NoError(t, err)
			var leg verdict.Leg
			require.NoError(t, json.Unmarshal(data, &leg))
			assert.Equal(t, "cpython", leg.Subject)
			assert.Equal(t, py.Version, leg.SubjectVersion)
			assert.Contains(t, leg.Leg, " cpython"+py.Short())
			got := map[string]verdict.Verdict{}
			for _, r := range leg.Claims {
				if _, ok := tt.want[r.ID]; ok {
					got[r.ID] = r.Verdict
				}
			}
			assert.Equal(t, tt.want, got, "%s", out)
		})
	}
}
