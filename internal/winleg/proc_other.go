//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package winleg

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// hostSupported refuses to run the leg here: the Wine leg runs Windows
// binaries from a Unix host with Wine.
func hostSupported() error {
	return errors.New("winleg: the Wine leg runs on Linux (or another Unix with Wine), not on this OS")
}

// setGroup does nothing where process groups are not available.
func setGroup(*exec.Cmd) {}

// killGroup kills the command's process only.
func killGroup(c *exec.Cmd) error {
	if c.Process == nil {
		return nil
	}
	return c.Process.Kill()
}

// lockPrefix opens <prefix>.lock without locking it: file locks are not
// implemented here (Prepare refuses to run on Windows anyway).
func lockPrefix(_ context.Context, prefix string, _ func()) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(prefix+".lock", os.O_CREATE|os.O_RDWR, 0o644)
}
