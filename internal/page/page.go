package page

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

// Site is what a results page shows: a merged matrix, and optionally the
// earlier runs it is the latest of.
type Site struct {
	// Matrix is this run: claims as rows, legs as columns.
	Matrix *verdict.Matrix
	// History is earlier runs, oldest first (ReadHistory's order), each
	// with its time. With history the page shows, per claim and leg, the
	// transitions of the verdict over the runs, and per leg a chart of its
	// score per run. A history run with the matrix's commit and time is
	// the matrix itself, and counts once.
	History []*verdict.Matrix
}

// The files WriteDir writes.
const (
	IndexFile  = "index.html"
	StyleFile  = "style.css"
	MatrixFile = "matrix.json" // the matrix, as forkport merge -format json writes it
)

//go:embed page.html
var pageHTML string

//go:embed style.css
var styleCSS []byte

var pageTemplate = template.Must(template.New(IndexFile).Parse(pageHTML))

// WriteDir writes the site into dir (made if need be): IndexFile, the
// StyleFile it links to, and the matrix as MatrixFile. The page loads
// nothing else: no script, no font, no image, nothing from the network, so
// it works from file:// and offline.
func (s *Site) WriteDir(dir string) error {
	var page bytes.Buffer
	if err := s.WriteHTML(&page); err != nil {
		return err
	}
	var data bytes.Buffer
	if err := verdict.WriteJSON(&data, s.Matrix); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{IndexFile, page.Bytes()}, {StyleFile, styleCSS}, {MatrixFile, data.Bytes()}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o666); err != nil {
			return err
		}
	}
	return nil
}

// WriteHTML writes the page itself (IndexFile) to w.
func (s *Site) WriteHTML(w io.Writer) error {
	if s.Matrix == nil {
		return fmt.Errorf("page: no matrix to show")
	}
	return pageTemplate.Execute(w, s.view())
}

// view is what the template shows: every string from the matrix is made
// Printable here, and html/template escapes it for HTML.
type view struct {
	Title    string
	Run      string // "commit abc1234 · 2026-12-03T10:00:00Z"
	History  string // "12 runs, 2026-11-01 to 2026-12-03"
	Legend   []legendItem
	Legs     []legView
	Rows     []rowView
	Problems int // rows with a cell that is broken, flaky or not run
	Issues   []issueView
	Notes    []string
}

type legendItem struct{ Class, Text string }

type legView struct {
	Label   string
	Lines   []string // OS and arch, subject, Go, Wine, forkport and time
	Score   Score
	Chart   *chart
	Errors  int // fatal problems
	Anchor  string
	Summary string // "1 error, 2 notes"
}

type rowView struct {
	ID, Claim, Source string
	Expect            []expectGroup
	Cells             []cellView
	Problem           bool
}

type expectGroup struct {
	Subject string // "procs", "CPython", "Wine"
	Items   []expectItem
}

type expectItem struct{ OS, Text string }

type cellView struct {
	Leg     string
	Class   string // v-holds, v-broken, ...
	Text    string // the verdict, or the flaky tally
	Detail  string
	Log     string
	Open    bool // the detail and log are a click away
	Slow    bool
	Changes []string
}

type issueView struct {
	Leg, Anchor, Word, Summary, Output string
	Fatal                              bool
}

// verdictClass maps a verdict to its CSS class; others get "v-other".
var verdictClass = map[verdict.Verdict]string{
	verdict.Holds:             "v-holds",
	verdict.DiffersAsExpected: "v-differs",
	verdict.WineDeviation:     "v-wine",
	verdict.Broken:            "v-broken",
	verdict.Flaky:             "v-flaky",
	verdict.NotRun:            "v-notrun",
}

var legendOrder = []verdict.Verdict{verdict.Holds, verdict.DiffersAsExpected, verdict.WineDeviation, verdict.Broken, verdict.Flaky, verdict.NotRun}

