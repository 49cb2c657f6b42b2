//go:build unix && !darwin

package procs_test

// peerIsLastUser: false where the channel's peer credentials name the
// process that made the socketpair (Linux's SO_PEERCRED, FreeBSD's
// LOCAL_PEERCRED).
const peerIsLastUser = false
