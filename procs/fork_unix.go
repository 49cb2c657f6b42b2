//go:build unix

package procs

import (
	"os"
	"syscall"
)

// inheritedID is the descriptor the i-th extra file gets in a child started
// by start: 3 for the fork state pipe, then 4, 5, ... for Attr.Files.
func inheritedID(i int, _ *os.File) uintptr { return uintptr(3 + i) }

// keepInherited marks an inherited descriptor close-on-exec, as the parent's
// own copy was (Go opens every file so), so the child does not pass it on
// when it execs another program, as a real fork+exec would not.
func keepInherited(f *os.File) { syscall.CloseOnExec(int(f.Fd())) }
