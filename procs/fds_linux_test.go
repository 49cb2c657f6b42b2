package procs_test

import (
	"os"
	"path/filepath"
	"strings"
)

// fdTargets lists this process's open descriptors as "N=target", target
// being what /proc/self/fd/N refers to (a path, "pipe:[...]",
// "anon_inode:[eventpoll]", ...).
func fdTargets() []string {
	links, _ := filepath.Glob("/proc/self/fd/*")
	targets := []string{}
	for _, l := range links {
		if t, err := os.Readlink(l); err == nil {
			targets = append(targets, filepath.Base(l)+"="+t)
		}
	}
	return targets
}

// runtimeFd reports whether target is one of the descriptors the Go
// runtime of the child opens for itself at start-up.
func runtimeFd(target string) bool {
	return target == "anon_inode:[eventpoll]" || target == "anon_inode:[eventfd]" ||
		target == "anon_inode:[pidfd]" || strings.HasPrefix(target, "/sys/fs/cgroup/")
}
