package main

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A value flag given no value is an error before anything runs, rather
// than a flag taken for a file name ("-json -run x").
func TestValuesGiven(t *testing.T) {
	fs := flag.NewFlagSet("wineleg", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("json", "", "")
	fs.String("run", "", "")
	fs.Bool("short", false, "")
	tests := []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{"-json"}, "flag -json needs a value"},
		{[]string{"-short", "-json", "-run", "x"}, `flag -json needs a value before -run (write -json=VALUE for a value that starts with "-")`},
		{[]string{"-run", "--"}, `flag -run needs a value before -- (write -run=VALUE for a value that starts with "-")`},
		{[]string{"--json", "out.json", "-run=-x", "./procs"}, ""},
		{[]string{"-json", "-", "./procs"}, ""}, // standard output
		{[]string{"./procs", "-json"}, ""},      // after the packages: not a flag
		{[]string{"-nope", "-json", "x"}, ""},   // flag.Parse reports -nope
		{[]string{"-short", "--", "-json"}, ""}, // -- ends the flags
	}
	for _, tt := range tests {
		err := valuesGiven(fs, tt.args)
		if tt.want == "" {
			assert.NoError(t, err, tt.args)
		} else {
			assert.EqualError(t, err, tt.want, tt.args)
		}
	}
}
