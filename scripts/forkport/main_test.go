package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// The test binary doubles as a fake go command: with FORKPORT_FAKE_GO set,
// it answers "go env -json ..." from FAKE_GO_* variables, and "go test"
// by printing the stream file FAKE_GO_STREAM (and FAKE_GO_STDERR on
// standard error), recording its arguments and directory in FAKE_GO_LOG,
// and exiting with FAKE_GO_EXIT.
func TestMain(m *testing.M) {
	if os.Getenv("FORKPORT_FAKE_GO") != "" {
		os.Exit(fakeGo(os.Args[1:]))
	}
	if os.Getenv("GORACE") == "" {
		// Under -race every fake go would otherwise sleep 1 s at exit.
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}

func fakeGo(args []string) int {
	if len(args) == 0 {
		return 2
	}
	switch args[0] {
	case "env":
		if msg := os.Getenv("FAKE_GO_ENV_ERROR"); msg != "" {
			fmt.Fprintln(os.Stderr, msg)
			return 1
		}
		b, _ := json.Marshal(map[string]string{
			"GOMOD": os.Getenv("FAKE_GO_GOMOD"), "GOOS": os.Getenv("FAKE_GO_GOOS"),
			"GOARCH": os.Getenv("FAKE_GO_GOARCH"), "GOVERSION": "go1.26.8",
		})
		os.Stdout.Write(b)
		return 0
	case "test":
		wd, _ := os.Getwd()
		line, _ := json.Marshal(append([]string{wd}, args...))
		if log := os.Getenv("FAKE_GO_LOG"); log != "" {
			_ = os.WriteFile(log, line, 0o666)
		}
		if s := os.Getenv("FAKE_GO_STREAM"); s != "" {
			data, err := os.ReadFile(s)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 3
			}
			os.Stdout.Write(data)
		}
		fmt.Fprint(os.Stderr, os.Getenv("FAKE_GO_STDERR"))
		code, _ := strconv.Atoi(os.Getenv("FAKE_GO_EXIT"))
		return code
	}
	return 2
}

// fixtures is package verdict's test data: claim files and recorded streams.
var fixtures = filepath.Join("..", "..", "internal", "verdict", "testdata")

func fixtureStream(name string) string {
	p, _ := filepath.Abs(filepath.Join(fixtures, "streams", name))
	return p
}

// suiteTest is the test file of testModule's root package: TestScripts
// runs testdata/script with procstest.
const suiteTest = `package forkport_test

import (
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) { procstest.Main(m, nil) }

func TestScripts(t *testing.T) {
	procstest.Run(t, testscript.Params{Dir: filepath.Join("testdata", "script")})
}
`

// testModule makes a module with the fixture claim files, run by
// TestScripts of its root package (and README.md, if readme is not empty),
// and returns its root.
func testModule(t *testing.T, readme string) string {
	t.Helper()
	root := testutil.TempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.mod"), []byte("module github.com/forkport/forkport\n\ngo 1.26.0\n"), 0o666))
	require.NoError(t, os.WriteFile(filepath.Join(root, "scripts_test.go"), []byte(suiteTest), 0o666))
	dir := filepath.Join(root, "testdata", "script")
	require.NoError(t, os.MkdirAll(dir, 0o777))
	paths, err := filepath.Glob(filepath.Join(fixtures, "script", "*.txtar"))
	require.NoError(t, err)
	require.Len(t, paths, 4)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o666))
	}
	if readme != "" {
		require.NoError(t, os.WriteFile(filepath.Join(root, "README.md"), []byte(readme), 0o666))
	}
	return root
}

// writeSuite writes a test file in root/dir whose test named test calls
// procstest.Run with Params.Dir set to the Go expression dirExpr.
func writeSuite(t *testing.T, root, dir, test, dirExpr string) {
	t.Helper()
	src := `package sub_test

import (
	"path/filepath"
	"testing"

	pt "github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

var _ = filepath.Join

func ` + test + `(t *testing.T) {
	pt.Run(t, testscript.Params{Dir: ` + dirExpr + `})
}
`
	require.NoError(t, os.MkdirAll(filepath.Join(root, dir), 0o777))
	require.NoError(t, os.WriteFile(filepath.Join(root, dir, "claims_test.go"), []byte(src), 0o666))
}

// copyClaims copies the fixture claim files into dir.
func copyClaims(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o777))
	paths, err := filepath.Glob(filepath.Join(fixtures, "script", "*.txtar"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(p)), data, 0o666))
	}
}

type harness struct {
	t      *testing.T
	app    *app
	root   string
	stdout bytes.Buffer
	stderr bytes.Buffer
	env    map[string]string
	log    string
}

// newHarness sets up the app around a fake go command for a module at root
// on linux/amd64, whose go test prints stream (a fixture name) and exits
// with exit.
func newHarness(t *testing.T, root, stream string, exit int) *harness {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	h := &harness{t: t, root: root, env: map[string]string{}}
	h.log = filepath.Join(testutil.TempDir(t), "go-test-args.json")
	t.Setenv("FORKPORT_FAKE_GO", "1")
	t.Setenv("FAKE_GO_GOMOD", filepath.Join(root, "go.mod"))
	t.Setenv("FAKE_GO_GOOS", "linux")
	t.Setenv("FAKE_GO_GOARCH", "amd64")
	t.Setenv("FAKE_GO_LOG", h.log)
	t.Setenv("FAKE_GO_STDERR", "")
	t.Setenv("FAKE_GO_ENV_ERROR", "")
	t.Setenv("FAKE_GO_EXIT", strconv.Itoa(exit))
	if stream != "" {
		t.Setenv("FAKE_GO_STREAM", fixtureStream(stream))
	} else {
		t.Setenv("FAKE_GO_STREAM", "")
	}
	h.app = &app{
		stdout: &h.stdout, stderr: &h.stderr,
		lookupEnv: func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
		goCmd:     exe,
		dir:       root,
		now:       func() time.Time { return time.Date(2026, 11, 26, 0, 40, 0, 0, time.UTC) },
		runWine: func(context.Context, wineRun) (string, error) {
			return "", fmt.Errorf("no Wine in this test")
		},
	}
	return h
}

