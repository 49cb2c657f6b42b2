module github.com/forkport/forkport

go 1.26.0

require golang.org/x/sys v0.50.0

require (
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
