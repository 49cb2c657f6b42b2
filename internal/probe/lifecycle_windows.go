package probe

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

var getConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

// waitExitedNotReaped blocks until pid, a child procs holds a handle to
// (so its PID cannot be reused), has exited; its process object stays
// while procs holds its handle.
func waitExitedNotReaped(pid int) error {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return os.NewSyscallError("OpenProcess", err)
	}
	defer windows.CloseHandle(h)
	_, err = windows.WaitForSingleObject(h, windows.INFINITE)
	return os.NewSyscallError("WaitForSingleObject", err)
}

// waitExit blocks until process pid, which started before this process
// did (the caller that started it), has exited. Windows reuses PIDs at
// once: a process found under pid that was created after this one is a
// stranger, and the process meant has exited.
func waitExit(pid int) error {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return nil // no such process: it is gone
	}
	defer windows.CloseHandle(h)
	self, err := creationTime(windows.CurrentProcess())
	if err != nil {
		return err
	}
	created, err := creationTime(h)
	if err != nil {
		return err
	}
	if !startedBefore(created, self) {
		return nil // the PID was reused
	}
	_, err = windows.WaitForSingleObject(h, windows.INFINITE)
	return os.NewSyscallError("WaitForSingleObject", err)
}

// creationTime returns when the process h refers to was created.
func creationTime(h windows.Handle) (windows.Filetime, error) {
	var created, exited, kernel, user windows.Filetime
	err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user)
	return created, os.NewSyscallError("GetProcessTimes", err)
}

// startedBefore reports whether a process created at a started no later
// than one created at b: a process's parent always did.
func startedBefore(a, b windows.Filetime) bool { return a.Nanoseconds() <= b.Nanoseconds() }

// created records the creation time of each child describe saw, while
// procs still held its handle (and so its PID): describeReaped compares.
var created = map[int]windows.Filetime{}

// describe says what Windows keeps of pid: its process object and exit
// code while a handle to it is open, nothing after.
// A process under pid created at another time than the one describe saw
// first is a stranger that reused the PID: the process meant is gone.
func describe(pid int) string {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return "zombie=no process-object=gone"
	}
	defer windows.CloseHandle(h)
	if t, err := creationTime(h); err == nil {
		if first, seen := created[pid]; !seen {
			created[pid] = t
		} else if first != t {
			return "zombie=no process-object=gone"
		}
	}
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
