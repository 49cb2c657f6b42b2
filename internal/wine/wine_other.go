//go:build !windows

package wine

// Detected reports whether this program runs under Wine: never, for a
// program built for an OS other than Windows.
func Detected() bool { return false }
