package procs

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
