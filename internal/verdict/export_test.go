package verdict

// ReadInputLimit is readInput with a smaller bound, for tests.
var ReadInputLimit = readInput
