package chapter

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// newLineLock returns the file whose lock fork1's processes take to read a
// line: a temporary file that Windows deletes when the last handle to it,
// inherited ones included, closes. Its byte-range lock (LockFileEx)
// excludes the other processes even through the one inherited handle they
// all share.
func newLineLock() (*os.File, error) {
	name := filepath.Join(os.TempDir(), fmt.Sprintf("fork1-lines-%d", os.Getpid()))
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.CREATE_ALWAYS, windows.FILE_ATTRIBUTE_TEMPORARY|windows.FILE_FLAG_DELETE_ON_CLOSE, 0)
	if err != nil {
		return nil, &os.PathError{Op: "CreateFile", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

// lockLines waits for the line lock.
func lockLines(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, new(windows.Overlapped))
	return os.NewSyscallError("LockFileEx", err)
}

// unlockLines releases the line lock.
func unlockLines(f *os.File) error {
	return os.NewSyscallError("UnlockFileEx", windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped)))
}
