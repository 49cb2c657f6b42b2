package verdict_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
	"github.com/forkport/forkport/internal/verdict"
)

func TestMerge(t *testing.T) {
	cs := loadClaims(t)
	linux := verdict.Evaluate(cs, stream(t, "linux-broken.json"), leg(t, "linux/amd64"), pkg)
	wine := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "windows-wine"), pkg)
	ci := verdict.Evaluate(cs, stream(t, "results-ubuntu-latest-gostable.json"), leg(t, "linux"), pkg)

	// A leg document from an older suite: it lacks wait-blocks entirely.
	old := *wine
	old.Claims = nil
	for _, r := range wine.Claims {
		if r.ID != "wait-blocks" {
			old.Claims = append(old.Claims, r)
		}
	}
	old.Leg = "windows"
	old.Wine = false

	m := verdict.Merge(cs, []*verdict.Leg{linux, wine, &old, ci}, []string{"a.json", "b.json", "c.json", "d.json"})
	assert.Equal(t, verdict.MatrixFormat, m.Format)
	var labels []string
	for _, l := range m.Legs {
		labels = append(labels, l.Label)
	}
	assert.Equal(t, []string{"linux/amd64", "linux", "windows", "windows-wine"}, labels, "linux, darwin, windows, windows-wine")
	assert.Equal(t, "c.json", m.Legs[2].File)
	assert.Equal(t, "d.json", m.Legs[1].File)

	require.Len(t, m.Claims, 4)
	rows := map[string]verdict.Row{}
	var ids []string
	for _, r := range m.Claims {
		rows[r.ID] = r
		ids = append(ids, r.ID)
	}
	assert.Equal(t, []string{"exec-replaces", "fork-pid", "wait-blocks", "zombie"}, ids)

	tests := []struct {
		id, leg string
		want    verdict.Verdict
		detail  string
	}{
		{"exec-replaces", "linux/amd64", verdict.Broken, "testdata/script/exec-replaces.txtar:9: unexpected command failure"},
		{"exec-replaces", "windows-wine", verdict.WineDeviation, ""},
		// Judged again for the document's leg: windows, not windows-wine.
		{"exec-replaces", "windows", verdict.DiffersAsExpected, ""},
		{"fork-pid", "linux/amd64", verdict.Holds, ""},
		{"fork-pid", "windows-wine", verdict.DiffersAsExpected, ""},
		{"wait-blocks", "windows", verdict.NotRun, "no result"}, // the leg misses the claim
		{"wait-blocks", "linux", verdict.Broken, "testdata/script/wait-blocks.txtar:7: unexpected command failure"},
		{"zombie", "linux", verdict.NotRun, "skipped: needs the Windows leg to show the difference"},
	}
	for _, tt := range tests {
		c := rows[tt.id].Results[tt.leg]
		assert.Equal(t, tt.want, c.Verdict, "%s on %s", tt.id, tt.leg)
		assert.Equal(t, tt.detail, c.Detail, "%s on %s", tt.id, tt.leg)
	}
	assert.Equal(t, claims.Differs, rows["exec-replaces"].Expect["windows"].Outcome)
	assert.NotEmpty(t, rows["exec-replaces"].Wine)
	assert.True(t, m.Failed())
}

// Without claim files, the rows come from the legs, and so do the
// expectations each leg knows.
func TestMergeWithoutClaimFiles(t *testing.T) {
	cs := loadClaims(t)
	linux := verdict.Evaluate(cs[:2], stream(t, "linux-pass.json"), leg(t, "linux"), pkg)
	wine := verdict.Evaluate(cs[1:], stream(t, "linux-pass.json"), leg(t, "windows-wine"), pkg)
	m := verdict.Merge(nil, []*verdict.Leg{linux, wine}, nil)
	require.Len(t, m.Claims, 4)
	byID := map[string]verdict.Row{}
	for _, r := range m.Claims {
		byID[r.ID] = r
	}
	assert.Equal(t, verdict.Cell{Status: verdict.StatusAbsent, Verdict: verdict.NotRun, Detail: "no result"},
		byID["exec-replaces"].Results["windows-wine"], "a leg missing a claim")
	assert.Equal(t, verdict.NotRun, byID["zombie"].Results["linux"].Verdict)
	assert.Equal(t, verdict.Holds, byID["exec-replaces"].Results["linux"].Verdict)
	assert.Equal(t, verdict.DiffersAsExpected, byID["fork-pid"].Results["windows-wine"].Verdict)
	assert.Equal(t, map[string]claims.Expectation{"linux": {Outcome: claims.Holds}}, byID["exec-replaces"].Expect)
	assert.Equal(t, claims.Differs, byID["fork-pid"].Expect["windows"].Outcome)
	assert.Equal(t, claims.Holds, byID["fork-pid"].Expect["linux"].Outcome)
	assert.Equal(t, "fork returns the child's PID to the parent, and the child is a new process.", byID["fork-pid"].Claim)
}

