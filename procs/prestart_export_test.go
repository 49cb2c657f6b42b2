package procs

import "time"

// PoolIdlePids is the PIDs of the waiting children, the one the next Fork
// takes last.
func PoolIdlePids() []int {
	thePool.mu.Lock()
	defer thePool.mu.Unlock()
	var pids []int
	for _, c := range thePool.idle {
		pids = append(pids, c.p.Pid)
	}
	return pids
}

// AnswerlessForks is how many Forks a pre-started child served without
// Fork waiting for its answer.
func AnswerlessForks() int64 { return answerlessForks.Load() }

// AnswerlessOK: this system's Fork can hand a request off without waiting
// for the answer.
const AnswerlessOK = answerlessOK

// SetAnswerlessRefillDelay sets how long after an answerless hand-off the
// pool refills and closes the channel's end, and returns what puts back
// the default. Not for tests that run in parallel.
func SetAnswerlessRefillDelay(d time.Duration) (restore func()) {
	old := answerlessRefillDelay
	answerlessRefillDelay = d
	return func() { answerlessRefillDelay = old }
}
