package page

import "github.com/forkport/forkport/internal/verdict"

// MaxScore is a leg's score when every claim of the matrix counts.
const MaxScore = 1000

// Score is a leg's score by web-platform-tests' rule: each claim that
// holds, differs as expected or is the expected Wine deviation in every
// run of the leg counts MaxScore/Total, where Total is the number of
// claims of the matrix (its rows), not of the leg. A leg that lacks
// claims scores lower, never higher; a broken, flaky or not-run cell
// counts nothing, and so does a cell whose verdict passes but one of
// whose runs did not.
type Score struct {
	Points  int // MaxScore*Counted/Total, rounded down; 0 when Total is 0
	Counted int // the claims that count
	Total   int // the matrix's claims
}

// ScoreOf scores the leg labelled label of m.
func ScoreOf(m *verdict.Matrix, label string) Score {
	s := Score{Total: len(m.Claims)}
	for _, r := range m.Claims {
		if c, ok := r.Results[label]; ok && counts(c) {
			s.Counted++
		}
	}
	if s.Total > 0 {
		s.Points = MaxScore * s.Counted / s.Total
	}
	return s
}

// counts reports whether a cell counts for its leg's score.
func counts(c verdict.Cell) bool {
	switch c.Verdict {
	case verdict.Holds, verdict.DiffersAsExpected, verdict.WineDeviation:
	default:
		return false
	}
	for _, r := range c.Runs {
		if r.Status != verdict.StatusPass {
			return false
		}
	}
	return true
}
