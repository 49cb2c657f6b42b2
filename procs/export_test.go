package procs

// PooledForks is how many Forks a pre-started child has served in this
// process.
func PooledForks() int64 { return pooledForks.Load() }

// PoolIdle is how many pre-started children are waiting.
func PoolIdle() int {
	thePool.mu.Lock()
	defer thePool.mu.Unlock()
	return len(thePool.idle)
}
