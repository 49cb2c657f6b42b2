package procs

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// selfExe is the program Fork starts: the executable's path. Windows does
// not let a running executable be overwritten or deleted, but it can be
// renamed and another put in its place; the child is then another build
// and refuses the state (see fingerprint).
func selfExe() (string, error) { return os.Executable() }

// newHandoff makes the channel for one fork: two anonymous pipes, one for
// the state and one for the child's answer (a pipe goes one way). start
// passes the child's ends as inherited handles, whose values the marker
// carries.
func newHandoff() (handoffEnd, []*os.File, error) {
	stateR, stateW, err := os.Pipe()
	if err != nil {
		return handoffEnd{}, nil, err
	}
	answerR, answerW, err := os.Pipe()
	if err != nil {
		stateR.Close()
		stateW.Close()
		return handoffEnd{}, nil, err
	}
	return handoffEnd{state: stateW, answer: answerR}, []*os.File{stateR, answerW}, nil
}

// openHandoff opens the child's ends of the channel, refusing handles that
// are not pipes.
func openHandoff(ids []uintptr) (childEnd, error) {
	if len(ids) != 2 {
		return childEnd{}, fmt.Errorf("%w: want two channel handles, got %d", errCorrupt, len(ids))
	}
	for _, id := range ids {
		t, err := windows.GetFileType(windows.Handle(id))
		if err != nil || t != windows.FILE_TYPE_PIPE {
			return childEnd{}, fmt.Errorf("handle %d is not a pipe a parent's Fork makes: %w", id, fs.ErrPermission)
		}
	}
	return newChildEnd(os.NewFile(ids[0], "fork-state"), os.NewFile(ids[1], "fork-answer")), nil
}

// fileID is empty on Windows: os.Stat does not report a file index, and
// the size and modification time stand for the file.
func fileID(os.FileInfo) string { return "" }

// checkParent checks that this process was created by process pid, that
// pid is still that process (created before this one, so not a stranger
// that reused a dead parent's PID), and that it runs the same executable
// image. The creator's PID is what Windows recorded at creation; Fork waits
// for the child's answer, so the parent is alive while it is checked.
func checkParent(pid int) error {
	f, err := parentFactsOf(pid)
	if err != nil {
		return err
	}
	return judgeParent(pid, f)
}

// parentFacts is what checkParent decides on.
type parentFacts struct {
	creator                int   // the PID Windows recorded as this process's creator
	parentStart, selfStart int64 // creation times, in ns since 1601
	parentImage, selfImage string
}

// parentFactsOf gathers the facts about process pid and this one; only
// the creator if that is not pid.
func parentFactsOf(pid int) (parentFacts, error) {
	var f parentFacts
	var pbi windows.PROCESS_BASIC_INFORMATION
	// Safe: pbi is the structure ProcessBasicInformation fills, passed
	// with its own size; the call writes nothing past it.
	err := windows.NtQueryInformationProcess(windows.CurrentProcess(), windows.ProcessBasicInformation,
		unsafe.Pointer(&pbi), uint32(unsafe.Sizeof(pbi)), nil)
	if err != nil {
		return f, fmt.Errorf("finding this process's creator: %w", err)
	}
	if f.creator = int(pbi.InheritedFromUniqueProcessId); f.creator != pid {
		return f, nil
	}
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return f, fmt.Errorf("the parent, process %d: %w", pid, os.NewSyscallError("OpenProcess", err))
	}
	defer windows.CloseHandle(h)
	if f.parentStart, err = startTime(h); err != nil {
		return f, err
	}
	if f.selfStart, err = startTime(windows.CurrentProcess()); err != nil {
		return f, err
	}
	if f.parentImage, err = imageName(h); err != nil {
		return f, err
	}
	f.selfImage, err = imageName(windows.CurrentProcess())
	return f, err
}

// judgeParent is checkParent's decision on the facts gathered.
func judgeParent(pid int, f parentFacts) error {
	if f.creator != pid {
		return fmt.Errorf("started by process %d, not by process %d that the fork marker names: %w", f.creator, pid, fs.ErrPermission)
	}
	if f.parentStart > f.selfStart {
		return fmt.Errorf("process %d started after this one: it reused the PID of this process's dead parent: %w", pid, fs.ErrPermission)
	}
	if !strings.EqualFold(f.parentImage, f.selfImage) {
		return fmt.Errorf("the parent, process %d, runs %s, not this program (%s): %w", pid, f.parentImage, f.selfImage, fs.ErrPermission)
	}
	return nil
}

func startTime(h windows.Handle) (int64, error) {
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return 0, os.NewSyscallError("GetProcessTimes", err)
	}
	return created.Nanoseconds(), nil
}

func imageName(h windows.Handle) (string, error) {
	buf := make([]uint16, windows.MAX_LONG_PATH)
	n := uint32(len(buf))
	if err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n); err != nil {
		return "", os.NewSyscallError("QueryFullProcessImageName", err)
	}
	return windows.UTF16ToString(buf[:n]), nil
}

// checkCredentials has nothing to check on Windows, which has no
// set-user-ID programs.
func checkCredentials() error { return nil }