func (h *harness) run(args ...string) int {
	h.stdout.Reset()
	h.stderr.Reset()
	return h.app.run(context.Background(), args)
}

// goTestArgs returns the directory and arguments of the fake go test run.
func (h *harness) goTestArgs() (string, []string) {
	data, err := os.ReadFile(h.log)
	require.NoError(h.t, err)
	var args []string
	require.NoError(h.t, json.Unmarshal(data, &args))
	return args[0], args[1:]
}

func readLegFile(t *testing.T, path string) *verdict.Leg {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	in, err := verdict.ReadInput(f)
	require.NoError(t, err)
	require.NotNil(t, in.Leg)
	return in.Leg
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		stream   string
		exit     int
		stderr   string
		args     []string
		code     int
		contains []string
		run      string // go test -run pattern
	}{
		{
			name: "everything passes", stream: "linux-pass.json", code: exitOK, run: "^TestScripts$",
			contains: []string{
				"forkport linux/amd64 · go1.26.8 · devel · 2026-11-26T00:40:00Z\n",
				"fork-pid       fork returns the child's PID to the parent, and   holds              holds\n               the child is a new process.\n",
				"wait-blocks    os.wait blocks until a child exits.               holds              not run\n" +
					"                                                                                    — no result\n",
				"4 claims: 2 hold, 2 not run.\n",
			},
		},
		{
			name: "a broken claim", stream: "linux-broken.json", exit: 1, code: exitFailed,
			contains: []string{
				"broken — testdata/script/exec-replaces.txtar:9: unexpected command failure",
				"exec-replaces: broken — testdata/script/exec-replaces.txtar:9: unexpected command failure\n    > exec printpid\n    [stdout]\n    pid=21404\n    > stdout 'pid='\n    > exec fail\n    [stderr]\n    boom\n",
			},
		},
		{
			name: "build failure shows the build output", stream: "build-failed.json", exit: 1, code: exitFailed,
			contains: []string{
				"  not run\n                                                                                    — no result: the build failed\n",
				"error: build failed: github.com/forkport/forkport [github.com/forkport/forkport.test]\n    # github.com/forkport/forkport [github.com/forkport/forkport.test]\n    ./scripts_test.go:19:38: unknown field Bogus in struct literal of type testscript.Params\n",
			},
		},
		{
			name: "go test fails with nothing in the stream", stream: "", exit: 1, code: exitFailed,
			stderr: "go: errors parsing go.mod:\ngo.mod:3: invalid go version\n",
			contains: []string{
				"  not run\n                                                                                    — no result: the package did not run\n",
				"error: go test exited with status 1\n    go: errors parsing go.mod:\n    go.mod:3: invalid go version\n",
			},
		},
		{
			name: "-run selects claims", stream: "linux-filtered.json", args: []string{"-run", "fork|zomb"}, code: exitOK,
			run:      "^TestScripts$/^(fork-pid|zombie)$",
			contains: []string{"2 claims: 1 holds, 1 not run."},
		},
		{
			name: "markdown", stream: "linux-pass.json", args: []string{"-format", "markdown"}, code: exitOK,
			contains: []string{"| `fork-pid` fork returns the child's PID to the parent, and the child is a new process. | holds | ✅ holds |\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testModule(t, "")
			h := newHarness(t, root, tt.stream, tt.exit)
			t.Setenv("FAKE_GO_STDERR", tt.stderr)
			jsonOut := filepath.Join(testutil.TempDir(t), "out", "leg.json")
			code := h.run(append(tt.args, "-json", jsonOut)...)
			assert.Equal(t, tt.code, code, "stderr: %s", h.stderr.String())
			assert.Empty(t, h.stderr.String(), "no progress when stderr is not a terminal")
			for _, want := range tt.contains {
				assert.Contains(t, h.stdout.String(), want)
			}
			assert.NotContains(t, h.stdout.String(), "\x1b[")

			dir, args := h.goTestArgs()
			assert.Equal(t, root, dir, "go test runs in the module root")
			run := tt.run
			if run == "" {
				run = "^TestScripts$"
			}
			assert.Equal(t, []string{"test", "-json", "-count=1", "-run", run, "-timeout", "10m0s", "github.com/forkport/forkport"}, args)

			leg := readLegFile(t, jsonOut)
			assert.Equal(t, "linux/amd64", leg.Leg)
			assert.Equal(t, "linux", leg.OS)
			assert.Equal(t, "amd64", leg.Arch)
			assert.Equal(t, "go1.26.8", leg.Go)
			assert.Equal(t, "devel", leg.Forkport)
			assert.Equal(t, "2026-11-26T00:40:00Z", leg.Time)
			assert.Equal(t, tt.code == exitFailed, leg.Failed())
		})
	}
}

