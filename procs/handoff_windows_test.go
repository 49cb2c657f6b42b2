package procs_test

// A marker naming handle values nobody gave the child.
const badChannel, badChannelSays = "123456,123460", "is not a pipe"
