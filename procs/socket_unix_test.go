//go:build unix

package procs_test

// unixSocketsOptional: every Unix has Unix domain sockets.
const unixSocketsOptional = false
