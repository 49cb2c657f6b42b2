//go:build !forkport_bsdpaths

package main

import (
	"strconv"
	"strings"
)

// memory returns the process's peak RSS (VmHWM) and RSS (VmRSS) in KiB.
func memory() (peak, rss int64) {
	kb := func(key string) int64 {
		v, _ := strconv.ParseInt(strings.TrimSuffix(procField("/proc/self/status", key), " kB"), 10, 64)
		return v
	}
	return kb("VmHWM"), kb("VmRSS")
}

func peakSource() string { return "VmHWM from /proc/self/status" }

// pidRSS returns process pid's RSS (VmRSS) in KiB.
func pidRSS(pid int) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/"+strconv.Itoa(pid)+"/status", "VmRSS"), " kB"), 10, 64)
	return v, err == nil
}
