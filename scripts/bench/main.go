// Command bench runs forkport's process benchmarks (procs/bench_test.go) and
// prints the comparison of issue 7: a benchstat table, then the ratios that
// the goals are about, each benchmark measured beside its baseline in the
// same run, on the machine it prints.
//
// Usage:
//
//	go run ./scripts/bench [flags]
//
// It builds the procs test binary once, then runs -count rounds. A round
// runs every benchmark once (one test binary per benchmark, with
// -test.count=1); the fork benchmarks again in this program, a small static
// binary, whose start-up is a stricter floor than the test binary's (which
// links testify, net/http and libc, and starts about four times slower);
// and, when a CPython is found, the CPython loops (os.fork + os._exit +
// os.waitpid, and os.posix_spawn(/bin/true) + os.waitpid). The order
// changes from round to round (a benchmark and its baseline stay next to
// each other), so that a slow spell of the machine lands on both sides of a
// ratio. It then prints:
//
//   - the machine: uname, CPU model, cores, memory, Go version, the two
//     binaries, date, and the load average before and after (the benchmarks
//     do not pin anything);
//   - the benchstat table of all rounds (go tool benchstat);
//   - the ratios, as the median of the per-round ratios with its 95%
//     confidence interval (golang.org/x/perf/benchmath), both for the wall
//     time and, where the OS reports it, for the CPU time of the parent and
//     its children (cpu-sec/op), which varies much less when other work
//     shares the machine; goals are checked on the wall time;
//   - the peak RSS (VmHWM on Linux, else getrusage's ru_maxrss) of a fresh
//     process that spawns /bin/true with Spawnv(PWait) -rss times in
//     sequence, of one that forks and waits as many times, and, as the
//     floor, of one that uses syscall.ForkExec and wait4, after 100, 1,000,
//     -rss/2 and -rss children, with its Go heap, garbage collections, open
//     descriptors and goroutines;
//   - with -suite, the wall time of go test ./... from a warm cache (run once
//     first), cached and with -count=1, and of go run ./scripts/wineleg when
//     that directory exists (built once first).
//
// Benchmarks are measurements, not assertions: a slow machine fails
// nothing. The exit status is 0 when everything ran (whether or not the
// goals are met), 1 when a step failed, 2 for bad flags.
//
// Flags:
//
//	-count N       rounds (default 10; fewer makes the medians less reliable)
//	-benchtime T   go test -benchtime of each benchmark per round, and the
//	               length of each CPython loop (default 500ms; Nx for N
//	               iterations)
//	-bench REGEXP  run only the benchmarks whose top-level name matches
//	-python PATH   CPython for the loops; "none" skips them (default
//	               /usr/bin/python3 if present, else python3 on PATH)
//	-rss N         children of the peak-RSS measurement, at least 4000; 0
//	               skips it (default 10000)
//	-suite         also time the test suite (see above)
//	-o FILE        also write the raw results, benchstat's input, to FILE
//	               (compare two runs with go tool benchstat old new)
//	-seed N        seed of the order of each round (default: from the clock)
//	-server        instead of all the above, measure the forking server
//	               (chapter.ForkServer, built from scripts/forkserver):
//	               connections per second, each one echo round trip made by
//	               one client after another, for a fresh fork per
//	               connection, forks through procs.Prestart(2), and the
//	               CPython twin forkserver.py, side by side in every round;
//	               it prints the machine, each median with its 95%
//	               confidence interval, and the per-round ratios' medians
//
// Examples:
//
//	go run ./scripts/bench
//	go run ./scripts/bench -count 20 -o out/bench.txt
//	go run ./scripts/bench -bench 'ForkWait|ReexecWait' -count 30 -rss 0
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/forkport/forkport/procs"
)

// The benchmarks, in groups run back to back: a benchmark and its baseline.
var groups = [][]string{
	{"SpawnvPWait", "ExecCommandRun", "ForkExecWait4"},
	{"ForkWait", "ForkWaitPooled", "ReexecWait", "ForkState"},
	{"ForkLatency", pyForkLatency},
	{"SpawnNoWait100"},
	smallBenchmarks,
	{pyFork, pySpawn},
}

// pythonBaseline names, for each CPython loop, the benchmark it is the
// baseline of: it runs when either is selected.
var pythonBaseline = map[string]string{pyFork: "ForkWait", pySpawn: "SpawnvPWait", pyForkLatency: "ForkLatency"}

func main() {
	procs.Init() // the RSS measurement forks this program
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case rssChildArg:
			os.Exit(rssChild(os.Args[2:]))
		case exitArg:
			os.Exit(0)
		case smallArg:
			os.Exit(smallChild(os.Args[2:]))
		case poolArg:
			os.Exit(poolChild(os.Args[2:]))
		}
	}
	os.Exit(run(os.Args[1:]))
}

