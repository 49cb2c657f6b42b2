package cpython

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// candidates are the interpreters Find tries, in order, when
// $FORKPORT_PYTHON is unset: the py launcher, as python.org installs it,
// then python (actions/setup-python, the Microsoft Store).
var candidates = [][]string{{"py", "-3"}, {"python"}}

// checkInterpreterPath accepts any path: the launcher reads the whole
// "#!" line.
func checkInterpreterPath(string) error { return nil }

// scriptSuffix is what a launcher's name takes for its script's:
// fork1.exe runs fork1-script.py.
const scriptSuffix = "-script.py"

// install writes the twin as dir/name-script.py and, next to it, the
// launcher dir/name.exe: a copy of this executable, which runs the script
// when started under that name (Launch).
func install(dir, name string, script []byte) error {
	if err := os.WriteFile(filepath.Join(dir, name+scriptSuffix), script, 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return copyFile(filepath.Join(dir, name+".exe"), self)
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Launch runs the twin this executable launches, when it is a launcher
// Install made (a <name>-script.py lies next to it): it starts the
// interpreter the script's "#!" line names on the script and args, as its
// child with the same standard handles and environment, waits for it, and
// returns its exit status with ok true. So a twin started by name on
// Windows runs in a process of its own, a child of the launcher, as pip's
// console scripts do: its PID is not the one its starter sees. It returns
// ok false in any other executable.
func Launch(args []string) (code int, ok bool) {
	self, err := os.Executable()
	if err != nil {
		return 0, false
	}
	script := strings.TrimSuffix(self, filepath.Ext(self)) + scriptSuffix
	body, err := readTwin(script)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "forkport launcher:", err)
		return 127, true
	}
	interp, found := interpreterOf(body)
	if !found {
		fmt.Fprintf(os.Stderr, "forkport launcher: %s has no \"#!\" line naming its interpreter\n", script)
		return 127, true
	}
	cmd := exec.Command(interp, append([]string{script}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, true
	case errors.As(err, &ee):
		return ee.ExitCode(), true
	default:
		fmt.Fprintln(os.Stderr, "forkport launcher:", err)
		return 127, true
	}
}
