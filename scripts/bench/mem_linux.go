package main

import (
	"os"
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

// openFds counts the entries of /proc/self/fd, minus the one reading it.
func openFds() int {
	d, err := os.Open("/proc/self/fd")
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
