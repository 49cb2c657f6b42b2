package procs

import (
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnswerWaiting: the hand-off's bound sees an answer that waits unread
// (and so does not kill a child that answered in time), and looking does
// not take the answer from the reader.
func TestAnswerWaiting(t *testing.T) {
	parent, childEnds, err := newHandoff()
	require.NoError(t, err)
	defer parent.close()
	defer closeAll(childEnds)
	answer := childEnds[len(childEnds)-1] // the child's end it answers on (Unix: its only end)
	assert.False(t, answerWaiting(parent), "no answer yet")
	_, err = answer.Write([]byte{0})
	require.NoError(t, err)
	assert.True(t, answerWaiting(parent), "an answer is waiting")
	assert.True(t, answerWaiting(parent), "looking again: still waiting")
	var b [1]byte
	_, err = io.ReadFull(parent.answer, b[:])
	require.NoError(t, err)
	assert.Equal(t, byte(0), b[0], "the answer, read after the look")
	assert.False(t, answerWaiting(parent), "read: none waits")
}
