package procs

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, state := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{7}, 70000)} {
		got, err := unframe(bytes.NewReader(frame(state)))
		require.NoError(t, err)
		assert.Equal(t, state, got)
	}
}

func TestUnframeDetectsMissingOrShortState(t *testing.T) {
	// A parent that exits before writing, or dies half way, must not leave
	// the child running with zero values for its copied state.
	_, err := unframe(bytes.NewReader(nil))
	assert.ErrorIs(t, err, io.EOF)
	assert.ErrorContains(t, err, "sent no state")

	short := frame([]byte("0123456789"))
	_, err = unframe(bytes.NewReader(short[:len(short)-3]))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.ErrorContains(t, err, "cut short")
}
