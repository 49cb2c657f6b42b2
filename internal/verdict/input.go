package verdict

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

const (
	// Format is the format tag of a leg document.
	Format = "forkport.leg/v1"
	// MatrixFormat is the format tag of a merged document.
	MatrixFormat = "forkport.matrix/v1"
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

// ReadInput reads a leg document (forkport.leg/v1) or a raw `go test -json`
// stream, telling them apart by content: a leg document is one JSON object
// with a "format" member; a stream is one JSON event per line. Input over
// MaxInput bytes is an error, and so is a leg document that holds one
// claim's result twice (wrapping fs.ErrInvalid).
func ReadInput(r io.Reader) (Input, error) {
	return readInput(r, MaxInput)
}

func readInput(r io.Reader, limit int64) (Input, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Input{}, err
	}
	if int64(len(data)) > limit {
		return Input{}, fmt.Errorf("larger than %d bytes: not a leg document or go test -json output this command reads", limit)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Input{}, fmt.Errorf("empty file")
	}
	var head struct {
		Format *string `json:"format"`
		Action *string `json:"Action"`
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if trimmed[0] == '{' && dec.Decode(&head) == nil && head.Format != nil {
		if dec.More() {
			return Input{}, fmt.Errorf("%s document followed by more data", *head.Format)
		}
		switch {
		case *head.Format == Format:
		case *head.Format == MatrixFormat:
			return Input{}, fmt.Errorf("a merged %s document: merge takes leg documents (%s) or go test -json output", MatrixFormat, Format)
		case strings.HasPrefix(*head.Format, "forkport.leg/"):
			return Input{}, fmt.Errorf("unsupported leg format %q (this forkport reads %s)", *head.Format, Format)
		default:
			return Input{}, fmt.Errorf("unknown format %q (want a %s document or go test -json output)", *head.Format, Format)
		}
		var l Leg
		if err := json.Unmarshal(trimmed, &l); err != nil {
			return Input{}, fmt.Errorf("bad %s document: %v", Format, err)
		}
		if err := uniqueIDs(l.Claims); err != nil {
			return Input{}, err
		}
		info, err := ParseLeg(l.Leg)
		if err != nil {
			return Input{}, err
		}
		if info.OS != l.OS || info.Wine != l.Wine {
			return Input{}, fmt.Errorf("leg %q does not match os %q, wine %v", l.Leg, l.OS, l.Wine)
		}
		return Input{Leg: &l}, nil
	}
	s, err := ParseStream(bytes.NewReader(data))
	if err != nil {
		first, _, _ := bytes.Cut(trimmed, []byte("\n"))
		return Input{}, fmt.Errorf("neither a %s document nor go test -json output (it begins %q)", Format, truncate(string(bytes.TrimSpace(first)), 60))
	}
	return Input{Stream: s}, nil
}

// uniqueIDs refuses a leg document that holds a claim's result twice: the
// merge would keep one of them (a failure followed by a pass would show
// the claim holding), so the document is malformed rather than read.
func uniqueIDs(rs []Result) error {
	seen := make(map[string]bool, len(rs))
	for _, r := range rs {
		if seen[r.ID] {
			return fmt.Errorf("bad %s document: claim %q has more than one result: %w", Format, r.ID, fs.ErrInvalid)
		}
		seen[r.ID] = true
	}
	return nil
}
