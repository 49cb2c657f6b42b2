//go:build !(linux && forkport_bsdpaths)

package procstest

import (
	"runtime"

	"github.com/forkport/forkport/internal/claims"
	"github.com/rogpeppe/go-internal/testscript"
)

// expectOS is the OS whose expectations the scripts follow ([holds],
// [differs]) and log (claims.RanAgainst): the one they run on.
const expectOS = runtime.GOOS

// notImitated says why claim c cannot be checked against expectOS's
// expectation here: never, on a real OS.
func notImitated(*claims.Claim, string) string { return "" }

// setupOS prepares a script's environment for this OS: nothing to add.
func setupOS(*testscript.Env) {}
