package page_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/verdict"
)

// benchMatrix is a matrix the size of forkport's own: 35 claims × 3 legs
// (linux, its CPython twin, windows-wine), with expectations for every OS
// and, every seventh claim, a broken cell with a 200-line log.
func benchMatrix(commit, day string) *verdict.Matrix {
	m := &verdict.Matrix{Format: verdict.MatrixFormat, Commit: commit, Time: "2026-12-" + day + "T10:00:00Z", Legs: []verdict.MatrixLeg{
		{Label: "linux/amd64", Leg: "linux/amd64", OS: "linux", Arch: "amd64", Go: "go1.26.8"},
		{Label: "linux/amd64 cpython3.11", Leg: "linux/amd64 cpython3.11", OS: "linux", Arch: "amd64", Subject: "cpython", SubjectVersion: "3.11.2"},
		{Label: "windows-wine", Leg: "windows-wine", OS: "windows", Wine: true, WineVersion: "wine-8.0"},
	}}
	log := make([]string, 200)
	for i := range log {
		log[i] = fmt.Sprintf("> exec probe %d", i)
	}
	differs := claims.Expectation{Outcome: claims.Differs, Reason: strings.Repeat("a reason why this OS differs, ", 4)}
	for i := range 35 {
		r := verdict.Row{ID: fmt.Sprintf("claim-%02d", i), Claim: strings.Repeat("a claim the chapter makes about processes; ", 3), Source: "chapter",
			Expect:        map[string]claims.Expectation{"linux": {Outcome: claims.Holds}, "darwin": {Outcome: claims.Holds}, "windows": differs},
			ExpectCPython: map[string]claims.Expectation{"linux": {Outcome: claims.Holds}, "darwin": {Outcome: claims.Holds}, "windows": differs},
			Results:       map[string]verdict.Cell{}}
		for _, l := range m.Legs {
			c := verdict.Cell{Status: verdict.StatusPass, Verdict: verdict.Holds}
			if i%7 == 0 && l.Label == "linux/amd64" {
				c = verdict.Cell{Status: verdict.StatusFail, Verdict: verdict.Broken, Detail: "testdata/script/x.txtar:9: no match", Output: log}
			}
			r.Results[l.Label] = c
		}
		m.Claims = append(m.Claims, r)
	}
	return m
}

// BenchmarkWriteHTML renders the page of a 35 × 3 matrix, without and
// with 100 earlier runs. go test -bench WriteHTML -benchmem ./internal/page
func BenchmarkWriteHTML(b *testing.B) {
	m := benchMatrix("", "04")
	var history []*verdict.Matrix
	for i := range 100 {
		history = append(history, benchMatrix(fmt.Sprintf("%040d", i), fmt.Sprintf("%02d", 1+i%3)))
	}
	for _, bc := range []struct {
		name string
		site *page.Site
	}{{"now", &page.Site{Matrix: m}}, {"history=100", &page.Site{Matrix: m, History: history}}} {
		b.Run(bc.name, func(b *testing.B) {
			var n countWriter
			for b.Loop() {
				if err := bc.site.WriteHTML(&n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "page-bytes")
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }
