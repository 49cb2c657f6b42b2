package chapter

import (
	"syscall"
)

// haveSigchld: Windows has no SIGCHLD, and the server refuses -reap sigchld.
const haveSigchld = false

// exitedUnreaped reports whether pid has exited while its parent still
// holds its process handle (what Windows has instead of a zombie: the
// process object lingers, with its exit code, until the last handle
// closes).
func exitedUnreaped(pid int) (bool, error) {
	const processQueryLimitedInformation = 0x1000
	const stillActive = 259
	h, err := syscall.OpenProcess(processQueryLimitedInformation, false, uint32(pid))
	if err != nil {
		return false, err
	}
	defer syscall.CloseHandle(h)
	var code uint32
	if err := syscall.GetExitCodeProcess(h, &code); err != nil {
		return false, err
	}
	return code != stillActive, nil
}