func TestCheckJSONFormat(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-broken.json", 1)
	require.Equal(t, exitFailed, h.run("-format", "json"))
	var leg map[string]any
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg))
	assert.Equal(t, "forkport.leg/v2", leg["format"])
	claims := leg["claims"].([]any)
	require.Len(t, claims, 4)
	first := claims[0].(map[string]any)
	assert.Equal(t, "exec-replaces", first["id"])
	assert.Equal(t, "broken", first["verdict"])
	assert.Equal(t, "fail", first["status"])
	assert.Equal(t, map[string]any{"outcome": "holds"}, first["expect"])
	assert.Contains(t, first["output"], "FAIL: testdata/script/exec-replaces.txtar:9: unexpected command failure")
}

func TestCheckEventsAndFrom(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-broken.json", 1)
	events := filepath.Join(testutil.TempDir(t), "results-linux.json")
	require.Equal(t, exitFailed, h.run("-events", events))
	want, err := os.ReadFile(fixtureStream("linux-broken.json"))
	require.NoError(t, err)
	got, err := os.ReadFile(events)
	require.NoError(t, err)
	assert.Equal(t, want, got, "-events saves the raw stream")
	table := h.stdout.String()

	// Reading the saved stream back gives the same table (its leg named by
	// the file name), without running go test.
	require.NoError(t, os.Remove(h.log))
	require.Equal(t, exitFailed, h.run("-from", events))
	_, body, _ := strings.Cut(table, "\n")
	assert.Equal(t, "forkport linux\n"+body, h.stdout.String(), "a raw stream does not say which Go ran it, or when")
	_, err = os.Stat(h.log)
	assert.True(t, os.IsNotExist(err), "-from runs nothing")
}

func TestCheckFromLegDocumentIsJudgedAgain(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	doc := filepath.Join(testutil.TempDir(t), "leg.json")
	require.Equal(t, exitOK, h.run("-json", doc))

	// The expectation changes after the document was written: the pass
	// was of the lines the old expectation ran ([holds]), so it speaks
	// for the new one no more, and the claim is broken until run again.
	p := filepath.Join(root, "testdata", "script", "fork-pid.txtar")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, bytes.Replace(data, []byte("#   linux: holds"), []byte("#   linux: differs — now it differs"), 1), 0o666))
	require.Equal(t, exitFailed, h.run("-from", doc))
	assert.Contains(t, h.stdout.String(), "differs — now it differs", "the header's words are today's")
	assert.Regexp(t, `fork-pid .*broken`, h.stdout.String())
	assert.Contains(t, h.stdout.String(), "the leg ran against linux: holds; the header now says differs: run it again")
	assert.NotRegexp(t, `fork-pid .*differs as expected`, h.stdout.String())

	require.Equal(t, exitError, h.run("-from", doc, "-leg", "windows"))
	assert.Contains(t, h.stderr.String(), "is the linux/amd64 leg, not windows")
}

func TestCheckWineLeg(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "", 0)
	var got wineRun
	h.app.runWine = func(_ context.Context, r wineRun) (string, error) {
		got = r
		data, err := os.ReadFile(fixtureStream("linux-pass.json"))
		require.NoError(t, err)
		_, err = r.events.Write(data)
		return "wine-8.0 (Debian 8.0~repack-4)", err
	}
	jsonOut := filepath.Join(testutil.TempDir(t), "wine.json")
	require.Equal(t, exitOK, h.run("-leg", "windows-wine", "-run", "exec", "-install", "-json", jsonOut))
	assert.Equal(t, root, got.root)
	assert.Equal(t, "^TestScripts$/^(exec-replaces)$", got.pattern)
	assert.True(t, got.install)
	assert.Equal(t, 1, got.count)
	assert.Contains(t, h.stdout.String(), "EXPECTED ON WINDOWS (WINE)")
	assert.Contains(t, h.stdout.String(), "  wine deviation\n")
	assert.Contains(t, h.stdout.String(), "  — Wine reports a killed child's exit status as\n")
	assert.NotContains(t, h.stdout.String(), "note:", "the claims -run left out are no orphans")
	leg := readLegFile(t, jsonOut)
	assert.Equal(t, "windows-wine", leg.Leg)
	assert.True(t, leg.Wine)
	assert.Equal(t, "windows", leg.OS)
	assert.Equal(t, "wine-8.0 (Debian 8.0~repack-4)", leg.WineVersion)
	require.Len(t, leg.Claims, 1)
	assert.Equal(t, verdict.WineDeviation, leg.Claims[0].Verdict)

	h.app.runWine = func(context.Context, wineRun) (string, error) { return "", fmt.Errorf("wine: not found") }
	require.Equal(t, exitError, h.run("-leg", "windows-wine"))
	assert.Equal(t, "forkport: the windows-wine leg failed: wine: not found\n", h.stderr.String())
}

func TestProgressOnlyOnATerminal(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	h.app.stderrTTY = true
	require.Equal(t, exitOK, h.run())
	assert.Contains(t, h.stderr.String(), "\rforkport: linux/amd64: 0/4 claims done")
	assert.Contains(t, h.stderr.String(), "\rforkport: linux/amd64: 3/4 claims done")
	assert.True(t, strings.HasSuffix(h.stderr.String(), "\r\x1b[K"), "the progress line is cleared")
	assert.NotContains(t, h.stdout.String(), "claims done")

	h.app.stderrTTY = false
	require.Equal(t, exitOK, h.run())
	assert.Empty(t, h.stderr.String())
}

