//go:build !(windows && race)

package procs_test

// TestLoad's size: loadSpawns spawns, loadConcurrency at a time, then
// loadForks forks. -short divides the counts by 10.
const loadSpawns, loadForks, loadConcurrency = 1000, 200, 64
