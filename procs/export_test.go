package procs

// PooledForks is how many Forks a pre-started child has served in this
// process.
func PooledForks() int64 { return pooledForks.Load() }