// Off a terminal, progress is a plain line per tick, and the whole run's
// other output is unchanged (no carriage returns, no escapes).
func TestProgressOffATerminal(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	ticks := make(chan time.Time)
	stopped := false
	h.app.tick = func(d time.Duration) (<-chan time.Time, func()) {
		assert.Equal(t, progressEvery, d)
		return ticks, func() { stopped = true }
	}
	clock := time.Date(2026, 11, 26, 0, 40, 0, 0, time.UTC)
	h.app.now = func() time.Time { return clock }
	// Each line written is announced, so that the test waits for the line
	// of a tick before it goes on.
	wrote := make(chan struct{}, 10)
	h.app.stderr = writerFunc(func(b []byte) (int, error) {
		defer func() { wrote <- struct{}{} }()
		return h.stderr.Write(b)
	})

	suites, err := h.app.findSuites(mustModule(t, h), nil)
	require.NoError(t, err)
	cs := allClaims(suites)
	p := h.app.progress(suites, cs, "linux/amd64", 1)
	tick := func() {
		t.Helper()
		hangGuard := time.After(time.Minute) // not a timing
		select {
		case ticks <- clock:
		case <-hangGuard:
			require.FailNow(t, "nothing takes the progress ticks")
		}
		select {
		case <-wrote:
		case <-hangGuard:
			require.FailNow(t, "a tick printed nothing")
		}
	}
	clock = clock.Add(10 * time.Second)
	tick()
	for _, id := range []string{"fork-pid", "zombie", "fork-pid"} {
		p.event(&verdict.Event{Action: "pass", Package: suites[0].Package, Test: suites[0].TestName(id)}, nil)
	}
	clock = clock.Add(10400 * time.Millisecond)
	tick()
	p.done()
	assert.True(t, stopped, "the ticker is stopped")
	assert.Equal(t, "forkport: linux/amd64: 0 of 4 claims done (10 s)\n"+
		"forkport: linux/amd64: 2 of 4 claims done (20 s)\n", h.stderr.String())

	// A whole run with a ticker that never ticks prints nothing more.
	h.app.stderr = &h.stderr
	h.app.tick = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	require.Equal(t, exitOK, h.run())
	assert.Empty(t, h.stderr.String())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func mustModule(t *testing.T, h *harness) *module {
	t.Helper()
	m, err := h.app.findModule(context.Background())
	require.NoError(t, err)
	return m
}

func TestColor(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"terminal", true, nil, true},
		{"not a terminal", false, nil, false},
		{"NO_COLOR set", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR set but empty", true, map[string]string{"NO_COLOR": ""}, false},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testModule(t, ""), "linux-broken.json", 1)
			h.app.stdoutTTY = tt.tty
			for k, v := range tt.env {
				h.env[k] = v
			}
			require.Equal(t, exitFailed, h.run())
			assert.Equal(t, tt.want, strings.Contains(h.stdout.String(), "\x1b["), h.stdout.String())
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, h *harness)
		args  []string
		want  string // the whole of stderr
	}{
		{
			name:  "no Go toolchain",
			setup: func(t *testing.T, h *harness) { h.app.goCmd = ""; t.Setenv("PATH", "") },
			want:  "forkport: no Go toolchain: the go command is not on PATH\n",
		},
		{
			name:  "outside the module",
			setup: func(t *testing.T, h *harness) { t.Setenv("FAKE_GO_GOMOD", os.DevNull) },
			want:  "forkport: not inside a Go module (go env GOMOD is empty): run forkport in the root of a module whose tests call procstest.Run\n",
		},
		{
			name:  "go env fails",
			setup: func(t *testing.T, h *harness) { t.Setenv("FAKE_GO_ENV_ERROR", "go: cannot find GOROOT directory") },
			want:  "forkport: go env failed: go: cannot find GOROOT directory\n",
		},
		{
			name: "malformed claim header",
			setup: func(t *testing.T, h *harness) {
				p := filepath.Join(h.root, "testdata", "script", "zombie.txtar")
				require.NoError(t, os.WriteFile(p, []byte("# claim: c\n# source: s\n# expect:\n#   linux: holds\n#   darwin: holds\n#   windows: differs\n"), 0o666))
			},
			want: "forkport: malformed claim header: " + filepath.Join("testdata", "script", "zombie.txtar") + ":6: windows: differs needs a reason: \"differs — <why>\"\n",
		},
		{
			name: "no procstest tests",
			setup: func(t *testing.T, h *harness) {
				require.NoError(t, os.Remove(filepath.Join(h.root, "scripts_test.go")))
			},
			want: "forkport: no claims to check: no test in ./... calls procstest.Run with a constant Params.Dir (see go doc github.com/forkport/forkport/procs/procstest)\n",
		},
		{
			name: "claim directory missing",
			setup: func(t *testing.T, h *harness) {
				writeSuite(t, h.root, "sub", "TestClaims", `"testdata/nope"`)
			},
			want: "forkport: claim directory " + filepath.Join("sub", "testdata", "nope") + " (Params.Dir of TestClaims): file does not exist\n",
		},
		{
			name: "claim id in two suites",
			setup: func(t *testing.T, h *harness) {
				writeSuite(t, h.root, "sub", "TestClaims", `filepath.Join("testdata", "script")`)
				copyClaims(t, filepath.Join(h.root, "sub", "testdata", "script"))
			},
			want: "forkport: claim \"exec-replaces\" is in both " + filepath.Join("testdata", "script") + " and " + filepath.Join("sub", "testdata", "script") + ": claim ids must be unique in a module\n",
		},
		{
			name: "package pattern names no directory", args: []string{"./nope"},
			want: "forkport: package pattern \"./nope\": no such directory in the module: file does not exist\n",
		},
		{
			name: "package pattern outside the module", args: []string{"./../x"},
			want: "forkport: package pattern \"./../x\": want a directory of the module, as \".\", \"./dir\" or \"./dir/...\": invalid argument\n",
		},
		{
			name: "unknown leg", args: []string{"-leg", "beos"},
			want: "forkport: unknown leg \"beos\" (want linux, darwin, windows, windows-wine, bsd-paths or another GOOS, optionally with /GOARCH)\n",
		},
		{
			name:  "unsupported host",
			setup: func(t *testing.T, h *harness) { t.Setenv("FAKE_GO_GOOS", "freebsd") },
			want:  "forkport: 4 claim(s) state no expectation for freebsd (exec-replaces, fork-pid, wait-blocks, zombie): add \"freebsd: holds\" or \"freebsd: differs — reason\" to their expect: lines to check them there\n",
		},
		{
			name: "another OS's leg", args: []string{"-leg", "darwin"},
			want: "forkport: cannot run leg darwin on this machine (linux/amd64): run it there and merge, or use -from FILE\n",
		},
		{
			name: "bad flag", args: []string{"-frobnicate"},
			want: "forkport: flag provided but not defined: -frobnicate (run forkport -h for help)\n",
		},
		{
			name: "bad format", args: []string{"-format", "xml"},
			want: "forkport: invalid value \"xml\" for flag -format: want text, markdown or json (run forkport -h for help)\n",
		},
		{
			name: "stray argument", args: []string{"fork"},
			want: "forkport: unexpected argument \"fork\" (subcommands: merge, readme; packages: ., ./dir, ./dir/...) (run forkport -h for help)\n",
		},
		{
			name: "-run matches nothing", args: []string{"-run", "^nothing$"},
			want: "forkport: -run \"^nothing$\" matches no claim in " + filepath.Join("testdata", "script") + "\n",
		},
		{
			name: "unreadable -from", args: []string{"-from", "testdata/script/zombie.txtar"},
			want: "forkport: testdata/script/zombie.txtar: neither a forkport.leg/v2 document nor go test -json output (it begins \"# claim: an exited child stays a zombie until waited for.\")\n",
		},
		{
			name: "merge of unreadable JSON", args: []string{"merge", "go.mod"},
			want: "forkport: go.mod: neither a forkport.leg/v2 document nor go test -json output (it begins \"module github.com/forkport/forkport\")\n",
		},
		{
			name: "merge of a leg of an unknown version",
			setup: func(t *testing.T, h *harness) {
				doc := `{"format": "forkport.leg/v9", "leg": "linux", "os": "linux", "claims": []}`
				require.NoError(t, os.WriteFile(filepath.Join(h.root, "v9.json"), []byte(doc), 0o666))
			},
			args: []string{"merge", "v9.json"},
			want: "forkport: v9.json: unsupported leg format \"forkport.leg/v9\" (this forkport reads forkport.leg/v2 and forkport.leg/v1)\n",
		},
		{
			name: "-from a merged matrix",
			setup: func(t *testing.T, h *harness) {
				require.NoError(t, os.WriteFile(filepath.Join(h.root, "m.json"), []byte(`{"format": "forkport.matrix/v2", "legs": []}`), 0o666))
			},
			args: []string{"-from", "m.json"},
			want: "forkport: m.json: a merged forkport.matrix/v2 document: this takes leg documents (forkport.leg/v2, forkport.leg/v1) or go test -json output\n",
		},
		{
			name: "-count 0", args: []string{"-count", "0"},
			want: "forkport: -count 0: want 1 to 10000 runs of each claim (run forkport -h for help)\n",
		},
		{
			name: "negative -timeout", args: []string{"-timeout=-1s"},
			want: "forkport: -timeout -1s: want a duration of 0 (none, as for go test) or more (run forkport -h for help)\n",
		},
		{
			name: "-count with -from", args: []string{"-count", "2", "-from", "x.json"},
			want: "forkport: -count runs the claims: it does not go with -from, which runs nothing (run forkport -h for help)\n",
		},
		{
			name: "bad -commit", args: []string{"merge", "-commit", "a;b", "x.json"},
			want: "forkport: invalid value \"a;b\" for flag -commit: want a commit hash, tag or branch name (letters, digits, . _ / -, at most 100) (run forkport -h for help)\n",
		},
		{
			name: "merge of a missing file", args: []string{"merge", "missing.json"},
			want: "forkport: cannot read missing.json: no such file or directory\n",
		},
		{
			name: "merge of an unknown leg", args: []string{"merge", "beos=" + fixtureStream("linux-pass.json")},
			want: "forkport: beos=" + fixtureStream("linux-pass.json") + ": unknown leg \"beos\" (want linux, darwin, windows, windows-wine, bsd-paths or another GOOS, optionally with /GOARCH)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
			if tt.setup != nil {
				tt.setup(t, h)
			}
			code := h.run(tt.args...)
			assert.Equal(t, exitError, code)
			if tt.name == "merge of a missing file" {
				// The OS's wording of "no such file" varies.
				assert.True(t, strings.HasPrefix(h.stderr.String(), "forkport: cannot read missing.json: "), h.stderr.String())
			} else {
				assert.Equal(t, tt.want, h.stderr.String())
			}
			assert.Equal(t, 1, strings.Count(h.stderr.String(), "\n"), "one line")
			assert.Empty(t, h.stdout.String())
		})
	}
}

