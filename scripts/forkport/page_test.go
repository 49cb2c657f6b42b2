package main

import (
	"encoding/json"
	"io"
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

// forkport page reads what merge reads (a leg document, a raw stream named
// by its file), and merged documents too, and writes the site.
func TestPage(t *testing.T) {
	root := testModule(t, "")
	h, linuxDoc, raw := twoLegs(t, root, "results-windows-latest-gostable.json")
	site := filepath.Join(testutil.TempDir(t), "site")

	// Even with a broken claim the page is written: exit 0.
	require.Equal(t, exitOK, h.run("page", "-o", site, linuxDoc, raw), h.stderr.String())
	assert.Equal(t, "wrote "+filepath.Join(site, "index.html")+": 4 claims × 2 legs\nscores (of 1000): linux/amd64 250, windows 500\n", h.stdout.String())
	assert.Empty(t, h.stderr.String())
	index, err := os.ReadFile(filepath.Join(site, page.IndexFile))
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(index), `<tr class="claim`))
	assert.Contains(t, string(index), `<td class="cell v-broken" data-leg="linux/amd64"><details><summary class="verdict">broken</summary>`)

	// The site's matrix.json is merge's matrix, and page takes it as input,
	// alone or with another leg (here the Wine one, a raw stream named on
	// the command line).
	matrix := filepath.Join(filepath.Dir(site), "matrix.json")
	require.NoError(t, os.Rename(filepath.Join(site, page.MatrixFile), matrix))
	again := filepath.Join(filepath.Dir(site), "again")
	require.Equal(t, exitOK, h.run("page", "-o", again, matrix), h.stderr.String())
	assert.Equal(t, "wrote "+filepath.Join(again, "index.html")+": 4 claims × 2 legs\nscores (of 1000): linux/amd64 250, windows 500\n", h.stdout.String())
	require.Equal(t, exitOK, h.run("page", "-o", again, matrix, "windows-wine="+fixtureStream("linux-filtered.json")), h.stderr.String())
	assert.Contains(t, h.stdout.String(), ": 4 claims × 3 legs\nscores (of 1000): linux/amd64 250, windows 500, windows-wine 250\n")

	// -run narrows the rows, and so the scores' denominator.
	require.Equal(t, exitOK, h.run("page", "-o", again, "-run", "^fork-pid$", matrix), h.stderr.String())
	assert.Contains(t, h.stdout.String(), ": 1 claims × 2 legs\nscores (of 1000): linux/amd64 1000, windows 1000\n")
}

// -history DIR: earlier merged documents, one per run, each with its time.
func TestPageHistory(t *testing.T) {
	root := testModule(t, "")
	h, linuxDoc, raw := twoLegs(t, root, "results-windows-latest-gostable.json")
	history := testutil.TempDir(t)
	for i, day := range []string{"01", "02"} {
		require.Equal(t, exitOK, h.run("merge", "-format", "json", "-run", "fork", linuxDoc, raw), h.stderr.String())
		var m verdict.Matrix
		require.NoError(t, json.Unmarshal(h.stdout.Bytes(), &m))
		m.Commit, m.Time = strings.Repeat(string(rune('a'+i)), 40), "2026-12-"+day+"T10:00:00Z"
		require.NoError(t, writeFile(filepath.Join(history, day+".json"), func(w io.Writer) error { return verdict.WriteJSON(w, &m) }))
	}
	site := filepath.Join(testutil.TempDir(t), "site")
	require.Equal(t, exitOK, h.run("page", "-o", site, "-history", history, linuxDoc, raw), h.stderr.String())
	assert.Contains(t, h.stdout.String(), ": 4 claims × 2 legs, 2 earlier runs\n")
	index, err := os.ReadFile(filepath.Join(site, page.IndexFile))
	require.NoError(t, err)
	assert.Contains(t, string(index), `history: 3 runs, aaaaaaa, 2026-12-01 to this run`)
	assert.Equal(t, 2, strings.Count(string(index), `<svg class="chart"`))
	// The earlier runs had fork-pid only: exec-replaces appears in this
	// one, which is no transition; fork-pid is the same throughout.
	assert.NotContains(t, string(index), `class="changes"`)
}

