package verdict_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/verdict"
)

// TestBSDPathsLeg: bsd-paths is a leg of its own whose OS is darwin (so
// the darwin expectations judge it), with or without an arch and a
// subject, named by a file name that says bsd, and read back from a leg
// document only with os darwin.
func TestBSDPathsLeg(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want verdict.LegInfo
	}{
		{"bsd-paths", verdict.LegInfo{Name: "bsd-paths", OS: "darwin"}},
		{"bsd-paths/amd64", verdict.LegInfo{Name: "bsd-paths/amd64", OS: "darwin", Arch: "amd64"}},
		{"bsd-paths cpython3.11", verdict.LegInfo{Name: "bsd-paths cpython3.11", OS: "darwin", Subject: "cpython", SubjectVersion: "3.11"}},
	} {
		got, err := verdict.ParseLeg(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.True(t, got.BSDPaths(), tt.in)
	}
	for _, name := range []string{"darwin", "darwin/arm64", "macos cpython", "freebsd", "linux"} {
		got, err := verdict.ParseLeg(name)
		require.NoError(t, err, name)
		assert.False(t, got.BSDPaths(), name)
	}
	assert.Contains(t, verdict.LegNames, verdict.BSDPathsLeg)

	got, err := verdict.LegFromFileName("out/bsd-paths.json")
	require.NoError(t, err)
	assert.Equal(t, verdict.LegInfo{Name: "bsd-paths", OS: "darwin"}, got)
	got, _ = verdict.LegFromFileName("results-freebsd-14.json")
	assert.False(t, got.BSDPaths(), "freebsd is not bsd-paths")

	doc := `{"format": "forkport.leg/v1", "leg": "bsd-paths", "os": "%s", "claims": []}`
	in, err := verdict.ReadInput(strings.NewReader(strings.Replace(doc, "%s", "darwin", 1)))
	require.NoError(t, err)
	require.NotNil(t, in.Leg)
	assert.Equal(t, "darwin", in.Leg.Info().OS)
	assert.True(t, in.Leg.Info().BSDPaths())
	_, err = verdict.ReadInput(strings.NewReader(strings.Replace(doc, "%s", "linux", 1)))
	assert.ErrorContains(t, err, `leg "bsd-paths" does not match os "linux"`)
}
