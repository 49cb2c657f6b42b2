package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the benchmarks ran.
type machine struct {
	uname, cpu, memory, goVersion string
	cores                         int
	date                          time.Time
	loadBefore, loadAfter         string
	benchWall                     time.Duration
	testBin                       string // the procs test binary
}

func describeMachine(root string) *machine {
	m := &machine{
		cores:      runtime.NumCPU(),
		date:       time.Now().UTC(),
		loadBefore: loadAverage(),
		uname:      runtime.GOOS + " " + runtime.GOARCH,
		cpu:        "unknown",
		memory:     "unknown",
		goVersion:  runtime.Version(),
	}
	if out, err := exec.Command("uname", "-srvm").Output(); err == nil {
		m.uname = strings.TrimSpace(string(out))
	}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.cpu = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(v, " kB"), 64); err == nil {
			m.memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
		}
	}
	if out, err := command(root, "go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	m.goVersion += " " + runtime.GOOS + "/" + runtime.GOARCH
	return m
}

func (m *machine) print(w io.Writer, c *config, py *python) {
	fmt.Fprintln(w, "## Machine")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  uname:    %s\n", m.uname)
	fmt.Fprintf(w, "  cpu:      %s, %d cores (GOMAXPROCS %d)\n", m.cpu, m.cores, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  memory:   %s\n", m.memory)
	fmt.Fprintf(w, "  go:       %s\n", m.goVersion)
	if py != nil {
		fmt.Fprintf(w, "  python:   %s\n", py.describe())
	} else {
		fmt.Fprintf(w, "  python:   none (CPython loops skipped)\n")
	}
	self, _ := os.Executable()
	fmt.Fprintf(w, "  binaries: procs test binary %s; scripts/bench %s\n", describeBinary(m.testBin), describeBinary(self))
	fmt.Fprintf(w, "  date:     %s\n", m.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "  load:     %s before, %s after (1, 5, 15 min)\n", m.loadBefore, m.loadAfter)
	fmt.Fprintf(w, "  rounds:   %d × -benchtime %s, in %s (order seed %d)\n",
		c.count, c.benchtime, m.benchWall.Round(time.Second), c.seed)
}

// procField returns the value of the first "key: value" line of a /proc
// file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage is the 1, 5 and 15 minute load average, where the OS tells
// it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		if out, err := exec.Command("sysctl", "-n", "vm.loadavg").Output(); err == nil {
			return strings.Trim(strings.TrimSpace(string(out)), "{ }")
		}
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// selfSize is the size of this program's executable.
func selfSize() string {
	self, err := os.Executable()
	if err != nil {
		return "size unknown"
	}
	return fileSize(self)
}

func fileSize(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "size unknown"
	}
	return fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6)
}

// describeBinary gives an executable's size and, for ELF, whether it is
// dynamically linked (which adds the dynamic loader to its start-up).
func describeBinary(path string) string {
	d := fileSize(path)
	f, err := elf.Open(path)
	if err != nil {
		return d
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return d + ", dynamically linked"
		}
	}
	return d + ", static"
}
