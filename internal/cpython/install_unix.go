//go:build !windows

package cpython

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// candidates are the interpreters Find tries, in order, when
// $FORKPORT_PYTHON is unset.
var candidates = [][]string{{"python3"}}

// maxShebang is the longest "#!" line every Unix kernel reads whole: Linux
// before 5.1 reads 127 bytes of it (BINPRM_BUF_SIZE 128), 255 since;
// macOS 511.
const maxShebang = 127

// checkInterpreterPath checks that path fits a "#!" line: the kernel splits
// the line at the first blank (the rest is one argument) and reads only
// its first bytes.
func checkInterpreterPath(path string) error {
	if strings.ContainsAny(path, " \t\n\r") {
		return fmt.Errorf("the interpreter's path %q has a blank, which a \"#!\" line cannot carry: point $%s at a path without one (a symbolic link will do): %w", path, PythonEnv, fs.ErrInvalid)
	}
	if len("#!"+path) > maxShebang {
		return fmt.Errorf("the interpreter's path %q is longer than a \"#!\" line may be (%d bytes): point $%s at a shorter path (a symbolic link will do): %w", path, maxShebang, PythonEnv, fs.ErrInvalid)
	}
	return nil
}

// install writes the twin as the executable file dir/name.
func install(dir, name string, script []byte) error {
	return os.WriteFile(filepath.Join(dir, name), script, 0o755)
}

// Launch is for Windows, where a twin runs behind a launcher: elsewhere
// the kernel runs the interpreter itself, and Launch returns ok false.
func Launch(args []string) (code int, ok bool) { return 0, false }
