//go:build !linux && !darwin && !windows

package leakcheck

import "errors"

// Children is unsupported on this OS.
func Children(int) ([]Proc, error) { return nil, errors.ErrUnsupported }

// Tagged is unsupported on this OS.
func Tagged(string) ([]Proc, error) { return nil, errors.ErrUnsupported }
