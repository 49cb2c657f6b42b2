package procs

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"reflect"
)

// encodeState snapshots every variable declared with Copy.
func encodeState() ([]byte, error) {
	regMu.Lock()
	defer regMu.Unlock()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, c := range copies {
		if err := enc.Encode(c.name); err != nil {
			return nil, err
		}
		if err := enc.EncodeValue(c.ptr); err != nil {
			return nil, fmt.Errorf("copying %q: %w", c.name, err)
		}
	}
	return buf.Bytes(), nil
}

// decodeState restores the variables declared with Copy from r.
func decodeState(r io.Reader) error {
	dec := gob.NewDecoder(r)
	for {
		var name string
		if err := dec.Decode(&name); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		var dst reflect.Value
		for _, c := range copies {
			if c.name == name {
				dst = c.ptr
			}
		}
		if !dst.IsValid() {
			return fmt.Errorf("parent copied %q, which this program does not declare", name)
		}
		if err := dec.DecodeValue(dst); err != nil {
			return fmt.Errorf("copying %q: %w", name, err)
		}
	}
}
