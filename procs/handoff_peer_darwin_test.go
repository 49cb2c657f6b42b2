package procs_test

// peerIsLastUser: macOS's LOCAL_PEERPID names the last process that sent
// or received on the other end of a socket, not its maker.
const peerIsLastUser = true
