//go:build unix

package procs

import (
	"os"
	"path/filepath"
	"syscall"
)

// inDir returns the program a child started in dir runs for path: path
// itself when it is absolute or dir is "", else dir/path, made absolute
// (dir may itself be relative to the caller's working directory, and the
// child changes to dir before it execs).
func inDir(dir, path string) (string, error) {
	if dir == "" || path == "" || filepath.IsAbs(path) {
		return path, nil
	}
	return filepath.Abs(filepath.Join(dir, path))
}

// start starts a child with the standard files of attr, then extra (the fork
// emulation's state pipe), then attr.Files, at file descriptors 0, 1, 2, 3...
func start(path string, argv []string, attr *Attr, extra []*os.File) (*Process, error) {
	files := attr.stdio()
	files = append(files, extra...)
	files = append(files, attr.Files...)
	sys := &syscall.SysProcAttr{}
	switch {
	case attr.Detach:
		sys.Setsid = true // a new session is also a new process group
	case attr.Group:
		sys.Setpgid = true
	}
	env := attr.Env
	if env == nil {
		env = os.Environ()
	}
	op, err := os.StartProcess(path, argv, &os.ProcAttr{Dir: attr.Dir, Env: env, Files: files, Sys: sys})
	if err != nil {
		return nil, err
	}
	p := &Process{Pid: op.Pid, proc: op}
	if attr.Detach || attr.Group {
		p.tree = tree{pgid: op.Pid}
	}
	return p, nil
}

// wait blocks until the child exits and reaps it with wait4(2). procs reaps
// its children itself, never through os.Process.Wait, so Reap can use
// WNOHANG with the same bookkeeping on every Unix.
func (p *Process) wait() (*Status, error) {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(p.Pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, os.NewSyscallError("wait4", err)
		}
		return statusOf(p.Pid, ws), nil
	}
}

func (p *Process) tryWait() (*Status, bool) {
	var ws syscall.WaitStatus
	wpid, err := syscall.Wait4(p.Pid, &ws, syscall.WNOHANG, nil)
	if err != nil || wpid != p.Pid {
		return nil, false
	}
	return statusOf(p.Pid, ws), true
}

// release frees the os.Process (its pidfd on Linux) once the child is reaped.
func (p *Process) release() { _ = p.proc.Release() }

func statusOf(pid int, ws syscall.WaitStatus) *Status {
	if ws.Signaled() {
		return &Status{pid: pid, signaled: true, signal: ws.Signal()}
	}
	return &Status{pid: pid, code: ws.ExitStatus()}
}

// tree is the process group a child leads when started with Attr.Group or
// Attr.Detach; pgid 0 means none.
type tree struct{ pgid int }

func (t tree) kill() error {
	if t.pgid == 0 {
		return ErrNoTree
	}
	err := syscall.Kill(-t.pgid, syscall.SIGKILL)
	if err == syscall.ESRCH {
		return errTreeGone
	}
	return os.NewSyscallError("kill", err)
}
