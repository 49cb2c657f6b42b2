package procs_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/wine"
	"github.com/forkport/forkport/procs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpawnWaitReturnsExitCode(t *testing.T) {
	t.Parallel()
	for _, code := range []int{0, 1, 42, 255} {
		got, err := procs.Spawnv(procs.PWait, exe(t), []string{helperArgv0("exit", ""), fmt.Sprint(code)})
		require.NoError(t, err)
		assert.Equal(t, code, got)
	}
}

func TestSpawnExitCodeTruncation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ code, want int }{{256, truncated256}, {-1, truncatedMinus1}} {
		got, err := procs.Spawnv(procs.PWait, exe(t), []string{helperArgv0("exit", ""), fmt.Sprint(tc.code)})
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "exit(%d)", tc.code)
	}
}

func TestSpawnNoWaitThenWaitpid(t *testing.T) {
	t.Parallel()
	pid, err := procs.Spawnv(procs.PNoWait, exe(t), []string{helperArgv0("exit", ""), "5"})
	require.NoError(t, err)
	require.NotEqual(t, os.Getpid(), pid)
	// The child has exited before Waitpid: a PNoWait that reaped it
	// itself, losing the status, fails here at once instead of racing.
	waitExited(t, pid)
	st, err := procs.Waitpid(pid)
	require.NoError(t, err)
	assert.Equal(t, pid, st.Pid())
	assert.Equal(t, 5, st.ExitCode())
	assert.False(t, st.Success())
	_, err = procs.Waitpid(pid)
	assert.True(t, errors.Is(err, syscall.ECHILD), "a second waitpid: %v", err)
}

func TestWaitpidUnknownPid(t *testing.T) {
	t.Parallel()
	_, err := procs.Waitpid(os.Getpid())
	assert.True(t, errors.Is(err, syscall.ECHILD), "%v", err)
}

