package verdict

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/forkport/forkport/internal/claims"
)

// MatrixFormats are the merged-document formats ReadMatrix reads: v1, and
// v2, which adds the run's commit and time and each cell's runs (the
// fields Matrix already has).
var MatrixFormats = []string{"forkport.matrix/v1", "forkport.matrix/v2"}

// ReadMatrix reads a merged document, what `forkport merge -format json`
// writes (any of MatrixFormats). Like ReadInput it reads at most MaxInput
// bytes. A document that is too large, is not one JSON object with a
// "format" member, has another format (a leg document, an unknown or
// newer version), or does not hold together (two columns with one label,
// a claim twice, a result for a column that is not there, a leg name
// ParseLeg refuses or that contradicts its os, a time that is not RFC
// 3339) is an error wrapping fs.ErrInvalid. A row without a result for
// a column gets the one Merge gives: not run, "no result".
func ReadMatrix(r io.Reader) (*Matrix, error) {
	return readMatrix(r, MaxInput)
}

func readMatrix(r io.Reader, limit int64) (*Matrix, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, invalidf("larger than %d bytes: not a merged document this command reads", limit)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, invalidf("empty file")
	}
	format := DocumentFormat(trimmed)
	if format == "" {
		first, _, _ := bytes.Cut(trimmed, []byte("\n"))
		return nil, invalidf("not a merged document (forkport merge -format json): it begins %q", truncate(string(bytes.TrimSpace(first)), 60))
	}
	switch {
	case IsMatrixFormat(format):
	case strings.HasPrefix(format, "forkport.leg/"):
		return nil, invalidf("a leg document (%s), not a merged one (forkport merge -format json)", truncate(format, 40))
	case strings.HasPrefix(format, "forkport.matrix/"):
		return nil, invalidf("unsupported matrix format %q (this forkport reads %s)", truncate(format, 40), strings.Join(MatrixFormats, " and "))
	default:
		return nil, invalidf("unknown format %q (want a merged document: %s)", truncate(format, 40), strings.Join(MatrixFormats, " or "))
	}
	var m Matrix
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&m); err != nil {
		return nil, invalidf("bad %s document: %v", format, err)
	}
	if dec.More() {
		return nil, invalidf("%s document followed by more data", format)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// DocumentFormat returns the "format" member of the JSON object data
// begins with ("forkport.leg/v1", "forkport.matrix/v1", ...), "" when it
// has none or is no JSON object. It reads only as far as that member, so
// a document cut short after it still tells its format.
func DocumentFormat(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		if key, _ := t.(string); strings.EqualFold(key, "format") {
			var f string
			if dec.Decode(&f) != nil {
				return ""
			}
			return f
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// IsMatrixFormat reports whether format is one of MatrixFormats.
func IsMatrixFormat(format string) bool {
	for _, f := range MatrixFormats {
		if format == f {
			return true
		}
	}
	return false
}

// check refuses a matrix that does not hold together, and gives every row
// a result for every column.
func (m *Matrix) check() error {
	if m.Time != "" {
		if _, err := time.Parse(time.RFC3339, m.Time); err != nil {
			return invalidf("bad %s document: time %q is not RFC 3339", m.Format, truncate(m.Time, 40))
		}
	}
	labels := make(map[string]bool, len(m.Legs))
	for _, l := range m.Legs {
		switch {
		case l.Label == "":
			return invalidf("bad %s document: a leg without a label", m.Format)
		case labels[l.Label]:
			return invalidf("bad %s document: two legs labelled %q", m.Format, truncate(l.Label, 60))
		}
		labels[l.Label] = true
		info, err := ParseLeg(l.Leg)
		if err != nil {
			return invalidf("bad %s document: %v", m.Format, err)
		}
		if info.OS != l.OS || info.Wine != l.Wine {
			return invalidf("bad %s document: leg %q does not match os %q, wine %v", m.Format, truncate(l.Leg, 60), truncate(l.OS, 20), l.Wine)
		}
	}
	ids := make(map[string]bool, len(m.Claims))
	for i := range m.Claims {
		r := &m.Claims[i]
		if ids[r.ID] {
			return invalidf("bad %s document: claim %q has more than one row", m.Format, truncate(r.ID, 60))
		}
		ids[r.ID] = true
		for label, c := range r.Results {
			if !labels[label] {
				return invalidf("bad %s document: claim %q has a result for %q, which is no leg of the document", m.Format, truncate(r.ID, 60), truncate(label, 60))
			}
			if m.Format == MatrixFormatV1 && (len(c.Runs) > 0 || c.Verdict == Flaky) {
				return invalidf("bad %s document: claim %q on %q: runs and the flaky verdict are %s, not %s", m.Format, truncate(r.ID, 60), truncate(label, 60), MatrixFormat, m.Format)
			}
			if err := checkRuns(c.Status, c.Verdict, c.Runs); err != nil {
				return invalidf("bad %s document: claim %q on %q: %v", m.Format, truncate(r.ID, 60), truncate(label, 60), err)
			}
		}
		if r.Results == nil {
			r.Results = map[string]Cell{}
		}
		if r.Expect == nil {
			r.Expect = map[string]claims.Expectation{}
		}
		for _, l := range m.Legs {
			if _, ok := r.Results[l.Label]; !ok {
				r.Results[l.Label] = Cell{Status: StatusAbsent, Verdict: NotRun, Detail: "no result"}
			}
		}
	}
	return nil
}

// LegDocuments turns a merged document back into the legs it was merged
// from, as far as it keeps them, and their files: each column's header,
// and each row's cell as the leg's result, with the expectation the row
// states for the leg's OS and subject (a cell's elapsed time is not kept).
// Merging them again gives the same columns, and lets a merged document be
// merged with more legs.
func (m *Matrix) LegDocuments() ([]*Leg, []string) {
	legs := make([]*Leg, len(m.Legs))
	files := make([]string, len(m.Legs))
	for i, ml := range m.Legs {
		l := &Leg{Format: Format, Leg: ml.Leg, OS: ml.OS, Arch: ml.Arch, Wine: ml.Wine, WineVersion: ml.WineVersion,
			Subject: ml.Subject, SubjectVersion: ml.SubjectVersion, Go: ml.Go, Forkport: ml.Forkport, Time: ml.Time,
			Problems: ml.Problems}
		for _, r := range m.Claims {
			c, ok := r.Results[ml.Label]
			if !ok {
				continue
			}
			expect := r.Expect
			if ml.Subject == claims.CPython {
				expect = r.ExpectCPython
			}
			res := Result{ID: r.ID, Claim: r.Claim, Source: r.Source, Expect: expect[ml.OS],
				Status: c.Status, Verdict: c.Verdict, Detail: c.Detail, Output: c.Output, Runs: c.Runs, Slow: c.Slow}
			if ml.Wine {
				res.Wine = r.Wine
			}
			l.Claims = append(l.Claims, res)
		}
		legs[i], files[i] = l, ml.File
	}
	return legs, files
}

// MergeDocuments merges leg documents and merged documents into one
// matrix: the legs of each merged document (LegDocuments) join legs, and
// all are merged as Merge does, with claim files cs or without. Without
// claim files a row also keeps the expectations the merged documents state
// for OSes and subjects that no leg ran, and their notes are kept. One
// merged document and nothing else keeps its commit and time.
func MergeDocuments(cs []*claims.Claim, legs []*Leg, files []string, docs []*Matrix) *Matrix {
	onlyDoc := len(legs) == 0 && len(docs) == 1
	all := make([]string, len(legs))
	copy(all, files)
	legs, files = append([]*Leg(nil), legs...), all
	for _, d := range docs {
		l, f := d.LegDocuments()
		legs, files = append(legs, l...), append(files, f...)
	}
	m := Merge(cs, legs, files)
	if onlyDoc {
		m.Commit, m.Time = docs[0].Commit, docs[0].Time
	}
	for _, d := range docs {
		m.Notes = append(m.Notes, d.Notes...)
	}
	if cs != nil {
		return m
	}
	rows := make(map[string]*Row, len(m.Claims))
	for i := range m.Claims {
		rows[m.Claims[i].ID] = &m.Claims[i]
	}
	for _, d := range docs {
		for _, from := range d.Claims {
			to := rows[from.ID]
			if to == nil {
				continue
			}
			to.Expect = fillExpect(to.Expect, from.Expect)
			to.ExpectCPython = fillExpect(to.ExpectCPython, from.ExpectCPython)
			if to.Wine == "" {
				to.Wine = from.Wine
			}
		}
	}
	return m
}

// fillExpect adds to to what from states for the OSes to lacks.
func fillExpect(to, from map[string]claims.Expectation) map[string]claims.Expectation {
	for os, e := range from {
		if _, ok := to[os]; ok {
			continue
		}
		if to == nil {
			to = map[string]claims.Expectation{}
		}
		to[os] = e
	}
	return to
}
