// Package wine tells whether the program runs under Wine rather than on
// Windows, so tests can state where Wine's behaviour is not Windows'.
// Wine is not Windows: every use of Detected marks a known Wine deviation,
// written down in the claim or test that needs it.
package wine

import "strings"

// InjectedEnv reports whether Wine adds a variable of this name to the
// environment of every process it starts, even one started with an explicit
// environment block (Windows passes the block exactly): WINE* variables
// describing the prefix, SystemDrive and SystemRoot.
func InjectedEnv(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), "WINE") ||
		strings.EqualFold(name, "SystemDrive") || strings.EqualFold(name, "SystemRoot")
}

// StripInjectedEnv returns env without the entries InjectedEnv names, when
// running under Wine; otherwise env unchanged.
func StripInjectedEnv(env []string) []string {
	if !Detected() {
		return env
	}
	var out []string
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if !InjectedEnv(name) {
			out = append(out, e)
		}
	}
	return out
}
