//go:build windows && race

package procs_test

// TestLoad's size under -race on Windows. A race-enabled child commits far
// more memory than a plain one, and windows-latest runs the race binaries
// of several packages at once, so 64 race-enabled children at a time can
// exhaust the commit limit (ERROR_COMMITMENT_LIMIT, "The paging file is too
// small"). A quarter of the counts, 8 at a time, still overlaps starts,
// waits and exits.
const loadSpawns, loadForks, loadConcurrency = 250, 50, 8
