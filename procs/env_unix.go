//go:build unix

package procs

// envKeyEqual reports whether two environment variable names are the same
// variable: on Unix, names are case-sensitive.
func envKeyEqual(a, b string) bool { return a == b }
