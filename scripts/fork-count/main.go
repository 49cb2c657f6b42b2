// Command fork-count is the chapter's fork-count.py (Forking Processes) ported to Go: it starts 10 children that count to 10 in parallel on one stdout while the parent exits at once. -n, -count and -delay scale it down.
//
// Run it as the book runs its Python original:
//
//	go run ./scripts/fork-count -n 3 -delay 200ms
package main

import (
	"os"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(chapter.ForkCount(os.Args[1:]))
}