func (s *Site) view() *view {
	m := s.Matrix
	p := verdict.Printable
	v := &view{Title: "forkport claims"}
	var run []string
	if m.Commit != "" {
		run = append(run, "commit "+p(shortCommit(m.Commit)))
	}
	if m.Time != "" {
		run = append(run, p(m.Time))
	}
	v.Run = strings.Join(run, " · ")
	for _, vd := range legendOrder {
		v.Legend = append(v.Legend, legendItem{verdictClass[vd], string(vd)})
	}
	var runs []point
	if len(s.History) > 0 {
		runs = series(m, s.History)
		v.History = fmt.Sprintf("%d runs, %s to %s", len(runs), runs[0].name, runs[len(runs)-1].name)
	}
	for i, l := range m.Legs {
		lv := legView{Label: p(l.Label), Score: ScoreOf(m, l.Label), Anchor: "leg-" + strconv.Itoa(i+1)}
		lv.Lines = legLines(l)
		notes := 0
		for _, pr := range l.Problems {
			word := "note"
			if pr.Fatal {
				lv.Errors++
				word = "error"
			} else {
				notes++
			}
			v.Issues = append(v.Issues, issueView{Leg: lv.Label, Anchor: lv.Anchor, Word: word, Summary: p(pr.Summary),
				Output: logText(pr.Output), Fatal: pr.Fatal})
		}
		var sum []string
		if lv.Errors > 0 {
			sum = append(sum, fmt.Sprintf("%d %s", lv.Errors, plural(lv.Errors, "error", "errors")))
		}
		if notes > 0 {
			sum = append(sum, fmt.Sprintf("%d %s", notes, plural(notes, "note", "notes")))
		}
		lv.Summary = strings.Join(sum, ", ")
		if runs != nil {
			lv.Chart = scoreChart(runs, l.Label)
		}
		v.Legs = append(v.Legs, lv)
	}
	for _, r := range m.Claims {
		rv := rowView{ID: p(r.ID), Claim: p(r.Claim), Source: p(r.Source), Expect: expectations(r)}
		for _, l := range m.Legs {
			c := r.Results[l.Label]
			cv := cellView{Leg: p(l.Label), Class: verdictClass[c.Verdict], Text: p(string(c.Verdict)), Slow: c.Slow}
			if cv.Class == "" {
				cv.Class = "v-other"
			}
			label, detail := verdict.Shown(c.Verdict, c.Runs, c.Detail)
			switch c.Verdict {
			case verdict.Flaky, verdict.Broken, verdict.NotRun:
				rv.Problem = true
				cv.Text = p(label)
				cv.Detail, cv.Log = p(detail), logText(c.Output)
				cv.Open = cv.Detail != "" || cv.Log != ""
			}
			if runs != nil {
				cv.Changes = transitions(runs, r.ID, l.Label)
			}
			rv.Cells = append(rv.Cells, cv)
		}
		if rv.Problem {
			v.Problems++
		}
		v.Rows = append(v.Rows, rv)
	}
	for _, n := range m.Notes {
		v.Notes = append(v.Notes, p(n))
	}
	return v
}

// legLines describes a leg under its label: OS and arch, subject and its
// version, Go, Wine's version, forkport's version and the time.
func legLines(l verdict.MatrixLeg) []string {
	p := verdict.Printable
	os := verdict.OSTitle(l.OS)
	if l.Arch != "" {
		os += " · " + l.Arch
	}
	lines := []string{p(os)}
	subject := claims.Procs
	if l.Subject == claims.CPython {
		subject = strings.TrimSpace("CPython " + l.SubjectVersion)
	} else if l.Subject != "" {
		subject = l.Subject
	}
	lines = append(lines, p(subject))
	if l.Go != "" {
		lines = append(lines, p(l.Go))
	}
	if l.Wine {
		w := "Wine"
		if l.WineVersion != "" {
			w += " " + strings.TrimPrefix(l.WineVersion, "wine-")
		}
		lines = append(lines, p(w))
	}
	var build []string
	if l.Forkport != "" {
		build = append(build, "forkport "+l.Forkport)
	}
	if l.Time != "" {
		build = append(build, l.Time)
	}
	if len(build) > 0 {
		lines = append(lines, p(strings.Join(build, " · ")))
	}
	return lines
}

// expectations lists a row's expectations: procs' by OS (claims.OSes
// first, then the others in order), CPython's, and the Wine deviation.
func expectations(r verdict.Row) []expectGroup {
	var gs []expectGroup
	if items := expectItems(r.Expect); len(items) > 0 {
		gs = append(gs, expectGroup{"procs", items})
	}
	if items := expectItems(r.ExpectCPython); len(items) > 0 {
		gs = append(gs, expectGroup{"CPython", items})
	}
	if r.Wine != "" {
		gs = append(gs, expectGroup{"Wine", []expectItem{{"", verdict.Printable("deviates — " + r.Wine)}}})
	}
	return gs
}

func expectItems(e map[string]claims.Expectation) []expectItem {
	var oses []string
	for _, os := range claims.OSes {
		if _, ok := e[os]; ok {
			oses = append(oses, os)
		}
	}
	var extra []string
	for os := range e {
		if !claims.KnownOS(os) {
			extra = append(extra, os)
		}
	}
	sort.Strings(extra)
	var items []expectItem
	for _, os := range append(oses, extra...) {
		items = append(items, expectItem{verdict.Printable(verdict.OSTitle(os)), verdict.Printable(e[os].String())})
	}
	return items
}

// logText is a log's lines, each Printable but for its tabs, one a line.
func logText(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		for j, part := range strings.Split(l, "\t") {
			if j > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(verdict.Printable(part))
		}
	}
	return b.String()
}
