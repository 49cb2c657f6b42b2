package chapter

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/forkport/forkport/procs"
)

// forkCount is copied into fork-count's children: how far to count and how
// long to pause before each number.
var forkCount struct {
	Count int
	Delay time.Duration
}

func init() {
	procs.Copy("chapter.forkcount", &forkCount)
	procs.Register("chapter.forkcount.child", forkCountChild)
}

// ForkCount is fork-count.py: it starts -n children (10), each counting to
// -count (10) with a -delay pause (1s) before each number and printing
// "[<pid>] => <i>"; the parent prints "Process <pid> spawned" for each,
// then "Main process exiting." and exits at once, while the children go on,
// all on the same stdout.
func ForkCount(args []string) int {
	fs := flag.NewFlagSet("fork-count", flag.ContinueOnError)
	n := fs.Int("n", 10, "number of children")
	fs.IntVar(&forkCount.Count, "count", 10, "how far each child counts")
	fs.DurationVar(&forkCount.Delay, "delay", time.Second, "pause before each number (a Go duration)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *n < 0 || forkCount.Count < 0 || forkCount.Delay < 0 {
		fmt.Fprintln(os.Stderr, "fork-count: -n, -count and -delay must not be negative")
		return 2
	}
	for range *n {
		p, err := procs.Fork("chapter.forkcount.child")
		if err != nil {
			fmt.Fprintf(os.Stderr, "fork-count: %v\n", err)
			return 1
		}
		fmt.Printf("Process %d spawned\n", p.Pid)
	}
	fmt.Println("Main process exiting.")
	return 0
}

func forkCountChild() {
	for i := range forkCount.Count {
		time.Sleep(forkCount.Delay)
		fmt.Printf("[%d] => %d\n", os.Getpid(), i)
	}
	procs.Exit(0)
}
