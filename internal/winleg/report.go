package winleg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// PackageResult is what a Reporter saw of one package.
type PackageResult struct {
	Package string
	// Action is the package's final action: "pass", "fail" or "skip" (no
	// test files); "" if the stream ended before the package did.
	Action  string
	Elapsed float64 // seconds
	// Passed, Failed and Skipped name the tests (subtests included) with
	// that result, in the order they ended.
	Passed, Failed, Skipped []string
}

// Reporter turns a go test -json stream, written to it, into a readable
// account on an io.Writer: every failed test with its output as soon as it
// fails, one line per package when the package ends (with its own output if
// it failed), and, when verbose, a line per test. It accepts any chunking of
// the stream; lines that are not JSON events are shown as they are.
type Reporter struct {
	w       io.Writer
	verbose bool

	mu     sync.Mutex
	buf    []byte
	pkgs   map[string]*PackageResult
	order  []string
	output map[[2]string]*strings.Builder // package, test -> output
	builds map[string]*strings.Builder    // ImportPath -> build output
}

// NewReporter returns a Reporter writing to w; verbose adds a line per test.
func NewReporter(w io.Writer, verbose bool) *Reporter {
	return &Reporter{
		w: w, verbose: verbose,
		pkgs:   map[string]*PackageResult{},
		output: map[[2]string]*strings.Builder{},
		builds: map[string]*strings.Builder{},
	}
}

// Write takes the next part of the stream.
func (r *Reporter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		r.line(r.buf[:i])
		r.buf = r.buf[i+1:]
	}
	return len(p), nil
}

func (r *Reporter) pkg(name string) *PackageResult {
	p := r.pkgs[name]
	if p == nil {
		p = &PackageResult{Package: name}
		r.pkgs[name] = p
		r.order = append(r.order, name)
	}
	return p
}

func (r *Reporter) line(b []byte) {
	b = bytes.TrimRight(b, "\r")
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	var e Event
	if err := json.Unmarshal(b, &e); err != nil || e.Action == "" {
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	elapsed := 0.0
	if e.Elapsed != nil {
		elapsed = *e.Elapsed
	}
	switch e.Action {
	case "build-output":
		sb := r.builds[e.ImportPath]
		if sb == nil {
			sb = &strings.Builder{}
			r.builds[e.ImportPath] = sb
		}
		sb.WriteString(e.Output)
		return
	case "build-fail":
		if sb := r.builds[e.ImportPath]; sb != nil {
			fmt.Fprintf(r.w, "%s", indent(sb.String(), "    "))
		}
		return
	}
	if e.Package == "" {
		return
	}
	p := r.pkg(e.Package)
	key := [2]string{e.Package, e.Test}
	switch e.Action {
	case "output":
		sb := r.output[key]
		if sb == nil {
			sb = &strings.Builder{}
			r.output[key] = sb
		}
		sb.WriteString(e.Output)
	case "pass", "fail", "skip":
		if e.Test == "" {
			p.Action, p.Elapsed = e.Action, elapsed
			r.packageDone(p)
			return
		}
		switch e.Action {
		case "pass":
			p.Passed = append(p.Passed, e.Test)
			if r.verbose {
				fmt.Fprintf(r.w, "    ok   %s (%.2fs)\n", e.Test, elapsed)
			}
		case "skip":
			p.Skipped = append(p.Skipped, e.Test)
			if r.verbose {
				fmt.Fprintf(r.w, "    skip %s (%.2fs)%s\n", e.Test, elapsed, skipReason(r.output[key]))
			}
		case "fail":
			p.Failed = append(p.Failed, e.Test)
			fmt.Fprintf(r.w, "--- FAIL: %s %s (%.2fs)\n", e.Package, e.Test, elapsed)
			if sb := r.output[key]; sb != nil {
				fmt.Fprintf(r.w, "%s", indent(testOutput(sb.String()), "    "))
			}
		}
		delete(r.output, key)
	}
}

// packageDone writes the package's line (and, if it failed, its own output).
func (r *Reporter) packageDone(p *PackageResult) {
	key := [2]string{p.Package, ""}
	out := ""
	if sb := r.output[key]; sb != nil {
		out = sb.String()
	}
	delete(r.output, key)
	defer func() {
		for k := range r.output {
			if k[0] == p.Package {
				delete(r.output, k)
			}
		}
	}()
	switch p.Action {
	case "skip":
		fmt.Fprintf(r.w, "?    %s [no test files]\n", p.Package)
	case "pass":
		fmt.Fprintf(r.w, "ok   %s %.2fs (%s)\n", p.Package, p.Elapsed, counts(p))
	default:
		// Tests that never ended: the binary crashed, timed out or was
		// killed while they ran.
		var unfinished []string
		for k := range r.output {
			if k[0] == p.Package && k[1] != "" {
				unfinished = append(unfinished, k[1])
			}
		}
		slices.Sort(unfinished)
		for _, t := range unfinished {
			fmt.Fprintf(r.w, "--- UNFINISHED: %s %s\n%s", p.Package, t, indent(testOutput(r.output[[2]string{p.Package, t}].String()), "    "))
		}
		if s := packageOutput(out); s != "" {
			fmt.Fprintf(r.w, "--- FAIL: %s (package output)\n%s", p.Package, indent(s, "    "))
		}
		fmt.Fprintf(r.w, "FAIL %s %.2fs (%s)\n", p.Package, p.Elapsed, counts(p))
	}
}

func counts(p *PackageResult) string {
	parts := []string{fmt.Sprintf("%d passed", len(p.Passed))}
	if len(p.Failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", len(p.Failed)))
	}
	if len(p.Skipped) > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", len(p.Skipped)))
	}
	return strings.Join(parts, ", ")
}

