package chapter

import "errors"

// sigchldAvailable reports whether -reap sigchld can work: Windows has no
// SIGCHLD (a parent learns that a child exited by waiting on its process
// handle), so the flag is refused; -reap loop is the portable mode.
func sigchldAvailable() error {
	return errors.New("Windows has no SIGCHLD; use -reap loop")
}

// notifyChildExit is never called on Windows (sigchldAvailable refuses the
// mode); it returns a channel that is closed at once.
func notifyChildExit() (wake <-chan struct{}, release func()) {
	ch := make(chan struct{})
	close(ch)
	return ch, func() {}
}

// notifyRestart does nothing on Windows, which has no SIGHUP: a line
// "restart" on stdin is the trigger there.
func notifyRestart(func()) (stop func()) { return func() {} }
