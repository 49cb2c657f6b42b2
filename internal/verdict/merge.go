package verdict

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/forkport/forkport/internal/claims"
)

// Matrix is several legs' verdicts merged: claims as rows, legs as columns.
// It is the document `forkport merge -format json` writes.
type Matrix struct {
	Format string `json:"format"`
	// Commit and Time say which run of the suite this is, for history:
	// the commit the legs ran (git rev-parse HEAD, or as given) and when
	// the merge was made, RFC 3339 UTC.
	Commit string      `json:"commit,omitempty"`
	Time   string      `json:"time,omitempty"`
	Legs   []MatrixLeg `json:"legs"`
	Claims []Row       `json:"claims"`
	Notes  []string    `json:"notes,omitempty"`
}

// MatrixLeg is one column: a leg document's header.
type MatrixLeg struct {
	Label       string `json:"label"` // column name, unique in the matrix
	File        string `json:"file,omitempty"`
	Leg         string `json:"leg"`
	OS          string `json:"os"`
	Arch        string `json:"arch,omitempty"`
	Wine        bool   `json:"wine"`
	WineVersion string `json:"wine_version,omitempty"`
	// Subject and SubjectVersion are the leg's (empty for procs).
	Subject        string    `json:"subject,omitempty"`
	SubjectVersion string    `json:"subject_version,omitempty"`
	Go             string    `json:"go,omitempty"`
	Forkport       string    `json:"forkport,omitempty"`
	Time           string    `json:"time,omitempty"`
	Problems       []Problem `json:"problems,omitempty"`
}

// Row is one claim across the legs.
type Row struct {
	ID     string                        `json:"id"`
	Claim  string                        `json:"claim"`
	Source string                        `json:"source,omitempty"`
	Expect map[string]claims.Expectation `json:"expect"` // procs, by OS
	// ExpectCPython is the CPython subject's expectations by OS, when the
	// claim states them.
	ExpectCPython map[string]claims.Expectation `json:"expect_cpython,omitempty"`
	Wine          string                        `json:"wine,omitempty"` // the claim's Wine deviation
	Results       map[string]Cell               `json:"results"`        // by leg label
}

// Cell is one claim's result on one leg.
type Cell struct {
	Status  Status   `json:"status"`
	Verdict Verdict  `json:"verdict"`
	Detail  string   `json:"detail,omitempty"`
	Output  []string `json:"output,omitempty"`
	// Runs and Slow are the leg's Result.Runs and Result.Slow.
	Runs []Run `json:"runs,omitempty"`
	Slow bool  `json:"slow,omitempty"`
}

// Failed reports whether any leg has a broken or flaky claim or a fatal
// problem.
func (m *Matrix) Failed() bool {
	for _, l := range m.Legs {
		for _, p := range l.Problems {
			if p.Fatal {
				return true
			}
		}
	}
	for _, r := range m.Claims {
		for _, c := range r.Results {
			if c.Verdict.Fails() {
				return true
			}
		}
	}
	return false
}

