package verdict_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/verdict"
)

func TestParseStreamFixtures(t *testing.T) {
	tests := []struct {
		file     string
		pkgs     []string
		pkgState map[string]string
		tests    map[string]string // TestScripts/... → action
		buildErr []string
	}{
		{
			file:     "linux-broken.json",
			pkgs:     []string{pkg},
			pkgState: map[string]string{pkg: "fail"},
			tests: map[string]string{
				"TestScripts": "fail", "TestScripts/fork-pid": "pass",
				"TestScripts/exec-replaces": "fail", "TestScripts/zombie": "skip",
			},
		},
		{
			file:     "build-failed.json",
			pkgs:     []string{pkg},
			pkgState: map[string]string{pkg: "fail"},
			tests:    map[string]string{},
			buildErr: []string{pkg + " [" + pkg + ".test]"},
		},
		{
			file:     "results-ubuntu-latest-gostable.json",
			pkgs:     []string{pkg, pkg + "/procs"},
			pkgState: map[string]string{pkg: "fail", pkg + "/procs": "pass"},
			tests:    map[string]string{"TestScripts/wait-blocks": "fail", "TestScripts/zombie": "skip"},
		},
		{
			file:     "panic.json",
			pkgs:     []string{pkg},
			pkgState: map[string]string{pkg: "fail"},
			tests:    map[string]string{"TestScripts/wait-blocks": "fail", "TestScripts/fork-pid": "", "TestScripts/exec-replaces": ""},
		},
		{
			file:     "no-test-files.json",
			pkgs:     []string{pkg},
			pkgState: map[string]string{pkg: "skip"},
			tests:    map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := stream(t, tt.file)
			var pkgs []string
			for p := range s.Packages {
				pkgs = append(pkgs, p)
			}
			assert.ElementsMatch(t, tt.pkgs, pkgs)
			for p, st := range tt.pkgState {
				require.NotNil(t, s.Packages[p], p)
				assert.Equal(t, st, s.Packages[p].Action, p)
			}
			for name, action := range tt.tests {
				r := s.Test(pkg, name)
				require.NotNil(t, r, name)
				assert.Equal(t, action, r.Action, name)
			}
			assert.Equal(t, tt.buildErr, s.BuildErr)
			assert.Empty(t, s.Stray)
		})
	}
}

// Output is reassembled across events and writes: a line split over two
// output events, and a stream written a few bytes at a time, read the same.
func TestParserIncremental(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "streams", "linux-broken.json"))
	require.NoError(t, err)
	whole := verdict.NewParser()
	_, _ = whole.Write(data)
	want := whole.Finish()

	p := verdict.NewParser()
	done := 0
	p.OnEvent = func(e *verdict.Event, s *verdict.Stream) {
		if e.Test != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
			done++
		}
	}
	for len(data) > 0 {
		n := min(7, len(data))
		_, _ = p.Write(data[:n])
		data = data[n:]
	}
	got := p.Finish()
	assert.Equal(t, 4, done, "three subtests and TestScripts ended")
	assert.Equal(t, want.Test(pkg, "TestScripts/exec-replaces").Output, got.Test(pkg, "TestScripts/exec-replaces").Output)
	assert.Equal(t, want.Events, got.Events)
}

func TestParseStreamSplitOutput(t *testing.T) {
	in := `{"Action":"run","Package":"p","Test":"T"}
{"Action":"output","Package":"p","Test":"T","Output":"    FAIL: x.txt"}
{"Action":"output","Package":"p","Test":"T","Output":"ar:3: boom\n"}
{"Action":"fail","Package":"p","Test":"T"}
`
	s, err := verdict.ParseStream(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"    FAIL: x.txtar:3: boom"}, s.Test("p", "T").Output)
}

func TestParseStreamTolerance(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		events int
		stray  int
		err    string
	}{
		{"CRLF and blank lines", "{\"Action\":\"start\",\"Package\":\"p\"}\r\n\r\n{\"Action\":\"pass\",\"Package\":\"p\"}\r\n", 2, 0, ""},
		{"text from the go command", "go: downloading x v1.0.0\n{\"Action\":\"start\",\"Package\":\"p\"}\n", 1, 1, ""},
		{"truncated last line", "{\"Action\":\"start\",\"Package\":\"p\"}\n{\"Action\":\"outp", 1, 1, ""},
		{"no final newline", "{\"Action\":\"start\",\"Package\":\"p\"}", 1, 0, ""},
		{"JSON without Action", "{\"Action\":\"start\",\"Package\":\"p\"}\n{\"foo\":1}\n", 1, 1, ""},
		{"not a stream", "hello\nworld\n", 0, 0, "not go test -json output (first line: \"hello\")"},
		{"empty", "", 0, 0, "no go test -json events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := verdict.ParseStream(strings.NewReader(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Equal(t, tt.err, err.Error())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.events, s.Events)
			assert.Len(t, s.Stray, tt.stray)
		})
	}
}

