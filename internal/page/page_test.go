package page_test

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

func render(t *testing.T, s *page.Site) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, s.WriteHTML(&b))
	return b.String()
}

func TestScore(t *testing.T) {
	pass := verdict.Run{Status: verdict.StatusPass}
	fail := verdict.Run{Status: verdict.StatusFail}
	cell := func(v verdict.Verdict, runs ...verdict.Run) verdict.Cell { return verdict.Cell{Verdict: v, Runs: runs} }
	tests := []struct {
		name  string
		cells []verdict.Cell // one row each; nil Verdict: the leg has no result
		want  page.Score
	}{
		{"every verdict that passes counts", []verdict.Cell{cell(verdict.Holds), cell(verdict.DiffersAsExpected), cell(verdict.WineDeviation)}, page.Score{Points: 1000, Counted: 3, Total: 3}},
		{"broken, flaky and not run count nothing", []verdict.Cell{cell(verdict.Holds), cell(verdict.Broken), cell(verdict.Flaky, pass, fail), cell(verdict.NotRun)}, page.Score{Points: 250, Counted: 1, Total: 4}},
		{"a missing claim scores lower, never higher", []verdict.Cell{cell(verdict.Holds), cell(verdict.Holds), {}}, page.Score{Points: 666, Counted: 2, Total: 3}},
		{"flaky counts nothing, whatever its runs say", []verdict.Cell{cell(verdict.Holds), cell(verdict.Flaky), cell(verdict.Flaky, pass, pass)}, page.Score{Points: 333, Counted: 1, Total: 3}},
		{"in every run", []verdict.Cell{cell(verdict.Holds, pass, pass, pass), cell(verdict.Holds, pass, fail)}, page.Score{Points: 500, Counted: 1, Total: 2}},
		{"rounded down", []verdict.Cell{cell(verdict.Holds), cell(verdict.Holds), cell(verdict.Holds), cell(verdict.Holds), cell(verdict.Holds), cell(verdict.Holds), cell(verdict.Broken)}, page.Score{Points: 857, Counted: 6, Total: 7}},
		{"no claims", nil, page.Score{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &verdict.Matrix{Legs: []verdict.MatrixLeg{{Label: "l"}}}
			for i, c := range tt.cells {
				r := verdict.Row{ID: string(rune('a' + i)), Results: map[string]verdict.Cell{}}
				if c.Verdict != "" {
					r.Results["l"] = c
				}
				m.Claims = append(m.Claims, r)
			}
			assert.Equal(t, tt.want, page.ScoreOf(m, "l"))
		})
	}
}

// count counts the matches of re in s.
func count(s, re string) int { return len(regexp.MustCompile(re).FindAllStringIndex(s, -1)) }

// The page says what the matrix says: a row per claim, a column per leg
// with its identity, each verdict in words, broken and flaky cells with
// their failing line and log behind a click, each row's expectations, and
// the scores.
func TestPageShowsTheMatrix(t *testing.T) {
	m := fixtureMatrix(t)
	out := render(t, &page.Site{Matrix: m})

	assert.Equal(t, 4, count(out, `<tr class="claim`), "a row per claim")
	assert.Equal(t, 2, count(out, `<th scope="col" class="leg"`), "a column per leg")
	assert.Equal(t, 8, count(out, `<td class="cell `), "a cell per claim and leg")
	for _, want := range []string{
		`<span class="label">linux/amd64</span><span class="line">Linux · amd64</span><span class="line">procs</span><span class="line">go1.26.8</span>`,
		`<span class="label">windows-wine</span><span class="line">Windows</span><span class="line">procs</span><span class="line">go1.26.8</span><span class="line">Wine 8.0 (Debian 8.0~repack-4)</span>`,
		`<td class="cell v-broken" data-leg="linux/amd64"><details><summary class="verdict">broken</summary><div class="more"><p class="detail">` + brokenDetail + `</p><pre class="log">` + html.EscapeString(brokenLog) + "\n[stdout]\nchild 42\n",
		`<td class="cell v-flaky" data-leg="linux/amd64"><details><summary class="verdict">` + flakyTally + `</summary><div class="more"><p class="detail">run 2 of 5: testdata/script/zombie.txtar:12: no match for `,
		`<td class="cell v-wine" data-leg="windows-wine"><span class="verdict">wine deviation</span></td>`,
		`<td class="cell v-differs" data-leg="windows-wine"><span class="verdict">differs as expected</span></td>`,
		`<td class="cell v-notrun" data-leg="windows-wine"><details><summary class="verdict">not run</summary><div class="more"><p class="detail">no result</p>`,
		`<code class="id">fork-pid</code> <span class="text">fork returns the child&#39;s PID to the parent.</span><span class="source">Source: chapter</span>`,
		`<dt>procs</dt><dd><span class="os">Linux</span> holds</dd><dd><span class="os">Windows</span> differs — Windows has no fork</dd>`,
		`<dt>Wine</dt><dd>deviates — Wine starts a new process</dd>`,
		`<td class="score"><span class="points">500</span><span class="of"> / 1000</span><span class="counted">2 of 4 claims</span>`,
		`<td class="score"><span class="points">750</span><span class="of"> / 1000</span><span class="counted">3 of 4 claims</span>`,
		`only the claims with a broken, flaky or not-run cell (3 of 4)`,
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, `class="slow"`, "no claim is slow")
	assert.NotContains(t, out, `id="problems"`, "no leg has problems")
	assert.NotContains(t, out, "<svg", "no chart without history")
	assert.NotContains(t, out, `class="changes"`, "no transitions without history")
}

