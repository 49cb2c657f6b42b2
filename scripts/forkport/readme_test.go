package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/claims"
)

// TestREADMEClaimsBlock fails when the module README's claims block is not
// what the claim files say.
func TestREADMEClaimsBlock(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if os.IsNotExist(err) {
		t.Skip("no README.md at the module root yet")
	}
	require.NoError(t, err)
	doc := string(data)
	if !hasBlock(doc, blockClaims) {
		t.Skipf("README.md has no %s ... %s block yet: nothing to check", startMarker(blockClaims), endMarker(blockClaims))
	}
	cs, err := claims.Load(filepath.Join(root, "testdata", "script"))
	require.NoError(t, err)
	want, err := replaceBlock(doc, blockClaims, claimsBlock(cs))
	require.NoError(t, err)
	if want != doc {
		got, exp := strings.Split(doc, "\n"), strings.Split(want, "\n")
		i := 0
		for i < len(got) && i < len(exp) && got[i] == exp[i] {
			i++
		}
		line := func(ls []string) string {
			if i < len(ls) {
				return ls[i]
			}
			return "(end of file)"
		}
		t.Errorf("README.md's claims block disagrees with testdata/script: run go generate ./scripts/forkport "+
			"(go run ./scripts/forkport readme -w -claims-only)\nREADME.md:%d:\n have: %s\n want: %s", i+1, line(got), line(exp))
	}
}

func TestReplaceBlock(t *testing.T) {
	tests := []struct {
		name, doc, content, want, err string
	}{
		{
			name:    "replaces the lines between the markers",
			doc:     "# T\n<!-- forkport:claims -->\nold\nlines\n<!-- /forkport:claims -->\nafter\n",
			content: "new\n",
			want:    "# T\n<!-- forkport:claims -->\nnew\n<!-- /forkport:claims -->\nafter\n",
		},
		{
			name:    "empty block, content without final newline",
			doc:     "<!-- forkport:claims -->\n<!-- /forkport:claims -->",
			content: "new",
			want:    "<!-- forkport:claims -->\nnew\n<!-- /forkport:claims -->",
		},
		{
			name:    "indented markers",
			doc:     "  <!-- forkport:claims -->  \nold\n  <!-- /forkport:claims -->\n",
			content: "new\n",
			want:    "  <!-- forkport:claims -->  \nnew\n  <!-- /forkport:claims -->\n",
		},
		{
			name:    "a marker inside a sentence is no marker",
			doc:     "write `<!-- forkport:claims -->` to start\n<!-- forkport:claims -->\nold\n<!-- /forkport:claims -->\n",
			content: "new\n",
			want:    "write `<!-- forkport:claims -->` to start\n<!-- forkport:claims -->\nnew\n<!-- /forkport:claims -->\n",
		},
		{
			name: "CRLF README",
			doc:  "<!-- forkport:claims -->\r\nold\r\n<!-- /forkport:claims -->\r\n", content: "new\n",
			want: "<!-- forkport:claims -->\r\nnew\n<!-- /forkport:claims -->\r\n",
		},
		{name: "no block", doc: "# T\n", content: "x\n", want: "# T\n", err: "no such block"},
		{name: "no end", doc: "<!-- forkport:claims -->\nold\n", err: "<!-- forkport:claims --> has no <!-- /forkport:claims --> after it"},
		{name: "end first", doc: "<!-- /forkport:claims -->\n", err: "<!-- /forkport:claims --> without <!-- forkport:claims --> before it"},
		{name: "start twice", doc: "<!-- forkport:claims -->\n<!-- forkport:claims -->\n<!-- /forkport:claims -->\n", err: "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceBlock(tt.doc, "claims", tt.content)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				if tt.want != "" {
					assert.Equal(t, tt.want, got)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := replaceBlock(got, "claims", tt.content)
			require.NoError(t, err)
			assert.Equal(t, got, again, "idempotent")
		})
	}
}

const readmeTemplate = `# forkport

## Claims

<!-- forkport:claims -->
stale
<!-- /forkport:claims -->

## On Linux

<!-- forkport:linux -->
<!-- /forkport:linux -->

## Matrix

<!-- forkport:matrix -->
<!-- /forkport:matrix -->

The end.
`