func TestSpawnVariantsAgree(t *testing.T) {
	t.Parallel()
	argvFor := func(out string) []string {
		return []string{helperArgv0("echo", out), "a b", "", `c"d`, `e\`}
	}
	env := []string{"PATH=" + binDir, "ONLY=this"}
	for _, tc := range []struct {
		name  string
		spawn func(argv []string) (int, error)
		inh   bool
	}{
		{"spawnv", func(a []string) (int, error) { return procs.Spawnv(procs.PWait, exe(t), a) }, true},
		{"spawnl", func(a []string) (int, error) { return procs.Spawnl(procs.PWait, exe(t), a...) }, true},
		{"spawnvp", func(a []string) (int, error) { return procs.Spawnvp(procs.PWait, "child", a) }, true},
		{"spawnlp", func(a []string) (int, error) { return procs.Spawnlp(procs.PWait, "child", a...) }, true},
		{"spawnve", func(a []string) (int, error) { return procs.Spawnve(procs.PWait, exe(t), a, env) }, false},
		{"spawnle", func(a []string) (int, error) { return procs.Spawnle(procs.PWait, exe(t), env, a...) }, false},
		{"spawnvpe", func(a []string) (int, error) { return procs.Spawnvpe(procs.PWait, "child", a, env) }, false},
		{"spawnlpe", func(a []string) (int, error) { return procs.Spawnlpe(procs.PWait, "child", env, a...) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := newReport(t)
			argv := argvFor(out)
			code, err := tc.spawn(argv)
			require.NoError(t, err)
			require.Zero(t, code)
			r := readReport(t, out)
			assert.Equal(t, argv, r.Args)
			assert.Equal(t, os.Getpid(), r.Ppid)
			if tc.inh {
				assertEnvHas(t, r.Env, "PATH", os.Getenv("PATH"), "the variants without e inherit the environment")
			} else {
				assert.ElementsMatch(t, env, wine.StripInjectedEnv(r.Env))
			}
		})
	}
}

func TestSpawnDetachNewSession(t *testing.T) {
	t.Parallel()
	out := newReport(t)
	pid, err := procs.Spawnv(procs.PDetach, exe(t), []string{helperArgv0("echo", out)})
	require.NoError(t, err)
	st, err := procs.Waitpid(pid)
	require.NoError(t, err, "a detached child is still reaped with Waitpid")
	require.Zero(t, st.ExitCode())
	assertDetached(t, pid, readReport(t, out))
}

func TestReapOnlyReapsOwnChildren(t *testing.T) {
	// Not parallel: Reap reaps every exited procs child, so another test's
	// child could be reaped under it.
	cmd := exec.Command(exe(t), "-test.run=^$")
	cmd.Args[0] = helperArgv0("exit", "")
	cmd.Args = append(cmd.Args[:1], "3")
	require.NoError(t, cmd.Start())
	pid, err := procs.Spawnv(procs.PNoWait, exe(t), []string{helperArgv0("exit", ""), "4"})
	require.NoError(t, err)
	waitExited(t, cmd.Process.Pid)
	waitExited(t, pid)
	var reaped []*procs.Status
	for len(reaped) == 0 {
		reaped = procs.Reap()
	}
	require.Len(t, reaped, 1)
	assert.Equal(t, pid, reaped[0].Pid())
	assert.Equal(t, 4, reaped[0].ExitCode())
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "os/exec must still get its child's status")
	assert.Equal(t, 3, ee.ExitCode())
	assert.Empty(t, procs.Reap(), "nothing left to reap")
}

func TestSpawnBadInput(t *testing.T) {
	t.Parallel()
	dir := testutil.TempDir(t)
	for _, tc := range []struct {
		name string
		call func(t *testing.T) error
		want []error
		msg  string
	}{
		{"missing program", func(t *testing.T) error {
			_, err := procs.Spawnv(procs.PWait, dir+string(os.PathSeparator)+"missing", []string{"x"})
			return err
		}, []error{os.ErrNotExist}, "missing"},
		{"missing on PATH", func(t *testing.T) error {
			_, err := procs.Spawnvp(procs.PWait, "no-such-program-forkport", []string{"x"})
			return err
		}, []error{exec.ErrNotFound, os.ErrNotExist}, "not found"},
		{"directory", func(t *testing.T) error { _, err := procs.Spawnv(procs.PWait, dir, []string{"x"}); return err },
			[]error{os.ErrPermission}, "directory"},
		{"no execute permission", func(t *testing.T) error {
			_, err := procs.Spawnv(procs.PWait, noExecPermission(t, dir), []string{"x"})
			return err
		}, []error{os.ErrPermission}, ""},
		{"not a program", func(t *testing.T) error {
			_, err := procs.Spawnv(procs.PWait, notProgram(t, dir), []string{"x"})
			return err
		}, []error{syscall.ENOEXEC}, "format"},
		{"not a program, through PATH", func(t *testing.T) error {
			notProgram(t, dir)
			_, err := procs.Spawnvpe(procs.PWait, "notprogram", []string{"x"}, []string{"PATH=" + dir})
			return err
		}, []error{syscall.ENOEXEC}, "format"},
		{"empty argv", func(t *testing.T) error { _, err := procs.Spawnv(procs.PWait, exe(t), nil); return err },
			[]error{os.ErrInvalid}, "argv is empty"},
		{"empty argv[0]", func(t *testing.T) error { _, err := procs.Spawnv(procs.PWait, exe(t), []string{""}); return err },
			[]error{os.ErrInvalid}, "argv[0] is empty"},
		{"NUL in argument", func(t *testing.T) error {
			_, err := procs.Spawnv(procs.PWait, exe(t), []string{"x", "a\x00b"})
			return err
		},
			[]error{os.ErrInvalid}, "NUL"},
		{"NUL in program", func(t *testing.T) error { _, err := procs.Spawnv(procs.PWait, "a\x00b", []string{"x"}); return err },
			[]error{os.ErrInvalid}, "NUL"},
		{"NUL in environment", func(t *testing.T) error {
			_, err := procs.Spawnve(procs.PWait, exe(t), []string{"x"}, []string{"A=b\x00c"})
			return err
		}, []error{os.ErrInvalid}, "NUL"},
		{"env entry without =", func(t *testing.T) error {
			_, err := procs.Spawnve(procs.PWait, exe(t), []string{"x"}, []string{"NOEQUALS"})
			return err
		}, []error{os.ErrInvalid}, "NAME=value"},
		{"unknown mode", func(t *testing.T) error { _, err := procs.Spawnv(procs.Mode(9), exe(t), []string{"x"}); return err },
			[]error{os.ErrInvalid}, "unknown mode"},
		{"exec: empty argv", func(t *testing.T) error { return procs.Execv(exe(t), nil) }, []error{os.ErrInvalid}, "argv is empty"},
		{"exec: missing", func(t *testing.T) error { return procs.Execl(dir+string(os.PathSeparator)+"missing", "x") },
			[]error{os.ErrNotExist}, ""},
		{"start: NUL in dir-less argv", func(t *testing.T) error { _, err := procs.Start(exe(t), []string{"a\x00"}, nil); return err },
			[]error{os.ErrInvalid}, "NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(t)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.ErrorIs(t, err, want)
			}
			var pe *procs.Error
			assert.ErrorAs(t, err, &pe, "errors are *procs.Error")
			if tc.msg != "" {
				assert.Contains(t, err.Error(), tc.msg)
			}
			assert.False(t, strings.Contains(err.Error(), "exec: \""), "no doubled prefix: %v", err)
		})
	}
}
