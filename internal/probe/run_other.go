//go:build !linux || forkport_bsdpaths

package probe

import "time"

// becomeSubreaper does nothing outside Linux: orphans go to launchd on
// macOS, and Windows does not reparent.
func becomeSubreaper() error { return nil }

// reapOrphans has nothing to do outside Linux: orphans are not ours to reap.
func reapOrphans(<-chan time.Time) bool { return true }
