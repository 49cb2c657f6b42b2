package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/perf/benchmath"
)

// The forking server's subjects (-server): chapter.ForkServer forking a
// fresh child per connection, the same through procs.Prestart(2)'s pool,
// and the CPython twin forkserver.py (os.fork).
var serverSubjects = []string{"ServerGoFresh", "ServerGoPrestart", "ServerCPython"}

// serverWait bounds every wait of the server measurement.
const serverWait = 30 * time.Second

// benchServer is -server: connections per second of the forking server, each
// connection one echo round trip (dial, a line, its echo, close, end of
// file: the child has exited or is exiting), made one after another by this
// process, for each subject side by side in every round (the order shuffled
// from round to round). Each round starts each server afresh, makes 20
// connections untimed, then times connections for -benchtime.
func benchServer(c *config) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	py, err := findPython(c.python)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "forkport-bench-server-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	m := describeMachine(root)
	bin := filepath.Join(tmp, "forkserver"+exeSuffix)
	logf("building scripts/forkserver")
	if out, err := command(root, "go", "build", "-o", bin, "./scripts/forkserver").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./scripts/forkserver: %v: %s", err, firstLine(out))
	}
	argv := map[string][]string{
		"ServerGoFresh":    {bin},
		"ServerGoPrestart": {bin, "-prestart", "2"},
	}
	subjects := serverSubjects[:2]
	if py != nil {
		argv["ServerCPython"] = []string{py.path, filepath.Join(root, "internal", "probe", "python", "forkserver.py")}
		subjects = serverSubjects
	} else {
		logf("no CPython: the twin is not measured")
	}
	benchtime, _ := parseBenchtime(c.benchtime)
	count := 0
	if benchtime == 0 {
		fmt.Sscanf(c.benchtime, "%dx", &count)
	}
	rng := rand.New(rand.NewPCG(uint64(c.seed), 0))
	perSec := map[string][]float64{}
	started := time.Now()
	for r := range c.count {
		order := append([]string(nil), subjects...)
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		logf("round %d/%d: %s", r+1, c.count, strings.Join(order, " "))
		for _, name := range order {
			n, d, err := timeServer(argv[name], benchtime, count)
			if err != nil {
				return fmt.Errorf("round %d, %s: %v", r+1, name, err)
			}
			perSec[name] = append(perSec[name], float64(n)/d.Seconds())
		}
	}
	m.loadAfter = loadAverage()
	m.benchWall = time.Since(started)

	w := os.Stdout
	fmt.Fprintln(w, "## Machine")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  uname:    %s\n", m.uname)
	fmt.Fprintf(w, "  cpu:      %s, %d cores\n", m.cpu, m.cores)
	fmt.Fprintf(w, "  memory:   %s\n", m.memory)
	fmt.Fprintf(w, "  go:       %s\n", m.goVersion)
	if py != nil {
		fmt.Fprintf(w, "  python:   %s\n", py.describe())
	}
	fmt.Fprintf(w, "  server:   scripts/forkserver %s\n", describeBinary(bin))
	fmt.Fprintf(w, "  date:     %s\n", m.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "  load:     %s before, %s after (1, 5, 15 min)\n", m.loadBefore, m.loadAfter)
	fmt.Fprintf(w, "  rounds:   %d × -benchtime %s, in %s (order seed %d)\n", c.count, c.benchtime, m.benchWall.Round(time.Second), c.seed)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "## Forking server: connections per second (one echo round trip each, one client)\n\n")
	fmt.Fprintf(w, "Median of %d rounds, with its 95%% confidence interval.\n\n", c.count)
	for _, name := range subjects {
		s, ok := summary(perSec[name])
		fmt.Fprintf(w, "  %-18s %s\n", name, formatRate(s, ok))
	}
	fmt.Fprintf(w, "\nRatios of connections per second, the median of the per-round ratios:\n\n")
	pairs := [][2]string{{"ServerGoPrestart", "ServerGoFresh"}, {"ServerGoFresh", "ServerCPython"}, {"ServerGoPrestart", "ServerCPython"}}
	for _, p := range pairs {
		a, b := perSec[p[0]], perSec[p[1]]
		if a == nil || b == nil {
			continue
		}
		r := make([]float64, len(a))
		for i := range a {
			r[i] = a[i] / b[i]
		}
		s, ok := summary(r)
		fmt.Fprintf(w, "  %-18s / %-16s %s\n", p[0], p[1], formatRatio(s, ok))
	}
	fmt.Fprintf(w, "\nRerun: go run ./scripts/bench -server%s\n", rerunFlags(c))
	return nil
}

// formatRate prints a median rate and its interval.
func formatRate(s benchmath.Summary, ok bool) string {
	switch {
	case !ok:
		return "-"
	case math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo):
		return fmt.Sprintf("%7.0f conn/s [too few rounds for a CI]", s.Center)
	}
	return fmt.Sprintf("%7.0f conn/s [%.0f, %.0f]", s.Center, s.Lo, s.Hi)
}

// timeServer starts a server with argv, makes 20 connections, then times
// connections for d (or count of them), stops the server at the end of its
// stdin and returns how many connections it timed and how long they took.
func timeServer(argv []string, d time.Duration, count int) (int, time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	lines := bufio.NewScanner(stdout)
	stop := func() error {
		stdin.Close()
		go io.Copy(io.Discard, stdout) // the child lines; ends when all exited
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(serverWait):
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("the server did not stop within %v", serverWait)
		}
	}
	addr, err := firstAddress(lines)
	if err != nil {
		_ = stop()
		return 0, 0, err
	}
	go io.Copy(io.Discard, stdout) // keep the server's pipe flowing
	for range 20 {
		if err := echoRoundTrip(addr); err != nil {
			_ = stop()
			return 0, 0, fmt.Errorf("warm-up: %v", err)
		}
	}
	n, start := 0, time.Now()
	for {
		if err := echoRoundTrip(addr); err != nil {
			_ = stop()
			return 0, 0, err
		}
		n++
		if (count > 0 && n >= count) || (count == 0 && time.Since(start) >= d) {
			break
		}
	}
	el := time.Since(start)
	return n, el, stop()
}

// firstAddress reads the server's "listening tcp4 ADDR" line.
func firstAddress(lines *bufio.Scanner) (string, error) {
	got := make(chan string, 1)
	go func() {
		if lines.Scan() {
			got <- lines.Text()
		}
		close(got)
	}()
	select {
	case line := <-got:
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "listening" {
			return "", fmt.Errorf("the server's first line is %q, not listening ...", line)
		}
		return f[2], nil
	case <-time.After(serverWait):
		return "", fmt.Errorf("no listening line within %v", serverWait)
	}
}

// echoRoundTrip is one connection: a line, its echo, close, end of file.
func echoRoundTrip(addr string) error {
	c, err := net.DialTimeout("tcp4", addr, serverWait)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(serverWait)); err != nil {
		return err
	}
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "echo ") || !strings.HasSuffix(line, ": ping\n") {
		return fmt.Errorf("echo %q, %v", line, err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	if rest, err := io.ReadAll(r); err != nil || len(rest) > 0 {
		return fmt.Errorf("after the echo: %q, %v", rest, err)
	}
	return nil
}
