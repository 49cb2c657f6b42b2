//go:build !unix

package cpython

import "os/exec"

// inGroup leaves the query as exec starts it: here cancellation kills the
// candidate only, not processes it started and left running (a job object
// would reach those; the py launcher already ends the interpreter it
// starts when it is killed). WaitDelay still keeps such a process, holding
// the output open, from hanging Find.
func inGroup(*exec.Cmd) {}

// endGroup does nothing: see inGroup.
func endGroup(*exec.Cmd) error { return nil }
