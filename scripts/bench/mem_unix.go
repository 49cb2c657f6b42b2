//go:build (unix && !linux) || (linux && forkport_bsdpaths)

package main

import (
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

// pidRSS is not measured here: another process's RSS needs /proc.
func pidRSS(int) (int64, bool) { return 0, false }
