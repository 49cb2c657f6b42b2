package verdict_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/verdict"
)

func TestParseLeg(t *testing.T) {
	tests := []struct {
		in   string
		want verdict.LegInfo
		err  string
	}{
		{"linux", verdict.LegInfo{Name: "linux", OS: "linux"}, ""},
		{"linux/amd64", verdict.LegInfo{Name: "linux/amd64", OS: "linux", Arch: "amd64"}, ""},
		{"darwin/arm64", verdict.LegInfo{Name: "darwin/arm64", OS: "darwin", Arch: "arm64"}, ""},
		{"macos", verdict.LegInfo{Name: "darwin", OS: "darwin"}, ""},
		{"windows/amd64", verdict.LegInfo{Name: "windows/amd64", OS: "windows", Arch: "amd64"}, ""},
		{"windows-wine", verdict.LegInfo{Name: "windows-wine", OS: "windows", Wine: true}, ""},
		{"freebsd/amd64", verdict.LegInfo{Name: "freebsd/amd64", OS: "freebsd", Arch: "amd64"}, ""},
		{"beos/amd64", verdict.LegInfo{}, `unknown leg "beos/amd64"`},
		{"wine", verdict.LegInfo{}, `unknown leg "wine"`},
		{"linux/AMD 64", verdict.LegInfo{}, `bad GOARCH`},
		{"", verdict.LegInfo{}, `unknown leg ""`},
		{"linux/amd64 cpython3.11", verdict.LegInfo{Name: "linux/amd64 cpython3.11", OS: "linux", Arch: "amd64", Subject: "cpython", SubjectVersion: "3.11"}, ""},
		{"macos cpython", verdict.LegInfo{Name: "darwin cpython", OS: "darwin", Subject: "cpython"}, ""},
		{"linux/amd64 procs", verdict.LegInfo{Name: "linux/amd64", OS: "linux", Arch: "amd64"}, ""},
		{"windows-wine cpython", verdict.LegInfo{}, "runs the procs subject only"},
		{"linux pypy3.10", verdict.LegInfo{}, `unknown leg "linux pypy3.10"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := verdict.ParseLeg(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLegFromFileName(t *testing.T) {
	tests := []struct {
		file string
		want string
		err  string
	}{
		{"results-windows-latest-gostable.json", "windows", ""},
		{"out/results-ubuntu-latest-go1.26.x.json", "linux", ""},
		{"results-macos-14-arm64.json", "darwin/arm64", ""},
		{"results-windows-wine.json", "windows-wine", ""},
		{"wine.json", "windows-wine", ""},
		{"Results-Linux-AMD64.JSON", "linux/amd64", ""},
		{"results-ubuntu-latest-cpython3.12.json", "linux cpython", ""},
		{"results-windows-latest-cpython.json", "windows cpython", ""},
		{"results.json", "", "cannot tell the leg of results.json from its name"},
		{"linux-vs-windows.json", "", "says both linux and windows"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := verdict.LegFromFileName(tt.file)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Name)
		})
	}
}

func TestLegRoundTrip(t *testing.T) {
	cs := loadClaims(t)
	l := verdict.Evaluate(cs, stream(t, "linux-broken.json"), leg(t, "linux/amd64"), pkg)
	l.Go, l.Forkport, l.Time = "go1.26.8", "v1.2.3", "2026-11-26T00:40:00Z"
	var buf bytes.Buffer
	require.NoError(t, verdict.WriteLeg(&buf, l))
	assert.True(t, strings.HasPrefix(buf.String(), "{\n  \"format\": \"forkport.leg/v2\",\n  \"leg\": \"linux/amd64\","), buf.String()[:80])

	in, err := verdict.ReadInput(&buf)
	require.NoError(t, err)
	require.NotNil(t, in.Leg)
	assert.Nil(t, in.Stream)
	assert.Equal(t, l, in.Leg)
}

func TestReadInput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "streams", "linux-pass.json"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		in     string
		stream bool
		err    string
	}{
		{"raw stream", string(raw), true, ""},
		{"leg of another version", `{"format": "forkport.leg/v3", "leg": "linux"}`, false, `unsupported leg format "forkport.leg/v3" (this forkport reads forkport.leg/v2 and forkport.leg/v1)`},
		{"merged matrix", `{"format": "forkport.matrix/v1"}`, false, "a merged forkport.matrix/v1 document"},
		{"unknown format", `{"format": "junit"}`, false, `unknown format "junit"`},
		{"unknown leg", `{"format": "forkport.leg/v1", "leg": "beos", "os": "beos", "claims": []}`, false, `unknown leg "beos"`},
		{"inconsistent leg", `{"format": "forkport.leg/v1", "leg": "windows-wine", "os": "windows", "wine": false, "claims": []}`, false, "does not match"},
		{"bad member type", `{"format": "forkport.leg/v1", "leg": "linux", "os": "linux", "claims": 3}`, false, "bad forkport.leg/v1 document"},
		{"truncated JSON", `{"format": "forkport.leg/v1", "leg": "li`, false, "neither a forkport.leg/v2 document nor go test -json output"},
		{"text", "PASS\nok  \tgithub.com/forkport/forkport\t0.1s\n", false, "neither a forkport.leg/v2 document nor go test -json output"},
		{"empty", "  \n", false, "empty file"},
		{"v2 leg with runs", v2doc(`{"id":"fork-pid","status":"fail","verdict":"flaky","runs":[{"status":"pass"},{"status":"fail"}]}`), false, ""},
		{"v2 runs that differ, read as holding", v2doc(`{"id":"fork-pid","status":"pass","verdict":"holds","runs":[{"status":"pass"},{"status":"fail"}]}`), false,
			`bad forkport.leg/v2 document: claim "fork-pid": its runs differ (flaky (1 of 2 broken)), but its verdict is "holds"`},
		{"v2 flaky with runs all the same", v2doc(`{"id":"fork-pid","status":"pass","verdict":"flaky","runs":[{"status":"pass"},{"status":"pass"}]}`), false,
			"verdict flaky, but its runs all ended the same way"},
		{"v2 run of an unknown status", v2doc(`{"id":"fork-pid","status":"pass","verdict":"holds","runs":[{"status":"pass"},{"status":"maybe"}]}`), false,
			`run 2 has unknown status "maybe"`},
		{"v2 status of no run", v2doc(`{"id":"fork-pid","status":"fail","verdict":"broken","runs":[{"status":"pass"},{"status":"pass"}]}`), false,
			`status "fail" is none of its runs'`},
		{"v2 negative time", v2doc(`{"id":"fork-pid","status":"pass","verdict":"holds","runs":[{"status":"pass","elapsed":-2}]}`), false,
			"run 1 has a negative elapsed time"},
		{"v2 too many runs", v2doc(`{"id":"fork-pid","status":"pass","verdict":"holds","runs":[` + strings.Repeat(`{"status":"pass"},`, verdict.MaxRuns) + `{"status":"pass"}]}`), false,
			"10001 runs (at most 10000)"},
		{"v1 leg with runs", strings.Replace(v2doc(`{"id":"fork-pid","status":"fail","verdict":"flaky","runs":[{"status":"pass"},{"status":"fail"}]}`), "/v2", "/v1", 1), false,
			"runs and the flaky verdict are forkport.leg/v2, not forkport.leg/v1"},
		{"merged v2 matrix", `{"format": "forkport.matrix/v2"}`, false, "a merged forkport.matrix/v2 document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := verdict.ReadInput(strings.NewReader(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.ErrorIs(t, err, fs.ErrInvalid)
				assert.NotContains(t, err.Error(), "\n", "one line")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.stream, in.Stream != nil)
		})
	}
}

