package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forkport/forkport/internal/testutil"
)

// A leg that holds one claim's result twice, a failure then a pass, is
// malformed input (exit 2), not a leg where the claim holds (exit 0).
func TestMergeRefusesADuplicateClaim(t *testing.T) {
	h := newHarness(t, testModule(t, ""), "", 0)
	doc := filepath.Join(testutil.TempDir(t), "linux.json")
	require.NoError(t, os.WriteFile(doc, []byte(`{"format":"forkport.leg/v1","leg":"linux/amd64","os":"linux","arch":"amd64","claims":[
		{"id":"fork-pid","expect":{"outcome":"holds"},"status":"fail","verdict":"broken","detail":"testdata/script/fork-pid.txtar:8: no match"},
		{"id":"fork-pid","expect":{"outcome":"holds"},"status":"pass","verdict":"holds"}]}`), 0o666))
	for _, args := range [][]string{{"merge", doc}, {"-from", doc}} {
		assert.Equal(t, exitError, h.run(args...), "%v: %s", args, h.stdout.String())
		assert.Contains(t, h.stderr.String(), `claim "fork-pid" has more than one result`, "%v", args)
	}
}
