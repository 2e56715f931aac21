package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"rapport/internal/health"
)

// The radar chart of a health check: one spoke per dimension, rings at 1 to
// 5, the check's averages as a filled shape and, when there is one, the
// team's previous check as a dashed outline. Drawn on the server; the same
// numbers follow in a table.

const (
	radarW  = 560.0
	radarH  = 440.0
	radarCX = 280.0
	radarCY = 215.0
	radarR  = 145.0
	// radarLine is the most characters on one line of a spoke's label.
	radarLine = 15
)

type radarLabel struct {
	X, Y   float64
	Anchor string
	Lines  []string
	Value  string
}

type radarSpoke struct {
	X, Y  float64 // the spoke's end, on ring 5
	Label radarLabel
}

// radarPoint is where value v (0–5) sits on spoke i of n.
func radarPoint(i, n int, v float64) (float64, float64) {
	a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
	r := radarR * v / 5
	return radarCX + r*math.Cos(a), radarCY + r*math.Sin(a)
}

func radarPolygon(vals []float64) string {
	var b strings.Builder
	for i, v := range vals {
		x, y := radarPoint(i, len(vals), v)
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ff(x) + "," + ff(y))
	}
	return b.String()
}

func radarRing(n, level int) string {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(level)
	}
	return radarPolygon(vals)
}

// wrapWords breaks a label into lines of at most width characters (longer
// words stay whole).
func wrapWords(s string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func radarSpokes(ds []health.DimensionResult) []radarSpoke {
	n := len(ds)
	out := make([]radarSpoke, n)
	for i, d := range ds {
		x, y := radarPoint(i, n, 5)
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		lx, ly := radarPoint(i, n, 5+18*5/radarR)
		l := radarLabel{X: lx, Y: ly, Anchor: "middle", Lines: wrapWords(d.Name, radarLine), Value: avg1(d)}
		switch c := math.Cos(a); {
		case c > 0.3:
			l.Anchor = "start"
		case c < -0.3:
			l.Anchor = "end"
		}
		lines := float64(len(l.Lines) + 1)
		switch s := math.Sin(a); {
		case s < -0.3: // above the centre: grow upwards
			l.Y -= (lines - 1) * 15
		case s > 0.3: // below: start under the spoke's end
			l.Y += 12
		default:
			l.Y -= (lines - 1) * 15 / 2
			l.Y += 4
		}
		out[i] = radarSpoke{X: x, Y: y, Label: l}
	}
	return out
}

func radarValues(ds []health.DimensionResult) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = d.Average
	}
	return out
}

// radarPrevious is the previous check's averages on this check's spokes;
// ok is false unless it asked every one of them.
func radarPrevious(ds []health.DimensionResult, prev *health.PastCheck) (string, bool) {
	if prev == nil {
		return "", false
	}
	vals := make([]float64, len(ds))
	for i, d := range ds {
		v, ok := prev.Average(d.DimensionID)
		if !ok {
			return "", false
		}
		vals[i] = v
	}
	return radarPolygon(vals), true
}

func avg1(d health.DimensionResult) string {
	if d.Answers == 0 {
		return "–"
	}
	return strconv.FormatFloat(health.Round1(d.Average), 'f', 1, 64)
}

func radarDesc(ds []health.DimensionResult) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%s %s", d.Name, avg1(d))
	}
	return "Average rating out of 5: " + strings.Join(parts, "; ") + "."
}

// prevChange is "+0.4" or "−0.3" against the previous check, or "".
func prevChange(d health.DimensionResult, prev *health.PastCheck) string {
	if prev == nil {
		return ""
	}
	p, ok := prev.Average(d.DimensionID)
	if !ok || d.Answers == 0 {
		return ""
	}
	return signed(d.Average - p)
}

func signed(v float64) string {
	v = health.Round1(v)
	switch {
	case v > 0:
		return "+" + strconv.FormatFloat(v, 'f', 1, 64)
	case v < 0:
		return "−" + strconv.FormatFloat(-v, 'f', 1, 64)
	}
	return "±0.0"
}

// Sparklines of a trend line: 120 × 32, ratings 1 (bottom) to 5 (top).
const (
	sparkW = 120.0
	sparkH = 32.0
)

func sparkPoints(l health.TrendLine) string {
	var b strings.Builder
	n := len(l.Points)
	for i, p := range l.Points {
		if !p.Asked {
			continue
		}
		x := sparkW / 2
		if n > 1 {
			x = 4 + (sparkW-8)*float64(i)/float64(n-1)
		}
		y := sparkH - 4 - (sparkH-8)*(p.Average-1)/4
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(ff(x) + "," + ff(y))
	}
	return b.String()
}

func pointText(p health.TrendPoint) string {
	if !p.Asked {
		return "–"
	}
	return strconv.FormatFloat(health.Round1(p.Average), 'f', 1, 64)
}

// heatClass colours a roll-up cell by its average.
func heatClass(v float64) string {
	// By the figure shown, so that a cell's colour matches the legend.
	switch v = health.Round1(v); {
	case v < 2.5:
		return "heat heat-1"
	case v < 3.3:
		return "heat heat-2"
	case v < 3.8:
		return "heat heat-3"
	case v < 4.3:
		return "heat heat-4"
	}
	return "heat heat-5"
}

func fmt1(v float64) string { return strconv.FormatFloat(health.Round1(v), 'f', 1, 64) }
