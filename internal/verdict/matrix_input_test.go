package verdict_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/page"
	"github.com/forkport/forkport/internal/verdict"
)

// sampleMatrix merges two legs of the fixtures: linux/amd64 (exec-replaces
// broken) and windows-wine.
func sampleMatrix(t testing.TB) *verdict.Matrix {
	cs := loadClaims(t)
	linux := verdict.Evaluate(cs, streamTB(t, "linux-broken.json"), legTB(t, "linux/amd64"), pkg)
	wine := verdict.Evaluate(cs, streamTB(t, "linux-pass.json"), legTB(t, "windows-wine"), pkg)
	return verdict.Merge(cs, []*verdict.Leg{linux, wine}, []string{"out/linux.json", "out/wine.json"})
}

func streamTB(t testing.TB, name string) *verdict.Stream {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "streams", name))
	require.NoError(t, err)
	defer f.Close()
	s, err := verdict.ParseStream(f)
	require.NoError(t, err)
	return s
}

func legTB(t testing.TB, name string) verdict.LegInfo {
	t.Helper()
	l, err := verdict.ParseLeg(name)
	require.NoError(t, err)
	return l
}

func TestReadMatrixRoundTrip(t *testing.T) {
	m := sampleMatrix(t)
	m.Commit, m.Time = "0123456789abcdef", "2026-12-03T10:00:00Z"
	m.Claims[0].Results["linux/amd64"] = verdict.Cell{Status: verdict.StatusFail, Verdict: verdict.Flaky, Detail: "x.txtar:3: no match",
		Runs: []verdict.Run{{Status: verdict.StatusPass, Elapsed: 0.1}, {Status: verdict.StatusFail, Elapsed: 0.2}}, Slow: true}
	var buf bytes.Buffer
	require.NoError(t, verdict.WriteJSON(&buf, m))
	got, err := verdict.ReadMatrix(&buf)
	require.NoError(t, err)
	assert.Equal(t, m, got)
}

func TestReadMatrixFormats(t *testing.T) {
	for _, format := range verdict.MatrixFormats {
		m, err := verdict.ReadMatrix(strings.NewReader(`{"format": "` + format + `", "legs": [], "claims": []}`))
		require.NoError(t, err, format)
		assert.Equal(t, format, m.Format)
	}
	assert.Contains(t, verdict.MatrixFormats, verdict.MatrixFormat, "ReadMatrix reads what merge writes")
}