func TestReadmeCommand(t *testing.T) {
	root := testModule(t, readmeTemplate)
	h, linuxDoc, wineRaw := twoLegs(t, root, "windows-wine-raw.json")
	readme := filepath.Join(root, "README.md")

	// -claims-only -w: the claims block only, in place.
	require.Equal(t, exitOK, h.run("readme", "-w", "-claims-only"), h.stderr.String())
	got, err := os.ReadFile(readme)
	require.NoError(t, err)
	assert.Contains(t, string(got), "<!-- forkport:claims -->\n| Claim | Linux | macOS | Windows |\n| --- | --- | --- | --- |\n| `exec-replaces` exec replaces the calling program.<br>Source: chapter, \"os.execlp replaces the current program\" | holds | holds | differs — Windows has no exec; procs spawns, waits and exits<br>Wine: deviates — Wine reports a killed child's exit status as 0, not 1 |\n")
	assert.Contains(t, string(got), "<!-- forkport:linux -->\n<!-- /forkport:linux -->\n")
	assert.NotContains(t, string(got), "stale")
	assert.Equal(t, "forkport: rewrote README.md\n", h.stderr.String())

	require.Equal(t, exitOK, h.run("readme", "-w", "-claims-only"))
	assert.Equal(t, "forkport: README.md is up to date\n", h.stderr.String())

	// Without -w: the whole README on stdout, from saved legs; the file is
	// untouched.
	require.NoError(t, os.Remove(h.log))
	require.Equal(t, exitOK, h.run("readme", "-linux", linuxDoc, "-wine", wineRaw))
	doc := h.stdout.String()
	assert.Contains(t, doc, "<!-- forkport:linux -->\n```text\n$ go run ./scripts/forkport .\nforkport linux/amd64 · go1.26.8 · devel · 2026-11-26T00:40:00Z\n\nID ")
	assert.Contains(t, doc, "exec-replaces: broken — testdata/script/exec-replaces.txtar:9: unexpected command failure\n")
	assert.Contains(t, doc, "```\n<!-- /forkport:linux -->\n")
	assert.Contains(t, doc, "<!-- forkport:matrix -->\n| Claim | linux/amd64 | windows-wine |\n| --- | --- | --- |\n")
	assert.Contains(t, doc, "| `exec-replaces` exec replaces the calling program. | ❌ broken | 🍷 wine deviation |\n")
	assert.True(t, strings.HasSuffix(doc, "<!-- /forkport:matrix -->\n\nThe end.\n"), doc)
	unchanged, err := os.ReadFile(readme)
	require.NoError(t, err)
	assert.Equal(t, got, unchanged)
	_, err = os.Stat(h.log)
	assert.True(t, os.IsNotExist(err), "saved legs: nothing runs")

	// The Linux leg must be Linux's.
	assert.Equal(t, exitError, h.run("readme", "-linux", wineRaw, "-wine", wineRaw))
	assert.Contains(t, h.stderr.String(), "is the windows-wine leg, not linux")
}

func TestReadmeCommandRunsTheLegs(t *testing.T) {
	root := testModule(t, readmeTemplate)
	h := newHarness(t, root, "linux-pass.json", 0)
	ran := false
	h.app.runWine = func(_ context.Context, r wineRun) (string, error) {
		ran = true
		assert.Equal(t, 1, r.count, "the README's legs run each claim once")
		data, err := os.ReadFile(fixtureStream("linux-pass.json"))
		require.NoError(t, err)
		_, err = r.events.Write(data)
		return "wine-8.0", err
	}
	require.Equal(t, exitOK, h.run("readme", "-w"), h.stderr.String())
	assert.True(t, ran)
	dir, args := h.goTestArgs()
	assert.Equal(t, root, dir)
	assert.Contains(t, args, "-count=1", "the README's legs run each claim once")
	got, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(got), "| `fork-pid` fork returns the child's PID to the parent, and the child is a new process. | ✅ holds | ✅ differs as expected |\n")

	// Not on Linux: the Linux block needs a saved leg.
	t.Setenv("FAKE_GO_GOOS", "darwin")
	t.Setenv("FAKE_GO_GOARCH", "arm64")
	require.Equal(t, exitError, h.run("readme"))
	assert.Equal(t, "forkport: the README's Linux output must come from Linux: run readme on Linux, or pass -linux FILE\n", h.stderr.String())
}