// Errors speak the command line's language: the leg -leg macos names is
// darwin, and a missing interpreter says what to install or set, not which
// candidate names were tried.
func TestErrorsNameWhatTheUserTyped(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	assert.Equal(t, exitError, h.run("-leg", "macos"))
	assert.Equal(t, "forkport: cannot run leg darwin (-leg macos) on this machine (linux/amd64): run it there and merge, or use -from FILE\n", h.stderr.String())
	assert.Equal(t, exitError, h.run("-leg", "macos/arm64"))
	assert.Equal(t, "forkport: cannot run leg darwin/arm64 (-leg macos/arm64) on this machine (linux/amd64): run it there and merge, or use -from FILE\n", h.stderr.String())

	h = newHarness(t, cpythonModule(t, true), "linux-cpython-pass.json", 0)
	t.Setenv(cpython.PythonEnv, "")
	require.NoError(t, os.Unsetenv(cpython.PythonEnv))
	t.Setenv("PATH", testutil.TempDir(t))
	assert.Equal(t, exitError, h.run("-subject", "cpython"))
	assert.Equal(t, "forkport: -subject cpython needs a Python 3 interpreter: none is on PATH, and $FORKPORT_PYTHON is unset: install Python 3, or set FORKPORT_PYTHON to an interpreter\n", h.stderr.String())
	assert.Empty(t, h.stdout.String())
}

