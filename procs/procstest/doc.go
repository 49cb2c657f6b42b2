// Package procstest checks a Go program's claims about the processes it
// starts, one testscript file per claim, on the OS the tests run on: it is
// to package procs what net/http/httptest is to net/http. forkport's own
// behaviour suite runs on it.
//
// A package whose tests check claims has a TestMain that calls Main with
// the programs the scripts run, and a test that calls Run with the claim
// directory:
//
//	package mytool_test
//
//	import (
//		"testing"
//
//		"example.com/mytool/internal/cli"
//		"github.com/forkport/forkport/procs/procstest"
//		"github.com/rogpeppe/go-internal/testscript"
//	)
//
//	func TestMain(m *testing.M) {
//		procstest.Main(m, map[string]func() int{"mytool": cli.Main})
//	}
//
//	func TestClaims(t *testing.T) {
//		procstest.Run(t, testscript.Params{Dir: "testdata/script"})
//	}
//
// Each command is a function that reads its arguments from os.Args[1:] and
// returns the exit status; the scripts run it by name (exec mytool ...).
// `go test` runs every claim as the subtest TestClaims/<id>, and
// `go run github.com/forkport/forkport/scripts/forkport` prints the module's
// claims with a verdict each: holds, differs as expected, broken or not run.
//
// # A claim
//
// A claim is a testscript file, <id>.txtar, in the claim directory. Its
// first lines are a header that says what the claim is, where it comes from,
// and what each OS does, then the script checks exactly that:
//
//	# claim: mytool's exit status is the status of the last child it ran.
//	# source: mytool's manual, "Exit status"
//	# expect:
//	#   linux: holds
//	#   darwin: holds
//	#   windows: differs — exit statuses are 32 bits: 256 stays 256
//	#   freebsd: holds
//	# wine: deviates — (optional) where Wine is not Windows, and why
//
//	exec run mytool -exit 256
//	[!windows] stdout '^status=0$'
//	[windows] stdout '^status=256$'
//
// claim, source and expect are required; expect has one indented line for
// each of linux, darwin and windows, and may have more for other GOOS values.
// An expectation is "holds", or "differs — reason" (an em dash, or " - ");
// the script checks the different behaviour where a claim differs. A header
// that is missing or malformed fails its file's subtest with the file and
// line (package internal/claims has the full grammar). An optional
// "expect cpython:" block, with the same three lines, states what the same
// script sees when its programs are CPython twins of the Go ones:
// forkport's own suite has that second subject (TestScriptsCPython, and
// forkport -subject cpython); a module without twins needs no such block.
//
// # The vocabulary
//
// Scripts have testscript's commands (exec, stdout, cmp, env, ...; see
// testscript's documentation) and conditions ([linux], [windows], [exec:prog],
// ...), plus:
//
//   - run [-timeout D] [-mark-exit] [-print-pid] PROG ARGS...: the
//     supervisor, a command on PATH (exec run PROG ...), described below.
//   - setmatch [-n N] stdout|stderr|FILE REGEXP: sets a variable for each
//     named group ((?P<name>...)) of the Nth match (default 1) of REGEXP,
//     multi-line mode, so later lines can use $name. Fails with fewer than
//     N matches.
//   - eq A B: A and B are the same string; ! eq A B: they differ.
//   - before stdout|stderr|FILE A B: the first match of regexp A starts
//     before the first match of regexp B; ! before: after. Both must match.
//   - samelines REGEXP FILE FILE...: the lines matching REGEXP are the same,
//     in the same order, in every FILE (stdout and stderr name the last
//     command's output).
//   - which PROG VAR: sets VAR to the path procs.LookPath finds for PROG on
//     the script's PATH.
//   - [wine]: true when the Windows test binary runs under Wine rather than
//     Windows; claims use it only for assertions their "wine:" line
//     explains.
//
// Main puts every command on PATH; Run passes SYSTEMROOT, WINDIR, PATHEXT
// and COMSPEC from the host into every script (Windows programs need them).
//
// # What run guarantees
//
// run starts PROG (found on the script's PATH) as the root of a process
// tree, relays the tree's standard output and error, and exits with PROG's
// status (128+signal when a signal killed it) once every process of the tree
// has closed them: a script sees the output of orphans too, and nothing the
// script started is still running when the next line runs. If that takes
// longer than -timeout (2 minutes) or run is interrupted, it kills the whole
// tree and exits with 124 or 125. -mark-exit prints "[run] parent exited"
// when PROG itself exits; -print-pid prints "[run] pid=N" first.
//
//   - Linux: the tree is a process group; run is also a child subreaper, so
//     orphans are reparented to it, reaped by it, and their new parent PID
//     is run's (-print-pid).
//   - macOS and the other Unix systems: a process group; orphans are
//     reparented to launchd or init (PID 1), and run waits for them through
//     the output pipes they hold.
//   - Windows: a job object that kills its processes when closed; Windows
//     does not reparent, so an orphan's parent PID stays that of its exited
//     parent.
//
// At the end of the run Main fails the test binary when a process the tests
// started is still running or was never waited for: children of the test
// binary everywhere, and on Linux any process carrying the run's
// environment tag, wherever it was reparented.
//
// # Forks through a pool
//
// With FORKPORT_PRESTART=N in the environment (FORKPORT_PRESTART=2 go test
// ./...), Main calls procs.Prestart(N) in every command but run before the
// command starts, and Run passes the variable into every script: each Fork
// a command makes is then served by a pre-started child when one is
// waiting. A program's claims should hold either way; running them both
// ways shows that the pool changes nothing that a claim can see.
//
// # Wine
//
// The claims of the Windows test binary can be checked on Linux under Wine
// (forkport -leg windows-wine). Wine is not Windows: it adds WINE*
// variables, SystemDrive and SystemRoot to every process it starts, it
// replaces TEMP, TMP, PATH and the user profile variables, and Wine 8 does
// not implement the call Go's os.RemoveAll makes. procstest works around the
// last: Run makes the scripts' work directories (unless Params.WorkdirRoot
// is set) and Main the commands' directory, and both remove them entry by
// entry. Claims state where Wine differs with a "wine: deviates — reason"
// line and mark those assertions [wine]; the verdict is then "wine
// deviation".
package procstest
