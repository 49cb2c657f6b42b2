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
	// The new program would inherit the pool's waiting children as
	// children it does not know of, to become its zombies: end them first,
	// and start the pool again if the exec fails.
	restore := thePool.suspend()
	err := syscall.Exec(c.path, c.argv, env)
	restore()
	return os.NewSyscallError("execve", err)
}
