package verdict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

const (
	// Format is the format tag of the leg documents forkport writes.
	// Version 2 added each claim's runs and slow mark and the leg's count
	// and timeout (see the package documentation).
	Format = "forkport.leg/v2"
	// FormatV1 is the leg format before runs; ReadInput still reads it.
	FormatV1 = "forkport.leg/v1"
	// MatrixFormat is the format tag of the merged documents forkport
	// writes. Version 2 added the matrix's commit and time and each cell's
	// runs and slow mark.
	MatrixFormat = "forkport.matrix/v2"
	// MatrixFormatV1 is the merged format before runs, commit and time.
	MatrixFormatV1 = "forkport.matrix/v1"
)

// WriteLeg writes the leg document as indented JSON.
func WriteLeg(w io.Writer, l *Leg) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Input is one input to a merge: a leg document, or a raw go test -json
// stream (whose leg and claims the caller supplies).
type Input struct {
	Leg    *Leg    // a forkport leg document, or
	Stream *Stream // a go test -json stream
}

// MaxInput bounds what ReadInput reads: a saved leg or stream larger than
// this is refused.
const MaxInput = 1 << 30

// MaxRuns bounds the runs a leg document may give one claim.
const MaxRuns = 10000

// ReadInput reads a leg document (forkport.leg/v2 or v1) or a raw `go test
// -json` stream, telling them apart by content: a leg document is one JSON
// object with a "format" member; a stream is one JSON event per line.
// Input that is neither, input over MaxInput bytes, a document of another
// format or version, and a leg document that is malformed (a claim's result
// twice, a run of an unknown status, more than MaxRuns runs, runs that
// differ under a verdict that does not fail) are errors wrapping
// fs.ErrInvalid.
func ReadInput(r io.Reader) (Input, error) {
	return readInput(r, MaxInput)
}

func readInput(r io.Reader, limit int64) (Input, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Input{}, err
	}
	if int64(len(data)) > limit {
		return Input{}, invalidf("larger than %d bytes: not a leg document or go test -json output this command reads", limit)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Input{}, invalidf("empty file")
	}
	var head struct {
		Format *string `json:"format"`
		Action *string `json:"Action"`
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if trimmed[0] == '{' && dec.Decode(&head) == nil && head.Format != nil {
		format := *head.Format
		if dec.More() {
			return Input{}, invalidf("%s document followed by more data", truncate(format, 40))
		}
		switch {
		case format == Format, format == FormatV1:
		case format == MatrixFormat, format == MatrixFormatV1:
			return Input{}, invalidf("a merged %s document: this takes leg documents (%s, %s) or go test -json output", format, Format, FormatV1)
		case strings.HasPrefix(format, "forkport.leg/"):
			return Input{}, invalidf("unsupported leg format %q (this forkport reads %s and %s)", truncate(format, 40), Format, FormatV1)
		default:
			return Input{}, invalidf("unknown format %q (want a %s document or go test -json output)", truncate(format, 40), Format)
		}
		var l Leg
		if err := json.Unmarshal(trimmed, &l); err != nil {
			return Input{}, invalidf("bad %s document: %v", format, err)
		}
		if err := checkLeg(&l); err != nil {
			return Input{}, err
		}
		return Input{Leg: &l}, nil
	}
	s, err := ParseStream(bytes.NewReader(data))
	if err != nil {
		first, _, _ := bytes.Cut(trimmed, []byte("\n"))
		return Input{}, invalidf("neither a %s document nor go test -json output (it begins %q)", Format, truncate(string(bytes.TrimSpace(first)), 60))
	}
	return Input{Stream: s}, nil
}

// checkLeg refuses a leg document whose parts do not fit together.
func checkLeg(l *Leg) error {
	if err := uniqueIDs(l.Claims); err != nil {
		return err
	}
	info, err := ParseLeg(l.Leg)
	if err != nil {
		return invalidf("bad %s document: %v", l.Format, err)
	}
	if info.OS != l.OS || info.Wine != l.Wine {
		return invalidf("bad %s document: leg %q does not match os %q, wine %v", l.Format, l.Leg, l.OS, l.Wine)
	}
	if l.PerClaim < 0 || l.Timeout < 0 {
		return invalidf("bad %s document: negative count or timeout", l.Format)
	}
	for _, r := range l.Claims {
		bad := func(format string, args ...any) error {
			return invalidf("bad %s document: claim %q: %s", l.Format, truncate(r.ID, 80), fmt.Sprintf(format, args...))
		}
		if l.Format == FormatV1 && (len(r.Runs) > 0 || r.Verdict == Flaky) {
			return bad("runs and the flaky verdict are %s, not %s", Format, FormatV1)
		}
		if r.Elapsed < 0 {
			return bad("negative elapsed time")
		}
		if err := checkRuns(r.Status, r.Verdict, r.Runs); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// checkRuns refuses a result's runs that do not hold together: more than
// MaxRuns, an unknown status or a negative time, a status that is none of
// the runs', a flaky verdict over runs that all ended alike, or runs that
// differ under a verdict that does not fail (a rerun never turns a
// failure into a pass). Leg and merged documents are checked alike.
func checkRuns(status Status, v Verdict, runs []Run) error {
	if len(runs) > MaxRuns {
		return fmt.Errorf("%d runs (at most %d)", len(runs), MaxRuns)
	}
	rests := len(runs) == 0
	for i, run := range runs {
		if !knownStatus(run.Status) {
			return fmt.Errorf("run %d has unknown status %q", i+1, truncate(string(run.Status), 40))
		}
		if run.Elapsed < 0 {
			return fmt.Errorf("run %d has a negative elapsed time", i+1)
		}
		rests = rests || run.Status == status
	}
	if !rests {
		return fmt.Errorf("status %q is none of its runs'", truncate(string(status), 40))
	}
	switch unstable := Unstable(runs); {
	case v == Flaky && !unstable:
		return errors.New("verdict flaky, but its runs all ended the same way")
	case unstable && !v.Fails():
		return fmt.Errorf("its runs differ (%s), but its verdict is %q", Tally(runs), truncate(string(v), 40))
	}
	return nil
}

// invalidError is bad input: its message as it is, wrapping fs.ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return e.msg }
func (e *invalidError) Unwrap() error { return fs.ErrInvalid }

// invalidf is an error for bad input, worded as fmt.Sprintf(format, args...).
func invalidf(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

// knownStatus reports whether s is one of the Status constants.
func knownStatus(s Status) bool {
	switch s {
	case StatusPass, StatusFail, StatusSkip, StatusUnfinished, StatusTimedOut, StatusAbsent:
		return true
	}
	return false
}

// uniqueIDs refuses a leg document that holds a claim's result twice: the
// merge would keep one of them (a failure followed by a pass would show
// the claim holding), so the document is malformed rather than read.
func uniqueIDs(rs []Result) error {
	seen := make(map[string]bool, len(rs))
	for _, r := range rs {
		if seen[r.ID] {
			return invalidf("bad leg document: claim %q has more than one result", truncate(r.ID, 80))
		}
		seen[r.ID] = true
	}
	return nil
}

// FileKind names what a file that is not a regular one is (a directory, a
// symbolic link, a named pipe, a socket, a device), for the messages of
// those who refuse to read it as a leg, a matrix or a history run.
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	default:
		return m.Type().String()
	}
}
