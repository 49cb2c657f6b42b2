//go:build (unix && !linux) || (linux && forkport_bsdpaths)

package procs

import (
	"os/signal"
	"strconv"
	"syscall"
)

// dirOpenFlags open the directory sent to a waiting child.
const dirOpenFlags = syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_CLOEXEC

// readProcState reads the caller's credentials (user and group IDs, real
// and effective, and supplementary groups), the signals it ignores as the
// Go runtime knows them (signal.Ignore, or ignored when the program
// started), its resource limits and its umask.
func readProcState() (procState, error) {
	groups, err := syscall.Getgroups()
	if err != nil {
		return procState{}, wrap("getgroups", "", err)
	}
	key := make([]byte, 0, 256)
	for _, id := range [...]int{syscall.Getuid(), syscall.Geteuid(), syscall.Getgid(), syscall.Getegid()} {
		key = strconv.AppendInt(append(key, ' '), int64(id), 10)
	}
	key = append(key, " groups"...)
	for _, g := range groups {
		key = strconv.AppendInt(append(key, ' '), int64(g), 10)
	}
	var ignored uint64
	for s := 1; s < 64; s++ {
		if signal.Ignored(syscall.Signal(s)) {
			ignored |= 1 << s
		}
	}
	key = strconv.AppendUint(append(key, " ignored "...), ignored, 16)
	return procState{string(rlimitKey(key)), swapUmask()}, nil
}

// answerlessOK: here requests wait for the child's answer (see
// answerless): stoppedChild cannot tell a stopped child without reaping
// one that died, and macOS's socket buffer (8 KiB) seldom takes a request
// and its state at once.
const answerlessOK = false

func stoppedChild(*Process) bool { return false }
