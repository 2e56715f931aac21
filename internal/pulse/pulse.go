// Package pulse is the domain of pulse surveys: a few statements rated 1 to
// 5 and eNPS (0 to 10), asked of the organisation, a team or a reporting tree
// in rounds on a cadence, answered anonymously. Results show per round and
// over rounds, with breakdowns by team and by manager that never show, or
// let anyone subtract, a group under the organisation's threshold. It
// imports only core and health (whose threshold it shares).
package pulse

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Scope is who a pulse asks.
type Scope string

// Scopes.
const (
	ScopeOrg  Scope = "org"  // everyone active in the organisation
	ScopeTeam Scope = "team" // a team's members
	ScopeTree Scope = "tree" // everyone under a person in the reporting tree
)

// Limits of the forms.
const (
	MaxTitle      = 120
	MaxStatement  = 160
	MaxStatements = 8
	MaxComment    = 1000
	MaxOpenDays   = 28
)

// Cadences a pulse may run on, in days.
var Cadences = []int{7, 14, 28}

// DefaultStatements are what a new pulse asks until the person scheduling it
// changes them.
var DefaultStatements = []string{
	"I have a good working relationship with my manager.",
	"I get useful feedback on my work.",
	"I know who to ask for help across teams.",
	"I feel recognised for my work.",
}

// ENPSQuestion is the eNPS question every pulse asks last.
const ENPSQuestion = "How likely are you to recommend working here to a friend?"

// Pulse is a scheduled pulse survey.
type Pulse struct {
	ID          int64
	OrgID       int64
	Title       string
	Scope       Scope
	TeamID      int64 // ScopeTeam
	RootID      int64 // ScopeTree: the person at the top
	ScopeName   string
	Statements  []string
	CadenceDays int
	OpenDays    int
	StartsAt    time.Time
	StoppedAt   *time.Time
	Audience    int // people asked, as the organisation is now
}

// Audience names who a pulse asks.
func (p Pulse) AudienceLabel() string {
	switch p.Scope {
	case ScopeTeam:
		return "Team " + p.ScopeName
	case ScopeTree:
		return "Everyone under " + p.ScopeName
	}
	return "Everyone in the organisation"
}

// Round is one round of a pulse: numbered from 1.
type Round struct {
	Number   int
	OpensAt  time.Time
	ClosesAt time.Time
}

// Open reports whether the round takes answers at now.
func (r Round) Open(now time.Time) bool { return !now.Before(r.OpensAt) && now.Before(r.ClosesAt) }

// Closed reports whether the round has stopped taking answers.
func (r Round) Closed(now time.Time) bool { return !now.Before(r.ClosesAt) }

// Round returns round n (from 1). Rounds are computed from the schedule, so
// they open and close on time without anything having to run.
func (p Pulse) Round(n int) Round {
	opens := p.StartsAt.Add(time.Duration(n-1) * time.Duration(p.CadenceDays) * 24 * time.Hour)
	return Round{Number: n, OpensAt: opens, ClosesAt: opens.Add(time.Duration(p.OpenDays) * 24 * time.Hour)}
}

// Latest is the number of the last round that has opened by now (0: none
// yet). A stopped pulse opens no round after it stopped.
func (p Pulse) Latest(now time.Time) int {
	end := now
	if p.StoppedAt != nil && p.StoppedAt.Before(end) {
		end = *p.StoppedAt
	}
	if end.Before(p.StartsAt) || p.CadenceDays <= 0 {
		return 0
	}
	return int(end.Sub(p.StartsAt)/(time.Duration(p.CadenceDays)*24*time.Hour)) + 1
}

// Current returns the round open now, if any.
func (p Pulse) Current(now time.Time) (Round, bool) {
	n := p.Latest(now)
	if n == 0 {
		return Round{}, false
	}
	r := p.Round(n)
	if p.StoppedAt != nil && !r.OpensAt.Before(*p.StoppedAt) {
		return Round{}, false
	}
	return r, r.Open(now)
}

// Next is when the next round opens; zero for a stopped pulse.
func (p Pulse) Next(now time.Time) time.Time {
	if p.StoppedAt != nil {
		return time.Time{}
	}
	return p.Round(p.Latest(now) + 1).OpensAt
}

