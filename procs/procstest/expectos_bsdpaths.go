//go:build linux && forkport_bsdpaths

package procstest

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/forkport/forkport/internal/claims"
	"github.com/rogpeppe/go-internal/testscript"
)

// expectOS is the OS whose expectations the scripts follow ([holds],
// [differs]) and log (claims.RanAgainst): built with forkport_bsdpaths
// (the bsd-paths leg: Linux taking the macOS/BSD code paths), macOS's.
const expectOS = "darwin"

// notImitated says why claim c cannot be checked against its darwin
// expectation on Linux, or "" when it can: where the darwin and linux
// expectations part (one holds, the other differs), the difference is
// macOS's own behaviour (its kernel, its libc, its CPython), which the
// simulation does not have, so a pass or a failure here would say nothing
// about macOS. Such a claim is skipped with this reason: "not run".
//
// A script that asks testscript which OS runs it ([darwin], [!linux], ...)
// is skipped too: testscript answers linux here, so the script would check
// what it checks on Linux under macOS's verdict.
func notImitated(c *claims.Claim, subject string) string {
	d, okd := c.ExpectFor(subject, "darwin")
	l, okl := c.ExpectFor(subject, "linux")
	if okd && okl && d.Outcome != l.Outcome {
		return fmt.Sprintf("bsd-paths: Linux cannot imitate what this claim expects of macOS (darwin: %s; linux: %s)", d, l)
	}
	if n, cond := asksTheOS(c.File); cond != "" {
		return fmt.Sprintf("bsd-paths: the script asks which OS runs it (%s, line %d), and testscript answers linux here", cond, n)
	}
	return ""
}

// osCondition is a script condition that names Linux or macOS.
var osCondition = regexp.MustCompile(`\[!?(darwin|linux)\]`)

// asksTheOS returns the first line of file's script (before its first
// archive file) with a condition naming darwin or linux, and the
// condition; 0 and "" when there is none, or the file cannot be read (the
// claim's run says why). It reads at most claims.MaxSize bytes, as the
// claim's parser does.
func asksTheOS(file string) (int, string) {
	f, err := os.Open(file)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, claims.MaxSize))
	if err != nil {
		return 0, ""
	}
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimSpace(line), " --") {
			break
		}
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if m := osCondition.FindString(line); m != "" {
			return i + 1, m
		}
	}
	return 0, ""
}

// bsdPathsEnv is set to 1 in every script's environment in a
// forkport_bsdpaths build, for the programs that have no build tags: the
// Python probes (internal/probe/python) then take their macOS paths where
// those run on Linux (ps rather than waitid and /proc).
const bsdPathsEnv = "FORKPORT_BSDPATHS"

// setupOS prepares a script's environment for the simulated macOS.
func setupOS(env *testscript.Env) { env.Setenv(bsdPathsEnv, "1") }