// Results returns what the reporter saw of each package, in order of first
// appearance.
func (r *Reporter) Results() []PackageResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PackageResult, 0, len(r.order))
	for _, name := range r.order {
		p := *r.pkgs[name]
		p.Passed, p.Failed, p.Skipped = slices.Clone(p.Passed), slices.Clone(p.Failed), slices.Clone(p.Skipped)
		out = append(out, p)
	}
	return out
}

// Summary writes the totals and the failed tests, and reports whether all
// packages passed (or had no tests). A package that never ended counts as
// failed.
func (r *Reporter) Summary(title string) (ok bool) {
	res := r.Results()
	var passed, failed, skipped, pkgFailed int
	var failures []string
	for _, p := range res {
		passed += len(p.Passed)
		failed += len(p.Failed)
		skipped += len(p.Skipped)
		switch p.Action {
		case "pass", "skip":
		case "":
			pkgFailed++
			failures = append(failures, p.Package+" (did not finish)")
		default:
			pkgFailed++
			if len(p.Failed) == 0 {
				failures = append(failures, p.Package+" (no test failed: see the package output)")
			}
		}
		for _, t := range p.Failed {
			failures = append(failures, p.Package+" "+t)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	verdict := "PASS"
	if pkgFailed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(r.w, "%s %s: %d packages (%d failed); tests: %d passed, %d failed, %d skipped\n",
		verdict, title, len(res), pkgFailed, passed, failed, skipped)
	for _, f := range failures {
		fmt.Fprintf(r.w, "    failed: %s\n", f)
	}
	return pkgFailed == 0
}

// testOutput drops the framing lines test2json already turned into events.
func testOutput(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(l, "=== RUN") || strings.HasPrefix(l, "=== PAUSE") || strings.HasPrefix(l, "=== CONT") || strings.HasPrefix(l, "=== NAME") {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// packageOutput drops the lines that only repeat the result.
func packageOutput(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSpace(l)
		if t == "PASS" || t == "FAIL" || strings.HasPrefix(t, "ok  ") || (strings.HasPrefix(t, "FAIL\t") && !strings.Contains(t, "[build failed]")) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// skipReason returns ": <the skip message>" from a skipped test's output.
func skipReason(sb *strings.Builder) string {
	if sb == nil {
		return ""
	}
	for _, l := range strings.Split(sb.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "===") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		return ": " + l
	}
	return ""
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
