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
//     result", with the reason when known: the build failed, no test files).
//
// A leg that ran none of a claim shows "not run", never "holds".
//
// A leg also has problems: what no claim explains. Fatal ones (a build
// failure, with its output; a failing test outside the claims; a test run
// that failed or died with no broken claim) make the run fail like a broken
// claim; the others are notes (no test files, scripts without a claim file).
//
// # Leg document (format forkport.leg/v1)
//
// `forkport -json FILE` writes one JSON object:
//
//	{
//	  "format": "forkport.leg/v1",     // this format; readers reject other versions
//	  "leg": "linux/amd64",            // linux|darwin|windows[/GOARCH], or windows-wine
//	  "os": "linux",                   // whose expectations apply: linux, darwin, windows
//	  "arch": "amd64",                 // GOARCH, omitted when unknown
//	  "wine": false,                   // true on windows-wine
//	  "wine_version": "wine-8.0 ...",  // wine --version, windows-wine only
//	  "go": "go1.26.8",                // Go version that ran the suite
//	  "forkport": "cb4a439-dirty",     // module version, git describe --always --dirty, or "devel"
//	  "time": "2026-11-26T00:40:00Z",  // when the run ended, RFC 3339 UTC
//	  "package": "github.com/forkport/forkport",   // the package whose TestScripts ran
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
//	                                   // timeout, unfinished, absent
//	      "verdict": "broken",         // holds, differs as expected, wine deviation,
//	                                   // broken, not run
//	      "detail": "testdata/script/fork-returns-child-pid.txtar:12: unexpected command failure",
//	                                   // failing line, skip reason, or why there is no result
//	      "output": ["> exec fork1", "[stdout]", "...", "FAIL: ..."],
//	                                   // broken only: the script log from its first
//	                                   // command, at most 200 lines (head and tail)
//	      "elapsed": 0.12              // seconds
//	    }
//	  ]
//	}
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
// # Merged document (format forkport.matrix/v1)
//
// `forkport merge -format json` writes {"format": "forkport.matrix/v1",
// "legs": [...], "claims": [...], "notes": [...]}: each leg is its
// document's header plus "label" (the column name, unique: the leg, and
// when legs share it, the file name, Go version or position in parentheses,
// "windows (windows-latest-gostable)") and "file"; each claim row has id, claim,
// source, "expect" by OS, "wine", and "results" by leg label, each
// {status, verdict, detail, output}. A leg without a result for a claim
// has {"status": "absent", "verdict": "not run", "detail": "no result"}.
//
// # Inputs
//
// ReadInput takes either a leg document or a raw `go test -json` stream
// (gotestsum's --jsonfile too): one JSON event per line, lines that are not
// events ignored. A raw stream's leg comes from the caller (LegFromFileName
// reads CI artifact names such as results-windows-latest-gostable.json).
// Both come from outside the program: ReadInput reads at most MaxInput
// bytes, and the text and markdown renderers show every string of a leg
// through Printable, which escapes control characters (ESC, CR, the C1
// controls, ...) so that a leg cannot act on the terminal it is shown on.
package verdict
