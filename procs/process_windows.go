package procs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"
)

// start starts a child with the standard files of attr; extra (the fork
// emulation's state pipe) and attr.Files are inherited as handles, with
// their values unchanged in the child.
func start(path string, argv []string, attr *Attr, extra []*os.File) (*Process, error) {
	if !attr.Group {
		return startIn(0, path, argv, attr, extra)
	}
	job, err := newKillOnCloseJob(false)
	if err != nil {
		return nil, err
	}
	p, err := startIn(job, path, argv, attr, extra)
	if err != nil {
		windows.CloseHandle(job)
		return nil, err
	}
	p.tree = tree{&jobTree{job: job}}
	return p, nil
}

// inDir returns the program a child started in dir runs for path, as
// os.StartProcess finds it (CreateProcess would look relative to the
// caller's directory; Go looks relative to dir): path itself when it is
// absolute or dir is "", a rooted path (`\x`) on dir's volume, a
// drive-relative one ("C:x") in dir when on dir's drive, else dir\path.
func inDir(dir, path string) (string, error) {
	if dir == "" || path == "" || filepath.IsAbs(path) {
		return path, nil
	}
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	switch vol := filepath.VolumeName(path); {
	case vol == "" && os.IsPathSeparator(path[0]):
		return filepath.Abs(filepath.VolumeName(d) + path)
	case vol != "" && strings.EqualFold(vol, filepath.VolumeName(d)):
		return filepath.Abs(filepath.Join(d, path[len(vol):]))
	case vol != "":
		return filepath.Abs(path)
	}
	return filepath.Abs(filepath.Join(d, path))
}

// startIn starts a child, in job if it is not 0: suspended, so that nothing
// the child starts can escape the job before the child is in it.
func startIn(job windows.Handle, path string, argv []string, attr *Attr, extra []*os.File) (*Process, error) {
	if err := checkCommandLine(argv); err != nil {
		return nil, err
	}
	var handles []syscall.Handle
	for _, f := range append(append([]*os.File(nil), extra...), attr.Files...) {
		handles = append(handles, syscall.Handle(f.Fd()))
	}
	// Only the handles listed are inherited (Go passes an explicit handle
	// list to CreateProcess), but each must be marked inheritable.
	if err := markInheritable(handles); err != nil {
		return nil, err
	}
	defer unmarkInheritable(handles)
	sys := &syscall.SysProcAttr{AdditionalInheritedHandles: handles}
	if attr.Detach {
		sys.CreationFlags |= windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP
	}
	if job != 0 {
		sys.CreationFlags |= windows.CREATE_SUSPENDED
	}
	op, err := os.StartProcess(path, argv, &os.ProcAttr{Dir: attr.Dir, Env: attr.Env, Files: attr.stdio(), Sys: sys})
	if errors.Is(err, windows.ERROR_BAD_EXE_FORMAT) {
		// The Windows spelling of Unix's ENOEXEC: say it the same way.
		return nil, fmt.Errorf("%w (%w)", err, syscall.ENOEXEC)
	}
	if err != nil {
		return nil, err
	}
	if job != 0 {
		if err := assignAndResume(job, op); err != nil {
			_ = op.Kill()
			_, _ = op.Wait()
			return nil, err
		}
	}
	return &Process{Pid: op.Pid, proc: op}, nil
}

// inheritUsers counts, for each handle, the starts in progress that need it
// inheritable: the first sets the flag, the last clears it, so that two
// concurrent starts passing the same file do not clear it under each other
// (CreateProcess refuses a handle list with a handle not inheritable).
var (
	inheritMu    sync.Mutex
	inheritUsers = map[syscall.Handle]int{}
)

func markInheritable(handles []syscall.Handle) error {
	inheritMu.Lock()
	defer inheritMu.Unlock()
	for i, h := range handles {
		if inheritUsers[h] == 0 {
			if err := windows.SetHandleInformation(windows.Handle(h), windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT); err != nil {
				unmarkLocked(handles[:i])
				return os.NewSyscallError("SetHandleInformation", err)
			}
		}
		inheritUsers[h]++
	}
	return nil
}

func unmarkInheritable(handles []syscall.Handle) {
	inheritMu.Lock()
	defer inheritMu.Unlock()
	unmarkLocked(handles)
}

