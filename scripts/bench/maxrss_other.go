//go:build (unix && !linux && !darwin) || (linux && forkport_bsdpaths)

package main

// maxrssPerKiB: the BSDs report ru_maxrss in KiB.
const maxrssPerKiB = 1
