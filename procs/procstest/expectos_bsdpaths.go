//go:build linux && forkport_bsdpaths

package procstest

import (
	"fmt"

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
func notImitated(c *claims.Claim, subject string) string {
	d, okd := c.ExpectFor(subject, "darwin")
	l, okl := c.ExpectFor(subject, "linux")
	if !okd || !okl || d.Outcome == l.Outcome {
		return ""
	}
	return fmt.Sprintf("bsd-paths: Linux cannot imitate what this claim expects of macOS (darwin: %s; linux: %s)", d, l)
}

// bsdPathsEnv is set to 1 in every script's environment in a
// forkport_bsdpaths build, for the programs that have no build tags: the
// Python probes (internal/probe/python) then take their macOS paths where
// those run on Linux (ps rather than waitid and /proc).
const bsdPathsEnv = "FORKPORT_BSDPATHS"

// setupOS prepares a script's environment for the simulated macOS.
func setupOS(env *testscript.Env) { env.Setenv(bsdPathsEnv, "1") }