// Merge merges legs (files names each leg's source, or is nil), the columns
// in the order linux, darwin, windows, windows-wine. With claim
// files cs, the rows are exactly cs, and each result is judged again
// against cs's current expectations (a leg document written before an
// expectation changed is not trusted for its old verdict); without, the rows
// are every claim the legs mention. A leg without a result for a claim shows
// it as not run.
func Merge(cs []*claims.Claim, legs []*Leg, files []string) *Matrix {
	m := &Matrix{Format: MatrixFormat}
	legs, files = orderLegs(legs, files)
	labels := legLabels(legs, files)
	for i, l := range legs {
		label := labels[i]
		ml := MatrixLeg{Label: label, Leg: l.Leg, OS: l.OS, Arch: l.Arch, Wine: l.Wine, WineVersion: l.WineVersion,
			Subject: l.Subject, SubjectVersion: l.SubjectVersion,
			Go: l.Go, Forkport: l.Forkport, Time: l.Time, Problems: l.Problems}
		if i < len(files) {
			ml.File = files[i]
		}
		m.Legs = append(m.Legs, ml)
	}

	rows := map[string]*Row{}
	var ids []string
	if cs != nil {
		for _, c := range cs {
			rows[c.ID] = &Row{ID: c.ID, Claim: c.Claim, Source: c.Source, Expect: c.Expect,
				ExpectCPython: c.Expectations(claims.CPython), Wine: c.Wine, Results: map[string]Cell{}}
			ids = append(ids, c.ID)
		}
	}
	byID := map[string]*claims.Claim{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	dropped := map[string]bool{}
	for i, l := range legs {
		label := m.Legs[i].Label
		for _, r := range l.Claims {
			row := rows[r.ID]
			if row == nil {
				if cs != nil {
					if !dropped[r.ID] {
						m.Notes = append(m.Notes, fmt.Sprintf("%s: results for %s, which has no claim file; left out", label, r.ID))
						dropped[r.ID] = true
					}
					continue
				}
				row = &Row{ID: r.ID, Claim: r.Claim, Source: r.Source, Expect: map[string]claims.Expectation{}, Results: map[string]Cell{}}
				rows[r.ID] = row
				ids = append(ids, r.ID)
			}
			cell := Cell{Status: r.Status, Verdict: r.Verdict, Detail: r.Detail, Output: r.Output, Runs: r.Runs, Slow: r.Slow}
			if c := byID[r.ID]; c != nil {
				cell.Verdict = DecideRuns(c, l.Info(), r.Status, r.Runs)
				if why := staleExpectation(c, l.Info(), r); why != "" {
					cell.Verdict, cell.Detail = Broken, why
				}
			} else {
				exp := row.Expect
				if l.Subject == claims.CPython {
					if row.ExpectCPython == nil {
						row.ExpectCPython = map[string]claims.Expectation{}
					}
					exp = row.ExpectCPython
				}
				if _, ok := exp[l.OS]; !ok {
					exp[l.OS] = r.Expect
				}
				if r.Wine != "" {
					row.Wine = r.Wine
				}
			}
			row.Results[label] = cell
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		row := rows[id]
		for _, l := range m.Legs {
			if _, ok := row.Results[l.Label]; !ok {
				row.Results[l.Label] = Cell{Status: StatusAbsent, Verdict: NotRun, Detail: "no result"}
			}
		}
		m.Claims = append(m.Claims, *row)
	}
	return m
}

// orderLegs sorts the legs linux, darwin, windows, windows-wine, each OS's
// procs leg before its CPython one (so the two subjects sit side by side),
// keeping the given order among legs of one kind; files follow their legs.
func orderLegs(legs []*Leg, files []string) ([]*Leg, []string) {
	rank := func(l *Leg) int {
		r := 0
		switch {
		case l.Wine:
			r = 6
		case l.OS == "windows":
			r = 4
		case l.OS == "darwin":
			r = 2
		}
		if l.Subject == claims.CPython {
			r++
		}
		return r
	}
	idx := make([]int, len(legs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rank(legs[idx[a]]) < rank(legs[idx[b]]) })
	outLegs := make([]*Leg, len(legs))
	var outFiles []string
	if files != nil {
		outFiles = make([]string, len(legs))
	}
	for i, j := range idx {
		outLegs[i] = legs[j]
		if files != nil && j < len(files) {
			outFiles[i] = files[j]
		}
	}
	return outLegs, outFiles
}

// legLabels names the matrix columns: a leg's name, and when several legs
// share it, a hint to tell them apart: the file name (less "results-" and
// the extension), else the Go version, else a number.
func legLabels(legs []*Leg, files []string) []string {
	count := map[string]int{}
	for _, l := range legs {
		count[l.Leg]++
	}
	used := map[string]bool{}
	labels := make([]string, len(legs))
	for i, l := range legs {
		label := l.Leg
		if count[l.Leg] > 1 {
			hint := strconv.Itoa(i + 1)
			switch {
			case i < len(files) && files[i] != "":
				base := filepath.Base(files[i])
				hint = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(base, filepath.Ext(base)), "test-"), "results-")
			case l.Go != "":
				hint = l.Go
			}
			label = fmt.Sprintf("%s (%s)", l.Leg, hint)
		}
		for n := 2; used[label]; n++ {
			label = fmt.Sprintf("%s #%d", strings.TrimSuffix(label, fmt.Sprintf(" #%d", n-1)), n)
		}
		used[label] = true
		labels[i] = label
	}
	return labels
}

// Filter keeps the rows whose ID matches re.
func (m *Matrix) Filter(re *regexp.Regexp) {
	var keep []Row
	for _, r := range m.Claims {
		if re.MatchString(r.ID) {
			keep = append(keep, r)
		}
	}
	m.Claims = keep
}

// staleExpectation says why a pass recorded in a leg document does not
// speak for claim c's header as it is now: the script ran the lines of
// the expectation the document records ([holds] or [differs]), and a pass
// of those lines says nothing about another expectation. "" when it does.
func staleExpectation(c *claims.Claim, leg LegInfo, r Result) string {
	now := leg.Expectation(c).Outcome
	if r.Status != StatusPass || r.Expect.Outcome == "" || now == "" || r.Expect.Outcome == now {
		return ""
	}
	return fmt.Sprintf("the leg ran against %s: %s; the header now says %s: run it again", leg.OS, r.Expect.Outcome, now)
}
