package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
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
		if cpython.Required() {
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
		name   string
		python string
		code   int
		want   map[string]verdict.Verdict
	}{
		{"working", py.Path, 0, map[string]verdict.Verdict{
			"fork-returns-child-pid": verdict.Holds, "fork-copies-memory": verdict.Holds,
			"exec-keeps-pid": verdict.Holds, "spawn-wait-returns-exit-code": verdict.Holds}},
		// spawnv forks too on Unix (Lib/os.py), so it breaks with fork.
		{"fork broken", broken, 1, map[string]verdict.Verdict{
			"fork-returns-child-pid": verdict.Broken, "fork-copies-memory": verdict.Broken,
			"exec-keeps-pid": verdict.Broken, "spawn-wait-returns-exit-code": verdict.Broken}},
	} {
		t.Run(tt.name, func(t *testing.T) {
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

// cpythonModule is testModule with a TestScriptsCPython next to
// TestScripts; with blocks, every claim also states "expect cpython:"
// (Windows differing).
func cpythonModule(t *testing.T, blocks bool) string {
	t.Helper()
	root := testModule(t, "")
	src := suiteTest + `
func TestScriptsCPython(t *testing.T) {
	procstest.Run(t, testscript.Params{Dir: filepath.Join("testdata", "script")})
}
`
	require.NoError(t, os.WriteFile(filepath.Join(root, "scripts_test.go"), []byte(src), 0o666))
	if !blocks {
		return root
	}
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "script", "*.txtar"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		lines := strings.SplitAfter(string(data), "\n")
		i := slices.Index(lines, "# expect:\n")
		require.GreaterOrEqual(t, i, 0, p)
		j := i + 1
		for j < len(lines) && strings.HasPrefix(lines[j], "#   ") {
			j++
		}
		block := []string{"# expect cpython:\n", "#   linux: holds\n", "#   darwin: holds\n", "#   windows: differs — no os.fork\n"}
		lines = slices.Insert(lines, j, block...)
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "")), 0o666))
	}
	return root
}

func TestSubjectFlag(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	assert.Equal(t, exitError, h.run("-subject", "pypy"))
	assert.Contains(t, h.stderr.String(), `unknown -subject "pypy" (want procs or cpython)`)

	// A module whose suite has no CPython run.
	assert.Equal(t, exitError, h.run("-subject", "cpython"))
	assert.Contains(t, h.stderr.String(), "no suite has a CPython run")

	// A CPython run, but claims that do not state the subject.
	h = newHarness(t, cpythonModule(t, false), "linux-cpython-pass.json", 0)
	assert.Equal(t, exitError, h.run("-subject", "cpython"))
	assert.Contains(t, h.stderr.String(), "4 claim(s) state no expectation for the cpython subject (exec-replaces, fork-pid, wait-blocks, zombie)")

	// procs stays the default, and TestScriptsCPython is not a suite of
	// its own.
	require.Equal(t, exitOK, h.run(), h.stderr.String()) // no TestScripts results: not run
	_, args := h.goTestArgs()
	assert.Contains(t, args, "^TestScripts$")

	h = newHarness(t, cpythonModule(t, true), "linux-cpython-pass.json", 0)
	assert.Equal(t, exitError, h.run("-subject", "cpython", "-leg", "windows-wine"))
	assert.Contains(t, h.stderr.String(), "the windows-wine leg runs the procs subject only")

	py, err := cpython.Find()
	if err != nil {
		assert.Equal(t, exitError, h.run("-subject", "cpython"))
		assert.Regexp(t, `-subject cpython( needs a Python 3 interpreter|: )`, h.stderr.String())
		if cpython.Required() {
			t.Fatalf("CI must have a Python 3 interpreter: %v", err)
		}
		t.Skipf("the rest needs an interpreter: %v", err)
	}
	code := h.run("-subject", "cpython", "-format", "json")
	_, args = h.goTestArgs()
	assert.Contains(t, args, "^TestScriptsCPython$")
	var leg verdict.Leg
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg), h.stderr.String())
	assert.Equal(t, "linux/amd64 cpython"+py.Short(), leg.Leg)
	assert.Equal(t, "cpython", leg.Subject)
	assert.Equal(t, py.Version, leg.SubjectVersion)
	got := map[string]verdict.Verdict{}
	for _, r := range leg.Claims {
		got[r.ID] = r.Verdict
	}
	// linux-cpython-pass.json: two pass, zombie is skipped, wait-blocks
	// has no result.
	assert.Equal(t, map[string]verdict.Verdict{"exec-replaces": verdict.Holds, "fork-pid": verdict.Holds,
		"wait-blocks": verdict.NotRun, "zombie": verdict.NotRun}, got)
	assert.Equal(t, exitOK, code)
}

