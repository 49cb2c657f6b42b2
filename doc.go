// Package forkport is the root of the forkport module. It holds no library
// code: the portable process API is package procs
// (github.com/forkport/forkport/procs), the claims harness any module can
// use is package procs/procstest, the chapter's programs are under
// scripts/, and this directory's test runs the behaviour suite on
// procstest, one testscript file per claim in testdata/script.
package forkport
