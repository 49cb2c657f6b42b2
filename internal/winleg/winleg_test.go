package winleg

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinaryArgs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []string
		timeout time.Duration
		want    []string
		wantT   time.Duration
	}{
		{"none", nil, 10 * time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=10m0s"}, 10 * time.Minute},
		{"go test spellings", []string{"-run", "TestA|TestB", "--count=2", "-short", "-skip=X"}, time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=1m0s",
				"-test.run=TestA|TestB", "-test.count=2", "-test.short", "-test.skip=X"}, time.Minute},
		{"binary spellings kept", []string{"-test.run=^TestX$", "-test.failfast"}, time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=1m0s",
				"-test.run=^TestX$", "-test.failfast"}, time.Minute},
		{"verbosity is the leg's", []string{"-v", "-test.v=true", "-run", "X"}, time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=1m0s", "-test.run=X"}, time.Minute},
		{"timeout from the arguments", []string{"-timeout", "3s", "-test.run=X"}, time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=3s", "-test.run=X"}, 3 * time.Second},
		{"unknown flags and arguments pass through", []string{"-custom=1", "--", "-run", "arg"}, time.Minute,
			[]string{"-test.v=test2json", "-test.paniconexit0", "-test.timeout=1m0s",
				"-custom=1", "--", "-run", "arg"}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gotT := binaryArgs(tc.in, tc.timeout)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantT, gotT)
		})
	}
}

func TestVersionNumber(t *testing.T) {
	for in, want := range map[string]string{
		"wine-8.0 (Debian 8.0~repack-4)": "8.0",
		"wine-9.0":                       "9.0",
		"wine-10.0-rc1 (Staging)":        "10.0-rc1",
		"wine-7.0/x":                     "7.0_x",
		"":                               "unknown",
		"wine-..":                        "unknown",
	} {
		assert.Equal(t, want, versionNumber(in), "%q", in)
	}
}

func TestDefaultPrefix(t *testing.T) {
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("no user cache directory here (%v), so no default prefix", err)
	}
	p, err := DefaultPrefix("wine-8.0 (Debian 8.0~repack-4)")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(cache, "forkport", "wine-8.0"), p)
}

func TestLinuxPath(t *testing.T) {
	l := &Leg{prefix: "/p/x"}
	assert.Equal(t, "/p/x/dosdevices/c:/users/me/Temp", l.linuxPath(`C:\users\me\Temp`))
	assert.Equal(t, "/p/x/dosdevices/z:/tmp", l.linuxPath(`z:\tmp`))
	for _, bad := range []string{"", `C:`, `/tmp`, `\\server\share`, `1:\x`} {
		assert.Empty(t, l.linuxPath(bad), "%q", bad)
	}
}

func TestShimHashCoversSource(t *testing.T) {
	h := shimHash()
	assert.Len(t, h, 64)
	assert.Contains(t, string(shimC), "ProcessPrng")
	assert.Contains(t, string(shimDef), "ProcessPrng")
	shimFlags = append(shimFlags, "-g")
	defer func() { shimFlags = shimFlags[:len(shimFlags)-1] }()
	assert.NotEqual(t, h, shimHash(), "a change of build flags rebuilds the shim")
}

// recorder records each Write separately.
type recorder struct{ writes []string }

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func TestEventSinkPassesLinesThrough(t *testing.T) {
	stream := `{"Time":"2026-01-01T00:00:00Z","Action":"start","Package":"p"}
{"Time":"2026-01-01T00:00:00Z","Action":"run","Package":"p","Test":"TestA"}
{"Time":"2026-01-01T00:00:00Z","Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Time":"2026-01-01T00:00:00Z","Action":"pass","Package":"p","Test":"TestA","Elapsed":0}
{"Time":"2026-01-01T00:00:00Z","Action":"output","Package":"p","Output":"PASS\n"}
{"Time":"2026-01-01T00:00:01Z","Action":"pass","Package":"p","Elapsed":1}
`
	rec := &recorder{}
	s := &eventSink{w: rec, pkg: "p"}
	// Arbitrary chunks in, whole lines out.
	for i := 0; i < len(stream); i += 7 {
		_, err := s.Write([]byte(stream[i:min(i+7, len(stream))]))
		require.NoError(t, err)
	}
	s.flush()
	want := strings.SplitAfter(stream, "\n")
	assert.Equal(t, want[:len(want)-1], rec.writes)
	assert.Equal(t, "pass", s.final)
	assert.True(t, s.sawTest)
	assert.Equal(t, "PASS\n", s.output.String())
	assert.Empty(t, s.buildFailed)
}