func TestMergeDuplicateLegsAndStaleClaims(t *testing.T) {
	cs := loadClaims(t)
	a := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "windows"), pkg)
	b := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "windows"), pkg)
	m := verdict.Merge(cs[:3], []*verdict.Leg{a, b}, nil)
	require.Len(t, m.Legs, 2)
	assert.Equal(t, "windows (1)", m.Legs[0].Label)
	assert.Equal(t, "windows (2)", m.Legs[1].Label)

	files := verdict.Merge(cs, []*verdict.Leg{a, b, a}, []string{"out/results-windows-latest-gostable.json", "results-windows-latest-gooldstable.json", "x/results-windows-latest-gostable.json"})
	assert.Equal(t, "windows (windows-latest-gostable)", files.Legs[0].Label)
	assert.Equal(t, "windows (windows-latest-gooldstable)", files.Legs[1].Label)
	assert.Equal(t, "windows (windows-latest-gostable) #2", files.Legs[2].Label)

	a.Go, b.Go = "go1.26.8", "go1.25.9"
	gos := verdict.Merge(cs, []*verdict.Leg{a, b}, nil)
	assert.Equal(t, "windows (go1.26.8)", gos.Legs[0].Label)
	assert.Equal(t, "windows (go1.25.9)", gos.Legs[1].Label)
	assert.Len(t, m.Claims, 3)
	require.Len(t, m.Notes, 1, "the claim with no claim file is left out, once")
	assert.Contains(t, m.Notes[0], "zombie, which has no claim file")
	assert.False(t, m.Failed())

	m.Filter(regexp.MustCompile("fork"))
	require.Len(t, m.Claims, 1)
	assert.Equal(t, "fork-pid", m.Claims[0].ID)
}

// Each subject's leg is judged by its own expectations, and the two legs of
// one OS sit side by side.
func TestMergeSubjects(t *testing.T) {
	c, err := claims.Parse("testdata/script/fork-pid.txtar", []byte(`# claim: fork returns the child's PID.
# source: chapter
# expect:
#   linux: holds
#   darwin: holds
#   windows: holds
# expect cpython:
#   linux: holds
#   darwin: holds
#   windows: differs — os.fork does not exist on Windows

[differs] stderr 'has no attribute ''fork'''
`))
	require.NoError(t, err)
	cs := []*claims.Claim{c}
	result := func(name string) *verdict.Leg {
		info := leg(t, name)
		l := &verdict.Leg{Format: verdict.Format, Leg: info.Name, OS: info.OS, Arch: info.Arch, Subject: info.Subject, SubjectVersion: info.SubjectVersion}
		l.Claims = []verdict.Result{{ID: c.ID, Claim: c.Claim, Expect: info.Expectation(c), Status: verdict.StatusPass, Verdict: verdict.Decide(c, info, verdict.StatusPass)}}
		return l
	}
	legs := []*verdict.Leg{result("windows cpython3.12"), result("windows"), result("linux/amd64 cpython3.11"), result("linux/amd64")}
	assert.Equal(t, verdict.DiffersAsExpected, legs[0].Claims[0].Verdict, "CPython's windows expectation")
	assert.Equal(t, claims.Differs, legs[0].Claims[0].Expect.Outcome)
	assert.Equal(t, verdict.Holds, legs[1].Claims[0].Verdict, "procs' windows expectation")

	m := verdict.Merge(cs, legs, nil)
	var labels []string
	for _, l := range m.Legs {
		labels = append(labels, l.Label)
	}
	assert.Equal(t, []string{"linux/amd64", "linux/amd64 cpython3.11", "windows", "windows cpython3.12"}, labels)
	assert.Equal(t, "cpython", m.Legs[1].Subject)
	row := m.Claims[0]
	assert.Equal(t, verdict.DiffersAsExpected, row.Results["windows cpython3.12"].Verdict)
	assert.Equal(t, verdict.Holds, row.Results["windows"].Verdict)
	assert.Equal(t, claims.Differs, row.ExpectCPython["windows"].Outcome)
	assert.Equal(t, claims.Holds, row.Expect["windows"].Outcome)

	// Without claim files, each subject's expectations come from its legs.
	m = verdict.Merge(nil, legs, nil)
	assert.Equal(t, claims.Differs, m.Claims[0].ExpectCPython["windows"].Outcome)
	assert.Equal(t, claims.Holds, m.Claims[0].Expect["windows"].Outcome)
}

// A CPython leg's results are the subtests of TestScriptsCPython.
func TestEvaluateCPythonLeg(t *testing.T) {
	cs := loadClaims(t)
	l := verdict.Evaluate(cs, stream(t, "linux-cpython-pass.json"), leg(t, "linux cpython3.11"), pkg)
	procs := verdict.Evaluate(cs, stream(t, "linux-pass.json"), leg(t, "linux"), pkg)
	require.Len(t, l.Claims, len(cs))
	for i, r := range l.Claims {
		assert.Equal(t, procs.Claims[i].Status, r.Status, r.ID)
	}
	assert.Equal(t, verdict.StatusPass, l.Claims[0].Status)
	assert.Equal(t, "cpython", l.Subject)
	// The same stream holds no procs results.
	l = verdict.Evaluate(cs, stream(t, "linux-cpython-pass.json"), leg(t, "linux"), pkg)
	for _, r := range l.Claims {
		assert.Equal(t, verdict.StatusAbsent, r.Status, r.ID)
	}
}