func TestHelp(t *testing.T) {
	topic := func(name string) string {
		text, err := helpText(name)
		require.NoError(t, err)
		return text
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, usage}, {[]string{"-help"}, usage}, {[]string{"--help"}, usage}, {[]string{"help"}, usage},
		{[]string{"-run", "x", "-h"}, usage},
		{[]string{"merge", "-h"}, topic("merge")}, {[]string{"readme", "-h"}, topic("readme")}, {[]string{"page", "-h"}, topic("page")},
	}
	for _, tt := range helpTopics {
		tests = append(tests, struct {
			args []string
			want string
		}{[]string{"help", tt.name}, tt.text})
	}
	for _, tt := range tests {
		h := newHarness(t, testModule(t, ""), "", 0)
		assert.Equal(t, exitOK, h.run(tt.args...), tt.args)
		assert.Equal(t, tt.want, h.stdout.String(), tt.args)
		assert.Empty(t, h.stderr.String())
	}

	// -h is short: usage lines, flags, examples; the flags come first.
	lines := strings.Split(usage, "\n")
	assert.LessOrEqual(t, len(lines), 46, "forkport -h is %d lines", len(lines)) // 45, and page's usage line
	assert.Less(t, slices.Index(lines, "Flags:"), 15, "the flags start within the first 15 lines")
	assert.NotContains(t, usage, "forkport.leg/v1", "the JSON format is a help topic")

	h := newHarness(t, testModule(t, ""), "", 0)
	assert.Equal(t, exitError, h.run("help", "nope"))
	assert.Equal(t, "forkport: no help topic \"nope\" (topics: claims, legs, verdicts, merge, page, readme, json, exit) (run forkport -h for help)\n", h.stderr.String())
	assert.Equal(t, exitError, h.run("help", "merge", "json"))
	assert.Empty(t, h.stdout.String())
}

// Every flag of every subcommand is documented in its help: the check's in
// -h, merge's and readme's in their -h.
func TestUsageDocumentsEveryFlag(t *testing.T) {
	n := 0
	for file, topic := range map[string]string{"check.go": "", "merge.go": "merge", "readme.go": "readme"} {
		text := usage
		if topic != "" {
			var err error
			text, err = helpText(topic)
			require.NoError(t, err)
		}
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile(`fs\.\w*Var\([^,]+, "([\w-]+)"`).FindAllSubmatch(src, -1) {
			assert.Regexp(t, `(?m)^  -`+regexp.QuoteMeta(string(m[1]))+` `, text, "flag -%s of %s", m[1], file)
			n++
		}
	}
	assert.Equal(t, 10+5+6, n, "flags found in the source")
	json, err := helpText("json")
	require.NoError(t, err)
	assert.Contains(t, json, "forkport.leg/v2")
	assert.Contains(t, json, "forkport.matrix/v2")
}

