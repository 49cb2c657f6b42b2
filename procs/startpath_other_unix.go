//go:build unix && !linux

package procs

import "os"

// startPath is the executable's path as the OS reported it when the
// program started: os.Executable (on macOS the path execve(2) was given,
// made absolute against the directory the program started in).
func startPath() (string, error) { return os.Executable() }
