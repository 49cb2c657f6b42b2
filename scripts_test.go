package forkport_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/forkport/forkport/internal/chapter"
	"github.com/forkport/forkport/internal/probe"
	"github.com/forkport/forkport/procs/procstest"
	"github.com/rogpeppe/go-internal/testscript"
)

// commands are the programs the claim scripts run: the chapter's four, and
// the probes. procstest.Main adds the supervisor, run.
func commands() map[string]func() int {
	cmds := map[string]func() int{}
	add := func(name string, f func([]string) int) {
		cmds[name] = func() int { return f(os.Args[1:]) }
	}
	add("fork1", chapter.Fork1)
	add("fork-count", chapter.ForkCount)
	add("fork-exec", chapter.ForkExec)
	add("child", chapter.Child)
	for name, f := range probe.Commands() {
		if name != procstest.Supervisor {
			add(name, f)
		}
	}
	return cmds
}

func TestMain(m *testing.M) { procstest.Main(m, commands()) }

// TestScripts checks the chapter's claims, one subtest per file of
// testdata/script.
func TestScripts(t *testing.T) {
	procstest.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
