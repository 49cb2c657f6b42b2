package procstest

// ExpectOS is the OS whose expectations the scripts follow: runtime.GOOS,
// or darwin in a forkport_bsdpaths build.
const ExpectOS = expectOS
