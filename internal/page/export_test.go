package page

// ReadHistoryLimits is ReadHistory with other bounds, for tests.
var ReadHistoryLimits = readHistory
