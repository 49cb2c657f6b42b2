package probe

import "os"

// stopSignals on Windows: Ctrl+C and Ctrl+Break arrive as os.Interrupt. If
// Run is killed outright, the job object it holds kills the tree.
var stopSignals = []os.Signal{os.Interrupt}
