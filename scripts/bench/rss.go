package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/forkport/forkport/procs"
)

// The hidden arguments that make this program a child of its own: the
// peak-RSS measurement, and a trivial program where there is no /bin/true.
const (
	rssChildArg = "-internal-rss-child"
	exitArg     = "-internal-exit0"
	rssEntry    = "bench.rss.child"
)

func init() { procs.Register(rssEntry, func() {}) }

// rssPoint is the state of the measuring process after some children.
type rssPoint struct {
	Children   int
	PeakKB     int64 // VmHWM, or ru_maxrss
	RSSKB      int64 // VmRSS (Linux only)
	Fds        int   // open descriptors, -1 if unknown
	Goroutines int
	HeapKB     int64  // Go heap in use (runtime.MemStats.HeapInuse)
	NumGC      uint32 // garbage collections so far
}

type rssResult struct {
	Points  []rssPoint
	Elapsed time.Duration
}

// rssChild is the measuring process: it starts n children in sequence,
// with Spawnv(PWait), Fork and Wait, or syscall.ForkExec and Wait4, and
// prints its memory after 0, 100, 1,000, n/2 and n of them, as JSON.
func rssChild(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "bench: usage: bench "+rssChildArg+" spawn|fork N")
		return 2
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "bench: bad child count %q\n", args[1])
		return 2
	}
	var one func() error
	switch args[0] {
	case "spawn":
		path, argv := trivialProgram()
		one = func() error {
			code, err := procs.Spawnv(procs.PWait, path, argv)
			if err == nil && code != 0 {
				err = fmt.Errorf("%s exited %d", path, code)
			}
			return err
		}
	case "forkexec":
		path, argv := trivialProgram()
		var ok bool
		if one, ok = rawSpawn(path, argv); !ok {
			fmt.Fprintln(os.Stderr, "bench: no syscall.ForkExec on this OS")
			return 2
		}
	case "fork":
		one = func() error { return forkAndWait(rssEntry) }
	default:
		fmt.Fprintf(os.Stderr, "bench: unknown mode %q\n", args[0])
		return 2
	}
	res := rssResult{Points: []rssPoint{snapshot(0)}}
	start := time.Now()
	for i := 1; i <= n; i++ {
		if err := one(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: child %d: %v\n", i, err)
			return 1
		}
		if i == 100 || i == 1000 || i == n/2 || i == n {
			res.Points = append(res.Points, snapshot(i))
		}
	}
	res.Elapsed = time.Since(start)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}

func snapshot(children int) rssPoint {
	peak, rss := memory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return rssPoint{Children: children, PeakKB: peak, RSSKB: rss, Fds: openFds(), Goroutines: runtime.NumGoroutine(),
		HeapKB: int64(ms.HeapInuse >> 10), NumGC: ms.NumGC}
}

// trivialProgram is what the spawning child starts: /bin/true, or this
// program exiting at once where there is none.
func trivialProgram() (string, []string) {
	if fileExists("/bin/true") {
		return "/bin/true", []string{"/bin/true"}
	}
	self, _ := os.Executable()
	return self, []string{self, exitArg}
}

// measureRSS runs the measuring process for both modes and prints the
// table.
func measureRSS(w io.Writer, n int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	path, _ := trivialProgram()
	modes := []struct{ mode, label string }{
		{"spawn", "Spawnv(PWait, " + path + ")"},
		{"fork", "Fork+Wait"},
	}
	if _, ok := rawSpawn(path, nil); ok {
		// The floor: Go's lowest-level spawn, without procs.
		modes = append(modes, struct{ mode, label string }{"forkexec", "syscall.ForkExec+Wait4"})
	}
	results := make([]rssResult, len(modes))
	for i, m := range modes {
		logf("peak RSS: %d × %s in sequence", n, m.label)
		cmd := exec.Command(self, rssChildArg, m.mode, strconv.Itoa(n))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("peak RSS (%s): %v: %s", m.mode, err, firstLine(stderr.Bytes()))
		}
		if err := json.Unmarshal(out, &results[i]); err != nil {
			return fmt.Errorf("peak RSS (%s): %v", m.mode, err)
		}
	}
	fmt.Fprintf(w, "## Memory: a fresh process starts %d children in sequence, reaping each\n\n", n)
	fmt.Fprintf(w, "peak: the process's peak RSS so far (%s); rss: its RSS now;\n", peakSource())
	fmt.Fprintf(w, "heap: Go heap in use; gc: garbage collections so far; fds: open descriptors;\n")
	fmt.Fprintf(w, "g: goroutines. Goal (issue 7): peak after %d within 10%% of the peak after 100.\n\n", n)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "children started with\tchildren\tpeak\trss\theap\tgc\tfds\tgoroutines\t")
	for i, m := range modes {
		for j, pt := range results[i].Points {
			label := ""
			if j == 0 {
				label = m.label
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\t%d\t\n", label, pt.Children, kib(pt.PeakKB), kib(pt.RSSKB),
				kib(pt.HeapKB), pt.NumGC, count(pt.Fds), pt.Goroutines)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for i, m := range modes {
		pts := results[i].Points
		last := pts[len(pts)-1]
		at := func(c int) rssPoint {
			for _, p := range pts {
				if p.Children == c {
					return p
				}
			}
			return rssPoint{}
		}
		r100 := ratioOf(last.PeakKB, at(100).PeakKB)
		rHalf := ratioOf(last.PeakKB, at(n/2).PeakKB)
		v := "goal ≤ 1.10: met"
		if r100 > 1.10 {
			v = fmt.Sprintf("goal ≤ 1.10: MISSED by %.2fx", r100-1.10)
		}
		if last.PeakKB == 0 {
			v = "not measured on this OS"
		}
		fmt.Fprintf(w, "  %s: peak after %d / after 100 = %.2fx (%s);\n", m.label, n, r100, v)
		fmt.Fprintf(w, "    after %d / after %d = %.2fx (growth once the collector has settled); %s per child\n",
			n, n/2, rHalf, (results[i].Elapsed / time.Duration(n)).Round(time.Microsecond))
	}
	return nil
}

func ratioOf(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func kib(kb int64) string {
	if kb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
}

func count(n int) string {
	if n < 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

// forkAndWait forks entry, reaps the child and fails unless it exited 0.
func forkAndWait(entry string) error {
	p, err := procs.Fork(entry)
	if err != nil {
		return err
	}
	st, err := p.Wait()
	if err == nil && st.ExitCode() != 0 {
		err = fmt.Errorf("forked child exited %d", st.ExitCode())
	}
	return err
}
