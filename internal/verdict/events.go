package verdict

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Event is one line of `go test -json` output (cmd/test2json), including the
// build events of Go 1.24 and later.
type Event struct {
	Time        time.Time `json:",omitempty"`
	Action      string
	Package     string  `json:",omitempty"`
	Test        string  `json:",omitempty"`
	Elapsed     float64 `json:",omitempty"`
	Output      string  `json:",omitempty"`
	FailedBuild string  `json:",omitempty"`
	ImportPath  string  `json:",omitempty"` // build-output, build-fail
	Key, Value  string  `json:",omitempty"` // attr (Go 1.25)
}

// TestResult is what a stream says about one test: all its runs together,
// and each run. With go test -count N a test runs N times in one stream
// under the same name; Action is then "fail" if any run failed, and Runs
// tells the runs apart.
type TestResult struct {
	Package string
	Name    string
	Action  string   // "pass", "fail", "skip", or "" when it never finished
	Elapsed float64  // the last run's
	Output  []string // every run's output lines, in order, "\n" removed
	Attrs   map[string]string
	// Runs is each run of the test, in the order they ran: one per "run"
	// event (output before any "run" event opens one).
	Runs []*TestRun
}

// TestRun is one run of a test.
type TestRun struct {
	Action  string // "pass", "fail", "skip", or "" when it never finished
	Elapsed float64
	Output  []string // its output lines, "\n" removed

	out     strings.Builder
	started bool // a "run" event opened it
}

// current is the run that t's events apply to: the last one, or a new one
// when there is none, or when start (a "run" event) finds the last one
// already opened by a "run" event of its own.
func (t *TestResult) current(start bool) *TestRun {
	if n := len(t.Runs); n > 0 && !(start && t.Runs[n-1].started) {
		r := t.Runs[n-1]
		r.started = r.started || start
		return r
	}
	r := &TestRun{started: start}
	t.Runs = append(t.Runs, r)
	return r
}

// PackageResult is what a stream says about one package.
type PackageResult struct {
	Path        string
	Action      string   // "pass", "fail", "skip" (no test files), or ""
	Output      []string // output outside any test
	FailedBuild string   // set when the package failed to build

	out strings.Builder
}

// Stream is a parsed `go test -json` stream.
type Stream struct {
	Packages map[string]*PackageResult
	Tests    map[string]*TestResult // by Package + " " + Test
	Build    map[string][]string    // build output lines by ImportPath
	BuildErr []string               // ImportPaths with a build-fail event
	Stray    []string               // lines that are not JSON events
	Events   int                    // events read

	order []string // test keys in order of first appearance
}

func testKey(pkg, test string) string { return pkg + " " + test }

// Test returns the result of test in pkg, or nil.
func (s *Stream) Test(pkg, test string) *TestResult { return s.Tests[testKey(pkg, test)] }

// TestsOf returns pkg's tests in order of first appearance.
func (s *Stream) TestsOf(pkg string) []*TestResult {
	var out []*TestResult
	for _, k := range s.order {
		if t := s.Tests[k]; t.Package == pkg {
			out = append(out, t)
		}
	}
	return out
}

// Parser reads `go test -json` output incrementally: write the stream to
// it (it is an io.Writer), then call Finish.
type Parser struct {
	s       *Stream
	partial []byte
	// OnEvent, if set, is called after each event is applied.
	OnEvent func(e *Event, s *Stream)
}

// NewParser returns a parser with an empty stream.
func NewParser() *Parser {
	return &Parser{s: &Stream{
		Packages: map[string]*PackageResult{},
		Tests:    map[string]*TestResult{},
		Build:    map[string][]string{},
	}}
}

// Write consumes stream bytes; a line may span several writes.
func (p *Parser) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			break
		}
		line := b[:i]
		if len(p.partial) > 0 {
			line = append(p.partial, line...)
			p.partial = nil
		}
		p.line(line)
		b = b[i+1:]
	}
	return n, nil
}

func (p *Parser) line(b []byte) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return
	}
	var e Event
	if b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
		p.s.Stray = append(p.s.Stray, string(b))
		return
	}
	p.apply(&e)
	if p.OnEvent != nil {
		p.OnEvent(&e, p.s)
	}
}

func (p *Parser) apply(e *Event) {
	s := p.s
	s.Events++
	switch e.Action {
	case "build-output":
		s.Build[e.ImportPath] = append(s.Build[e.ImportPath], splitLines(e.Output)...)
		return
	case "build-fail":
		s.BuildErr = append(s.BuildErr, e.ImportPath)
		return
	}
	if e.Package == "" {
		return
	}
	pkg := s.Packages[e.Package]
	if pkg == nil {
		pkg = &PackageResult{Path: e.Package}
		s.Packages[e.Package] = pkg
	}
	if e.Test == "" {
		switch e.Action {
		case "output":
			pkg.out.WriteString(e.Output)
		case "pass", "fail", "skip":
			pkg.Action = e.Action
			pkg.FailedBuild = e.FailedBuild
		}
		return
	}
	k := testKey(e.Package, e.Test)
	t := s.Tests[k]
	if t == nil {
		t = &TestResult{Package: e.Package, Name: e.Test}
		s.Tests[k] = t
		s.order = append(s.order, k)
	}
	switch e.Action {
	case "run":
		t.current(true)
	case "output":
		t.current(false).out.WriteString(e.Output)
	case "pass", "fail", "skip":
		r := t.current(false)
		r.Action, r.Elapsed = e.Action, max(e.Elapsed, 0)
		// With -count=N a test runs N times: one failure fails it.
		if t.Action != "fail" {
			t.Action = e.Action
		}
		t.Elapsed = r.Elapsed
	case "attr":
		if t.Attrs == nil {
			t.Attrs = map[string]string{}
		}
		t.Attrs[e.Key] = e.Value
	}
}

// Finish ends the stream and returns it.
func (p *Parser) Finish() *Stream {
	if len(p.partial) > 0 {
		p.line(p.partial)
		p.partial = nil
	}
	for _, t := range p.s.Tests {
		t.Output = nil
		for _, r := range t.Runs {
			r.Output = splitLines(r.out.String())
			t.Output = append(t.Output, r.Output...)
		}
	}
	for _, pkg := range p.s.Packages {
		pkg.Output = splitLines(pkg.out.String())
	}
	return p.s
}

// ParseStream reads a whole `go test -json` stream. Lines that are not JSON
// events (a truncated last line, text the go command printed) are kept in
// Stray; a stream with no event at all is an error.
func ParseStream(r io.Reader) (*Stream, error) {
	p := NewParser()
	br := bufio.NewReader(r)
	if _, err := br.WriteTo(p); err != nil {
		return nil, err
	}
	s := p.Finish()
	if s.Events == 0 {
		if len(s.Stray) > 0 {
			return nil, fmt.Errorf("not go test -json output (first line: %q)", truncate(s.Stray[0], 80))
		}
		return nil, fmt.Errorf("no go test -json events")
	}
	return s, nil
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
