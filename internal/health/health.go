// Package health is the domain of team health checks: the organisation's
// dimensions (versioned wording), checks a team opens, anonymous answers
// (a 1–5 rating and a trend per dimension, and a comment), the response
// threshold below which nothing is shown, results, trends over a team's
// checks and the organisation roll-up. It imports only core.
package health

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// MinThreshold is the fewest answers any check's results are shown with,
// whatever an organisation sets.
const MinThreshold = 3

// DefaultThreshold is an organisation's threshold until an admin changes it.
const DefaultThreshold = 3

// MaxThreshold is the highest threshold an admin may set.
const MaxThreshold = 50

// Limits of the forms.
const (
	MaxDimensionName = 60
	MaxDescription   = 300
	MaxTitle         = 120
	MaxComment       = 1000
	MaxDays          = 60
)

// Dimension is one thing a team rates, as the organisation words it now.
type Dimension struct {
	ID          int64
	Position    int
	Name        string
	Description string
	Version     int // goes up each time its wording changes
	Retired     bool
}

// DimensionInput is the add and rename form.
type DimensionInput struct {
	Name        string
	Description string
	IdemKey     string // the add form's random key: a double submit adds one
}

// Validate trims and checks the form.
func (in *DimensionInput) Validate() *core.Validator {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	var v core.Validator
	v.Check(in.Name != "", "name", "Give the dimension a name.")
	v.Check(utf8.RuneCountInString(in.Name) <= MaxDimensionName, "name", "Keep the name under 60 characters.")
	v.Check(utf8.RuneCountInString(in.Description) <= MaxDescription, "description", "Keep the description under 300 characters.")
	return &v
}

// CheckDimension is a dimension as one check asked it: its wording is a copy
// taken when the check opened.
type CheckDimension struct {
	Position    int
	DimensionID int64 // 0 when the dimension was since deleted
	Version     int
	Name        string
	Description string
}

// Check is one team health check.
type Check struct {
	ID         int64
	OrgID      int64
	TeamID     int64
	TeamName   string
	Title      string
	OpenedAt   time.Time
	ClosesAt   time.Time
	ClosedAt   *time.Time
	Responses  int // answers so far
	Dimensions []CheckDimension
}

// Closed reports whether the check takes no more answers: closed by hand, or
// past its closing time.
func (c Check) Closed(now time.Time) bool {
	return c.ClosedAt != nil || !now.Before(c.ClosesAt)
}

// EndedAt is when the check stopped taking answers, or will.
func (c Check) EndedAt() time.Time {
	if c.ClosedAt != nil && c.ClosedAt.Before(c.ClosesAt) {
		return *c.ClosedAt
	}
	return c.ClosesAt
}

// OpenInput is the form that opens a check.
type OpenInput struct {
	Title   string
	Days    int // how long it stays open
	IdemKey string
}

// Validate trims and checks the form.
func (in *OpenInput) Validate() *core.Validator {
	in.Title = strings.TrimSpace(in.Title)
	var v core.Validator
	v.Check(in.Title != "", "title", "Give the check a title, e.g. “March health check”.")
	v.Check(utf8.RuneCountInString(in.Title) <= MaxTitle, "title", "Keep the title under 120 characters.")
	v.Check(in.Days >= 1 && in.Days <= MaxDays, "days", "Keep it open between 1 and 60 days.")
	return &v
}

// Trend is how a person feels a dimension moved since the last check.
type Trend int

// Trends.
const (
	Worse  Trend = -1
	Same   Trend = 0
	Better Trend = 1
)

// ParseTrend reads a form value.
func ParseTrend(s string) (Trend, bool) {
	switch s {
	case "better":
		return Better, true
	case "same":
		return Same, true
	case "worse":
		return Worse, true
	}
	return 0, false
}

// String is the form value.
func (t Trend) String() string {
	switch t {
	case Better:
		return "better"
	case Worse:
		return "worse"
	}
	return "same"
}

// Response is one person's answer as stored: it names nobody.
type Response struct {
	Scores  []int // Scores[i] answers the dimension at position i+1
	Trends  []Trend
	Comment string
}

// AnswerInput is the answer form as typed: Scores and Trends hold the raw
// values per position, so a refused form shows them again.
type AnswerInput struct {
	Scores  map[int]string
	Trends  map[int]string
	Comment string
}

// ScoreField and TrendField name a position's form fields.
func ScoreField(pos int) string { return "score_" + strconv.Itoa(pos) }

// TrendField names a position's trend field.
func TrendField(pos int) string { return "trend_" + strconv.Itoa(pos) }

// Parse checks an answer against the check's dimensions: every dimension
// needs a rating from 1 to 5 and a trend.
func (in *AnswerInput) Parse(dims []CheckDimension) (Response, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	var v core.Validator
	r := Response{Comment: in.Comment}
	for _, d := range dims {
		s := strings.TrimSpace(in.Scores[d.Position])
		n := 0
		if len(s) == 1 && s[0] >= '1' && s[0] <= '5' {
			n = int(s[0] - '0')
		}
		v.Check(s != "", ScoreField(d.Position), "Rate “"+d.Name+"” from 1 to 5.")
		v.Check(s == "" || n != 0, ScoreField(d.Position), "A rating is a whole number from 1 to 5.")
		t, ok := ParseTrend(strings.TrimSpace(in.Trends[d.Position]))
		v.Check(in.Trends[d.Position] != "", TrendField(d.Position), "Say whether “"+d.Name+"” got better, stayed the same or got worse.")
		v.Check(in.Trends[d.Position] == "" || ok, TrendField(d.Position), "Pick better, the same or worse.")
		r.Scores = append(r.Scores, n)
		r.Trends = append(r.Trends, t)
	}
	v.Check(utf8.RuneCountInString(in.Comment) <= MaxComment, "comment", "Keep the comment under 1,000 characters.")
	if len(dims) == 0 {
		return r, core.Errorf(core.EINVALID, "This check has nothing to rate.")
	}
	return r, v.Err()
}

// Access is what a person may do with a team's health checks. The store
// answers it from one SQL rule (health_team_readable) plus the retro
// facilitator rule.
type Access struct {
	Member bool // on the team: answers its checks
	Opener bool // the team's manager or a named facilitator: opens and closes checks
	Reader bool // a member, a manager or leader above a member, or an admin: sees results
}

// Settings are an organisation's health check settings.
type Settings struct {
	MinResponses int
}

// Threshold is the number of answers results need, never under MinThreshold.
func (s Settings) Threshold() int { return max(s.MinResponses, MinThreshold) }
