package procs

import "os"

// inheritedID is the handle value a file has in a child started by start:
// inherited handles keep their values on Windows.
func inheritedID(_ int, f *os.File) uintptr { return f.Fd() }

// keepInherited has nothing to do on Windows: Go starts every process with
// an explicit list of handles to inherit.
func keepInherited(*os.File) {}
