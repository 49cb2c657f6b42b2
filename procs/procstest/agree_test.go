package procstest_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/forkport/forkport/internal/testutil"
	"github.com/forkport/forkport/procs"
	"github.com/forkport/forkport/procs/procstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// status CMD ARG... runs CMD, waits for it, and prints "status=N", its exit
// status as the caller sees it: on Unix a byte (300 is 44), on Windows 32
// bits.
func status() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: status CMD [ARG...]")
		return 2
	}
	code, err := procs.Spawnvp(procs.PWait, os.Args[1], os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		return 1
	}
	fmt.Printf("status=%d\n", code)
	return 0
}

// wideStatus is the claim: a child's exit status of 300 reaches
// its parent whole. It differs on Unix (an exit status is a byte) and holds
// on Windows. %s are the expect lines; script is appended.
const wideStatus = `# claim: a child's exit status reaches its parent whole: 300 is seen as 300.
# source: forkport issue 23, "a claim header that cannot disagree with its script"
# expect:
%s
`

// wideStatusExpect gives the expect lines, the truth for every OS but
// flip's, whose word is turned around.
func wideStatusExpect(flip string) string {
	truth := map[string]string{
		"linux":   "differs — an exit status is a byte: 300 is seen as 44",
		"darwin":  "differs — an exit status is a byte: 300 is seen as 44",
		"windows": "holds",
	}
	var lines []string
	for _, os := range []string{"linux", "darwin", "windows"} {
		word := truth[os]
		if os == flip {
			if word == "holds" {
				word = "differs — relabelled"
			} else {
				word = "holds"
			}
		}
		lines = append(lines, "#   "+os+": "+word)
	}
	return strings.Join(lines, "\n")
}

// The script as it is written now, against the header's word, and as it
// was written before, against the GOOS (the issue's "[!windows] stdout
// '... 44$'").
const (
	followsHeader = "exec status greet -exit 300\n[differs] stdout '^status=44$'\n[holds] stdout '^status=300$'\n"
	asksTheOS     = "exec status greet -exit 300\n[!windows] stdout '^status=44$'\n[windows] stdout '^status=300$'\n"
)

// TestRelabelledHeader is issue 23's contradiction: a Unix-differing claim
// whose header is relabelled on the OS the test runs on (on Linux,
// "linux: holds") must not pass there. Written against the header, the
// relabelled claim runs the claim's own assertion, which fails; written
// against the GOOS, it is refused with its file and line before it runs.
// The true header passes, so the script is right and the failure is the
// header's.
func TestRelabelledHeader(t *testing.T) {
	// line is the line number of text in the claim file made of script.
	line := func(script, text string) int {
		claim := fmt.Sprintf(wideStatus, wideStatusExpect("")) + "\n" + script
		for i, l := range strings.Split(claim, "\n") {
			if l == text {
				return i + 1
			}
		}
		t.Fatalf("no line %q", text)
		return 0
	}
	// On Unix the relabelled word is holds: the claim's own assertion runs
	// and fails. On Windows it is differs, and then every OS differs: the
	// [holds] line can run nowhere, and the header is refused there.
	relabelled := fmt.Sprintf("wide-status\\.txtar:%d: no match for `\\^status=300\\$` found in stdout", line(followsHeader, "[holds] stdout '^status=300$'"))
	if runtime.GOOS == "windows" {
		relabelled = fmt.Sprintf(`wide-status\.txtar:%d: \[holds\] never runs: expect: says differs on every OS`, line(followsHeader, "[holds] stdout '^status=300$'"))
	}
	tests := []struct {
		name   string
		script string
		flip   string // the OS whose word is turned around ("": none)
		pass   bool
		want   []string // regexps the child's output must match
	}{
		{name: "follows the header, true header", script: followsHeader, pass: true,
			want: []string{`--- PASS: TestHelper/wide-status `, `procstest: ran against ` + procstest.ExpectOS + `: (holds|differs) \(procs\)`}},
		{name: "follows the header, relabelled", script: followsHeader, flip: procstest.ExpectOS,
			want: []string{`--- FAIL: TestHelper/wide-status `,
				relabelled}},
		{name: "asks the OS, true header", script: asksTheOS,
			want: []string{`--- FAIL: TestHelper/wide-status `,
				fmt.Sprintf(`wide-status\.txtar:%d: \[!windows\] on a line that checks the claim as stated`, line(asksTheOS, "[!windows] stdout '^status=44$'"))}},
		{name: "asks the OS, relabelled", script: asksTheOS, flip: procstest.ExpectOS,
			want: []string{`--- FAIL: TestHelper/wide-status `,
				fmt.Sprintf(`wide-status\.txtar:%d: \[!windows\] on a line that checks the claim as stated`, line(asksTheOS, "[!windows] stdout '^status=44$'"))}},
	}
	if procstest.ExpectOS != runtime.GOOS {
		// A forkport_bsdpaths build: the relabelled header says darwin
		// holds where linux differs, which Linux cannot imitate, so the
		// claim is skipped, saying why (a "not run" verdict), rather than
		// run against the darwin word.
		tests[1].pass = true
		tests[1].want = []string{`--- SKIP: TestHelper/wide-status `,
			`bsd-paths: Linux cannot imitate what this claim expects of macOS \(darwin: holds; linux: differs — an exit status is a byte`}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testutil.TempDir(t)
			claim := fmt.Sprintf(wideStatus, wideStatusExpect(tt.flip)) + "\n" + tt.script
			require.NoError(t, os.WriteFile(filepath.Join(dir, "wide-status.txtar"), []byte(claim), 0o666))
			out, err := runHelper(t, "run", dir)
			if tt.pass {
				require.NoError(t, err, "the true header must pass:\n%s", out)
			} else {
				var exit *exec.ExitError
				require.True(t, errors.As(err, &exit), "the child must fail; err %v, output:\n%s", err, out)
				assert.NotContains(t, out, "--- PASS: TestHelper/wide-status", "no pass for a header that disagrees")
			}
			for _, w := range tt.want {
				assert.Regexp(t, regexp.MustCompile(`(?m)`+w), out)
			}
		})
	}
}

// runHelper runs TestHelper in a child test binary with the helper case and
// claim directory, and returns its output.
func runHelper(t *testing.T, helper, dir string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+helper, helperDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
