package main

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBSDPathsReadNoProc: the code a forkport_bsdpaths build compiles on
// Linux in place of its Linux paths (procs, the probes, the leak check,
// procstest, testutil) names no /proc path, as macOS has none: every
// string literal of its non-test files is checked. The files the tag
// selects are checked too, so that a change in the build lines cannot make
// the check look at the Linux files instead.
func TestBSDPathsReadNoProc(t *testing.T) {
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = "linux", "amd64", false
	ctx.BuildTags = []string{bsdPathsTag}
	selected := map[string]bool{}
	var found []string
	for _, dir := range []string{"procs", "procs/procstest", "internal/probe", "internal/leakcheck", "internal/testutil"} {
		pkg, err := ctx.ImportDir(filepath.Join("..", "..", filepath.FromSlash(dir)), 0)
		require.NoError(t, err, dir)
		fset := token.NewFileSet()
		for _, name := range pkg.GoFiles {
			selected[dir+"/"+name] = true
			f, err := parser.ParseFile(fset, filepath.Join(pkg.Dir, name), nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if s, err := strconv.Unquote(lit.Value); err == nil && (s == "/proc" || strings.Contains(s, "/proc/")) {
					found = append(found, fset.Position(lit.Pos()).String()+": "+lit.Value)
				}
				return true
			})
		}
	}
	assert.Empty(t, found, "/proc in the code a %s build runs", bsdPathsTag)
	for file, want := range map[string]bool{
		"procs/handoff_other_unix.go":           true,
		"procs/prestart_other_unix.go":          true,
		"procs/startpath_bsdpaths_linux.go":     true,
		"internal/probe/run_other.go":           true,
		"internal/probe/lifecycle_ps.go":        true,
		"internal/leakcheck/leakcheck_ps.go":    true,
		"procs/procstest/expectos_bsdpaths.go":  true,
		"procs/handoff_linux.go":                false,
		"procs/prestart_linux.go":               false,
		"internal/probe/run_linux.go":           false,
		"internal/probe/lifecycle_linux.go":     false,
		"internal/leakcheck/leakcheck_linux.go": false,
	} {
		assert.Equal(t, want, selected[file], "%s in the %s build", file, bsdPathsTag)
	}
}
