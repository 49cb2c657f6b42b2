package main

import (
	"errors"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBSDPathsReadNoProc: the code a forkport_bsdpaths build compiles on
// Linux (every package of the module but scripts/bench, whose machine
// description reads /proc/cpuinfo and which the leg does not run) names no
// /proc path, as macOS has none: every string literal of its non-test
// files is checked. The files the tag selects are checked too, so that a
// change in the build lines cannot make the check look at the Linux files
// instead.
func TestBSDPathsReadNoProc(t *testing.T) {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "linux", "amd64", false
	ctx.BuildTags = []string{bsdPathsTag}
	root := filepath.Join("..", "..")
	var dirs []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch name := d.Name(); {
		case rel == filepath.Join("scripts", "bench"), name == "testdata", name == "out", p != root && strings.HasPrefix(name, "."):
			return filepath.SkipDir
		}
		dirs = append(dirs, filepath.ToSlash(rel))
		return nil
	}))
	selected := map[string]bool{}
	var found []string
	for _, dir := range dirs {
		pkg, err := ctx.ImportDir(filepath.Join(root, filepath.FromSlash(dir)), 0)
		var none *build.NoGoError
		if errors.As(err, &none) {
			continue
		}
		require.NoError(t, err, dir)
		fset := token.NewFileSet()
		for _, name := range pkg.GoFiles {
			selected[path.Join(dir, name)] = true
			f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && (s == "/proc" || strings.Contains(s, "/proc/")) {
					found = append(found, fset.Position(lit.Pos()).String()+": "+lit.Value)
				}
				return true
			})
		}
	}
	require.Contains(t, dirs, "procs/procstest")
	assert.Empty(t, found, "/proc in the code a %s build runs", bsdPathsTag)
	for file, want := range map[string]bool{
		"procs/handoff_other_unix.go":           true,
		"procs/prestart_other_unix.go":          true,
		"procs/startpath_bsdpaths_linux.go":     true,
		"internal/probe/run_other.go":           true,
		"internal/probe/lifecycle_ps.go":        true,
		"internal/leakcheck/leakcheck_ps.go":    true,
		"procs/procstest/expectos_bsdpaths.go":  true,
		"procs/handoff_linux.go":                false,
		"procs/prestart_linux.go":               false,
		"internal/probe/run_linux.go":           false,
		"internal/probe/lifecycle_linux.go":     false,
		"internal/leakcheck/leakcheck_linux.go": false,
	} {
		assert.Equal(t, want, selected[file], "%s in the %s build", file, bsdPathsTag)
	}
}

// TestBSDPathsSettings: the leg's go test sees TMPDIR through a symlink,
// in a directory only its user can enter (macOS's /var/folders/.../T
// through /var -> /private/var), and an sh on PATH that is bash; close
// removes it all.
func TestBSDPathsSettings(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on PATH: the leg refuses to run (tested by its error)")
	}
	b, err := newBSDPaths([]string{"PATH=/usr/bin:/bin", "TMPDIR=/elsewhere", "HOME=/home/x"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.close() })
	tmp := lookup(b.env, "TMPDIR")
	assert.True(t, strings.HasSuffix(tmp, "/"), "TMPDIR %s ends in a slash, as macOS's", tmp)
	real, err := filepath.EvalSymlinks(tmp)
	require.NoError(t, err)
	assert.NotEqual(t, filepath.Clean(tmp), real, "TMPDIR is reached through a symlink")
	want, err := filepath.EvalSymlinks(filepath.Join(b.root, "private", "var", "folders", "T"))
	require.NoError(t, err) // b.root may itself be under a symlink: TMPDIR on this leg
	assert.Equal(t, want, real)
	fi, err := os.Stat(real)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	path := filepath.SplitList(lookup(b.env, "PATH"))
	require.Len(t, path, 3)
	assert.Equal(t, []string{"/usr/bin", "/bin"}, path[1:], "the caller's PATH follows")
	sh, err := filepath.EvalSymlinks(filepath.Join(path[0], "sh"))
	require.NoError(t, err)
	want, err = filepath.EvalSymlinks(bash)
	require.NoError(t, err)
	assert.Equal(t, want, sh, "sh is bash")
	assert.Equal(t, "/home/x", lookup(b.env, "HOME"), "the rest of the environment is kept")
	assert.Len(t, b.env, 3, "one TMPDIR, one PATH")

	require.NoError(t, b.close())
	assert.NoDirExists(t, b.root)
}

// signalNumberRE finds a signal number in a claim script or a probe: a
// status minus the signal ("exitcode=-15"), "signal: N" or "signal N", a
// shell's 128+N exit status, kill -N, Signal(N) and os.kill(pid, N).
var signalNumberRE = regexp.MustCompile(`exitcode=-(\d+)|signal[: =]+-?(\d+)|exit status (1[3-9]\d|2[0-5]\d)|kill -(\d+)|Signal\((\d+)\)|os\.kill\([^)]*, *(\d+)\)`)

// sharedSignals are the signal numbers Linux and macOS give the same
// signal (0 is no signal, kill's probe). The rest differ: 7 is SIGBUS on
// Linux and SIGEMT on macOS, 10 SIGUSR1 and SIGBUS, 12 SIGUSR2 and SIGSYS,
// 17 SIGCHLD and SIGSTOP, 20 SIGTSTP and SIGCHLD, 30 SIGPWR and SIGUSR1 ...
var sharedSignals = map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 8: true, 9: true, 11: true, 13: true, 14: true, 15: true}

// TestSignalNumbersAreMacOSs: the bsd-paths leg keeps Linux's signal
// numbers (a kernel's), so it judges macOS's expectations truly only if no
// claim script or probe prints or compares a number that macOS gives
// another signal: scripts and probes name such signals (SIGUSR1, not 10).
func TestSignalNumbersAreMacOSs(t *testing.T) {
	var files []string
	for _, glob := range []string{"testdata/script/*.txtar", "procs/procstest/testdata/script/*.txtar",
		"testdata/example/testdata/script/*.txtar", "internal/probe/python/*.py", "internal/probe/*.go"} {
		m, err := filepath.Glob(filepath.Join("..", "..", filepath.FromSlash(glob)))
		require.NoError(t, err)
		require.NotEmpty(t, m, glob)
		files = append(files, m...)
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range signalNumberRE.FindAllStringSubmatch(string(b), -1) {
			for i, g := range m[1:] {
				if g == "" {
					continue
				}
				n, _ := strconv.Atoi(g)
				if i == 2 { // exit status 128+N
					n -= 128
				}
				seen++
				assert.True(t, sharedSignals[n], "%s: %q: signal %d is another signal on macOS: name it instead", f, m[0], n)
			}
		}
	}
	assert.NotZero(t, seen, "the scripts' signal numbers (exitcode=-15, ...) were found")
}
