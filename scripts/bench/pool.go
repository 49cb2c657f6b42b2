package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"

	"github.com/forkport/forkport/internal/leakcheck"
	"github.com/forkport/forkport/procs"
)

// The memory a pool of pre-started children costs (procs.Prestart): a fresh
// process of this program (a small static Go program) fills a pool of n and
// reports each waiting child's RSS.
const poolArg = "-internal-pool"

// poolSize is how many children the pool measurement pre-starts.
const poolSize = 4

// poolChild runs in the fresh process: it fills the pool and prints the
// waiting children's RSS in KiB as JSON.
func poolChild(args []string) int {
	n, err := strconv.Atoi(args[0])
	if err == nil {
		err = procs.Prestart(n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer procs.Prestart(0)
	kids, err := leakcheck.Children(os.Getpid())
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: the waiting children:", err)
		return 1
	}
	var rss []int64
	for _, k := range kids {
		if kb, ok := pidRSS(k.Pid); ok {
			rss = append(rss, kb)
		}
	}
	_, self := memory()
	out, _ := json.Marshal(map[string]any{"children": rss, "parent": self})
	fmt.Println(string(out))
	return 0
}

// measurePool prints what a pool of poolSize waiting children costs.
func measurePool(w io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logf("memory: a pool of %d pre-started children", poolSize)
	cmd := exec.Command(self, poolArg, strconv.Itoa(poolSize))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("pool memory: %v: %s", err, firstLine(stderr.Bytes()))
	}
	var r struct {
		Children []int64
		Parent   int64
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Errorf("pool memory: %v", err)
	}
	fmt.Fprintf(w, "## Memory: a pool of %d pre-started children (procs.Prestart(%d)) of this small program\n\n", poolSize, poolSize)
	if len(r.Children) == 0 {
		fmt.Fprintln(w, "not measured on this OS (no per-process RSS here)")
		return nil
	}
	var sum int64
	for _, kb := range r.Children {
		sum += kb
	}
	fmt.Fprintf(w, "each waiting child: %s RSS (%s for the %d); the parent itself: %s\n",
		kib(sum/int64(len(r.Children))), kib(sum), len(r.Children), kib(r.Parent))
	return nil
}
