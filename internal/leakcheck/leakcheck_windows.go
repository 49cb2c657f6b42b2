package leakcheck

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Children lists the processes whose recorded parent is pid. Windows does not
// reparent, so a process started by a child of ours that has exited still
// names that child, not us: those are found by the job objects the tests
// use, not here. Windows does not update the recorded parent either, and
// reuses PIDs: a process that names pid but was created before pid's
// process is the child of an earlier process with that PID, not of pid's.
func Children(pid int) ([]Proc, error) {
	parentCreated, err := creationTime(pid)
	if err != nil {
		return nil, err
	}
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(snap)
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	var out []Proc
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if int(pe.ParentProcessID) != pid {
			continue
		}
		// A process that cannot be opened (gone since the snapshot, or
		// another user's) is not a child left behind by this one.
		created, err := creationTime(int(pe.ProcessID))
		if err != nil || !childOf(created, parentCreated) {
			continue
		}
		out = append(out, Proc{Pid: int(pe.ProcessID), Ppid: pid, State: "R", Command: windows.UTF16ToString(pe.ExeFile[:])})
	}
	return out, nil
}

// childOf reports whether a process created at created can be the child of
// one created at parentCreated: it cannot have been created before it.
func childOf(created, parentCreated windows.Filetime) bool {
	return created.Nanoseconds() >= parentCreated.Nanoseconds()
}

// creationTime returns when process pid was created.
func creationTime(pid int) (windows.Filetime, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return windows.Filetime{}, err
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	err = windows.GetProcessTimes(h, &created, &exited, &kernel, &user)
	return created, err
}

// Tagged is unsupported on Windows.
func Tagged(string) ([]Proc, error) { return nil, errors.ErrUnsupported }