// With -count=N, a test that fails once has failed.
func TestParseStreamRepeatedRuns(t *testing.T) {
	in := `{"Action":"run","Package":"p","Test":"T"}
{"Action":"fail","Package":"p","Test":"T"}
{"Action":"run","Package":"p","Test":"T"}
{"Action":"pass","Package":"p","Test":"T"}
{"Action":"run","Package":"p","Test":"U"}
{"Action":"skip","Package":"p","Test":"U"}
{"Action":"run","Package":"p","Test":"U"}
{"Action":"pass","Package":"p","Test":"U"}
`
	s, err := verdict.ParseStream(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, "fail", s.Test("p", "T").Action)
	assert.Equal(t, "pass", s.Test("p", "U").Action)
}

func TestParseStreamAttrs(t *testing.T) {
	in := `{"Action":"run","Package":"p","Test":"TestScripts"}
{"Action":"attr","Package":"p","Test":"TestScripts","Key":"goos","Value":"windows"}
{"Action":"pass","Package":"p","Test":"TestScripts"}
`
	s, err := verdict.ParseStream(bytes.NewReader([]byte(in)))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"goos": "windows"}, s.Test("p", "TestScripts").Attrs)
}

// countStream is a go test -json stream of -count=3 in which the claim
// fork-pid fails in its second run only, and wait-blocks is cut short in
// its third run by the test binary dying.
func countStream() string {
	const p = `"Package":"github.com/forkport/forkport"`
	var b strings.Builder
	ev := func(action, test, output string, elapsed float64) {
		b.WriteString(`{"Action":"` + action + `",` + p)
		if test != "" {
			b.WriteString(`,"Test":"` + test + `"`)
		}
		if output != "" {
			b.WriteString(`,"Output":` + strconv.Quote(output))
		}
		if elapsed != 0 {
			b.WriteString(`,"Elapsed":` + strconv.FormatFloat(elapsed, 'f', -1, 64))
		}
		b.WriteString("}\n")
	}
	ev("start", "", "", 0)
	for run := 1; run <= 3; run++ {
		ev("run", "TestScripts", "", 0)
		for _, sub := range []string{"fork-pid", "wait-blocks"} {
			name := "TestScripts/" + sub
			ev("run", name, "", 0)
			ev("output", name, "=== RUN   "+name+"\n", 0)
			ev("output", name, "        > exec flip run"+strconv.Itoa(run)+"\n", 0)
			switch {
			case sub == "wait-blocks" && run == 3:
				ev("output", "", "panic: boom\n", 0)
				ev("fail", "", "", 0)
				return b.String()
			case sub == "fork-pid" && run == 2:
				ev("output", name, "        FAIL: testdata/script/fork-pid.txtar:3: unexpected command failure\n", 0)
				ev("output", name, "--- FAIL: "+name+" (0.20s)\n", 0)
				ev("fail", name, "", 0.2)
			default:
				ev("output", name, "--- PASS: "+name+" (0.10s)\n", 0)
				ev("pass", name, "", float64(run)/10)
			}
		}
		ev("pass", "TestScripts", "", 1)
	}
	return b.String()
}

// TestParseStreamKeepsEveryRun: with -count, one test name ends several
// times in a stream; each run is kept, with its own action, time and
// output, so that a failure in one run is not overwritten by a later pass.
func TestParseStreamKeepsEveryRun(t *testing.T) {
	s, err := verdict.ParseStream(strings.NewReader(countStream()))
	require.NoError(t, err)

	flip := s.Test(pkg, "TestScripts/fork-pid")
	require.NotNil(t, flip)
	assert.Equal(t, "fail", flip.Action, "one failing run fails the test")
	require.Len(t, flip.Runs, 3)
	var actions []string
	for _, r := range flip.Runs {
		actions = append(actions, r.Action)
	}
	assert.Equal(t, []string{"pass", "fail", "pass"}, actions)
	assert.Equal(t, []float64{0.1, 0.2, 0.3}, []float64{flip.Runs[0].Elapsed, flip.Runs[1].Elapsed, flip.Runs[2].Elapsed})
	assert.Contains(t, flip.Runs[1].Output, "        FAIL: testdata/script/fork-pid.txtar:3: unexpected command failure")
	assert.NotContains(t, flip.Runs[0].Output, "        FAIL: testdata/script/fork-pid.txtar:3: unexpected command failure")
	assert.Contains(t, flip.Runs[2].Output, "        > exec flip run3")
	assert.Contains(t, flip.Output, "        > exec flip run1", "Output is every run's")
	assert.Contains(t, flip.Output, "        > exec flip run3")

	gone := s.Test(pkg, "TestScripts/wait-blocks")
	require.NotNil(t, gone)
	require.Len(t, gone.Runs, 3)
	assert.Equal(t, "", gone.Runs[2].Action, "the run the binary died in never ended")
	assert.Equal(t, "pass", gone.Runs[1].Action)

	top := s.Test(pkg, "TestScripts")
	require.NotNil(t, top)
	assert.Len(t, top.Runs, 3)
}
