package procs

// HandoffFrame is what this process's Fork writes on the channel for a
// marker with nonce: the header with this build's fingerprint, and the
// copied variables' current values. A test plays a forger with it: anyone
// with the executable file can compute the same bytes.
func HandoffFrame(nonce []byte) ([]byte, error) {
	state, err := encodeState()
	if err != nil {
		return nil, err
	}
	var n [16]byte
	copy(n[:], nonce)
	return frame(n, fingerprint(), state), nil
}