// Bad input is one clear error wrapping fs.ErrInvalid, never a matrix.
func TestReadMatrixRefusesBadInput(t *testing.T) {
	leg := `{"label": "linux", "leg": "linux", "os": "linux", "wine": false}`
	tests := []struct {
		name, in, err string
	}{
		{"empty", " \n", "empty file"},
		{"not JSON", "PASS\n", `not a merged document (forkport merge -format json): it begins "PASS"`},
		{"no format", `{"legs": []}`, "not a merged document"},
		{"a JSON array", `[1, 2]`, "not a merged document"},
		{"truncated", `{"format": "forkport.matrix/v1", "legs": [`, "bad forkport.matrix/v1 document: unexpected EOF"},
		{"more data", `{"format": "forkport.matrix/v1"} {}`, "followed by more data"},
		{"a leg document", `{"format": "forkport.leg/v1", "leg": "linux"}`, "a leg document (forkport.leg/v1), not a merged one"},
		{"a newer version", `{"format": "forkport.matrix/v9"}`, `unsupported matrix format "forkport.matrix/v9"`},
		{"unknown format", `{"format": "junit"}`, `unknown format "junit"`},
		{"bad member type", `{"format": "forkport.matrix/v1", "legs": 3}`, "bad forkport.matrix/v1 document: json: cannot unmarshal"},
		{"bad time", `{"format": "forkport.matrix/v2", "time": "yesterday"}`, `time "yesterday" is not RFC 3339`},
		{"two legs, one label", `{"format": "forkport.matrix/v1", "legs": [` + leg + `, ` + leg + `]}`, `two legs labelled "linux"`},
		{"a leg without a label", `{"format": "forkport.matrix/v1", "legs": [{"leg": "linux", "os": "linux"}]}`, "a leg without a label"},
		{"unknown leg", `{"format": "forkport.matrix/v1", "legs": [{"label": "x", "leg": "beos", "os": "beos"}]}`, `unknown leg "beos"`},
		{"inconsistent leg", `{"format": "forkport.matrix/v1", "legs": [{"label": "x", "leg": "windows-wine", "os": "linux", "wine": true}]}`, `leg "windows-wine" does not match os "linux"`},
		{"a claim twice", `{"format": "forkport.matrix/v1", "legs": [], "claims": [{"id": "a"}, {"id": "a"}]}`, `claim "a" has more than one row`},
		{"a result for no leg", `{"format": "forkport.matrix/v1", "legs": [` + leg + `], "claims": [{"id": "a", "results": {"darwin": {"verdict": "holds"}}}]}`,
			`claim "a" has a result for "darwin", which is no leg of the document`},
		{"runs that differ, read as holding", `{"format": "forkport.matrix/v2", "legs": [` + leg + `], "claims": [{"id": "a", "results": {"linux": ` +
			`{"status": "fail", "verdict": "holds", "runs": [{"status": "pass"}, {"status": "fail"}]}}}]}`,
			`claim "a" on "linux": its runs differ (flaky (1 of 2 broken)), but its verdict is "holds"`},
		{"flaky over runs alike", `{"format": "forkport.matrix/v2", "legs": [` + leg + `], "claims": [{"id": "a", "results": {"linux": ` +
			`{"status": "pass", "verdict": "flaky", "runs": [{"status": "pass"}, {"status": "pass"}]}}}]}`,
			"verdict flaky, but its runs all ended the same way"},
		{"a run of unknown status", `{"format": "forkport.matrix/v2", "legs": [` + leg + `], "claims": [{"id": "a", "results": {"linux": ` +
			`{"status": "pass", "verdict": "holds", "runs": [{"status": "pass"}, {"status": "meh"}]}}}]}`,
			`run 2 has unknown status "meh"`},
		{"runs in a v1 document", `{"format": "forkport.matrix/v1", "legs": [` + leg + `], "claims": [{"id": "a", "results": {"linux": ` +
			`{"status": "pass", "verdict": "holds", "runs": [{"status": "pass"}]}}}]}`,
			"runs and the flaky verdict are forkport.matrix/v2, not forkport.matrix/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := verdict.ReadMatrix(strings.NewReader(tt.in))
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, fs.ErrInvalid)
			assert.Contains(t, err.Error(), tt.err)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestReadMatrixBounded(t *testing.T) {
	doc := `{"format": "forkport.matrix/v1", "legs": [], "claims": []}`
	_, err := verdict.ReadMatrixLimit(strings.NewReader(doc), int64(len(doc)-1))
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.Contains(t, err.Error(), "larger than 57 bytes")
	_, err = verdict.ReadMatrixLimit(strings.NewReader(doc), int64(len(doc)))
	assert.NoError(t, err)
}

// A row without a result for a column reads as Merge writes it: not run.
func TestReadMatrixFillsMissingResults(t *testing.T) {
	m, err := verdict.ReadMatrix(strings.NewReader(`{"format": "forkport.matrix/v1",
		"legs": [{"label": "linux", "leg": "linux", "os": "linux"}, {"label": "w", "leg": "windows-wine", "os": "windows", "wine": true}],
		"claims": [{"id": "a", "results": {"linux": {"status": "pass", "verdict": "holds"}}}]}`))
	require.NoError(t, err)
	require.Len(t, m.Claims, 1)
	assert.Equal(t, verdict.Cell{Status: verdict.StatusAbsent, Verdict: verdict.NotRun, Detail: "no result"}, m.Claims[0].Results["w"])
	assert.Equal(t, verdict.Holds, m.Claims[0].Results["linux"].Verdict)
	assert.NotNil(t, m.Claims[0].Expect)
}

func TestDocumentFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"format": "forkport.matrix/v1", "legs": []}`, "forkport.matrix/v1"},
		{`{"legs": [{"format": "inner"}], "format": "forkport.leg/v1"}`, "forkport.leg/v1"},
		{`{"format": "forkport.matrix/v2", "legs": [`, "forkport.matrix/v2"}, // cut short after it
		{`{"Format": "forkport.leg/v1"}`, "forkport.leg/v1"},                 // as encoding/json matches it
		{`{"Action": "start", "Package": "p"}` + "\n", ""},
		{`{"format": 3}`, ""},
		{`[{"format": "x"}]`, ""},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, verdict.DocumentFormat([]byte(tt.in)), tt.in)
	}
}

// A merged document turns back into its legs, and merging them again
// gives the same matrix; merged with another leg, it is one more column.
func TestMergeDocuments(t *testing.T) {
	m := sampleMatrix(t)
	m.Commit, m.Time, m.Notes = "abc", "2026-12-03T10:00:00Z", []string{"a note"}

	again := verdict.MergeDocuments(nil, nil, nil, []*verdict.Matrix{m})
	assert.Equal(t, m, again, "one document, no claim files: the same matrix")

	cs := loadClaims(t)
	withClaims := verdict.MergeDocuments(cs, nil, nil, []*verdict.Matrix{m})
	assert.Equal(t, m.Claims, withClaims.Claims, "judged again against the same claim files: the same verdicts")

	darwin := verdict.Evaluate(cs[:1], streamTB(t, "linux-pass.json"), legTB(t, "darwin"), pkg)
	both := verdict.MergeDocuments(nil, []*verdict.Leg{darwin}, []string{"out/darwin.json"}, []*verdict.Matrix{m})
	var labels []string
	for _, l := range both.Legs {
		labels = append(labels, l.Label+" "+l.File)
	}
	assert.Equal(t, []string{"linux/amd64 out/linux.json", "darwin out/darwin.json", "windows-wine out/wine.json"}, labels)
	assert.Empty(t, both.Commit+both.Time, "the commit and time of one document are not those of a merge with more")
	assert.Equal(t, []string{"a note"}, both.Notes)
	require.Len(t, both.Claims, 4)
	for _, r := range both.Claims {
		assert.Equal(t, m.Claims[indexOf(m, r.ID)].Expect, r.Expect, "%s: the document's expectations are kept", r.ID)
		for label, c := range m.Claims[indexOf(m, r.ID)].Results {
			assert.Equal(t, c, r.Results[label], "%s on %s", r.ID, label)
		}
	}
	assert.Equal(t, verdict.Broken, both.Claims[indexOf(both, "exec-replaces")].Results["linux/amd64"].Verdict)
	assert.Equal(t, verdict.Holds, both.Claims[indexOf(both, "exec-replaces")].Results["darwin"].Verdict)
	assert.Equal(t, verdict.NotRun, both.Claims[indexOf(both, "fork-pid")].Results["darwin"].Verdict, "darwin ran one claim")
	assert.Equal(t, claims.Holds, both.Claims[indexOf(both, "fork-pid")].Expect["darwin"].Outcome, "from the document")
}

func indexOf(m *verdict.Matrix, id string) int {
	for i, r := range m.Claims {
		if r.ID == id {
			return i
		}
	}
	return -1
}

// FuzzReadMatrix: a merged document (a history file, a page's input) is
// input from outside the program: reading it must fail cleanly, never
// panic; a matrix read holds together (unique labels and ids, a result
// for every column), writes back to the same matrix, and renders as a
// page in which no string of the document is markup (the page has no
// script or image of its own). Seeds: testdata/fuzz/FuzzReadMatrix.
func FuzzReadMatrix(f *testing.F) {
	var buf bytes.Buffer
	require.NoError(f, verdict.WriteJSON(&buf, sampleMatrix(f)))
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := verdict.ReadMatrix(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, fs.ErrInvalid) {
				t.Fatalf("an error that does not wrap fs.ErrInvalid: %v", err)
			}
			return
		}
		labels := map[string]bool{}
		for _, l := range m.Legs {
			if labels[l.Label] {
				t.Fatalf("two legs labelled %q", l.Label)
			}
			labels[l.Label] = true
		}
		ids := map[string]bool{}
		for _, r := range m.Claims {
			if ids[r.ID] {
				t.Fatalf("claim %q twice", r.ID)
			}
			ids[r.ID] = true
			if len(r.Results) != len(m.Legs) {
				t.Fatalf("claim %q has %d results for %d legs", r.ID, len(r.Results), len(m.Legs))
			}
		}
		var out bytes.Buffer
		require.NoError(t, verdict.WriteJSON(&out, m))
		written := out.String()
		again, err := verdict.ReadMatrix(&out)
		require.NoError(t, err, "a matrix read, written back, reads again")
		out.Reset()
		require.NoError(t, verdict.WriteJSON(&out, again))
		assert.Equal(t, written, out.String(), "and writes the same")

		var html bytes.Buffer
		require.NoError(t, (&page.Site{Matrix: m, History: []*verdict.Matrix{again}}).WriteHTML(&html))
		if s := strings.ToLower(html.String()); strings.Contains(s, "<script") || strings.Contains(s, "<img") {
			t.Fatalf("markup from the document in the page:\n%s", html.String())
		}
	})
}
