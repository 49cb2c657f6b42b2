//go:build unix

package chapter

import (
	"os"
	"os/signal"
	"syscall"
)

// sigchldAvailable reports whether -reap sigchld can work: on Unix it can.
func sigchldAvailable() error { return nil }

// notifyChildExit delivers a wake-up for every SIGCHLD (several exits may
// make one signal: the reaper reaps all that have exited), until release.
func notifyChildExit() (wake <-chan struct{}, release func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	return relay(sigs, func() { signal.Stop(sigs) })
}

// notifyRestart calls restart on SIGHUP, the Unix daemons' "reload", until
// the returned function is called.
func notifyRestart(restart func()) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				restart()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(sigs); close(done) }
}