// A slow claim says so; a leg's problems are listed under the table, each
// linked from its column, with its output a click away.
func TestPageShowsSlowClaimsAndProblems(t *testing.T) {
	m := fixtureMatrix(t)
	c := m.Claims[1].Results["linux/amd64"]
	c.Slow = true
	m.Claims[1].Results["linux/amd64"] = c
	m.Legs[1].Problems = []verdict.Problem{{Summary: "build failed: x", Output: []string{"x.go:1: syntax error"}, Fatal: true}, {Summary: "no test files"}}
	out := render(t, &page.Site{Matrix: m})
	assert.Contains(t, out, `<td class="cell v-holds" data-leg="linux/amd64"><span class="verdict">holds</span> <span class="slow" title="its slowest run used more than 80% of its time-out">slow</span></td>`)
	assert.Contains(t, out, `<a class="problems" href="#problems">1 error, 1 note</a></th>`)
	assert.Contains(t, out, `<div class="issue fatal"><p><a href="#leg-2">windows-wine</a>: <span class="word">error</span>: build failed: x</p><details><summary>output</summary><pre class="log">x.go:1: syntax error</pre></details></div>`)
	assert.Contains(t, out, `<div class="issue"><p><a href="#leg-2">windows-wine</a>: <span class="word">note</span>: no test files</p></div>`)
}

// Every string of the matrix is text on the page: a claim, a source, a
// log line or a leg label holding markup shows as that markup, escaped.
func TestPageEscapesTheMatrix(t *testing.T) {
	m := fixtureMatrix(t)
	m.Legs[0].Problems = []verdict.Problem{{Summary: "<img src=x onerror=alert(1)>", Output: []string{"<script>boom()</script>"}, Fatal: true}}
	m.Notes = []string{"<script>note()</script>"}
	out := render(t, &page.Site{Matrix: m})
	assert.Contains(t, out, `&lt;/td&gt;&lt;script&gt;window.pwned = 1&lt;/script&gt; a claim whose text is &lt;b&gt;markup&lt;/b&gt;`)
	assert.Contains(t, out, `&lt;script&gt;window.pwned = 2&lt;/script&gt; from the log`)
	assert.Contains(t, out, `Source: &lt;i&gt;a source&lt;/i&gt;`)
	assert.Contains(t, out, `&lt;img src=x onerror=alert(1)&gt;`)
	assert.Contains(t, out, `&lt;script&gt;note()&lt;/script&gt;`)
	lower := strings.ToLower(out)
	assert.NotContains(t, lower, "<script", "the page has no script, and no string of the matrix becomes one")
	assert.NotContains(t, lower, "<img")
	assert.NotContains(t, lower, "<b>")
}

// Control characters and bidirectional overrides from a leg are shown
// escaped, as the text renderers show them; a log keeps its tabs.
func TestPageShowsControlsEscaped(t *testing.T) {
	m := fixtureMatrix(t)
	m.Claims[0].Claim = "over\rwrite \u202eevil"
	c := m.Claims[0].Results["linux/amd64"]
	c.Output = []string{"\tat main.go:3\x1b[31m"}
	m.Claims[0].Results["linux/amd64"] = c
	out := render(t, &page.Site{Matrix: m})
	assert.Contains(t, out, `over\rwrite \u202eevil`)
	assert.Contains(t, out, "\tat main.go:3\\x1b[31m")
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\u202e")
}

// The site is three files, and the page loads only the style sheet:
// nothing from another place.
func TestWriteDir(t *testing.T) {
	dir := filepath.Join(testutil.TempDir(t), "site")
	require.NoError(t, (&page.Site{Matrix: fixtureMatrix(t)}).WriteDir(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{page.IndexFile, page.MatrixFile, page.StyleFile}, names)

	index, err := os.ReadFile(filepath.Join(dir, page.IndexFile))
	require.NoError(t, err)
	var refs []string
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"#][^"]*)"`).FindAllSubmatch(index, -1) {
		refs = append(refs, string(m[1]))
	}
	assert.Equal(t, []string{page.StyleFile, page.MatrixFile}, refs, "the page refers to its own files only")
	css, err := os.ReadFile(filepath.Join(dir, page.StyleFile))
	require.NoError(t, err)
	assert.NotRegexp(t, `url\(|@import`, string(css), "the style sheet loads nothing")

	f, err := os.Open(filepath.Join(dir, page.MatrixFile))
	require.NoError(t, err)
	defer f.Close()
	back, err := verdict.ReadMatrix(f)
	require.NoError(t, err)
	assert.Len(t, back.Claims, 4, "matrix.json is the matrix the page shows")
}

func TestWriteHTMLNeedsAMatrix(t *testing.T) {
	assert.Error(t, (&page.Site{}).WriteHTML(&bytes.Buffer{}))
}
