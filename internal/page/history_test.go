package page_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/internal/verdict"
)

// writeHistory writes runs into dir as merge -format json writes them, one
// file per run, named so that their names do not sort by time.
func writeHistory(t *testing.T, dir string, runs []*verdict.Matrix) {
	t.Helper()
	for i, m := range runs {
		var b bytes.Buffer
		require.NoError(t, verdict.WriteJSON(&b, m))
		name := fmt.Sprintf("run-%d.json", len(runs)-i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o666))
	}
}

func TestReadHistory(t *testing.T) {
	dir := testutil.TempDir(t)
	runs := fixtureHistory(t)
	writeHistory(t, dir, runs)
	// What is not a *.json file is left alone: a README, a directory.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("history\n"), 0o666))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "old"), 0o777))

	got, err := page.ReadHistory(dir)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, m := range got {
		assert.Equal(t, runs[i].Commit, m.Commit, "oldest first")
		assert.Equal(t, runs[i].Claims, m.Claims)
	}
}

// A history directory with a file that is not what it should be is one
// error naming the file, wrapping a standard sentinel; nothing is read.
func TestReadHistoryRefusesBadFiles(t *testing.T) {
	good := fixtureHistory(t)[0]
	var doc bytes.Buffer
	require.NoError(t, verdict.WriteJSON(&doc, good))
	noTime := *good
	noTime.Time = ""
	var noTimeDoc bytes.Buffer
	require.NoError(t, verdict.WriteJSON(&noTimeDoc, &noTime))

	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		err   string // after "history DIR/b.json: "
	}{
		{"malformed", func(t *testing.T, dir string) { write(t, dir, "b.json", `{"format": "forkport.matrix/v1", "legs": [`) }, "bad forkport.matrix/v1 document: unexpected EOF"},
		{"a leg document", func(t *testing.T, dir string) {
			write(t, dir, "b.json", `{"format": "forkport.leg/v1", "leg": "linux", "os": "linux", "claims": []}`)
		}, "a leg document (forkport.leg/v1), not a merged one"},
		{"no time", func(t *testing.T, dir string) { write(t, dir, "b.json", noTimeDoc.String()) }, "no time"},
		{"empty", func(t *testing.T, dir string) { write(t, dir, "b.json", "") }, "empty file"},
		{"a directory", func(t *testing.T, dir string) { require.NoError(t, os.Mkdir(filepath.Join(dir, "b.json"), 0o777)) },
			"not a regular file (a directory)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			write(t, dir, "a.json", doc.String())
			tt.setup(t, dir)
			runs, err := page.ReadHistory(dir)
			require.Error(t, err)
			assert.Nil(t, runs)
			assert.ErrorIs(t, err, fs.ErrInvalid)
			assert.Contains(t, err.Error(), "history "+filepath.Join(dir, "b.json")+": "+tt.err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}

	_, err := page.ReadHistory(filepath.Join(testutil.TempDir(t), "none"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// The count and the size of a history are bounded.
func TestReadHistoryBounded(t *testing.T) {
	dir := testutil.TempDir(t)
	writeHistory(t, dir, fixtureHistory(t))
	_, err := page.ReadHistoryLimits(dir, 3, page.MaxHistoryBytes)
	assert.NoError(t, err, "3 files, 3 at most")
	_, err = page.ReadHistoryLimits(dir, 2, page.MaxHistoryBytes)
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.ErrorContains(t, err, "more than 2 .json files")
	_, err = page.ReadHistoryLimits(dir, 3, 100)
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.ErrorContains(t, err, "files hold more than 100 bytes")
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o666))
}

// With history, each cell lists how its verdict changed over the runs,
// only the changes, and each leg has a chart of its score per run.
func TestPageWithHistory(t *testing.T) {
	m := fixtureMatrix(t)
	history := fixtureHistory(t)
	out := render(t, &page.Site{Matrix: m, History: history})

	assert.Contains(t, out, `<span id="history">history: 4 runs, 1111111, 2026-12-01 to this run</span>`)
	assert.Contains(t, out, `<td class="cell v-broken" data-leg="linux/amd64">`)
	cells := cellsByClaim(t, out)
	assert.Equal(t, []string{"broken → holds at 2222222, 2026-12-02", "holds → broken at this run"}, changes(cells["exec-replaces"][0]))
	assert.Equal(t, []string{"holds → broken at 2222222, 2026-12-02", "broken → flaky at this run"}, changes(cells["zombie"][0]))
	assert.Empty(t, changes(cells["fork-pid"][0]), "no change, nothing listed")
	for id, cs := range cells {
		assert.Empty(t, changes(cs[1]), "%s on windows-wine: the same in every run it ran", id)
	}

	// linux/amd64 scored 750 in the three earlier runs and 500 now;
	// windows-wine was not in the first run: 3 dots.
	assert.Equal(t, 2, count(out, `<svg class="chart"`))
	assert.Contains(t, out, `aria-label="score of linux/amd64 per run, oldest first: 750, 750, 750, 500"`)
	assert.Contains(t, out, `aria-label="score of windows-wine per run, oldest first: 750, 750, 750"`)
	assert.Contains(t, out, `<polyline points="4.0,11.0 51.3,11.0 98.7,11.0 146.0,18.0"></polyline>`, "x by run, y from 1000 at the top (4) to 0 at the bottom (32)")
	assert.Contains(t, out, `<circle cx="146.0" cy="18.0" r="2.5"><title>this run: 500</title></circle>`)
	assert.Contains(t, out, `<polyline points="51.3,11.0 98.7,11.0 146.0,11.0"></polyline>`, "windows-wine's dots at the runs it was in")
}

// A history that holds this run already (CI appends the run's matrix to
// the history, then builds the page from both) counts it once.
func TestPageHistoryHoldsThisRun(t *testing.T) {
	history := fixtureHistory(t)
	m := history[len(history)-1]
	out := render(t, &page.Site{Matrix: m, History: history})
	assert.Contains(t, out, `history: 3 runs, 1111111, 2026-12-01 to 3333333, 2026-12-02`)
}

// A cell that flip-flops lists its latest changes and counts the others.
func TestPageHistoryCutsLongChanges(t *testing.T) {
	var runs []*verdict.Matrix
	for i := range 9 {
		m := &verdict.Matrix{Time: fmt.Sprintf("2026-12-%02dT00:00:00Z", i+1), Legs: []verdict.MatrixLeg{{Label: "linux", Leg: "linux", OS: "linux"}}}
		v := verdict.Holds
		if i%2 == 1 {
			v = verdict.Broken
		}
		m.Claims = []verdict.Row{{ID: "a", Results: map[string]verdict.Cell{"linux": {Verdict: v}}}}
		runs = append(runs, m)
	}
	out := render(t, &page.Site{Matrix: runs[8], History: runs[:8]})
	got := changes(cellsByClaim(t, out)["a"][0])
	assert.Equal(t, []string{"(4 earlier changes)", "holds → broken at 2026-12-06", "broken → holds at 2026-12-07",
		"holds → broken at 2026-12-08", "broken → holds at 2026-12-09"}, got)
}

// cellsByClaim splits a page into its rows' cells, by claim id.
func cellsByClaim(t *testing.T, html string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, row := range strings.Split(html, `<tr class="claim`)[1:] {
		id := between(row, `<code class="id">`, `</code>`)
		require.NotEmpty(t, id)
		out[id] = strings.Split(row, `<td class="cell `)[1:]
	}
	return out
}

func changes(cell string) []string {
	list := between(cell, `<ul class="changes">`, `</ul>`)
	var out []string
	for _, li := range strings.Split(list, "<li>")[1:] {
		out = append(out, strings.ReplaceAll(strings.TrimSuffix(li, "</li>"), "&gt;", ">"))
	}
	return out
}

func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(rest, to)
	return in
}
