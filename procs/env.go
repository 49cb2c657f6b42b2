package procs

import "strings"

// envValue returns the value of the first entry named key in env, as a
// program started with env would see it from getenv. Names compare as the OS
// compares them (case-insensitively on Windows).
func envValue(env []string, key string) string {
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && envKeyEqual(k, key) {
			return v
		}
	}
	return ""
}