func TestReadmeCommandWithoutMarkers(t *testing.T) {
	h := newHarness(t, testModule(t, "# forkport\n\nNo blocks yet.\n"), "", 0)
	require.Equal(t, exitError, h.run("readme", "-w"))
	assert.Equal(t, "forkport: README.md has no forkport blocks: add <!-- forkport:claims --> and <!-- /forkport:claims --> lines (or linux, matrix)\n", h.stderr.String())

	h = newHarness(t, testModule(t, ""), "", 0)
	require.Equal(t, exitError, h.run("readme"))
	assert.Equal(t, "forkport: no README.md at the module root (.)\n", h.stderr.String())
}

// TestREADMEForNewcomers: the README leads with what a newcomer needs (the
// public-API use within its first screens), and names no release tag that
// the repository does not have.
func TestREADMEForNewcomers(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	at := func(heading string) int {
		for i, l := range lines {
			if l == heading {
				return i + 1
			}
		}
		return -1
	}
	quick, own, claimsAt := at("## Quickstart"), at("## Check your own program's claims"), at("## The claims")
	require.Positive(t, quick, "a Quickstart section")
	require.Positive(t, own, "a \"Check your own program's claims\" section")
	require.Positive(t, claimsAt, "a claims section")
	assert.LessOrEqual(t, own, 150, "\"Check your own program's claims\" starts within the first 150 lines")
	assert.Less(t, quick, own)
	assert.Less(t, own, claimsAt, "the generated claim table comes after the public-API use")
	for _, name := range []string{blockClaims, blockLinux, blockMatrix} {
		assert.Greater(t, markerLine(string(data), startMarker(name), 0), strings.Index(string(data), "## The claims"), "block %s after the claims heading", name)
	}

	// The Quickstart's counts are the claim files' (35 = 32 + procstest's 3).
	chapter, err := claims.Load(filepath.Join(root, "testdata", "script"))
	require.NoError(t, err)
	procstest, err := claims.Load(filepath.Join(root, "procs", "procstest", "testdata", "script"))
	require.NoError(t, err)
	quickstart := strings.Join(lines[quick:own], "\n")
	assert.Contains(t, quickstart, fmt.Sprintf("The first run checks %d claims: the chapter's %d,", len(chapter)+len(procstest), len(chapter)))
	assert.Contains(t, quickstart, fmt.Sprintf("the %d of procstest's own tests", len(procstest)))
	assert.Contains(t, quickstart, fmt.Sprintf("claims: the chapter's %d\n", len(chapter)))

	// forkport has no release tag: no "@v1.2.3" or "forkport-version: v1.2.3"
	// in the README or the workflows (a tag here must exist in git first).
	tag := regexp.MustCompile(`(@|forkport-version:\s*)v\d+\.\d+\.\d+`)
	files := []string{"README.md", filepath.Join(".github", "workflows", "claims.yml"), filepath.Join(".github", "workflows", "ci.yml")}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		require.NoError(t, err)
		assert.Empty(t, tag.FindAllString(string(data), -1), "%s names a release tag", f)
	}
}

// TestREADMEClaimIsTheExamples: the claim the README's "Your claims" shows
// is the example module's file, word for word, so what a newcomer copies
// passes procstest's checks as that file does.
func TestREADMEClaimIsTheExamples(t *testing.T) {
	root := filepath.Join("..", "..")
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	const intro = "A first claim, `testdata/script/wide-exit-status.txtar`"
	_, after, ok := strings.Cut(string(data), intro)
	require.True(t, ok, "the README shows a first claim")
	_, block, ok := strings.Cut(after, "   ```text\n")
	require.True(t, ok, "the claim in a text block")
	block, _, ok = strings.Cut(block, "   ```\n")
	require.True(t, ok, "the text block ends")
	var shown []string
	for _, l := range strings.Split(strings.TrimSuffix(block, "\n"), "\n") {
		shown = append(shown, strings.TrimPrefix(l, "   "))
	}
	file, err := os.ReadFile(filepath.Join(root, "testdata", "example", "testdata", "script", "wide-exit-status.txtar"))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(string(file), "\n"), strings.Join(shown, "\n"))
}
