// Command child is the chapter's child.py (The fork/exec Combination) ported to Go: the program fork-exec's children exec; it prints its PID and first argument.
//
// Run it as the book runs its Python original:
//
//	go run ./scripts/child 1
package main

import (
	"os"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(chapter.Child(os.Args[1:]))
}
