// The Wine leg runs Windows binaries from a Unix host: these tests have
// nothing to run on Windows itself.

//go:build !windows

package winleg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needWine skips the test unless this Linux (or other Unix) machine has Wine
// and the go command.
func needWine(t *testing.T) {
	t.Helper()
	if os.Getenv("FORKPORT_WINE_TESTS") == "" {
		t.Skip("end-to-end Wine leg test (~30 s, needs Wine and MinGW-w64): set FORKPORT_WINE_TESTS=1 to run it (.ci/run does)")
	}
	for _, tool := range []string{"wine", "wineserver", "wineboot", mingwGCC} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("Wine or MinGW-w64 is not installed (%s: %v): apt-get install -y %s, or go run ./scripts/wineleg -install",
				tool, err, strings.Join(AptPackages, " "))
		}
	}
	goCommand(t)
	if testing.Short() {
		t.Skip("runs Windows test binaries under Wine, ~30 s (-short)")
	}
}

// events parses a go test -json stream.
func events(t *testing.T, b []byte) []Event {
	t.Helper()
	var out []Event
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var e Event
		require.NoError(t, json.Unmarshal([]byte(line), &e), "line %q", line)
		out = append(out, e)
	}
	return out
}

// final returns the package-level pass/fail/skip event.
func final(t *testing.T, evs []Event) Event {
	t.Helper()
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Test == "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
			return e
		}
	}
	t.Fatalf("no final event in %+v", evs)
	return Event{}
}

func testAction(evs []Event, test string) string {
	for _, e := range evs {
		if e.Test == test && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
			return e.Action
		}
	}
	return ""
}