func TestEventSinkBuildFailure(t *testing.T) {
	var out bytes.Buffer
	s := &eventSink{w: &out, pkg: "p"}
	s.Write([]byte(`{"ImportPath":"p [p.test]","Action":"build-output","Output":"# p\n"}` + "\n" +
		`{"ImportPath":"p [p.test]","Action":"build-fail"}`)) // no final newline
	s.flush()
	assert.Equal(t, "p [p.test]", s.buildFailed)
	s.emit(Event{Action: "fail", FailedBuild: s.buildFailed}, 1500*time.Millisecond)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	var e Event
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &e))
	assert.Equal(t, "fail", e.Action)
	assert.Equal(t, "p", e.Package)
	assert.Equal(t, "p [p.test]", e.FailedBuild)
	require.NotNil(t, e.Elapsed)
	assert.InDelta(t, 1.5, *e.Elapsed, 1e-9)
	assert.NotNil(t, e.Time)
	assert.Equal(t, "fail", s.final)
}

func TestWineFailed(t *testing.T) {
	assert.True(t, wineFailed("wine: could not load kernel32.dll, status c0000135\n"))
	assert.True(t, wineFailed("something\nwineserver: mkdir /x: No such file or directory\n"))
	assert.False(t, wineFailed("panic: boom\nexit status 2\n"))
}

func TestReporter(t *testing.T) {
	stream := strings.Join([]string{
		`{"Action":"start","Package":"a"}`,
		`{"Action":"output","Package":"a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"a","Test":"TestOK","Elapsed":0.1}`,
		`{"Action":"output","Package":"a","Test":"TestBad","Output":"=== RUN   TestBad\n"}`,
		`{"Action":"output","Package":"a","Test":"TestBad","Output":"    bad_test.go:9: want 1, got 2\n"}`,
		`{"Action":"fail","Package":"a","Test":"TestBad","Elapsed":0.2}`,
		`{"Action":"output","Package":"a","Test":"TestSkip","Output":"    x_test.go:3: not on Wine\n"}`,
		`{"Action":"skip","Package":"a","Test":"TestSkip","Elapsed":0}`,
		`{"Action":"output","Package":"a","Test":"TestHang","Output":"=== RUN   TestHang\n"}`,
		`{"Action":"output","Package":"a","Test":"TestHang","Output":"panic: test timed out after 1s\n"}`,
		`{"Action":"output","Package":"a","Output":"FAIL\n"}`,
		`{"Action":"fail","Package":"a","Elapsed":1.5}`,
		`{"Action":"start","Package":"b"}`,
		`{"Action":"output","Package":"b","Output":"?   \tb\t[no test files]\n"}`,
		`{"Action":"skip","Package":"b","Elapsed":0}`,
		`{"ImportPath":"c [c.test]","Action":"build-output","Output":"c/x_test.go:1: undefined: y\n"}`,
		`{"ImportPath":"c [c.test]","Action":"build-fail"}`,
		`{"Action":"start","Package":"c"}`,
		`{"Action":"output","Package":"c","Output":"FAIL\tc [build failed]\n"}`,
		`{"Action":"fail","Package":"c","Elapsed":0,"FailedBuild":"c [c.test]"}`,
		`{"Action":"start","Package":"d"}`,
		`not json`,
	}, "\n") + "\n"
	var out bytes.Buffer
	r := NewReporter(&out, true)
	for _, chunk := range strings.SplitAfter(stream, "}") {
		r.Write([]byte(chunk))
	}
	assert.False(t, r.Summary("test"))
	got := out.String()
	for _, want := range []string{
		"    ok   TestOK (0.10s)\n",
		"--- FAIL: a TestBad (0.20s)\n        bad_test.go:9: want 1, got 2\n",
		"    skip TestSkip (0.00s): x_test.go:3: not on Wine\n",
		"--- UNFINISHED: a TestHang\n    panic: test timed out after 1s\n",
		"FAIL a 1.50s (1 passed, 1 failed, 1 skipped)\n",
		"?    b [no test files]\n",
		"    c/x_test.go:1: undefined: y\n",
		"--- FAIL: c (package output)\n    FAIL\tc [build failed]\n",
		"not json\n",
		"FAIL test: 4 packages (3 failed); tests: 1 passed, 1 failed, 1 skipped\n",
		"    failed: a TestBad\n",
		"    failed: c (no test failed: see the package output)\n",
		"    failed: d (did not finish)\n",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "=== RUN")
	res := r.Results()
	require.Len(t, res, 4)
	assert.Equal(t, PackageResult{Package: "a", Action: "fail", Elapsed: 1.5,
		Passed: []string{"TestOK"}, Failed: []string{"TestBad"}, Skipped: []string{"TestSkip"}}, res[0])
	assert.Equal(t, "skip", res[1].Action)
	assert.Equal(t, "", res[3].Action)

	out.Reset()
	quiet := NewReporter(&out, false)
	quiet.Write([]byte(`{"Action":"pass","Package":"a","Test":"TestOK","Elapsed":0.1}` + "\n" +
		`{"Action":"pass","Package":"a","Elapsed":0.1}` + "\n"))
	assert.True(t, quiet.Summary("quiet"))
	assert.NotContains(t, out.String(), "TestOK")
	assert.Contains(t, out.String(), "ok   a 0.10s (1 passed)\n")
}

