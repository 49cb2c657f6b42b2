package procs

import "strings"

// envKeyEqual reports whether two environment variable names are the same
// variable: on Windows, names are case-insensitive ("Path" is "PATH").
func envKeyEqual(a, b string) bool { return strings.EqualFold(a, b) }