func unmarkLocked(handles []syscall.Handle) {
	for _, h := range handles {
		if inheritUsers[h]--; inheritUsers[h] > 0 {
			continue
		}
		delete(inheritUsers, h)
		_ = windows.SetHandleInformation(windows.Handle(h), windows.HANDLE_FLAG_INHERIT, 0)
	}
}

// maxCommandLine is the longest command line CreateProcess accepts, in
// UTF-16 code units, without the terminating NUL.
const maxCommandLine = 32767 - 1

// checkCommandLine refuses an argv whose quoted command line Windows could
// not pass, with E2BIG as Unix's execve would for one over ARG_MAX (Wine
// would otherwise cut the command line short without a word). It measures
// the command line os.StartProcess builds: every element, argv[0] included,
// quoted with syscall.EscapeArg and joined with spaces.
func checkCommandLine(argv []string) error {
	n := len(argv) - 1 // the spaces
	for _, a := range argv {
		n += len(utf16.Encode([]rune(syscall.EscapeArg(a))))
	}
	if n > maxCommandLine {
		return fmt.Errorf("command line of %d characters is longer than Windows' limit of %d: %w", n, maxCommandLine, syscall.E2BIG)
	}
	return nil
}

// newKillOnCloseJob creates a job object whose processes are killed when its
// last handle closes. With silentBreakaway, processes started by those in the
// job are not put in it.
func newKillOnCloseJob(silentBreakaway bool) (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, os.NewSyscallError("CreateJobObject", err)
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if silentBreakaway {
		info.BasicLimitInformation.LimitFlags |= windows.JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, os.NewSyscallError("SetInformationJobObject", err)
	}
	return job, nil
}

// assignAndResume puts a process started with CREATE_SUSPENDED into job and
// resumes its threads (os.StartProcess does not return the thread handle, so
// they are found in a toolhelp snapshot).
func assignAndResume(job windows.Handle, op *os.Process) error {
	var err error
	if herr := op.WithHandle(func(h uintptr) {
		err = windows.AssignProcessToJobObject(job, windows.Handle(h))
	}); herr != nil {
		return herr
	}
	if err != nil {
		return os.NewSyscallError("AssignProcessToJobObject", err)
	}
	return resumeThreads(uint32(op.Pid))
}

func resumeThreads(pid uint32) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return os.NewSyscallError("CreateToolhelp32Snapshot", err)
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != pid {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return os.NewSyscallError("OpenThread", err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return os.NewSyscallError("ResumeThread", err)
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("no thread of process %d to resume", pid)
	}
	return nil
}

// wait blocks until the child exits; os.Process.Wait closes its handle.
func (p *Process) wait() (*Status, error) {
	ps, err := p.proc.Wait()
	if err != nil {
		return nil, err
	}
	return &Status{pid: p.Pid, code: int(uint32(ps.ExitCode()))}, nil
}

func (p *Process) tryWait() (*Status, bool) {
	exited := false
	_ = p.proc.WithHandle(func(h uintptr) {
		ev, err := windows.WaitForSingleObject(windows.Handle(h), 0)
		exited = err == nil && ev == windows.WAIT_OBJECT_0
	})
	if !exited {
		return nil, false
	}
	st, err := p.wait()
	return st, err == nil
}

func (p *Process) release() {}

// tree is the job object of a child started with Attr.Group; nil means none.
// The job handle stays open until KillTree or until the caller exits, when
// Windows closes it and kills whatever is still in the job.
type tree struct{ j *jobTree }

type jobTree struct {
	mu  sync.Mutex
	job windows.Handle
}

// jobAccounting is JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, which
// golang.org/x/sys/windows does not define.
type jobAccounting struct {
	TotalUserTime, TotalKernelTime                       int64
	ThisPeriodTotalUserTime, ThisPeriodTotalKernelTime   int64
	TotalPageFaultCount, TotalProcesses, ActiveProcesses uint32
	TotalTerminatedProcesses                             uint32
}

func (t tree) kill() error {
	if t.j == nil {
		return ErrNoTree
	}
	return t.j.kill()
}

func (t *jobTree) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job == 0 {
		return errTreeGone
	}
	var info jobAccounting
	empty := windows.QueryInformationJobObject(t.job, windows.JobObjectBasicAccountingInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil) == nil && info.ActiveProcesses == 0
	err := windows.TerminateJobObject(t.job, 1)
	windows.CloseHandle(t.job)
	t.job = 0
	if empty {
		return errTreeGone
	}
	if err != nil && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return os.NewSyscallError("TerminateJobObject", err)
	}
	return nil
}
