package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/forkport/forkport/procs"
)

// The fork benchmarks again, in this program rather than in the procs test
// binary. The test binary links testify, net/http and cgo's libc, and takes
// about four times as long to start as a small Go program, which dilutes
// every ratio to the bare re-exec floor; this program is a stricter floor,
// closer to a small real program (and to perf-baselines.md's measurements).
//
// Each is run in a fresh process of this program (smallArg) for -benchtime,
// and prints a Go benchmark result line, with cpu-ns/op where the OS reports
// it, like the test binary's.
const (
	smallArg   = "-internal-small"
	smallEntry = "bench.small.state"
)

var smallBenchmarks = []string{
	"SmallReexecWait",
	"SmallForkWait",
	"SmallForkState/size=64KiB/kind=bytes",
	"SmallForkState/size=64KiB/kind=records",
}

// The copied state, as procs/bench_test.go's: empty unless a fork
// benchmark sets it.
var (
	smallBlob    []byte
	smallRecords []smallRecord
	smallWant    int
)

type smallRecord struct {
	Name  string
	ID    int64
	Tags  []string
	Score float64
}

func init() {
	procs.Copy("bench.smallBlob", &smallBlob)
	procs.Copy("bench.smallRecords", &smallRecords)
	procs.Copy("bench.smallWant", &smallWant)
	procs.Register(smallEntry, func() {
		if len(smallBlob)+len(smallRecords) != smallWant {
			fmt.Fprintf(os.Stderr, "%s: got %d bytes and %d records, want %d in all\n",
				smallEntry, len(smallBlob), len(smallRecords), smallWant)
			procs.Exit(3)
		}
	})
}

// smallChild runs one benchmark: argv is its name and the -benchtime.
func smallChild(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "bench: usage: bench "+smallArg+" NAME BENCHTIME")
		return 2
	}
	name, benchtime := args[0], args[1]
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	var one func() error
	fork := func() error { return forkAndWait(smallEntry) }
	switch name {
	case "SmallReexecWait":
		attr := &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}}
		one = func() error {
			p, err := os.StartProcess(self, []string{self, exitArg}, attr)
			if err != nil {
				return err
			}
			st, err := p.Wait()
			if err == nil && !st.Success() {
				err = fmt.Errorf("re-exec: %v", st)
			}
			return err
		}
	case "SmallForkWait":
		one = fork
	case "SmallForkState/size=64KiB/kind=bytes":
		smallBlob = bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 64<<10/8)
		smallWant = len(smallBlob)
		one = fork
	case "SmallForkState/size=64KiB/kind=records":
		smallRecords = records64KiB()
		smallWant = len(smallRecords)
		one = fork
	default:
		fmt.Fprintf(os.Stderr, "bench: unknown benchmark %q\n", name)
		return 2
	}
	n, d, cpu, err := loop(one, benchtime)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", name, err)
		return 1
	}
	fmt.Printf("Benchmark%s\t%d\t%d ns/op", name, n, d.Nanoseconds()/int64(n))
	if cpu >= 0 {
		fmt.Printf("\t%d cpu-ns/op", cpu.Nanoseconds()/int64(n))
	}
	fmt.Println()
	return 0
}

// loop runs one a few times to warm up, then for benchtime (a duration or
// Nx), and returns the iterations, the wall time and the CPU time of this
// process and its reaped children (-1 where unknown).
func loop(one func() error, benchtime string) (int, time.Duration, time.Duration, error) {
	for range 5 {
		if err := one(); err != nil {
			return 0, 0, 0, err
		}
	}
	count, dur := 0, time.Duration(0)
	if s, ok := strings.CutSuffix(benchtime, "x"); ok {
		count, _ = strconv.Atoi(s)
	} else {
		dur, _ = time.ParseDuration(benchtime)
	}
	cpu0, cpuOK := cpuTime()
	start := time.Now()
	n := 0
	for {
		if err := one(); err != nil {
			return 0, 0, 0, err
		}
		n++
		if (count > 0 && n >= count) || (count == 0 && time.Since(start) >= dur) {
			break
		}
	}
	wall := time.Since(start)
	cpu1, _ := cpuTime()
	if !cpuOK {
		return n, wall, -1, nil
	}
	return n, wall, cpu1 - cpu0, nil
}

// records64KiB are as many records as procs/bench_test.go's
// recordsOfSize(64 KiB) makes: gob encodes these 1,296 in 65,385 bytes.
// (Computed there, with encoding/gob, and fixed here, so that this program
// does not link encoding/gob for it.)
func records64KiB() []smallRecord {
	rs := make([]smallRecord, 1296)
	for i := range rs {
		rs[i] = smallRecord{
			Name:  fmt.Sprintf("worker-%09d", i),
			ID:    int64(i) * 1_000_003,
			Tags:  []string{"tag-" + strconv.Itoa(i%97), "queue-" + strconv.Itoa(i%13)},
			Score: float64(i) / 3,
		}
	}
	return rs
}

// runSmall runs one of smallBenchmarks in a fresh process of this program.
func runSmall(name, benchtime string) ([]byte, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := command("", self, smallArg, name, benchtime)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, firstLine(stderr.Bytes()))
	}
	return out, nil
}