// goCommand skips the test when there is no go command (as under Wine).
func goCommand(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH (%v): package discovery and builds need it", err)
	}
	return p
}

// writeModule writes a module of files (path: content) in a new directory.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := testutil.TempDir(t)
	files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func TestPackages(t *testing.T) {
	goCmd := goCommand(t)
	t.Setenv("GOWORK", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	dir := writeModule(t, map[string]string{
		"a/a_test.go":         "package a\n",
		"b/b.go":              "package b\n",
		"c/c.go":              "package c\n",
		"c/c_windows_test.go": "package c_test\n",
		"d/d.go":              "package d\n",
		"d/d_linux_test.go":   "package d\n",
	})
	ctx := context.Background()
	pkgs, err := Packages(ctx, goCmd, dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"example.com/m/a", "example.com/m/c"}, pkgs,
		"packages with tests for windows/amd64: not b (no tests), not d (Linux-only tests)")

	pkgs, err = Packages(ctx, goCmd, dir, "./c", "./d")
	require.NoError(t, err)
	assert.Equal(t, []string{"example.com/m/c"}, pkgs)

	_, err = Packages(ctx, goCmd, dir, "./nonexistent")
	assert.Error(t, err)
	_, err = Packages(ctx, goCmd, dir, "-exec=x")
	assert.ErrorContains(t, err, "not a package pattern")
}

// TestProbeNative runs the embedded probe program natively: what it checks
// (argument quoting through a child process) must hold on any OS.
func TestProbeNative(t *testing.T) {
	goCmd := goCommand(t)
	if testing.Short() {
		t.Skip("builds a program (-short)")
	}
	dir := writeModule(t, map[string]string{"main.go": string(probeMain)})
	exe := filepath.Join(dir, "probe.exe")
	build := exec.Command(goCmd, "build", "-o", exe, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(exe).Output()
	require.NoError(t, err)
	var r probeReport
	require.NoError(t, json.Unmarshal(out, &r))
	assert.Equal(t, os.TempDir(), r.TempDir)
	assert.NotEmpty(t, r.GOOS)
}

// Without Wine on PATH and without Install, the error tells a command-line
// user what to run: the packages, or the leg with -install (no Go API).
func TestMissingToolsMessage(t *testing.T) {
	t.Setenv("PATH", testutil.TempDir(t))
	err := ensureTools(context.Background(), &Config{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not found on PATH: install ")
	assert.True(t, strings.HasSuffix(err.Error(), "or run the leg with -install to install them"), err.Error())
	assert.NotContains(t, err.Error(), "Config.")
}
