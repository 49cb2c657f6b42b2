//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package winleg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// hostSupported: a Unix host can run the leg, given Wine.
func hostSupported() error { return nil }

// setGroup starts the command in a process group of its own, so that
// killGroup reaches the Wine processes it starts too.
func setGroup(c *exec.Cmd) {
	if c.SysProcAttr == nil {
		c.SysProcAttr = &syscall.SysProcAttr{}
	}
	c.SysProcAttr.Setpgid = true
}

// killGroup kills the command's process group.
func killGroup(c *exec.Cmd) error {
	if c.Process == nil {
		return nil
	}
	err := syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// lockPrefix takes an exclusive lock on <prefix>.lock, waiting (and calling
// waiting once) while another leg holds it. Closing the file releases it.
func lockPrefix(ctx context.Context, prefix string, waiting func()) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(prefix+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("winleg: locking %s.lock: %w", prefix, err)
		}
		if first && waiting != nil {
			waiting()
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("winleg: waiting for %s.lock: %w", prefix, ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}
