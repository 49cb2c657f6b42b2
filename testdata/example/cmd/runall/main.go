// Command runall runs commands one after the other and exits with the
// highest status among them; see package example.com/runall.
package main

import (
	"os"

	"example.com/runall"
	"github.com/forkport/forkport/procs"
)

func main() {
	procs.Init()
	os.Exit(runall.Main())
}
