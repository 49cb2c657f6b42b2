package page

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/verdict"
)

// Bounds of what ReadHistory reads.
const (
	// MaxHistoryRuns is the most files a history directory may hold.
	MaxHistoryRuns = 1000
	// MaxHistoryBytes bounds the files' sizes added up.
	MaxHistoryBytes = verdict.MaxInput
)

// HistoryExt is the name ending of the files ReadHistory reads.
const HistoryExt = ".json"

// ReadHistory reads a history directory: earlier runs' merged documents
// (forkport merge -format json), one file per run, every entry whose name
// ends in HistoryExt (other names, such as a README or .git, are left
// alone). Each must be a regular file (not a link, a directory, a named
// pipe or a device), a document ReadMatrix reads, with the time of its
// run (Matrix.Time; the commit may be empty). More than MaxHistoryRuns
// files, or more than MaxHistoryBytes in all, is refused. Every error
// names its file and wraps fs.ErrInvalid (or the fs.ErrNotExist of a
// missing directory). The runs come oldest first.
func ReadHistory(dir string) ([]*verdict.Matrix, error) {
	return readHistory(dir, MaxHistoryRuns, MaxHistoryBytes)
}

func readHistory(dir string, maxRuns int, maxBytes int64) ([]*verdict.Matrix, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok {
			err = pe.Err
		}
		return nil, fmt.Errorf("history %s: %w", dir, wrapSentinel(err))
	}
	type run struct {
		name string
		m    *verdict.Matrix
		t    time.Time
	}
	var runs []run
	var total int64
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), HistoryExt) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() {
			return nil, fmt.Errorf("history %s: not a regular file (%s): %w", path, verdict.FileKind(e.Type()), fs.ErrInvalid)
		}
		if len(runs) == maxRuns {
			return nil, fmt.Errorf("history %s: more than %d %s files: %w", dir, maxRuns, HistoryExt, fs.ErrInvalid)
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", path, wrapSentinel(err))
		}
		if total += info.Size(); total > maxBytes {
			return nil, fmt.Errorf("history %s: its %s files hold more than %d bytes: %w", dir, HistoryExt, maxBytes, fs.ErrInvalid)
		}
		m, err := readMatrixFile(path)
		if err != nil {
			return nil, fmt.Errorf("history %s: %w", path, err)
		}
		if m.Time == "" {
			return nil, fmt.Errorf("history %s: no time: a history file is a merged document with its run's time (forkport merge -format json): %w", path, fs.ErrInvalid)
		}
		t, _ := time.Parse(time.RFC3339, m.Time) // ReadMatrix checked it
		runs = append(runs, run{e.Name(), m, t})
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].t.Equal(runs[j].t) {
			return runs[i].t.Before(runs[j].t)
		}
		return runs[i].name < runs[j].name
	})
	out := make([]*verdict.Matrix, len(runs))
	for i, r := range runs {
		out[i] = r.m
	}
	return out, nil
}

// readMatrixFile reads one merged document from a file.
func readMatrixFile(path string) (*verdict.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, wrapSentinel(err)
	}
	defer f.Close()
	return verdict.ReadMatrix(f)
}

// wrapSentinel keeps err, and adds fs.ErrInvalid to an error that wraps
// no standard sentinel, so that every bad input reads as one.
func wrapSentinel(err error) error {
	for _, s := range []error{fs.ErrInvalid, fs.ErrNotExist, fs.ErrPermission, fs.ErrExist} {
		if errors.Is(err, s) {
			return err
		}
	}
	return fmt.Errorf("%v: %w", err, fs.ErrInvalid)
}

// point is one run of a series: a history run or the page's own.
type point struct {
	m    *verdict.Matrix
	name string         // "abc1234, 2026-12-03", or "this run"
	rows map[string]int // claim id to its index in m.Claims
}

func newPoint(m *verdict.Matrix) point {
	p := point{m: m, name: runName(m), rows: make(map[string]int, len(m.Claims))}
	for i, r := range m.Claims {
		p.rows[r.ID] = i
	}
	return p
}

// series is the runs the page shows over time: the history, oldest first,
// then the page's own matrix. A history run with the matrix's own commit
// and time is the matrix itself (a history directory that already has
// this run), and is left out.
func series(m *verdict.Matrix, history []*verdict.Matrix) []point {
	var ps []point
	for _, h := range history {
		if h == m || h.Time != "" && h.Time == m.Time && h.Commit == m.Commit {
			continue
		}
		ps = append(ps, newPoint(h))
	}
	return append(ps, newPoint(m))
}

// runName names a run in the history: its commit, short, and the day of
// its time.
func runName(m *verdict.Matrix) string {
	var parts []string
	if m.Commit != "" {
		parts = append(parts, shortCommit(m.Commit))
	}
	if m.Time != "" {
		day, _, _ := strings.Cut(m.Time, "T")
		parts = append(parts, day)
	}
	if len(parts) == 0 {
		return "this run"
	}
	return verdict.Printable(strings.Join(parts, ", "))
}

// shortCommit is a commit's first 7 characters, as git shows it.
func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

// maxTransitions is how many of a cell's transitions the page lists: the
// latest; the count of earlier ones is said.
const maxTransitions = 4

// transitions lists how the verdict of claim id on the leg labelled label
// changed over the runs: "holds → broken at abc1234, 2026-12-03". Runs
// without the leg or the claim are passed over; a flaky tally that
// changes is no transition.
func transitions(runs []point, id, label string) []string {
	var out []string
	prev := verdict.Verdict("")
	for _, p := range runs {
		c, ok := p.cell(id, label)
		if !ok {
			continue
		}
		if prev != "" && c.Verdict != prev {
			out = append(out, fmt.Sprintf("%s → %s at %s", verdict.Printable(string(prev)), verdict.Printable(string(c.Verdict)), p.name))
		}
		prev = c.Verdict
	}
	if len(out) > maxTransitions {
		n := len(out) - maxTransitions
		out = append([]string{fmt.Sprintf("(%d earlier %s)", n, plural(n, "change", "changes"))}, out[n:]...)
	}
	return out
}

// cell finds claim id's cell on the leg labelled label.
func (p point) cell(id, label string) (verdict.Cell, bool) {
	i, ok := p.rows[id]
	if !ok {
		return verdict.Cell{}, false
	}
	c, ok := p.m.Claims[i].Results[label]
	return c, ok
}

// hasLeg reports whether m has a leg labelled label.
func hasLeg(m *verdict.Matrix, label string) bool {
	for _, l := range m.Legs {
		if l.Label == label {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
