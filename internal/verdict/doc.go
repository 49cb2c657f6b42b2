// Package verdict turns the behaviour suite's `go test -json` results into a
// verdict per claim per leg, merges legs into a matrix, and renders both.
//
// # Verdicts
//
// Each claim (package claims) is the subtest <Test>/<id> of a test that runs
// claim files with procstest.Run (a Suite; forkport's own suite is
// TestScripts of the module's root package). On a leg (linux, darwin,
// windows, or windows-wine: the Windows test binary under Wine on Linux)
// its verdict is:
//
//   - "holds": the subtest passed and the claim is expected to hold on the
//     leg's OS;
//   - "differs as expected": it passed and the claim expects "differs" there
//     (the script checks the documented difference);
//   - "wine deviation": on windows-wine, it passed and the claim has a
//     "wine: deviates" line;
//   - "broken": it failed (or was named by a test time-out panic); the
//     detail is testscript's failing line ("testdata/script/<id>.txtar:12:
//     ..."), the output the script log from its first command on;
//   - "not run": it was skipped (the detail is the skip reason), did not
//     finish because the test binary died, or has no result at all ("no
//     result", with the reason when known: the build failed, no test files);
//   - "flaky": the leg ran each claim several times (forkport -count N: go
//     test -count N, one test binary) and the runs did not all end the same
//     way (see Runs below).
//
// A leg that ran none of a claim shows "not run", never "holds".
//
// A leg also has problems: what no claim explains. Fatal ones (a build
// failure, with its output; a failing test outside the claims; a test run
// that failed or died with no broken claim) make the run fail like a broken
// claim; the others are notes (no test files, scripts without a claim file).
//
// # Runs
//
// With -count N the stream holds N runs of each subtest under one name;
// the Parser keeps each (TestResult.Runs) and EvaluateRuns judges a claim
// over all of them. A run's outcome is pass, broken (fail or timeout), or
// not run (skipped, never finished, or missing: the stream has fewer than
// N runs because the test binary died). Runs with one outcome give the
// verdict one run would. Runs with more than one are Unstable
// (web-platform-tests' rule for an unstable test: a failure, a skip or a
// missing result beside a pass, or a failure beside a run that did not
// run), and the verdict is "flaky", which fails the run like "broken": a
// rerun never turns a failure into a pass, so a claim broken in one run of
// N is flaky, never holds. Tally words it, "flaky (2 of 5 broken)" or
// "flaky (1 of 5 not run)", and every renderer shows it through Shown; the
// detail and output are those of the first failing run (else the first
// that did not pass).
//
// A claim is slow when its slowest run took more than SlowFraction (80%)
// of its time-out: a warning in the detail ("slow: a run took 8m10s of its
// 10m0s time-out"), not a failure. The time-out of a claim's run is the go
// test -timeout of the leg (forkport -timeout, default 10m): it is the
// only limit on a script as a whole, as testing panics when the test binary
// runs longer (and with -count N it bounds all N runs together, so a run
// near it leaves the others no room). procstest's run -timeout (2 minutes)
// bounds one command of a script, not the script, and a claim may run
// several.
//
// # Leg document (format forkport.leg/v2)
//
// `forkport -json FILE` writes one JSON object:
//
//	{
//	  "format": "forkport.leg/v2",     // this format; readers also take v1 (below)
//	  "leg": "linux/amd64",            // linux|darwin|windows[/GOARCH], or windows-wine
//	  "os": "linux",                   // whose expectations apply: linux, darwin, windows
//	  "arch": "amd64",                 // GOARCH, omitted when unknown
//	  "wine": false,                   // true on windows-wine
//	  "wine_version": "wine-8.0 ...",  // wine --version, windows-wine only
//	  "go": "go1.26.8",                // Go version that ran the suite
//	  "forkport": "cb4a439-dirty",     // module version, git describe --always --dirty, or "devel"
//	  "time": "2026-11-26T00:40:00Z",  // when the run ended, RFC 3339 UTC
//	  "package": "github.com/forkport/forkport",   // the package whose TestScripts ran
//	  "count": 5,                      // -count N, each claim's runs; omitted for 1
//	  "timeout": 600,                  // -timeout of the run, seconds (slow is against it)
//	  "problems": [                    // omitted when none
//	    {"summary": "build failed: ...", "output": ["..."], "fatal": true}
//	  ],
//	  "claims": [                      // one per claim, sorted by id
//	    {
//	      "id": "fork-returns-child-pid",
//	      "claim": "fork returns the new child's PID to the parent, ...",
//	      "source": "chapter, \"it returns a different value in each copy ...\"",
//	      "expect": {"outcome": "differs", "reason": "Windows has no fork; ..."},
//	                                   // for this leg's OS; reason only for "differs"
//	      "wine": "...",               // the claim's Wine deviation, windows-wine leg only
//	      "status": "fail",            // raw subtest outcome: pass, fail, skip,
//	                                   // timeout, unfinished, absent (of the run
//	                                   // the verdict rests on, with runs)
//	      "verdict": "flaky",          // holds, differs as expected, wine deviation,
//	                                   // broken, not run, flaky
//	      "detail": "flaky (2 of 5 broken); run 2 of 5: testdata/script/fork-returns-child-pid.txtar:12: unexpected command failure",
//	                                   // failing line, skip reason, or why there is no
//	                                   // result; flaky: the tally and the run first; a
//	                                   // slow claim's ends "; slow: a run took ..."
//	      "output": ["> exec fork1", "[stdout]", "...", "FAIL: ..."],
//	                                   // broken and flaky only: the script log (of the
//	                                   // failing run) from its first command, at most
//	                                   // 200 lines (head and tail)
//	      "elapsed": 0.12,             // seconds (of that run)
//	      "runs": [                    // count > 1 only: every run, in order
//	        {"status": "pass", "elapsed": 0.11},
//	        {"status": "fail", "elapsed": 0.12}, ...
//	      ],
//	      "slow": true                 // a run took over 80% of the timeout; omitted if not
//	    }
//	  ]
//	}
//
// A forkport.leg/v1 document is the same without "count", "timeout", "runs"
// and "slow" (and without the flaky verdict): one run per claim. A reader
// refuses another version (forkport.leg/v3), a merged document, and a
// document whose parts do not fit: a run of an unknown status, more than
// MaxRuns runs, a status that is none of the runs', a negative time, runs
// that differ under a verdict that passes (or "flaky" over runs that do
// not), runs in a v1 document. Each is one line wrapping fs.ErrInvalid.
//
// Readers judge "verdict" again from "status" and the current claim files
// when they have them, so a document written before an expectation changed
// does not show a stale verdict: a pass recorded under another outcome
// than the header's now ("expect" says holds, the header differs, or the
// other way) is broken, "run it again", since the script ran the lines of
// the old outcome ([holds] or [differs]); a changed reason alone is only
// re-worded. A document that lists one id twice is
// malformed: ReadInput refuses it (a failure followed by a pass must not
// read as holding).
//
// # Merged document (format forkport.matrix/v2)
//
// `forkport merge -format json` writes {"format": "forkport.matrix/v2",
// "commit": "...", "time": "...", "legs": [...], "claims": [...], "notes":
// [...]}: "commit" is the commit the legs ran (merge -commit; by default
// $GITHUB_SHA, else git rev-parse HEAD, else omitted) and "time" when the
// merge ran (RFC 3339 UTC), so that a directory of them is a history; each
// leg is its
// document's header plus "label" (the column name, unique: the leg, and
// when legs share it, the file name, Go version or position in parentheses,
// "windows (windows-latest-gostable)") and "file"; each claim row has id, claim,
// source, "expect" by OS, "wine", and "results" by leg label, each
// {status, verdict, detail, output, runs, slow}. A leg without a result for
// a claim has {"status": "absent", "verdict": "not run", "detail": "no
// result"}. Merge judges each cell again from its status and runs
// (DecideRuns), so a flaky leg stays flaky. forkport.matrix/v1 is the same
// without "commit", "time", "runs" and "slow".
//
// # Inputs
//
// ReadInput takes either a leg document (v2 or v1) or a raw `go test
// -json` stream (gotestsum's --jsonfile too): one JSON event per line,
// lines that are not events ignored. A raw stream's leg comes from the
// caller (LegFromFileName reads CI artifact names such as
// results-windows-latest-gostable.json); a raw stream of go test -count N
// is judged over the runs it holds (EvaluateSuites reads N from the runs of
// the suite's top-level test).
// ReadMatrix reads a merged document (v2 or v1), as `forkport page` does
// for its inputs and its history, and MergeDocuments merges matrices and
// legs into one. Both come from outside the program: ReadInput and
// ReadMatrix read at most MaxInput bytes and refuse a document that does
// not hold together (fs.ErrInvalid), and the text and markdown renderers show every string of a leg
// through Printable, which escapes control characters (ESC, CR, the C1
// controls, ...) so that a leg cannot act on the terminal it is shown on.
package verdict
