// Package export turns review data into files people take away: CSV and
// XLSX sheets of a cycle (one row per person and competency) written as the
// rows arrive, and a per-person review packet as PDF. It imports only core.
package export

import (
	"fmt"
	"strconv"
	"strings"
)

// Ratio is a count out of a total; an empty total means "nothing to measure".
type Ratio struct{ Num, Den int }

// Percent is the ratio as a whole percentage, rounded half up, and whether
// there was anything to measure.
func (r Ratio) Percent() (int, bool) {
	if r.Den <= 0 {
		return 0, false
	}
	return (r.Num*200 + r.Den) / (2 * r.Den), true
}

// Cues are the four coaching cues of a person for the cycle's period.
type Cues struct {
	Contact       Ratio // consistency in contact: 1:1s held of those expected
	FollowThrough Ratio // timely follow-through: actions done by their due date
	Communication Ratio // clear communication: 1:1s with agenda, notes and an action
	// Proactive maintenance.
	PointsAdded     int
	CrossTeamKudos  int
	OutsideContacts int
}

// Maintenance describes the proactive-maintenance figures in words.
func (c Cues) Maintenance() string {
	return fmt.Sprintf("%d talking points, %d cross-team kudos, %d outside contacts", c.PointsAdded, c.CrossTeamKudos, c.OutsideContacts)
}

// Row is one person and one competency of a review cycle.
type Row struct {
	PersonID       int64
	Person         string
	Email          string
	Team           string
	Manager        string
	CompetencyID   int64
	Group          string // the competency's group in the cycle's framework version
	Competency     string // its name in that version
	SelfRating     int    // 0: not rated
	SelfComment    string
	ManagerRating  int // 0: not rated
	ManagerComment string
	State          string
	Cues           Cues
	Evidence       int // evidence items tagged with the competency in the period
}

// Header names the columns, in order.
var Header = []string{
	"Person", "Email", "Team", "Manager", "Competency group", "Competency",
	"Self rating", "Self comment", "Manager rating", "Manager comment", "State",
	"Consistency in contact (%)", "Timely follow-through (%)", "Clear communication (%)", "Proactive maintenance",
	"Evidence items",
}

// Columns whose values are numbers (0-based), for spreadsheets.
const (
	colSelfRating    = 6
	colManagerRating = 8
	colContact       = 11
	colFollow        = 12
	colComm          = 13
	colEvidence      = 15
)

// Safe neutralises a text cell that a spreadsheet would read as a formula
// or a command: one starting with = + - @, a tab or a carriage return gets a
// leading apostrophe.
func Safe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// optional is a number cell that may be empty.
type optional struct {
	n  int
	ok bool
}

func (o optional) String() string {
	if !o.ok {
		return ""
	}
	return strconv.Itoa(o.n)
}

func rating(n int) optional { return optional{n, n > 0} }

func percent(r Ratio) optional {
	n, ok := r.Percent()
	return optional{n, ok}
}

// values lays a row out in Header order: texts neutralised, numbers as
// optionals or ints.
func (r Row) values() []any {
	return []any{
		Safe(r.Person), Safe(r.Email), Safe(r.Team), Safe(r.Manager), Safe(r.Group), Safe(r.Competency),
		rating(r.SelfRating), Safe(r.SelfComment), rating(r.ManagerRating), Safe(r.ManagerComment), Safe(stateLabel(r.State)),
		percent(r.Cues.Contact), percent(r.Cues.FollowThrough), percent(r.Cues.Communication), r.Cues.Maintenance(),
		r.Evidence,
	}
}

// Strings is the row as text cells, as the CSV holds it.
func (r Row) Strings() []string {
	vs := r.values()
	out := make([]string, len(vs))
	for i, v := range vs {
		switch x := v.(type) {
		case string:
			out[i] = x
		case optional:
			out[i] = x.String()
		case int:
			out[i] = strconv.Itoa(x)
		}
	}
	return out
}

// stateLabel words a review state as the review pages do.
func stateLabel(s string) string {
	switch s {
	case "draft":
		return "Not started"
	case "self_submitted":
		return "Self-assessment in"
	case "manager_submitted":
		return "Manager review in"
	case "acknowledged":
		return "Acknowledged"
	case "finalised":
		return "Finalised"
	}
	return strings.ReplaceAll(s, "_", " ")
}
