//go:build unix && !linux && !darwin

package main

// maxrssPerKiB: the BSDs report ru_maxrss in KiB.
const maxrssPerKiB = 1
