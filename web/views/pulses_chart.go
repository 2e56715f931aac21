package views

import (
	"fmt"
	"strings"

	"rapport/internal/pulse"
)

// hiddenLabels names a breakdown's hidden groups.
func hiddenLabels(b pulse.Breakdown) string {
	var out []string
	for _, s := range b.Slices {
		if !s.Shown {
			out = append(out, s.Label)
		}
	}
	return strings.Join(out, ", ")
}

// The trend chart: the mean of the statement averages (1–5, left axis) and
// eNPS (−100 to 100, right axis) per round with results.
const (
	trendW, trendH   = 640.0, 220.0
	trendL, trendR   = 40.0, 48.0
	trendT, trendB   = 16.0, 32.0
	trendPlotW       = trendW - trendL - trendR
	trendPlotH       = trendH - trendT - trendB
	trendMinScale    = 1.0
	trendMaxScale    = 5.0
	trendENPSSpread  = 200.0
	trendENPSFloor   = -100.0
	trendSinglePoint = 0.5
)

type trendPoint struct {
	X, YAvg, YENPS float64
	Label          string
	Avg, ENPS      float64
}

func meanAverage(f pulse.Figures) float64 {
	sum, n := 0.0, 0
	for _, s := range f.Statements {
		if s.Answers > 0 {
			sum += s.Average
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func trendPoints(rs []pulse.RoundResult) []trendPoint {
	out := make([]trendPoint, len(rs))
	for i, r := range rs {
		x := trendL + trendPlotW*trendSinglePoint
		if len(rs) > 1 {
			x = trendL + trendPlotW*float64(i)/float64(len(rs)-1)
		}
		avg, enps := meanAverage(r.Figures), r.Figures.ENPS()
		out[i] = trendPoint{X: x, Avg: avg, ENPS: enps, Label: fmt.Sprintf("R%d", r.Round.Number),
			YAvg:  trendT + trendPlotH*(1-(avg-trendMinScale)/(trendMaxScale-trendMinScale)),
			YENPS: trendT + trendPlotH*(1-(enps-trendENPSFloor)/trendENPSSpread)}
	}
	return out
}

func polyline(ps []trendPoint, enps bool) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		y := p.YAvg
		if enps {
			y = p.YENPS
		}
		parts[i] = fmt.Sprintf("%.1f,%.1f", p.X, y)
	}
	return strings.Join(parts, " ")
}

func trendDesc(ps []trendPoint) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s: average %.1f, eNPS %+.0f", p.Label, p.Avg, p.ENPS)
	}
	return strings.Join(parts, "; ")
}