func TestMerge(t *testing.T) {
	root := testModule(t, "")
	h, linuxDoc, raw := twoLegs(t, root, "results-windows-latest-gostable.json")

	// A leg document, a raw stream named by its file, a raw stream named on
	// the command line, which lacks wait-blocks.
	code := h.run("merge", linuxDoc, raw, "windows-wine="+fixtureStream("linux-filtered.json"), "-format", "text")
	assert.Equal(t, exitFailed, code, h.stderr.String())
	text := h.stdout.String()
	assert.Contains(t, text, "ID             linux/amd64  windows              windows-wine         CLAIM\n")
	assert.Contains(t, text, "exec-replaces  broken       differs as expected  not run              exec replaces the calling program.\n")
	assert.Contains(t, text, "fork-pid       holds        differs as expected  differs as expected  fork returns")
	assert.Contains(t, text, "exec-replaces on windows-wine: not run — no result\n")
	assert.Contains(t, text, "exec-replaces on linux/amd64: broken — testdata/script/exec-replaces.txtar:9: unexpected command failure\n")

	require.Equal(t, exitFailed, h.run("merge", "-format", "markdown", linuxDoc, raw))
	assert.True(t, strings.HasPrefix(h.stdout.String(), "| Claim | linux/amd64 | windows |\n| --- | --- | --- |\n"), h.stdout.String())

	// Only fork-pid is selected, and it is not broken.
	require.Equal(t, exitOK, h.run("merge", "-format", "json", "-run", "fork", linuxDoc, raw))
	var m verdict.Matrix
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &m))
	assert.Equal(t, verdict.MatrixFormat, m.Format)
	require.Len(t, m.Claims, 1)
	assert.Equal(t, verdict.DiffersAsExpected, m.Claims[0].Results["windows"].Verdict)
	assert.Equal(t, raw, m.Legs[1].File)

	// Passing legs only: exit 0.
	require.Equal(t, exitOK, h.run("merge", raw))

	// -leg names one raw stream, not two.
	assert.Equal(t, exitError, h.run("merge", "-leg", "darwin", fixtureStream("linux-pass.json"), fixtureStream("linux-filtered.json")))
	assert.Contains(t, h.stderr.String(), "-leg names the leg of one raw go test -json file")
	assert.Equal(t, exitOK, h.run("merge", "-leg", "darwin", fixtureStream("linux-pass.json")))
	assert.Contains(t, h.stdout.String(), "darwin")

	// A raw stream whose name says nothing.
	assert.Equal(t, exitError, h.run("merge", fixtureStream("panic.json")))
	assert.Contains(t, h.stderr.String(), "cannot tell the leg of")
}

// Outside the module, leg documents still merge (their rows are their own);
// raw streams need the claim files.
func TestMergeWithoutModule(t *testing.T) {
	root := testModule(t, "")
	h := newHarness(t, root, "linux-pass.json", 0)
	doc := filepath.Join(testutil.TempDir(t), "linux.json")
	require.Equal(t, exitOK, h.run("-json", doc))
	t.Setenv("FAKE_GO_GOMOD", "")
	require.Equal(t, exitOK, h.run("merge", doc))
	assert.Contains(t, h.stdout.String(), "fork-pid       holds")
	assert.Equal(t, exitError, h.run("merge", "linux="+fixtureStream("linux-pass.json")))
	assert.Contains(t, h.stderr.String(), "is raw go test -json output: its claims' expectations come from the claim files")
	assert.Equal(t, exitOK, h.run("merge", "-claims", filepath.Join(root, "testdata", "script"), "linux="+fixtureStream("linux-pass.json")))
}

func TestParseFlagsInterspersed(t *testing.T) {
	fs := newFlags("t")
	format := fs.String("format", "", "")
	b := fs.Bool("w", false, "")
	require.NoError(t, parseFlags(fs, []string{"a.json", "-format", "json", "b.json", "-w", "--", "-c.json"}))
	assert.Equal(t, "json", *format)
	assert.True(t, *b)
	assert.Equal(t, []string{"a.json", "b.json", "-c.json"}, fs.Args())
}

// A flag that takes a value, given none (at the end, or before another
// flag or "--"), is a usage error: exit 2, one line, nothing run or
// written. Before, "forkport -json" took "--" as the file name.
func TestValueFlagWithoutValue(t *testing.T) {
	subcommands := map[string][]string{"check.go": nil, "merge.go": {"merge"}, "readme.go": {"readme"}}
	n := 0
	for file, sub := range subcommands {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range regexp.MustCompile(`fs\.(\w*)Var\([^,]+, "([\w-]+)"`).FindAllStringSubmatch(string(src), -1) {
			if m[1] == "Bool" {
				continue
			}
			name := m[2]
			n++
			for _, tail := range [][]string{nil, {"-format", "text"}, {"--"}, {"-w"}} {
				args := append(append(append([]string{}, sub...), "-"+name), tail...)
				t.Run(strings.Join(args, " "), func(t *testing.T) {
					root := testModule(t, "")
					h := newHarness(t, root, "linux-pass.json", 0)
					before := treeOf(t, root)
					assert.Equal(t, exitError, h.run(args...))
					assert.Contains(t, h.stderr.String(), "forkport: flag -"+name+" needs a value")
					assert.Equal(t, 1, strings.Count(h.stderr.String(), "\n"), "one line: %s", h.stderr.String())
					assert.Empty(t, h.stdout.String())
					assert.Equal(t, before, treeOf(t, root), "nothing written")
					_, err := os.Stat(h.log)
					assert.True(t, os.IsNotExist(err), "go test did not run")
				})
			}
		}
	}
	assert.Equal(t, 9+5+3, n, "value flags found in the source")

	// A value that starts with "-" is given with "=".
	h := newHarness(t, testModule(t, ""), "linux-pass.json", 0)
	assert.Equal(t, exitError, h.run("-run=-nothing"))
	assert.Equal(t, "forkport: -run \"-nothing\" matches no claim in "+filepath.Join("testdata", "script")+"\n", h.stderr.String())
}

// treeOf lists the files under root.
func treeOf(t *testing.T, root string) []string {
	t.Helper()
	var names []string
	require.NoError(t, filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
		names = append(names, p)
		return err
	}))
	return names
}

