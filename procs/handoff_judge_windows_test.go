package procs

import (
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestJudgeParent is checkParent's decision on given facts: the creation
// times especially, as a stranger that reused a dead parent's PID cannot
// be made on demand in a test.
func TestJudgeParent(t *testing.T) {
	const pid = 4242
	ok := parentFacts{creator: pid, parentStart: 1000, selfStart: 2000,
		parentImage: `C:\Program Files\App\app.exe`, selfImage: `c:\program files\app\APP.EXE`}
	tests := []struct {
		name string
		edit func(*parentFacts)
		says string // "" for accepted
	}{
		{"the parent", func(*parentFacts) {}, ""},
		{"created in the same tick", func(f *parentFacts) { f.parentStart = f.selfStart }, ""},
		{"another creator", func(f *parentFacts) { f.creator = 7 }, "started by process 7, not by process 4242"},
		{"created after this process", func(f *parentFacts) { f.parentStart = f.selfStart + 1 }, "reused the PID"},
		{"created long after", func(f *parentFacts) { f.parentStart = f.selfStart + 1e12 }, "reused the PID"},
		{"another image", func(f *parentFacts) { f.parentImage = `C:\other.exe` }, `runs C:\other.exe, not this program`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ok
			tt.edit(&f)
			err := judgeParent(pid, f)
			if tt.says == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, fs.ErrPermission)
			assert.ErrorContains(t, err, tt.says)
		})
	}
}
