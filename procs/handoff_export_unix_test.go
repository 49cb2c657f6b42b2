//go:build unix

package procs

// SelfExeByPath: Fork starts the executable by its path (not
// /proc/self/exe), so after a privilege drop the new user must be able to
// reach it.
const SelfExeByPath = selfExeByPath
