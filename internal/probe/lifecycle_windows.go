package probe

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

var getConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

// waitExitedNotReaped blocks until pid has exited; its process object stays
// while procs holds its handle.
func waitExitedNotReaped(pid int) error { return waitExit(pid) }

// waitExit blocks until process pid has exited (or no longer exists).
func waitExit(pid int) error {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return nil // no such process: it is gone
	}
	defer windows.CloseHandle(h)
	_, err = windows.WaitForSingleObject(h, windows.INFINITE)
	return os.NewSyscallError("WaitForSingleObject", err)
}

// describe says what Windows keeps of pid: its process object and exit
// code while a handle to it is open, nothing after.
func describe(pid int) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return "zombie=no process-object=gone"
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return "zombie=no process-object=kept exitcode=unreadable"
	}
	return fmt.Sprintf("zombie=no process-object=kept exitcode=%d", code)
}

// parentAfterExit returns this process's parent PID once its parent, was,
// has exited: Windows never reparents, so it is the recorded PID of the
// exited parent, at once.
func parentAfterExit(int) int { return os.Getppid() }

// sessionInfo says whether this process has a console: a PDetach child has
// none.
func sessionInfo() string {
	h, _, _ := getConsoleWindow.Call()
	console := "no"
	if h != 0 {
		console = "yes"
	}
	return fmt.Sprintf("pid=%d console=%s", os.Getpid(), console)
}

// describeReaped describes pid after Wait has closed procs' handle. Windows
// frees the process object when the last handle to it closes, which can
// lag (the console subsystem holds one briefly; Wine's server frees it
// about half a second later), so it waits up to 10 s for the object to go.
func describeReaped(pid int) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := describe(pid)
		if strings.HasSuffix(d, "gone") || time.Now().After(deadline) {
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
}