// Input is the schedule form.
type Input struct {
	Title       string
	Scope       Scope
	TeamID      int64
	RootID      int64
	Statements  string // one a line
	CadenceDays int
	OpenDays    int
	IdemKey     string
}

// Lines returns the statements, one a line, blank lines left out.
func (in Input) Lines() []string {
	var out []string
	for _, l := range strings.Split(in.Statements, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Validate trims and checks the form.
func (in *Input) Validate() *core.Validator {
	in.Title = strings.TrimSpace(in.Title)
	var v core.Validator
	v.Check(in.Title != "", "title", "Give the pulse a title, e.g. “Fortnightly pulse”.")
	v.Check(utf8.RuneCountInString(in.Title) <= MaxTitle, "title", "Keep the title under 120 characters.")
	switch in.Scope {
	case ScopeOrg:
	case ScopeTeam:
		v.Check(in.TeamID > 0, "team", "Choose the team to ask.")
	case ScopeTree:
		v.Check(in.RootID > 0, "root", "Choose whose reporting tree to ask.")
	default:
		v.Check(false, "scope", "Choose who to ask.")
	}
	lines := in.Lines()
	v.Check(len(lines) >= 1, "statements", "Add at least one statement, one a line.")
	v.Check(len(lines) <= MaxStatements, "statements", "Keep it short: at most 8 statements.")
	for _, l := range lines {
		v.Check(utf8.RuneCountInString(l) <= MaxStatement, "statements", "Keep each statement under 160 characters.")
	}
	okCadence := false
	for _, c := range Cadences {
		okCadence = okCadence || c == in.CadenceDays
	}
	v.Check(okCadence, "cadence", "Choose every week, every 2 weeks or every 4 weeks.")
	v.Check(in.OpenDays >= 1 && in.OpenDays <= MaxOpenDays && (!okCadence || in.OpenDays <= in.CadenceDays), "open_days",
		"Keep each round open between 1 day and the time until the next round.")
	return &v
}

// Response is one person's answer as stored: it names nobody. Team and
// Manager are the coarse groups it was kept with (0: "other").
type Response struct {
	Scores      []int // Scores[i] answers statement i
	ENPS        int
	Comment     string
	Team        int64
	TeamName    string
	Manager     int64
	ManagerName string
}

// AnswerInput is the answer form as typed, so a refused form shows it again.
type AnswerInput struct {
	Scores  map[int]string // by statement position, from 1
	ENPS    string
	Comment string
}

// ScoreField names a statement's form field.
func ScoreField(pos int) string { return "score_" + strconv.Itoa(pos) }

// AnswerField is where refusals of the whole answer (a second answer, a
// closed round, someone not asked) are shown: beside the send button.
const AnswerField = "answer"

// Parse checks an answer against the pulse's statements: each needs a whole
// number from 1 to 5, eNPS one from 0 to 10.
func (in *AnswerInput) Parse(statements []string) (Response, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	var v core.Validator
	r := Response{Comment: in.Comment}
	for i := range statements {
		s := strings.TrimSpace(in.Scores[i+1])
		n, err := strconv.Atoi(s)
		v.Check(s != "", ScoreField(i+1), "Choose from 1 (strongly disagree) to 5 (strongly agree).")
		v.Check(s == "" || (err == nil && n >= 1 && n <= 5), ScoreField(i+1), "A rating is a whole number from 1 to 5.")
		r.Scores = append(r.Scores, n)
	}
	e := strings.TrimSpace(in.ENPS)
	n, err := strconv.Atoi(e)
	v.Check(e != "", "enps", "Choose from 0 (not at all likely) to 10 (extremely likely).")
	v.Check(e == "" || (err == nil && n >= 0 && n <= 10), "enps", "Choose a whole number from 0 to 10.")
	r.ENPS = n
	v.Check(utf8.RuneCountInString(in.Comment) <= MaxComment, "comment", "Keep the comment under 1,000 characters.")
	return r, v.Err()
}

// refuse is an answer refused as a whole, shown beside the send button.
func refuse(msg string) error {
	return &core.Error{Code: core.EINVALID, Message: msg, Fields: map[string]string{AnswerField: msg}}
}
