package main

// memory is not measured on Windows.
func memory() (peak, rss int64) { return 0, 0 }

func peakSource() string { return "not measured on Windows" }

func openFds() int { return -1 }

// pidRSS is not measured on Windows.
func pidRSS(int) (int64, bool) { return 0, false }
