package cpython

import "time"

// SetQueryTimeout sets how long Find waits for a candidate's answer, and
// returns the function that restores it.
func SetQueryTimeout(d time.Duration) (restore func()) {
	old := queryTimeout
	queryTimeout = d
	return func() { queryTimeout = old }
}