// Bad input is one line on standard error and exit status 2.
func TestPageRefusesBadInput(t *testing.T) {
	root := testModule(t, "")
	h, linuxDoc, _ := twoLegs(t, root, "results-windows-latest-gostable.json")
	dir := testutil.TempDir(t)
	file := func(name, data string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(data), 0o666))
		return p
	}
	site := filepath.Join(dir, "site")
	badMatrix := file("bad-matrix.json", `{"format": "forkport.matrix/v1", "legs": [{"label": "l", "leg": "linux", "os": "linux"}, {"label": "l", "leg": "linux", "os": "linux"}]}`)
	cut := file("cut.json", `{"format": "forkport.matrix/v2", "legs": [`)
	newer := file("newer.json", `{"format": "forkport.matrix/v7"}`)
	unknown := file("unknown.json", `{"format": "junit"}`)
	histBad := testutil.TempDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(histBad, "run.json"), []byte(`{"format": "forkport.leg/v1", "leg": "linux", "os": "linux", "claims": []}`), 0o666))

	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"page", linuxDoc}, "forkport: page needs -o DIR, the directory to write the site to (run forkport -h for help)"},
		{[]string{"page", "-o", site}, "forkport: page needs at least one FILE (run forkport -h for help)"},
		{[]string{"page", "-o", site, badMatrix}, `forkport: ` + badMatrix + `: bad forkport.matrix/v1 document: two legs labelled "l"` + "\n"},
		{[]string{"page", "-o", site, cut}, `forkport: ` + cut + `: bad forkport.matrix/v2 document: unexpected EOF` + "\n"},
		{[]string{"page", "-o", site, newer}, `forkport: ` + newer + `: unsupported matrix format "forkport.matrix/v7"`},
		{[]string{"page", "-o", site, unknown}, `forkport: ` + unknown + `: unknown format "junit"`},
		{[]string{"page", "-o", site, filepath.Join(dir, "none.json")}, "forkport: cannot read " + filepath.Join(dir, "none.json") + ": "},
		{[]string{"page", "-o", site, "-history", histBad, linuxDoc}, "forkport: history " + filepath.Join(histBad, "run.json") + ": a leg document (forkport.leg/v1), not a merged one (forkport merge -format json)\n"},
		{[]string{"page", "-o", site, "-history", filepath.Join(dir, "nohistory"), linuxDoc}, "forkport: history " + filepath.Join(dir, "nohistory") + ": "},
	}
	for _, tt := range tests {
		assert.Equal(t, exitError, h.run(tt.args...), "%v", tt.args)
		assert.Equal(t, 1, strings.Count(h.stderr.String(), "\n"), "%v: one line: %s", tt.args, h.stderr.String())
		assert.True(t, strings.HasPrefix(h.stderr.String(), tt.err), "%v:\n got %s\nwant %s", tt.args, h.stderr.String(), tt.err)
		assert.Empty(t, h.stdout.String(), "%v", tt.args)
	}
	_, err := os.Stat(site)
	assert.ErrorIs(t, err, os.ErrNotExist, "no site is written from bad input")
}

// Every flag of page is documented in page -h.
func TestPageUsageDocumentsEveryFlag(t *testing.T) {
	text, err := helpText("page")
	require.NoError(t, err)
	src, err := os.ReadFile("page.go")
	require.NoError(t, err)
	flags := regexp.MustCompile(`fs\.\w*Var\([^,]+, "([\w-]+)"`).FindAllSubmatch(src, -1)
	assert.Len(t, flags, 5)
	for _, m := range flags {
		assert.Regexp(t, `(?m)^  -`+regexp.QuoteMeta(string(m[1]))+` `, text, "flag -%s", m[1])
	}
}
