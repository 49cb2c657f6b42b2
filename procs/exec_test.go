package procs_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/wine"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// execEntry calls the exec variant named in the copied state. Exec never
// returns on success; if it does return, the child says so and exits 99.
func execEntry() {
	c := forkCase
	var err error
	switch c.Variant {
	case "execv":
		err = procs.Execv(c.Name, c.Argv)
	case "execl":
		err = procs.Execl(c.Name, c.Argv...)
	case "execvp":
		err = procs.Execvp(c.Name, c.Argv)
	case "execlp":
		err = procs.Execlp(c.Name, c.Argv...)
	case "execve":
		err = procs.Execve(c.Name, c.Argv, c.Env)
	case "execle":
		err = procs.Execle(c.Name, c.Env, c.Argv...)
	case "execvpe":
		err = procs.Execvpe(c.Name, c.Argv, c.Env)
	case "execlpe":
		err = procs.Execlpe(c.Name, c.Env, c.Argv...)
	case "spawn-overlay":
		_, err = procs.Spawnv(procs.POverlay, c.Name, c.Argv)
	default:
		err = fmt.Errorf("unknown variant %q", c.Variant)
	}
	_ = os.WriteFile(c.Out+".returned", []byte(describeErr(err)), 0o644)
	procs.Exit(99)
}

// describeErr spells out which standard sentinels err wraps, so the parent
// can check them.
func describeErr(err error) string {
	return fmt.Sprintf("%v\nnotexist=%t notfound=%t dot=%t permission=%t invalid=%t", err,
		errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound), errors.Is(err, exec.ErrDot),
		errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrInvalid))
}

// returned reads what a failed exec reported, or fails the test.
func returned(t *testing.T, out string) string {
	t.Helper()
	b, err := os.ReadFile(out + ".returned")
	require.NoError(t, err, "the exec was expected to fail and return")
	return string(b)
}

// forkExec forks a child that calls variant and returns the fork's PID and
// exit code.
func forkExec(t *testing.T, variant, name string, argv, env []string, out string) (int, int) {
	t.Helper()
	p := forkWith(t, "exec", nil, func() {
		forkCase.Out, forkCase.Variant, forkCase.Name, forkCase.Argv, forkCase.Env = out, variant, name, argv, env
	})
	return p.Pid, waitCode(t, p)
}

func TestExecVariants(t *testing.T) {
	t.Parallel()
	exePath := exe(t)
	// The test binary's directory holds no "child"; binDir (in PATH) does.
	searchEnv := []string{"PATH=" + binDir, "ONLY=this"}
	for _, tc := range []struct {
		variant string
		search  bool // p: the name is looked up in PATH
		envGiv  bool // e: the environment is exactly the one given
	}{
		{"execv", false, false}, {"execl", false, false},
		{"execvp", true, false}, {"execlp", true, false},
		{"execve", false, true}, {"execle", false, true},
		{"execvpe", true, true}, {"execlpe", true, true},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			out := newReport(t)
			name := exePath
			if tc.search {
				name = "child" // found in binDir through PATH; dispatched by argv[0] below
			}
			argv := []string{helperArgv0("echo", out), "one arg", "", `quote"d`, `back\slash\`}
			var env []string
			if tc.envGiv {
				env = searchEnv
			}
			pid, code := forkExec(t, tc.variant, name, argv, env, out)
			require.NoFileExists(t, out+".returned", "a successful exec never returns")
			require.Equal(t, 0, code, "the exec'd program's exit code is the child's")
			r := readReport(t, out)
			assert.Equal(t, argv, r.Args, "argv arrives exactly as given, argv[0] included")
			if tc.envGiv {
				assert.ElementsMatch(t, env, wine.StripInjectedEnv(r.Env), "e variants pass exactly the given environment")
			} else {
				assertEnvHas(t, r.Env, "PATH", os.Getenv("PATH"), "other variants inherit the environment")
			}
			assertExecPID(t, pid, r)
		})
	}
}

func TestExecWithoutPDoesNotSearchPath(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	_, code := forkExec(t, "execv", "child", []string{"child"}, nil, out)
	assert.Equal(t, 99, code, "execv of a bare name looks in the working directory only, so it fails and returns")
	assert.Contains(t, returned(t, out), "notexist=true notfound=false")
}

func TestExecFailureReturns(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	_, code := forkExec(t, "execlp", "no-such-program-forkport", []string{"x"}, nil, out)
	assert.Equal(t, 99, code, "a failing exec returns and the code after it runs")
	assert.Contains(t, returned(t, out), "notexist=true notfound=true")
}

func TestExecvpeSearchesTheGivenPATH(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	// The caller's PATH finds "child"; the given environment's PATH does not.
	_, code := forkExec(t, "execvpe", "child", []string{"child"}, []string{"PATH=" + testutil.TempDir(t)}, out)
	assert.Equal(t, 99, code, "execvpe must search the PATH of the environment it is given")
	assert.Contains(t, returned(t, out), "notfound=true")
	out2 := newReport(t)
	_, code = forkExec(t, "execvpe", "child", []string{"child"}, []string{"NOPATH=1"}, out2)
	assert.Equal(t, 99, code, "an environment without PATH searches nothing")
	assert.Contains(t, returned(t, out2), "notfound=true")
}

func TestSpawnOverlayIsExec(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	argv := []string{helperArgv0("echo", out), "overlaid"}
	pid, code := forkExec(t, "spawn-overlay", exe(t), argv, nil, out)
	require.NoFileExists(t, out+".returned")
	require.Zero(t, code)
	r := readReport(t, out)
	assert.Equal(t, argv, r.Args)
	assertExecPID(t, pid, r)
}

func TestExecExitCodeReachesParent(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	_, code := forkExec(t, "execv", exe(t), []string{helperArgv0("exit", out), "42"}, nil, out)
	assert.Equal(t, 42, code, "whoever waits for the caller of exec sees the program's exit code")
}
