package procs_test

// unixSocketsOptional: Windows has AF_UNIX since Windows 10 1803, older
// versions (and Wine) may not.
const unixSocketsOptional = true
