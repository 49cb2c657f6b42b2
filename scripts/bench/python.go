package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// The CPython loops' benchmark names.
const (
	pyFork        = "OsFork"        // os.fork() + os._exit(0) + os.waitpid
	pySpawn       = "OsPosixSpawn"  // os.posix_spawn(/bin/true) + os.waitpid
	pyForkLatency = "OsForkLatency" // os.fork() until the child's byte is read
)

// pyLoop times one loop and prints it as a Go benchmark result line, with
// the CPU time of the interpreter and its reaped children per op, as the Go
// benchmarks report it. argv: loop name, then "x" and a count or "s" and
// seconds.
const pyLoop = `
import os, sys, time
name, kind, amount = sys.argv[1], sys.argv[2], float(sys.argv[3])
if name == "OsFork":
    def once():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
elif name == "OsForkLatency":
    # Timed as BenchmarkForkLatency: from the fork until the parent has
    # read the byte the child writes; the wait is not timed.
    def once():
        r, w = os.pipe()
        t0 = time.perf_counter_ns()
        pid = os.fork()
        if pid == 0:
            os.write(w, b"x")
            os._exit(0)
        os.read(r, 1)
        t = time.perf_counter_ns() - t0
        os.waitpid(pid, 0)
        os.close(r)
        os.close(w)
        return t
else:
    env = dict(os.environ)
    def once():
        pid = os.posix_spawn("/bin/true", ["/bin/true"], env)
        os.waitpid(pid, 0)
for _ in range(10):
    once()
def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
c0, t0, n, timed = cpu(), time.perf_counter(), 0, 0
if kind == "x":
    for n in range(1, int(amount) + 1):
        timed += once() or 0
else:
    end = t0 + amount
    while True:
        timed += once() or 0
        n += 1
        if time.perf_counter() >= end:
            break
wall, c = time.perf_counter() - t0, cpu() - c0
if timed:
    print("Benchmark%s\t%d\t%.0f ns/op" % (name, n, timed / n))
else:
    print("Benchmark%s\t%d\t%.0f ns/op\t%.0f cpu-ns/op" % (name, n, wall * 1e9 / n, c * 1e9 / n))
`

type python struct {
	path, version string
	why           string // how it was chosen
}

// findPython picks the interpreter for the CPython loops: the -python flag,
// else the stock /usr/bin/python3, else python3 on PATH (which may be a
// slow shim, such as pyenv's: say which one ran). nil means none.
func findPython(flagValue string) (*python, error) {
	py := &python{path: flagValue, why: "-python"}
	switch {
	case flagValue == "none":
		return nil, nil
	case flagValue != "":
	case fileExists("/usr/bin/python3"):
		py.path, py.why = "/usr/bin/python3", "the stock interpreter, preferred to PATH's"
	default:
		p, err := exec.LookPath("python3")
		if err != nil {
			logf("no python3 found: the CPython loops are skipped (see -python)")
			return nil, nil
		}
		py.path, py.why = p, "python3 on PATH; /usr/bin/python3 is absent"
	}
	out, err := exec.Command(py.path, "-c", "import sys; print(sys.version.split()[0])").Output()
	if err != nil {
		return nil, fmt.Errorf("-python %s: %v", py.path, errorText(err))
	}
	py.version = strings.TrimSpace(string(out))
	if _, err := os.Stat("/bin/true"); err != nil {
		logf("no /bin/true: the CPython loops are skipped")
		return nil, nil
	}
	return py, nil
}

func (p *python) describe() string {
	return fmt.Sprintf("%s (CPython %s; %s)", p.path, p.version, p.why)
}

// loop runs one CPython loop for benchtime (a duration or Nx).
func (p *python) loop(name, benchtime string) ([]byte, error) {
	kind, amount := "x", strings.TrimSuffix(benchtime, "x")
	if d, err := time.ParseDuration(benchtime); err == nil {
		kind, amount = "s", strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	}
	cmd := exec.Command(p.path, "-c", pyLoop, name, kind, amount)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", p.path, err, firstLine(stderr.Bytes()))
	}
	return out, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func errorText(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return firstLine(ee.Stderr)
	}
	return err.Error()
}