// A suite with a CPython run: the README's Linux block shows both legs, the
// matrix both columns, and the claim list both subjects.
func TestReadmeWithCPython(t *testing.T) {
	root := cpythonModule(t, true)
	require.NoError(t, os.WriteFile(filepath.Join(root, "README.md"), []byte(readmeTemplate), 0o666))
	h, linuxDoc, wineRaw := twoLegs(t, root, "windows-wine-raw.json")
	data, err := os.ReadFile(fixtureStream("linux-cpython-pass.json"))
	require.NoError(t, err)
	pyRaw := filepath.Join(filepath.Dir(linuxDoc), "linux-cpython-raw.json")
	require.NoError(t, os.WriteFile(pyRaw, data, 0o666))

	require.Equal(t, exitOK, h.run("readme", "-linux", linuxDoc, "-cpython", pyRaw, "-wine", wineRaw), h.stderr.String())
	doc := h.stdout.String()
	assert.Contains(t, doc, "```\n\n```text\n$ go run ./scripts/forkport -subject cpython .\nforkport linux cpython\n")
	assert.Contains(t, doc, "EXPECTED OF CPYTHON ON LINUX")
	assert.Contains(t, doc, "| Claim | linux/amd64 | linux cpython | windows-wine |\n")
	assert.Contains(t, doc, "**CPython:** differs — no os.fork |")

	// The CPython leg must be a CPython one.
	assert.Equal(t, exitError, h.run("readme", "-linux", linuxDoc, "-cpython", linuxDoc, "-wine", wineRaw))
	assert.Contains(t, h.stderr.String(), "is the linux/amd64 leg, not linux cpython")

	// A suite with a CPython run whose claims lack the block: an error,
	// not a README without the CPython leg.
	root2 := cpythonModule(t, false)
	require.NoError(t, os.WriteFile(filepath.Join(root2, "README.md"), []byte(readmeTemplate), 0o666))
	h2 := newHarness(t, root2, "linux-pass.json", 0)
	assert.Equal(t, exitError, h2.run("readme", "-linux", linuxDoc, "-cpython", pyRaw, "-wine", wineRaw))
	assert.Contains(t, h2.stderr.String(), "state no expectation for the cpython subject")
}

// cpythonOwnModule is cpythonModule with blocks whose CPython expectation
// on Linux is not procs' (which holds there): a result then shows whose
// expectations judged it.
func cpythonOwnModule(t *testing.T) string {
	t.Helper()
	root := cpythonModule(t, true)
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "script", "*.txtar"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		block := "# expect cpython:\n#   linux: holds\n"
		require.Contains(t, string(data), block, p)
		data = []byte(strings.Replace(string(data), block, "# expect cpython:\n#   linux: differs — CPython's own reason\n", 1))
		require.NoError(t, os.WriteFile(p, data, 0o666))
	}
	return root
}