type config struct {
	count     int
	benchtime string
	bench     *regexp.Regexp
	python    string
	rss       int
	suite     bool
	server    bool
	out       string
	seed      int64
}

func run(args []string) int {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&c.count, "count", 10, "rounds; each runs every benchmark once")
	fs.StringVar(&c.benchtime, "benchtime", "500ms", "go test -benchtime per benchmark and round, and length of each CPython loop (Nx: N iterations)")
	benchRe := fs.String("bench", ".", "run only the benchmarks whose top-level name matches `regexp`")
	fs.StringVar(&c.python, "python", "", "CPython `interpreter` for the loops, or none (default /usr/bin/python3 if present, else python3 on PATH)")
	fs.IntVar(&c.rss, "rss", 10000, "children of the peak-RSS measurement, at least 4000; 0 skips it")
	fs.BoolVar(&c.suite, "suite", false, "also time go test ./... (warm cache) and go run ./scripts/wineleg")
	fs.BoolVar(&c.server, "server", false, "measure only the forking server's connections per second (Go fresh, Go with Prestart(2), CPython twin)")
	fs.StringVar(&c.out, "o", "", "also write the raw results (benchstat input) to `file`")
	fs.Int64Var(&c.seed, "seed", 0, "seed of the order of each round (default: from the clock)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./scripts/bench [flags]\n\n"+
			"Runs procs' benchmarks beside their baselines (and CPython's os.fork and\n"+
			"os.posix_spawn loops) in interleaved rounds, then prints the machine, a\n"+
			"benchstat table, the ratios against issue 7's goals and the peak RSS of\n"+
			"10,000 children in sequence. Details: go doc ./scripts/bench\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	case c.count < 1:
		err = fmt.Errorf("-count must be at least 1, got %d", c.count)
	case c.rss < 0:
		err = fmt.Errorf("-rss must not be negative, got %d", c.rss)
	case c.rss > 0 && c.rss < 4000:
		err = fmt.Errorf("-rss must be 0 (skip) or at least 4000 (it reports after 100, 1,000 and half of it), got %d", c.rss)
	}
	if err == nil {
		_, err = parseBenchtime(c.benchtime)
	}
	if err == nil {
		c.bench, err = regexp.Compile(*benchRe)
		if err != nil {
			err = fmt.Errorf("-bench: %v", err)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 2
	}
	if c.seed == 0 {
		c.seed = time.Now().UnixNano()
	}
	run := bench
	if c.server {
		run = benchServer
	}
	if err := run(&c); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

func bench(c *config) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if c.count < 10 {
		logf("-count %d: fewer than 10 rounds make the medians and their intervals less reliable", c.count)
	}
	py, err := findPython(c.python)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "forkport-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		os.RemoveAll(tmp)
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		os.Exit(130)
	}()

	m := describeMachine(root)
	logf("building the procs test binary")
	testBin := filepath.Join(tmp, "procs.test"+exeSuffix)
	if out, err := command(root, "go", "test", "-c", "-o", testBin, "./procs").CombinedOutput(); err != nil {
		return fmt.Errorf("go test -c ./procs: %v: %s", err, firstLine(out))
	}
	procsDir := filepath.Join(root, "procs")
	m.testBin = testBin

	rng := rand.New(rand.NewPCG(uint64(c.seed), 0))
	rounds := make([]round, c.count)
	started := time.Now()
	for r := range rounds {
		order := roundOrder(rng, r, c.bench, py != nil)
		logf("round %d/%d: %s", r+1, c.count, strings.Join(order, " "))
		for _, name := range order {
			var out []byte
			var err error
			dst := &rounds[r].goOut
			switch {
			case pythonBaseline[name] != "":
				out, err = py.loop(name, c.benchtime)
				dst = &rounds[r].python
			case strings.HasPrefix(name, "Small"):
				out, err = runSmall(name, c.benchtime)
				dst = &rounds[r].small
			default:
				out, err = runBenchmark(testBin, procsDir, name, c.benchtime)
			}
			if err != nil {
				return fmt.Errorf("round %d, %s: %v", r+1, name, err)
			}
			*dst = append(*dst, out...)
		}
	}
	m.loadAfter = loadAverage()
	m.benchWall = time.Since(started)

	raw := rawResults(rounds, py)
	rawFile := filepath.Join(tmp, "bench.txt")
	if err := os.WriteFile(rawFile, raw, 0o644); err != nil {
		return err
	}
	if c.out != "" {
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(c.out, raw, 0o644); err != nil {
			return err
		}
	}

	m.print(os.Stdout, c, py)
	fmt.Println()
	fmt.Printf("## benchstat (%d rounds; one column: the median ± the 95%% confidence interval)\n\n", c.count)
	cmd := command(root, "go", "tool", "benchstat", rawFile)
	cmd.Stdout = os.Stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go tool benchstat: %v: %s", err, firstLine(stderr.Bytes()))
	}
	fmt.Println()
	if err := printRatios(os.Stdout, rounds, py); err != nil {
		return err
	}
	if c.out != "" {
		fmt.Printf("\nRaw results: %s (compare runs with: go tool benchstat OLD NEW)\n", c.out)
	}
	if c.rss > 0 {
		fmt.Println()
		if err := measureRSS(os.Stdout, c.rss); err != nil {
			return err
		}
	}
	if c.bench.MatchString("ForkLatency") {
		fmt.Println()
		if err := measurePool(os.Stdout); err != nil {
			return err
		}
	}
	if c.suite {
		fmt.Println()
		if err := timeSuite(os.Stdout, root); err != nil {
			return err
		}
	}
	fmt.Printf("\nRerun: go run ./scripts/bench%s\n", rerunFlags(c))
	return nil
}

