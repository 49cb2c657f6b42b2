package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// The units compared: the wall time per op, and the CPU time (user and
// system) of the parent and its reaped children per op, as the benchmarks
// report it (cpu-ns/op, tidied by benchfmt).
const (
	wallUnit = "sec/op"
	cpuUnit  = "cpu-sec/op"
)

// A ratio compares benchmark a to its baseline b.
type ratio struct {
	label string
	a, b  string
	goal  float64 // the goal for the median ratio; 0: none
}

var ratios = []ratio{
	{"Spawnv(PWait) / exec.Command().Run()", "SpawnvPWait", "ExecCommandRun", 1.05},
	{"syscall.ForkExec+Wait4 / exec.Command().Run()", "ForkExecWait4", "ExecCommandRun", 0},
	{"Fork+Wait, no state / bare re-exec+wait", "ForkWait", "ReexecWait", 1.10},
	{"Fork+Wait, 64 KiB []byte / bare re-exec", "ForkState/size=64KiB/kind=bytes", "ReexecWait", 1.30},
	{"Fork+Wait, 64 KiB of structs / bare re-exec", "ForkState/size=64KiB/kind=records", "ReexecWait", 1.30},
	{"small binary: Fork+Wait, no state / bare re-exec", "SmallForkWait", "SmallReexecWait", 1.10},
	{"small binary: Fork+Wait, 64 KiB []byte / bare re-exec", "SmallForkState/size=64KiB/kind=bytes", "SmallReexecWait", 1.30},
	{"small binary: Fork+Wait, 64 KiB of structs / bare re-exec", "SmallForkState/size=64KiB/kind=records", "SmallReexecWait", 1.30},
	{"Fork+Wait / CPython os.fork", "ForkWait", pyFork, 0},
	{"small binary: Fork+Wait / CPython os.fork", "SmallForkWait", pyFork, 0},
	{"Spawnv(PWait) / CPython os.posix_spawn", "SpawnvPWait", pySpawn, 0},
	{"Fork latency, pooled / CPython os.fork latency", "ForkLatency/pool=2", pyForkLatency, 0.5},
	{"Fork latency, pooled / fresh", "ForkLatency/pool=2", "ForkLatency/pool=0", 0.1},
	{"Fork latency, fresh / CPython os.fork latency", "ForkLatency/pool=0", pyForkLatency, 0},
	{"Fork+Wait in a loop, pooled / fresh", "ForkWaitPooled", "ForkWait", 1.0},
}

// results holds, per benchmark and unit, one value per round (NaN where a
// round has none).
type results map[string]map[string][]float64

