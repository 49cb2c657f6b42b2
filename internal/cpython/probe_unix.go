//go:build unix

package cpython

import (
	"os/exec"
	"syscall"
)

// inGroup starts the query in a process group of its own, and makes the
// context's cancellation kill that whole group: a candidate that is a
// shell script runs its commands as children, which killing the shell
// alone would leave running (and holding the query's output open).
func inGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return endGroup(cmd) }
}

// endGroup kills what is left of the query's process group: the processes
// a candidate started and did not wait for. The group outlives its leader
// while a member remains, so its ID is not reused until then.
func endGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
