package procs

import "os"

// Exit ends the calling process at once with the given status, as Python's
// os._exit does: deferred calls do not run (nor would atexit handlers or
// buffer flushes, which Go does not have). It is os.Exit; the name maps the
// chapter's call. On Unix the parent sees status&0xff; on Windows the full
// 32-bit value.
func Exit(code int) { os.Exit(code) }
