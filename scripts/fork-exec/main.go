// Command fork-exec is the chapter's fork-exec.py (The fork/exec Combination) ported to Go: for every line typed until q it forks a child that overlays itself with the program child, found on PATH.
//
// Run it as the book runs its Python original:
//
//	go build -o bin/ ./scripts/child && PATH=$PWD/bin:$PATH go run ./scripts/fork-exec
package main

import (
	"os"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(chapter.ForkExec(os.Args[1:]))
}
