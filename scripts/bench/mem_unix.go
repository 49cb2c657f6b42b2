//go:build unix && !linux

package main

import (
	"os"
	"syscall"
)

// memory returns the process's peak RSS (getrusage's ru_maxrss) in KiB; the
// current RSS is not known here.
func memory() (peak, rss int64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return int64(ru.Maxrss) / maxrssPerKiB, 0
}

func peakSource() string { return "getrusage ru_maxrss" }

// openFds counts the entries of /dev/fd, minus the one reading it.
func openFds() int {
	d, err := os.Open("/dev/fd")
	if err != nil {
		return -1
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names) - 1
}
