package page

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/forkport/forkport/internal/verdict"
)

// chart is a leg's score per run as a small inline SVG line chart.
type chart struct {
	Width, Height int
	Top, Bottom   int    // the lines of MaxScore and 0
	Line          string // polyline points: "x,y x,y ..."
	Dots          []dot
	Label         string // what it shows, for screen readers
}

type dot struct {
	X, Y  string
	Title string // "abc1234, 2026-12-03: 971"
}

// Chart geometry, in SVG user units (pixels).
const chartWidth, chartHeight, chartPad = 150, 36, 4

// scoreChart charts the leg labelled label over the runs: x is the run
// (every run has its place, so the legs' charts line up), y the score,
// 0 at the bottom and MaxScore at the top. Runs without the leg have no
// dot.
func scoreChart(runs []point, label string) *chart {
	c := &chart{Width: chartWidth, Height: chartHeight, Top: chartPad, Bottom: chartHeight - chartPad}
	var pts, scores []string
	for i, p := range runs {
		if !hasLeg(p.m, label) {
			continue
		}
		s := ScoreOf(p.m, label)
		x := float64(chartWidth) / 2
		if len(runs) > 1 {
			x = chartPad + float64(i)*float64(chartWidth-2*chartPad)/float64(len(runs)-1)
		}
		y := chartPad + float64(chartHeight-2*chartPad)*(1-float64(s.Points)/MaxScore)
		xs, ys := strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(y, 'f', 1, 64)
		pts = append(pts, xs+","+ys)
		c.Dots = append(c.Dots, dot{xs, ys, fmt.Sprintf("%s: %d", p.name, s.Points)})
		scores = append(scores, strconv.Itoa(s.Points))
	}
	c.Line = strings.Join(pts, " ")
	c.Label = fmt.Sprintf("score of %s per run, oldest first: %s", verdict.Printable(label), strings.Join(scores, ", "))
	return c
}
