package verdict

// ReadMatrixLimit is readMatrix with a smaller bound, for tests.
var ReadMatrixLimit = readMatrix
