module example.com/flaky

go 1.26.0

require (
	github.com/forkport/forkport v0.0.0
	github.com/rogpeppe/go-internal v1.16.0
)

require (
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)

// A test-only module (TestFlakyModule, scripts/forkport/example_test.go):
// it runs against this checkout of forkport.
replace github.com/forkport/forkport => ../../../..
