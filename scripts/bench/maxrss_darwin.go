package main

// maxrssPerKiB: macOS reports ru_maxrss in bytes.
const maxrssPerKiB = 1024
