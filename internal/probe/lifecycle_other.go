//go:build unix && !linux && !darwin

package probe

import "errors"

// waitExitedNotReaped is not implemented on this OS.
func waitExitedNotReaped(int) error {
	return errors.New("zombieprobe is not implemented on this OS")
}

// describe is not implemented on this OS.
func describe(int) string { return "unknown on this OS" }
