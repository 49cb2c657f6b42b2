package cpython

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/forkport/forkport/internal/wine"
)

// Required over all its inputs, whatever this machine has: a CI run must
// have an interpreter, except under Wine; outside CI none is needed.
func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		ci, underWine, want bool
	}{
		{ci: true, underWine: false, want: true},
		{ci: true, underWine: true, want: false},
		{ci: false, underWine: false, want: false},
		{ci: false, underWine: true, want: false},
	} {
		t.Run(fmt.Sprintf("ci=%v,wine=%v", tt.ci, tt.underWine), func(t *testing.T) {
			assert.Equal(t, tt.want, required(tt.ci, tt.underWine))
		})
	}
	// Required reads $CI, and Wine from this machine.
	t.Setenv("CI", "true")
	assert.Equal(t, !wine.Detected(), Required(), "CI set")
	t.Setenv("CI", "")
	assert.False(t, Required(), "CI unset")
}
