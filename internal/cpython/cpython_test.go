package cpython_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/cpython"
	"github.com/forkport/forkport/internal/testutil"
)

func TestFindRefusesWhatIsNotCPython3(t *testing.T) {
	dir := testutil.TempDir(t)
	t.Setenv(cpython.PythonEnv, filepath.Join(dir, "no-such-python"))
	_, err := cpython.Find()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "$FORKPORT_PYTHON")

	t.Setenv(cpython.PythonEnv, "")
	_, err = cpython.Find()
	assert.ErrorIs(t, err, fs.ErrInvalid)

	t.Setenv(cpython.PythonEnv, "")
	os.Unsetenv(cpython.PythonEnv)
	t.Setenv("PATH", dir)
	_, err = cpython.Find()
	assert.ErrorIs(t, err, exec.ErrNotFound)

	if runtime.GOOS == "windows" {
		return
	}
	// A program that answers, but not as CPython 3 would.
	for name, answer := range map[string]string{
		"pypy":    "pypy\n3.10.14\n/usr/bin/pypy3\n",
		"python2": "cpython\n2.7.18\n/usr/bin/python2\n",
		"noexe":   "cpython\n3.12.1\n\n",
		"chatty":  "hello\n",
	} {
		fake := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\nprintf '"+answer+"'\n"), 0o755))
		t.Setenv(cpython.PythonEnv, fake)
		_, err := cpython.Find()
		assert.ErrorIs(t, err, fs.ErrInvalid, name)
	}
}

func TestFindAndInstall(t *testing.T) {
	py, err := cpython.Find()
	if err != nil {
		if cpython.Required() {
			t.Fatalf("CI must have a Python 3 interpreter: %v", err)
		}
		t.Skipf("no interpreter here: %v", err)
	}
	assert.True(t, filepath.IsAbs(py.Path), py.Path)
	assert.Regexp(t, `^3\.\d+$`, py.Short())
	assert.Equal(t, "cpython"+py.Short(), py.Subject())

	src, bin := testutil.TempDir(t), testutil.TempDir(t)
	_, err = cpython.Install(bin, src, py)
	assert.ErrorIs(t, err, fs.ErrNotExist, "no twins")

	require.NoError(t, os.WriteFile(filepath.Join(src, "hello.py"), []byte("#!/usr/bin/env python3\nimport os, sys\nprint('hello', sys.argv[1:])\nos._exit(7)\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "notes.txt"), []byte("not a twin"), 0o644))
	names, err := cpython.Install(bin, src, py)
	require.NoError(t, err)
	assert.Equal(t, []string{"hello"}, names)
	if runtime.GOOS == "windows" {
		return // the launcher is this test binary, which is not one
	}
	out, err := exec.Command(filepath.Join(bin, "hello"), "a b").Output()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "exit status 7: %v", err)
	assert.Equal(t, 7, ee.ExitCode())
	assert.Equal(t, "hello ['a b']\n", string(out))
}

func TestInstallRefusesAnUnusableInterpreterPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows launchers read the whole line: any path works there")
	}
	src := testutil.TempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(src, "x.py"), []byte("print(1)\n"), 0o644))
	for _, path := range []string{"/opt/my python/bin/python3", "/" + strings.Repeat("d", 130) + "/python3"} {
		_, err := cpython.Install(testutil.TempDir(t), src, cpython.Interpreter{Path: path, Version: "3.12.0"})
		assert.ErrorIs(t, err, fs.ErrInvalid, path)
	}
}
