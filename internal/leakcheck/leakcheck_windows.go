package leakcheck

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Children lists the processes whose recorded parent is pid. Windows does not
// reparent, so a process started by a child of ours that has exited still
// names that child, not us: those are found by the job objects the tests
// use, not here.
func Children(pid int) ([]Proc, error) {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	var out []Proc
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if int(pe.ParentProcessID) == pid {
			out = append(out, Proc{Pid: int(pe.ProcessID), Ppid: pid, State: "R", Command: windows.UTF16ToString(pe.ExeFile[:])})
		}
	}
	return out, nil
}

// Tagged is unsupported on Windows.
func Tagged(string) ([]Proc, error) { return nil, errors.ErrUnsupported }