// round holds what one round printed: the test binaries' output, this
// program's small-binary benchmarks, and the CPython loops' lines.
type round struct{ goOut, small, python []byte }

// roundOrder is the order of round r: the groups shuffled, each group
// forwards in even rounds and backwards in odd ones.
func roundOrder(rng *rand.Rand, r int, bench *regexp.Regexp, python bool) []string {
	include := func(name string) bool {
		if of, ok := pythonBaseline[name]; ok {
			return python && (bench.MatchString(name) || bench.MatchString(of))
		}
		return bench.MatchString(name)
	}
	gs := append([][]string(nil), groups...)
	rng.Shuffle(len(gs), func(i, j int) { gs[i], gs[j] = gs[j], gs[i] })
	var order []string
	for _, g := range gs {
		for i := range g {
			name := g[i]
			if r%2 == 1 {
				name = g[len(g)-1-i]
			}
			if include(name) {
				order = append(order, name)
			}
		}
	}
	return order
}

// runBenchmark runs one top-level benchmark (and its sub-benchmarks) once,
// in the package directory as go test does, and returns its output.
func runBenchmark(testBin, dir, name, benchtime string) ([]byte, error) {
	cmd := exec.Command(testBin, "-test.run=^$", "-test.bench=^Benchmark"+name+"$",
		"-test.benchtime="+benchtime, "-test.count=1")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, lastLines(stdout.Bytes(), stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// rawResults is the benchstat input: every round's test binary results,
// then this program's and the CPython loops', each under a configuration of
// its own (so that they form tables of their own, and do not split the
// first).
func rawResults(rounds []round, py *python) []byte {
	var b bytes.Buffer
	for _, r := range rounds {
		b.Write(r.goOut)
	}
	var small bytes.Buffer
	for _, r := range rounds {
		small.Write(r.small)
	}
	if small.Len() > 0 {
		fmt.Fprintf(&b, "\npkg: github.com/forkport/forkport/scripts/bench (a small binary: %s)\n", selfSize())
		b.Write(small.Bytes())
	}
	if py != nil {
		fmt.Fprintf(&b, "\npkg: python (CPython %s, %s)\n", py.version, py.path)
		for _, r := range rounds {
			b.Write(r.python)
		}
	}
	return b.Bytes()
}

func rerunFlags(c *config) string {
	var f []string
	if c.count != 10 {
		f = append(f, "-count", strconv.Itoa(c.count))
	}
	if c.benchtime != "500ms" {
		f = append(f, "-benchtime", c.benchtime)
	}
	if c.bench.String() != "." {
		f = append(f, "-bench", "'"+c.bench.String()+"'")
	}
	if c.python != "" {
		f = append(f, "-python", c.python)
	}
	if c.rss != 10000 {
		f = append(f, "-rss", strconv.Itoa(c.rss))
	}
	if c.suite {
		f = append(f, "-suite")
	}
	if len(f) == 0 {
		return ""
	}
	return " " + strings.Join(f, " ")
}

// parseBenchtime checks a -benchtime value: a duration, or Nx.
func parseBenchtime(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "x"); ok {
		if i, err := strconv.Atoi(n); err == nil && i > 0 {
			return 0, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("-benchtime %q: want a positive duration such as 500ms, or Nx", s)
}

// moduleRoot is the directory of forkport's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v (is the go command on PATH?)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module: run it from the forkport checkout")
	}
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	if !bytes.HasPrefix(b, []byte("module github.com/forkport/forkport\n")) {
		return "", fmt.Errorf("%s is not forkport's go.mod: run it from the forkport checkout", gomod)
	}
	return filepath.Dir(gomod), nil
}

func command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	return s
}

// lastLines is the end of a failed test binary's output, on one line.
func lastLines(outs ...[]byte) string {
	var lines []string
	for _, o := range outs {
		for _, l := range strings.Split(strings.TrimSpace(string(o)), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) > 4 {
		lines = lines[len(lines)-4:]
	}
	return strings.Join(lines, " | ")
}