func parseRounds(rounds []round) (results, error) {
	res := results{}
	for i, r := range rounds {
		for _, src := range [][]byte{r.goOut, r.small, r.python} {
			rd := benchfmt.NewReader(bytes.NewReader(src), fmt.Sprintf("round %d", i+1))
			for rd.Scan() {
				switch rec := rd.Result().(type) {
				case *benchfmt.SyntaxError:
					return nil, rec
				case *benchfmt.Result:
					name := benchName(rec.Name)
					for _, v := range rec.Values {
						if res[name] == nil {
							res[name] = map[string][]float64{}
						}
						vals := res[name][v.Unit]
						if vals == nil {
							vals = make([]float64, len(rounds))
							for j := range vals {
								vals[j] = math.NaN()
							}
							res[name][v.Unit] = vals
						}
						vals[i] = v.Value
					}
				}
			}
			if err := rd.Err(); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// benchName is a result's name without "Benchmark" and the GOMAXPROCS
// suffix: "ForkState/size=64KiB/kind=bytes".
func benchName(n benchfmt.Name) string {
	base, parts := n.Parts()
	name := string(base)
	for _, p := range parts {
		if !bytes.HasPrefix(p, []byte("-")) {
			name += string(p)
		}
	}
	return name
}

// summary is the median of the values and its 95% confidence interval
// (benchmath.AssumeNothing: no assumption on the distribution); ok is false
// when there are no values.
func summary(vals []float64) (benchmath.Summary, bool) {
	var v []float64
	for _, x := range vals {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return benchmath.Summary{}, false
	}
	return benchmath.AssumeNothing.Summary(benchmath.NewSample(v, &benchmath.DefaultThresholds), 0.95), true
}

// pairedRatio summarises the per-round ratios a/b of one unit.
func (res results) pairedRatio(a, b, unit string) (benchmath.Summary, bool) {
	av, bv := res[a][unit], res[b][unit]
	if av == nil || bv == nil {
		return benchmath.Summary{}, false
	}
	r := make([]float64, len(av))
	for i := range av {
		r[i] = av[i] / bv[i] // NaN when a round lacks one of them
	}
	return summary(r)
}

func (res results) median(name, unit string) (float64, bool) {
	s, ok := summary(res[name][unit])
	return s.Center, ok
}

func formatRatio(s benchmath.Summary, ok bool) string {
	if !ok {
		return "-"
	}
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo) {
		return fmt.Sprintf("%.2fx [too few rounds for a CI]", s.Center)
	}
	return fmt.Sprintf("%.2fx [%.2f, %.2f]", s.Center, s.Lo, s.Hi)
}

func formatTime(sec float64, ok bool) string {
	if !ok {
		return "-"
	}
	return benchunit.Scale(sec, benchunit.Decimal) + "s"
}

func printRatios(w io.Writer, rounds []round, py *python) error {
	res, err := parseRounds(rounds)
	if err != nil {
		return fmt.Errorf("reading the results: %v", err)
	}
	fmt.Fprintf(w, "## Ratios\n\n")
	fmt.Fprintf(w, "A/B as the median of the %d per-round ratios, with its 95%% confidence interval;\n", len(rounds))
	fmt.Fprintf(w, "wall: elapsed time per op; cpu: CPU time of the parent and its children per op.\n")
	fmt.Fprintf(w, "Goals (issues 7 and 13) are checked on the median wall ratio.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ratio\twall\tcpu\tA (median)\tB (median)\tgoal")
	for _, r := range ratios {
		wall, wok := res.pairedRatio(r.a, r.b, wallUnit)
		if !wok {
			continue // not run (filtered out, no python, not this OS)
		}
		cpu, cok := res.pairedRatio(r.a, r.b, cpuUnit)
		am, aok := res.median(r.a, wallUnit)
		bm, bok := res.median(r.b, wallUnit)
		label := r.label
		if pythonBaseline[r.b] != "" && py != nil {
			label += " (" + py.path + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", label, formatRatio(wall, wok), formatRatio(cpu, cok),
			formatTime(am, aok), formatTime(bm, bok), verdict(r.goal, wall))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// Every state size against the floor.
	var states []string
	for name := range res {
		if strings.HasPrefix(name, "ForkState/") {
			states = append(states, name)
		}
	}
	if len(states) == 0 || res["ReexecWait"] == nil {
		return nil
	}
	sort.Slice(states, func(i, j int) bool { return stateOrder(states[i]) < stateOrder(states[j]) })
	fmt.Fprintf(w, "\nFork+Wait with copied state / bare re-exec+wait (kind=bytes: one []byte;\n")
	fmt.Fprintf(w, "kind=records: a []struct{string; int64; []string; float64} of that gob size)\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  state\twall\tcpu\tmedian\t")
	for _, s := range states {
		wall, wok := res.pairedRatio(s, "ReexecWait", wallUnit)
		cpu, cok := res.pairedRatio(s, "ReexecWait", cpuUnit)
		m, ok := res.median(s, wallUnit)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", strings.TrimPrefix(s, "ForkState/"),
			formatRatio(wall, wok), formatRatio(cpu, cok), formatTime(m, ok))
	}
	m, ok := res.median("ReexecWait", wallUnit)
	fmt.Fprintf(tw, "  (bare re-exec+wait)\t\t\t%s\t\n", formatTime(m, ok))
	return tw.Flush()
}

// stateOrder sorts ForkState sub-benchmarks by size, then kind.
func stateOrder(name string) string {
	for i, size := range []string{"size=0", "size=4KiB", "size=64KiB", "size=1MiB"} {
		if strings.Contains(name, size+"/") || strings.HasSuffix(name, size) {
			return fmt.Sprint(i) + name
		}
	}
	return "9" + name
}

func verdict(goal float64, s benchmath.Summary) string {
	if goal == 0 {
		return ""
	}
	v := fmt.Sprintf("≤ %.2f: ", goal)
	switch {
	case s.Center <= goal && s.Hi <= goal:
		return v + "met"
	case s.Center <= goal:
		return v + "met (the interval reaches past it)"
	default:
		return v + fmt.Sprintf("MISSED by %.2fx", s.Center-goal)
	}
}
