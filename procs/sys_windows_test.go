package procs_test

import "golang.org/x/sys/windows"

const exeSuffix = ".exe"

var getConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

func fillSys(r *report) {
	h, _, _ := getConsoleWindow.Call()
	r.Console = h != 0
}

// openFds is not meaningful on Windows, where handles are not numbered from 0.
func openFds() []int { return nil }