// savedLeg is a leg document of the given subject on linux/amd64 in which
// fork-pid and exec-replaces passed, judged (wrongly, on purpose) as
// holding: -from judges it again.
func savedLeg(subject string) string {
	name, extra, expect := "linux/amd64", "", `{"outcome":"holds"},"status":"pass","verdict":"holds"`
	if subject == "cpython" {
		name, extra = "linux/amd64 cpython3.12", `"subject":"cpython","subject_version":"3.12.1",`
		expect = `{"outcome":"differs","reason":"CPython's own reason"},"status":"pass","verdict":"differs as expected"`
	}
	return `{"format":"forkport.leg/v1","leg":"` + name + `","os":"linux","arch":"amd64","wine":false,` + extra + `
 "claims":[{"id":"fork-pid","claim":"c","expect":` + expect + `},
  {"id":"exec-replaces","claim":"c","expect":` + expect + `}]}`
}

// -subject cpython -from FILE judges a saved CPython leg, and a raw
// go test -json stream of TestScriptsCPython, by the claims' "expect
// cpython:" blocks and names the leg as CPython's; a saved leg of the
// other subject is refused.
func TestFromReadsTheCPythonLeg(t *testing.T) {
	h := newHarness(t, cpythonOwnModule(t), "", 0)
	dir := testutil.TempDir(t)
	doc := filepath.Join(dir, "saved.json")
	require.NoError(t, os.WriteFile(doc, []byte(savedLeg("cpython")), 0o666))
	procsDoc := filepath.Join(dir, "saved-procs.json")
	require.NoError(t, os.WriteFile(procsDoc, []byte(savedLeg("procs")), 0o666))
	stream, err := os.ReadFile(fixtureStream("linux-cpython-pass.json"))
	require.NoError(t, err)
	raw := filepath.Join(dir, "events.json") // a name that says no leg
	require.NoError(t, os.WriteFile(raw, stream, 0o666))
	named := filepath.Join(dir, "results-ubuntu-latest.json") // says linux, not the subject
	require.NoError(t, os.WriteFile(named, stream, 0o666))

	own := claims.Expectation{Outcome: claims.Differs, Reason: "CPython's own reason"}
	for _, tt := range []struct {
		name string
		args []string
		leg  string
	}{
		{"saved verdict document", []string{"-from", doc}, "linux/amd64 cpython3.12"},
		{"raw stream with -leg linux", []string{"-from", raw, "-leg", "linux"}, "linux cpython"},
		{"raw stream named by its file", []string{"-from", named}, "linux cpython"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-subject", "cpython"}, tt.args...)
			require.Equal(t, exitOK, h.run(append(args, "-format", "json")...), h.stderr.String())
			var leg verdict.Leg
			require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg))
			assert.Equal(t, tt.leg, leg.Leg)
			assert.Equal(t, "cpython", leg.Subject)
			got := map[string]verdict.Result{}
			for _, r := range leg.Claims {
				got[r.ID] = r
			}
			for _, id := range []string{"fork-pid", "exec-replaces"} {
				assert.Equal(t, own, got[id].Expect, id)
				assert.Equal(t, verdict.DiffersAsExpected, got[id].Verdict, id)
			}

			require.Equal(t, exitOK, h.run(args...), h.stderr.String())
			assert.Regexp(t, `^forkport `+regexp.QuoteMeta(tt.leg)+`( ·|\n)`, h.stdout.String())
			assert.Contains(t, h.stdout.String(), "EXPECTED OF CPYTHON ON LINUX")
			assert.Contains(t, h.stdout.String(), "differs — CPython's own reason")
		})
	}

	assert.Equal(t, exitError, h.run("-subject", "cpython", "-from", procsDoc))
	assert.Contains(t, h.stderr.String(), "saved-procs.json is the linux/amd64 leg, not linux cpython")
	assert.Equal(t, exitError, h.run("-from", doc))
	assert.Contains(t, h.stderr.String(), "saved.json is the linux/amd64 cpython3.12 leg, not linux procs")
	assert.Equal(t, exitError, h.run("-subject", "cpython", "-from", raw, "-leg", "linux procs"))
	assert.Contains(t, h.stderr.String(), "events.json is named as the linux leg, not linux cpython")
}