var _ io.Writer = (*progress)(nil)

// twoLegs runs the harness on a broken Linux leg into a leg document and
// saves a passing raw go test -json stream under rawName, for the merge and
// readme tests.
func twoLegs(t *testing.T, root, rawName string) (h *harness, linuxDoc, raw string) {
	t.Helper()
	h = newHarness(t, root, "linux-broken.json", 1)
	out := testutil.TempDir(t)
	linuxDoc = filepath.Join(out, "linux.json")
	require.Equal(t, exitFailed, h.run("-json", linuxDoc))
	raw = filepath.Join(out, rawName)
	data, err := os.ReadFile(fixtureStream("linux-pass.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(raw, data, 0o666))
	return h, linuxDoc, raw
}

// TestSuitesOfEveryPackage: forkport runs every package's procstest.Run
// test, whatever it is called, and a package pattern narrows that.
func TestSuitesOfEveryPackage(t *testing.T) {
	root := testModule(t, "")
	writeSuite(t, root, filepath.Join("cmd", "tool"), "TestToolClaims", `filepath.Join("testdata", "claims")`)
	dir := filepath.Join(root, "cmd", "tool", "testdata", "claims")
	require.NoError(t, os.MkdirAll(dir, 0o777))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tool-exits.txtar"), []byte(
		"# claim: the tool exits 0.\n# source: its manual\n# expect:\n#   linux: holds\n#   darwin: holds\n#   windows: holds\n\nexec tool\n"), 0o666))
	tests := []struct {
		name   string
		args   []string
		pkgs   []string
		run    string
		claims int
	}{
		{"every package", nil, []string{"github.com/forkport/forkport", "github.com/forkport/forkport/cmd/tool"}, "^(TestScripts|TestToolClaims)$", 5},
		{"one package", []string{"./cmd/..."}, []string{"github.com/forkport/forkport/cmd/tool"}, "^TestToolClaims$", 1},
		{"-run across packages", []string{"-run", "tool|zombie"}, []string{"github.com/forkport/forkport", "github.com/forkport/forkport/cmd/tool"}, "^(TestScripts|TestToolClaims)$/^(tool-exits|zombie)$", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, root, "linux-pass.json", 0)
			h.run(append([]string{"-format", "json"}, tt.args...)...)
			require.Empty(t, h.stderr.String())
			_, args := h.goTestArgs()
			assert.Equal(t, append([]string{"test", "-json", "-count=1", "-run", tt.run, "-timeout", "10m0s"}, tt.pkgs...), args)
			var leg verdict.Leg
			require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg))
			assert.Len(t, leg.Claims, tt.claims)
		})
	}
}

// TestFurtherGOOS: on an OS beyond linux, darwin and windows, claims that
// state it are judged as on any other.
func TestFurtherGOOS(t *testing.T) {
	root := testModule(t, "")
	paths, err := filepath.Glob(filepath.Join(root, "testdata", "script", "*.txtar"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		data = regexp.MustCompile(`(?m)^(#\s+windows:.*)$`).ReplaceAll(data, []byte("$1\n#   freebsd: differs — no zombies here either"))
		require.NoError(t, os.WriteFile(p, data, 0o666))
	}
	h := newHarness(t, root, "linux-pass.json", 0)
	t.Setenv("FAKE_GO_GOOS", "freebsd")
	code := h.run("-format", "json")
	require.Equal(t, exitOK, code, h.stderr.String())
	var leg verdict.Leg
	require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &leg))
	assert.Equal(t, "freebsd/amd64", leg.Leg)
	require.NotEmpty(t, leg.Claims)
	assert.Equal(t, "fork-pid", leg.Claims[1].ID)
	assert.Equal(t, verdict.DiffersAsExpected, leg.Claims[1].Verdict)
	assert.Equal(t, "no zombies here either", leg.Claims[1].Expect.Reason)
}

// TestSuiteForms: the claim directory is found in the forms a test writes
// it, and a test whose directory is not a constant is not a suite.
func TestSuiteForms(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // claim directory relative to the package; "" for none
	}{
		{"literal", `pt.Run(t, testscript.Params{Dir: "testdata/claims"})`, "testdata/claims"},
		{"filepath.Join", `pt.Run(t, testscript.Params{Dir: filepath.Join("testdata", "claims")})`, "testdata/claims"},
		{"variable", "p := testscript.Params{Dir: filepath.Join(\"testdata\", \"x\")}\n\tpt.Run(t, p)", "testdata/x"},
		{"var declaration", "var p = testscript.Params{Dir: \"testdata/y\"}\n\tpt.Run(t, p)", "testdata/y"},
		{"not a constant", `pt.Run(t, testscript.Params{Dir: os.Getenv("DIR")})`, ""},
		{"another package's Run", `t.Run("x", nil)`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			src := "package x_test\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n\t\"testing\"\n\n\tpt \"github.com/forkport/forkport/procs/procstest\"\n\t\"github.com/rogpeppe/go-internal/testscript\"\n)\n\nvar _, _ = os.Getenv, filepath.Join\n\nfunc TestX(t *testing.T) {\n\t" + tt.body + "\n}\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "x_test.go"), []byte(src), 0o666))
			got, err := suitesIn(dir)
			require.NoError(t, err)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, "TestX", got[0].Test)
			assert.Equal(t, filepath.Join(dir, filepath.FromSlash(tt.want)), got[0].claimDir)
		})
	}
}
