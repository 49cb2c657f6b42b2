// Command forkserver is the chapter's forking server: an echo server on a
// loopback address that forks a child per connection (or -prefork N
// workers that share the listener), reaps its children in a loop, on
// SIGCHLD or not at all (leaving zombies), and restarts gracefully, handing
// its listener to a successor, on a line "restart" (or SIGHUP on Unix).
// The flags and the lines it prints are chapter.ForkServer's (go doc
// ./internal/chapter ForkServer); its CPython twin is
// internal/probe/python/forkserver.py.
//
//	go run ./scripts/forkserver -reap none -max 3
package main

import (
	"os"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(chapter.ForkServer(os.Args[1:]))
}