// TestLeg prepares the leg (in the default prefix, reused by scripts/wineleg)
// and runs a fixture module's packages under Wine: passing, failing,
// crashing, timing out, not building, without tests; and checks the events,
// the errors, the clean-up of the Windows temporary directory and
// cancellation.
func TestLeg(t *testing.T) {
	needWine(t)
	t.Setenv("GOWORK", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	dir := writeModule(t, map[string]string{
		"pass/pass_test.go": `package pass

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestOK(t *testing.T) {
	if runtime.GOOS != "windows" {
		t.Fatal("GOOS", runtime.GOOS)
	}
	if _, err := os.Stat("pass_test.go"); err != nil {
		t.Fatal("not run in the package directory:", err)
	}
	// Left behind on purpose: the leg removes it.
	if err := os.WriteFile(filepath.Join(os.TempDir(), "winleg-left-behind"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSkipped(t *testing.T) { t.Skip("skipped on purpose") }

func TestSelected(t *testing.T) {}
`,
		"fail/fail_test.go": `package fail

import "testing"

func TestBad(t *testing.T) { t.Error("failed on purpose") }

func TestGood(t *testing.T) {}
`,
		"crash/crash_test.go": `package crash

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(3) }

func TestNever(t *testing.T) {}
`,
		"slow/slow_test.go": `package slow

import (
	"testing"
	"time"
)

func TestSlow(t *testing.T) { time.Sleep(5 * time.Minute) }
`,
		// Fails as a test does when Wine's loader fails a CreateProcess,
		// the first time it runs only (loader) or every time (loaderalways);
		// each run adds a line to runs.txt in the package's directory.
		"loader/loader_test.go":             loaderFixture("loader", false),
		"loaderalways/loaderalways_test.go": loaderFixture("loaderalways", true),
		"nobuild/nobuild_test.go":           "package nobuild\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { undefined() }\n",
		"notests/notests.go":                "package notests\n",
	})

	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	leg, err := Prepare(ctx, Config{Dir: dir, Log: &log})
	require.NoError(t, err, "log:\n%s", log.String())
	defer leg.Close()
	t.Logf("%s, prefix %s, ProcessPrng from %s", leg.WineVersion(), leg.Prefix(), leg.Shim())
	tmp := leg.tmp

	run := func(t *testing.T, ctx context.Context, pkg string, args ...string) ([]Event, error) {
		t.Helper()
		var out bytes.Buffer
		err := leg.Test(ctx, pkg, args, &out)
		t.Logf("error: %v\nevents:\n%s", err, out.String())
		return events(t, out.Bytes()), err
	}

	t.Run("pass", func(t *testing.T) {
		evs, err := run(t, ctx, "./pass", "-skip", "TestSelected")
		require.NoError(t, err)
		assert.Equal(t, "start", evs[0].Action)
		assert.Equal(t, "pass", testAction(evs, "TestOK"))
		assert.Equal(t, "skip", testAction(evs, "TestSkipped"))
		assert.Equal(t, "", testAction(evs, "TestSelected"), "-skip reaches the test binary")
		f := final(t, evs)
		assert.Equal(t, "pass", f.Action)
		assert.Equal(t, "example.com/m/pass", f.Package)
		assert.NotNil(t, f.Time, "timestamps (test2json -t)")
		assert.NoFileExists(t, filepath.Join(leg.winTemp, "winleg-left-behind"))
	})
	t.Run("fail", func(t *testing.T) {
		evs, err := run(t, ctx, "example.com/m/fail")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.Empty(t, final(t, evs).FailedBuild)
		assert.Equal(t, "fail", testAction(evs, "TestBad"))
		assert.Equal(t, "pass", testAction(evs, "TestGood"))
		assert.Equal(t, "fail", final(t, evs).Action)
	})
	t.Run("crash", func(t *testing.T) {
		evs, err := run(t, ctx, "./crash")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.Equal(t, "fail", final(t, evs).Action)
		assert.Empty(t, final(t, evs).FailedBuild)
		var out strings.Builder
		for _, e := range evs {
			out.WriteString(e.Output)
		}
		assert.Contains(t, out.String(), "exit status 3")
	})
	t.Run("timeout", func(t *testing.T) {
		evs, err := run(t, ctx, "./slow", "-timeout", "2s")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.Equal(t, "fail", final(t, evs).Action)
		var out strings.Builder
		for _, e := range evs {
			out.WriteString(e.Output)
		}
		assert.Contains(t, out.String(), "test timed out after 2s")
	})
	t.Run("fail is not run again", func(t *testing.T) {
		evs, err := run(t, ctx, "./fail")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.NotContains(t, outputOf(evs), "second run")
	})
	t.Run("loader failure runs again", func(t *testing.T) {
		evs, err := run(t, ctx, "./loader")
		require.NoError(t, err, "the second run passes")
		assert.Equal(t, "pass", final(t, evs).Action)
		assert.Contains(t, outputOf(evs), "winleg: a first run failed where Wine could not start a process (CreateProcess: Internal error.): TestStartsAProcess; these are the events of a second run")
		assert.NotContains(t, outputOf(evs), "fork/exec", "the first run's events are not passed on")
		assert.Equal(t, "run\nrun\n", readFile(t, filepath.Join(dir, "loader", "runs.txt")))
	})
	t.Run("loader failure runs again once", func(t *testing.T) {
		evs, err := run(t, ctx, "./loaderalways")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.Equal(t, "fail", testAction(evs, "TestStartsAProcess"))
		assert.Equal(t, "run\nrun\n", readFile(t, filepath.Join(dir, "loaderalways", "runs.txt")))
	})
	t.Run("nobuild", func(t *testing.T) {
		evs, err := run(t, ctx, "./nobuild")
		assert.ErrorIs(t, err, ErrTestsFailed)
		assert.Equal(t, "build-fail", evs[len(evs)-4].Action)
		f := final(t, evs)
		assert.Equal(t, "fail", f.Action)
		assert.Equal(t, "example.com/m/nobuild [example.com/m/nobuild.test]", f.FailedBuild)
	})
	t.Run("notests", func(t *testing.T) {
		evs, err := run(t, ctx, "./notests")
		require.NoError(t, err)
		assert.Equal(t, "skip", final(t, evs).Action)
	})
	t.Run("not one package", func(t *testing.T) {
		err := leg.Test(ctx, "./...", nil, &bytes.Buffer{})
		assert.ErrorContains(t, err, "one package")
		assert.False(t, errors.Is(err, ErrTestsFailed))
	})
	t.Run("cancel", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		time.AfterFunc(8*time.Second, ccancel)
		start := time.Now()
		_, err := run(t, cctx, "./slow")
		assert.ErrorIs(t, err, context.Canceled)
		assert.False(t, errors.Is(err, ErrTestsFailed), "a cancelled run is not a test failure")
		assert.Less(t, time.Since(start), time.Minute, "Wine was killed")
	})

	require.NoError(t, leg.Close(), "log:\n%s", log.String())
	assert.NoDirExists(t, tmp, "the leg's temporary files are removed")
	assert.ErrorContains(t, leg.Test(ctx, "./pass", nil, &bytes.Buffer{}), "closed")
	t.Logf("log:\n%s", log.String())
}

// loaderFixture is a test file of package name whose test fails as one does
// when Wine could not start a process, on its first run or (always) on
// every run.
func loaderFixture(name string, always bool) string {
	return fmt.Sprintf(`package %s

import (
	"os"
	"strings"
	"testing"
)

func TestStartsAProcess(t *testing.T) {
	runs, _ := os.ReadFile("runs.txt")
	if err := os.WriteFile("runs.txt", append(runs, "run\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if %t || !strings.Contains(string(runs), "run") {
		t.Fatal("fork/exec C:\\x\\child.exe: Internal error.")
	}
}
`, name, always)
}

// outputOf is the output of events, joined.
func outputOf(evs []Event) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Output)
	}
	return b.String()
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}
