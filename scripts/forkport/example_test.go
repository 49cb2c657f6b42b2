package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// exampleDir is the example module: a program with claims of its own.
var exampleDir = filepath.Join("..", "..", "testdata", "example")

// goRun runs the go command with args in dir and returns its standard
// output, standard error and exit status.
func goRun(t *testing.T, goCmd, dir string, args ...string) (string, string, int) {
	t.Helper()
	return run(t, dir, goCmd, args...)
}

// run runs the program name with args in dir and returns its standard
// output, standard error and exit status.
func run(t *testing.T, dir, name string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, dir, nil, name, args...)
}

// runEnv is run with env added to the environment.
func runEnv(t *testing.T, dir string, env []string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		require.NoError(t, err, "%s %s", name, strings.Join(args, " "))
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// cli is this command's import path, as another module runs it.
const cli = "github.com/forkport/forkport/scripts/forkport"

// secondModuleGo returns the go command for a test that builds and runs a
// module of its own, or skips the test: without a go command (under Wine)
// or with -short.
func secondModuleGo(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go command (none on PATH: under Wine, or no toolchain)")
	}
	if testing.Short() {
		t.Skip("builds and runs a second module: not with -short")
	}
	return goCmd
}

// buildCLI builds this command in the module at dir, as that module
// requires it, into the directory out, and returns the binary. go run
// reports any failure as status 1: a built command tells 1 from 2.
func buildCLI(t *testing.T, goCmd, dir, out string) string {
	t.Helper()
	bin := filepath.Join(out, "forkport")
	_, errOut, code := goRun(t, goCmd, dir, "build", "-o", bin, cli)
	require.Equal(t, 0, code, "go build %s in %s:\n%s", cli, dir, errOut)
	return bin
}

// copyExample copies the example module to a temporary directory, with its
// replace directive pointing at this checkout, and returns the copy's root.
func copyExample(t *testing.T) string {
	t.Helper()
	checkout, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	dst := testutil.TempDir(t)
	err = filepath.WalkDir(exampleDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(exampleDir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o777)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "go.mod" {
			data = bytes.Replace(data, []byte("=> ../.."), []byte("=> "+filepath.ToSlash(checkout)), 1)
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o666)
	})
	require.NoError(t, err)
	return dst
}

// editClaim replaces old with new in the copy's claim file id.
func editClaim(t *testing.T, root, id, old, new string) {
	t.Helper()
	p := filepath.Join(root, "testdata", "script", id+".txtar")
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(data), old)
	require.NoError(t, os.WriteFile(p, bytes.Replace(data, []byte(old), []byte(new), 1), 0o666))
}

// TestExampleModule drives the example module end to end, as a module
// outside forkport uses it: go test, then this command through
// "go run github.com/forkport/forkport/scripts/forkport" in its root, on
// the module as it is and on copies with a broken claim and a broken
// header.
func TestExampleModule(t *testing.T) {
	goCmd := secondModuleGo(t)
	cs, err := claims.Load(filepath.Join(exampleDir, "testdata", "script"))
	require.NoError(t, err)
	require.Len(t, cs, 5)

	t.Run("go test", func(t *testing.T) {
		out, errOut, code := goRun(t, goCmd, exampleDir, "test", "-count=1", "./...")
		assert.Equal(t, 0, code, "go test in the example:\n%s%s", out, errOut)
	})

	t.Run("every claim judged against its expectation", func(t *testing.T) {
		out, errOut, code := goRun(t, goCmd, exampleDir, "run", cli, "-format", "json")
		require.Equal(t, exitOK, code, "stderr:\n%s", errOut)
		var leg verdict.Leg
		require.NoError(t, json.Unmarshal([]byte(out), &leg))
		assert.Equal(t, "example.com/runall", leg.Package)
		require.Len(t, leg.Claims, len(cs))
		for i, c := range cs {
			want := verdict.Holds
			if c.Expect[runtime.GOOS].Outcome == claims.Differs {
				want = verdict.DiffersAsExpected
			}
			assert.Equal(t, c.ID, leg.Claims[i].ID)
			assert.Equal(t, want, leg.Claims[i].Verdict, "%s: %s", c.ID, leg.Claims[i].Detail)
		}
	})

	t.Run("text: one row per claim, id first, verdict last", func(t *testing.T) {
		out, errOut, code := goRun(t, goCmd, exampleDir, "run", cli)
		require.Equal(t, exitOK, code, "stderr:\n%s", errOut)
		for _, c := range cs {
			assert.Regexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(c.ID)+` .*  (holds|differs as expected)$`), out)
		}
		assert.Contains(t, out, "5 claims: ")
	})

	// go run reports any failure as status 1: the statuses are checked on
	// the command built in the example module.
	bin := buildCLI(t, goCmd, exampleDir, testutil.TempDir(t))

	t.Run("a broken claim turns it red", func(t *testing.T) {
		root := copyExample(t)
		editClaim(t, root, "exit-status-is-highest", "stdout '^status=3$'", "stdout '^status=4$'")
		out, _, code := run(t, root, bin)
		assert.Equal(t, exitFailed, code)
		assert.Regexp(t, regexp.MustCompile(`(?m)^exit-status-is-highest .*  broken\n.*  — testdata/script/exit-status-is-highest.txtar:12:`), out)
		assert.Contains(t, out, "exit-status-is-highest: broken — testdata/script/exit-status-is-highest.txtar:12: no match for `^status=4$` found in stdout")
		assert.Regexp(t, regexp.MustCompile(`(?m)^runs-in-order .*  holds$`), out)
	})

	t.Run("a broken header is one line and status 2", func(t *testing.T) {
		root := copyExample(t)
		editClaim(t, root, "runs-in-order", "#   windows: holds\n", "")
		out, errOut, code := run(t, root, bin)
		assert.Equal(t, exitError, code)
		assert.Empty(t, out)
		assert.Equal(t, "forkport: malformed claim header: "+filepath.Join("testdata", "script", "runs-in-order.txtar")+
			":3: expect: missing windows (every claim states linux, darwin and windows)\n", errOut)
	})
}
