//go:build unix

package procs

import (
	"os"
	"syscall"
)

// overlay replaces the process image with execve(2): the PID, open files
// without close-on-exec, the working directory and the process group are
// kept. It returns only on failure.
func overlay(c *command) error {
	env := c.env
	if env == nil {
		env = os.Environ()
	}
	return os.NewSyscallError("execve", syscall.Exec(c.path, c.argv, env))
}
