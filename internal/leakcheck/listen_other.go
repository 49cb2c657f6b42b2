//go:build !linux || forkport_bsdpaths

package leakcheck

import "errors"

// Listeners is supported on Linux only (it reads /proc).
func Listeners() ([]string, error) { return nil, errors.ErrUnsupported }
