//go:build forkport_bsdpaths

package procs

import (
	"errors"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// atExecfn is AT_EXECFN (<linux/auxvec.h>): the auxiliary vector's entry
// for the file name execve(2) was given.
const atExecfn = 31

// startCwd is the directory the program started in, as os.Executable
// takes it on macOS (os.Getwd at package initialisation).
var startCwd, startCwdErr = os.Getwd()

// startPath is macOS's os.Executable, imitated in a forkport_bsdpaths
// build: the path execve(2) was given (the AT_EXECFN entry of the
// auxiliary vector, where macOS has its executable_path), made absolute
// against the directory the program started in. Linux's os.Executable
// reads /proc/self/exe instead, which follows the file when it is renamed
// or deleted: a path macOS never gives.
func startPath() (string, error) {
	vec, err := unix.Auxv()
	if err != nil {
		return "", err
	}
	p := ""
	for _, kv := range vec {
		if kv[0] == atExecfn && kv[1] != 0 {
			// The string is on the process's initial stack, put there
			// by the kernel and never moved or freed: the address,
			// read as a pointer, stays valid for the process's life.
			p = unix.BytePtrToString(*(**byte)(unsafe.Pointer(&kv[1])))
		}
	}
	if p == "" {
		return "", errors.New("cannot find executable path")
	}
	if p[0] != '/' {
		if startCwdErr != nil {
			return p, startCwdErr
		}
		p = startCwd + "/" + strings.TrimPrefix(p, "./")
	}
	return p, nil
}
