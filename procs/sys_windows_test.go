package procs_test

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/windows"
)

const exeSuffix = ".exe"

// envNameEqual compares environment variable names as Windows does:
// case-insensitively.
func envNameEqual(a, b string) bool { return strings.EqualFold(a, b) }

var (
	getConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")
	isProcessInJob   = windows.NewLazySystemDLL("kernel32.dll").NewProc("IsProcessInJob")
)

func fillSys(r *report) {
	h, _, _ := getConsoleWindow.Call()
	r.Console = h != 0
	var inJob int32 // a BOOL
	_, _, _ = isProcessInJob.Call(uintptr(windows.CurrentProcess()), 0, uintptr(unsafe.Pointer(&inJob)))
	r.InJob = inJob != 0
}

// openFds is not meaningful on Windows, where handles are not numbered from 0.
func openFds() []int { return nil }

// assertDetached: a PDetach child has no console.
func assertDetached(t *testing.T, _ int, r report) {
	t.Helper()
	assert.False(t, r.Console, "the detached child has no console")
}

// notProgram makes a file Windows refuses to run as a program: text in a
// file whose name ends in .exe.
func notProgram(t *testing.T, dir string) string {
	return writeFile(t, dir, "notprogram.exe", "just text\n", 0o755)
}

// noExecPermission: Windows has no execute permission bit.
func noExecPermission(t *testing.T, dir string) string {
	t.Skip("Windows has no execute permission bit: what runs is decided by the file's contents (see the not-a-program case)")
	return ""
}
