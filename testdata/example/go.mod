module example.com/runall

go 1.26.0

require (
	github.com/forkport/forkport v0.0.0
	github.com/rogpeppe/go-internal v1.16.0
)

require (
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)

// The example runs against this checkout of forkport. A module of your own
// requires a commit (go get github.com/forkport/forkport@main) or replaces
// it with its own checkout (README.md, "Installation").
replace github.com/forkport/forkport => ../..
