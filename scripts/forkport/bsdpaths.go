package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// bsdPathsTag is the build tag of the bsd-paths leg: a Linux build of procs
// and the harness that takes the macOS/BSD code paths where they use only
// calls Linux has too (see the README's "macOS simulated on Linux").
const bsdPathsTag = "forkport_bsdpaths"

// bsdPaths is the rest of macOS the bsd-paths leg imitates, around one go
// test run: TMPDIR behind a symlink, as macOS's /var/folders/.../T/ is
// reached through /var, a symlink to /private/var, in a directory only its
// user can enter, and with its trailing slash (which os.TempDir keeps);
// and an sh on PATH that is bash, which started as "sh" runs in POSIX mode,
// as macOS's /bin/sh does, where Debian's is dash. With macOSLimits, set
// around starting go test. (Orphans go to PID 1 because the tag's
// supervisor is no child subreaper; /proc is not read because the tag's
// code has no path that reads it; the test binaries take process
// descriptors away themselves: testutil.ImitateMacOS.)
type bsdPaths struct {
	root string   // removed by close
	env  []string // the go test run's environment
}

// newBSDPaths prepares the leg's settings on top of environ.
func newBSDPaths(environ []string) (*bsdPaths, error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return nil, fmt.Errorf("the bsd-paths leg needs bash, for an sh that is bash in POSIX mode as macOS's /bin/sh: %w", err)
	}
	root, err := os.MkdirTemp("", "forkport-bsd-paths-")
	if err != nil {
		return nil, err
	}
	b := &bsdPaths{root: root}
	real := filepath.Join(root, "private", "var", "folders", "T")
	bin := filepath.Join(root, "bin")
	err = errors.Join(os.MkdirAll(real, 0o700), os.Mkdir(bin, 0o755))
	if err == nil {
		err = os.Symlink(filepath.Join("private", "var"), filepath.Join(root, "var"))
	}
	if err == nil {
		err = os.Symlink(bash, filepath.Join(bin, "sh"))
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("preparing the bsd-paths leg: %w", err), b.close())
	}
	set := map[string]string{
		"TMPDIR": filepath.Join(root, "var", "folders", "T") + "/", // macOS's ends in a slash
		"PATH":   bin + string(os.PathListSeparator) + lookup(environ, "PATH"),
	}
	for _, kv := range environ {
		if k, _, _ := strings.Cut(kv, "="); set[k] == "" {
			b.env = append(b.env, kv)
		}
	}
	for _, k := range []string{"TMPDIR", "PATH"} {
		b.env = append(b.env, k+"="+set[k])
	}
	return b, nil
}

// lookup is the value of key in environ, "" if unset.
func lookup(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// close removes the leg's temporary directory.
func (b *bsdPaths) close() error { return os.RemoveAll(b.root) }
