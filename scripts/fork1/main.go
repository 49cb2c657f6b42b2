// Command fork1 is the chapter's fork1.py (Forking Processes) ported to Go: it forks a child for every line typed until q; -noexit makes each child go back into the parent's loop.
//
// Run it as the book runs its Python original:
//
//	go run ./scripts/fork1
package main

import (
	"os"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(chapter.Fork1(os.Args[1:]))
}