// v2doc is a forkport.leg/v2 document of the linux leg with one claim.
func v2doc(claim string) string {
	return `{"format":"forkport.leg/v2","leg":"linux","os":"linux","count":2,"claims":[` + claim + `]}`
}

func TestReadInputBounded(t *testing.T) {
	_, err := verdict.ReadInputLimit(strings.NewReader(strings.Repeat(" ", 11)), 10)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "larger than 10 bytes")
	_, err = verdict.ReadInputLimit(strings.NewReader(`{"Action":"start","Package":"p"}`+"\n"), 100)
	assert.NoError(t, err)
}

// FuzzReadInput: a saved leg or stream is input from outside the program;
// reading it, judging it and merging it must fail cleanly (an error
// wrapping fs.ErrInvalid), never panic; a leg read holds each claim once,
// no control character it carries reaches the rendered output, runs that
// differ never come out as a verdict that passes (read, judged over -count
// runs, or merged), and what forkport writes it reads back. Seeds:
// testdata/fuzz/FuzzReadInput (v1 and v2 documents, good and bad) and the
// fixtures below.
func FuzzReadInput(f *testing.F) {
	for _, name := range []string{"linux-pass.json", "linux-broken.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "streams", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(`{"format":"forkport.leg/v1","leg":"linux","os":"linux","claims":[{"id":"x","status":"pass"}]}`))
	f.Add([]byte(`{"format":"forkport.leg/v1","leg":"windows-wine","os":"windows","wine":true}`))
	f.Add([]byte(`{"Action":"fail","Package":"p","Test":"TestScripts/x","Output":"panic: test timed out after 1s\n"}`))
	f.Add([]byte(countStream()))
	cs := loadClaims(f)
	suites := []verdict.Suite{{Test: verdict.ScriptTest, Claims: cs}}
	s, err := verdict.ParseStream(strings.NewReader(countStream()))
	require.NoError(f, err)
	var doc bytes.Buffer
	require.NoError(f, verdict.WriteLeg(&doc, verdict.EvaluateRuns(suites, s, verdict.LegInfo{Name: "linux", OS: "linux"}, verdict.RunOptions{Count: 3, Timeout: time.Second})))
	f.Add(doc.Bytes())

	// noPassingFlake fails when runs that differ have a verdict that passes.
	noPassingFlake := func(t *testing.T, where, id string, v verdict.Verdict, runs []verdict.Run) {
		if verdict.Unstable(runs) && !v.Fails() {
			t.Fatalf("%s: claim %q: runs %v differ, verdict %q", where, id, runs, v)
		}
		if v == verdict.Flaky && !verdict.Unstable(runs) {
			t.Fatalf("%s: claim %q: flaky, runs %v all the same", where, id, runs)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := verdict.ReadInput(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, fs.ErrInvalid) {
				t.Fatalf("error not wrapping fs.ErrInvalid: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		leg := in.Leg
		if in.Stream != nil {
			leg = verdict.Evaluate(cs, in.Stream, verdict.LegInfo{Name: "linux", OS: "linux"}, "")
			counted := verdict.EvaluateRuns(suites, in.Stream, verdict.LegInfo{Name: "linux", OS: "linux"}, verdict.RunOptions{Count: 3, Timeout: time.Second})
			for _, r := range counted.Claims {
				noPassingFlake(t, "judged over 3 runs", r.ID, r.Verdict, r.Runs)
				if len(r.Runs) < 3 {
					t.Fatalf("claim %q: %d runs of 3", r.ID, len(r.Runs))
				}
			}
			leg = counted
		}
		for i, r := range leg.Claims {
			for _, o := range leg.Claims[:i] {
				if o.ID == r.ID {
					t.Fatalf("a leg read holds claim %q twice", r.ID)
				}
			}
			noPassingFlake(t, "read", r.ID, r.Verdict, r.Runs)
		}
		var again bytes.Buffer
		if err := verdict.WriteLeg(&again, leg); err != nil {
			t.Fatal(err)
		}
		if _, err := verdict.ReadInput(&again); err != nil {
			t.Fatalf("a leg written does not read back: %v\n%s", err, again.String())
		}
		m := verdict.Merge(cs, []*verdict.Leg{leg}, nil)
		for _, row := range m.Claims {
			for label, c := range row.Results {
				noPassingFlake(t, "merged on "+label, row.ID, c.Verdict, c.Runs)
			}
		}
		var b bytes.Buffer
		verdict.WriteLegText(&b, leg, verdict.TextOptions{})
		verdict.WriteMatrixText(&b, m, verdict.TextOptions{})
		verdict.WriteLegMarkdown(&b, leg)
		verdict.WriteMatrixMarkdown(&b, m)
		if bad := controls(b.String()); bad != "" {
			t.Fatalf("control characters in the output (%s):\n%s", bad, b.String())
		}
	})
}

// A leg document that holds a claim's result twice is malformed: merged,
// a failure followed by a pass would show the claim holding.
func TestReadInputRefusesDuplicateIDs(t *testing.T) {
	doc := `{"format":"forkport.leg/v1","leg":"linux","os":"linux","claims":[
		{"id":"fork-pid","status":"fail","verdict":"broken"},
		{"id":"zombie","status":"pass","verdict":"holds"},
		{"id":"fork-pid","status":"pass","verdict":"holds"}]}`
	_, err := verdict.ReadInput(strings.NewReader(doc))
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrInvalid)
	assert.Contains(t, err.Error(), `claim "fork-pid" has more than one result`)
}
