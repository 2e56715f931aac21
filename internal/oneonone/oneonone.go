package oneonone

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// SeriesStatus is whether a series is running.
type SeriesStatus string

// Series statuses.
const (
	SeriesActive SeriesStatus = "active"
	SeriesPaused SeriesStatus = "paused"
	SeriesEnded  SeriesStatus = "ended"
)

// MeetingStatus is what became of a meeting.
type MeetingStatus string

// Meeting statuses.
const (
	Scheduled   MeetingStatus = "scheduled"
	Held        MeetingStatus = "held"
	Cancelled   MeetingStatus = "cancelled"
	Rescheduled MeetingStatus = "rescheduled"
	Missed      MeetingStatus = "missed"
)

// Valid reports whether s is a known status.
func (s MeetingStatus) Valid() bool {
	switch s {
	case Scheduled, Held, Cancelled, Rescheduled, Missed:
		return true
	}
	return false
}

// Label is the status for people.
func (s MeetingStatus) Label() string {
	switch s {
	case Scheduled:
		return "Scheduled"
	case Held:
		return "Held"
	case Cancelled:
		return "Cancelled"
	case Rescheduled:
		return "Rescheduled"
	case Missed:
		return "Missed"
	}
	return string(s)
}

// Series pairs a manager with a report on a schedule.
type Series struct {
	ID, OrgID           int64
	ManagerID, ReportID int64
	ManagerName         string
	ReportName          string
	Cadence             Cadence
	IntervalDays        int
	Weekday             time.Weekday
	Hour, Minute        int
	DurationMinutes     int
	TimeZone            string
	StartsOn            time.Time
	Status              SeriesStatus
	EndedAt             *time.Time
	CreatedAt           time.Time
}

// Rule returns the series' schedule.
func (s Series) Rule() Rule {
	loc, err := core.Location(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return Rule{Cadence: s.Cadence, IntervalDays: s.IntervalDays, Weekday: s.Weekday,
		Hour: s.Hour, Minute: s.Minute, Location: loc, StartsOn: s.StartsOn}
}

// Other returns the other participant's id and name.
func (s Series) Other(me int64) (int64, string) {
	if me == s.ManagerID {
		return s.ReportID, s.ReportName
	}
	return s.ManagerID, s.ManagerName
}

// Includes reports whether the person takes part in the series.
func (s Series) Includes(personID int64) bool {
	return personID == s.ManagerID || personID == s.ReportID
}

// SeriesInput is the series form.
type SeriesInput struct {
	ReportID        int64
	Cadence         Cadence
	IntervalDays    int
	Weekday         int
	StartTime       string // HH:MM
	DurationMinutes int
	TimeZone        string
	StartsOn        string // YYYY-MM-DD
	IdemKey         string // the form's key: a double submit creates one series
}

// Parsed is a validated SeriesInput.
type Parsed struct {
	Hour, Minute int
	StartsOn     time.Time
}

// Validate checks the form and returns the parsed time and date.
func (in *SeriesInput) Validate() (Parsed, *core.Validator) {
	var v core.Validator
	var p Parsed
	in.StartTime = strings.TrimSpace(in.StartTime)
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	v.Check(in.ReportID > 0, "report_id", "Choose who the 1:1s are with.")
	v.Check(in.Cadence.Valid(), "cadence", "Choose how often you meet.")
	switch in.Cadence {
	case Weekly:
		in.IntervalDays = 7
	case Biweekly:
		in.IntervalDays = 14
	case Monthly:
		in.IntervalDays = 30
	case EveryN:
		v.Check(in.IntervalDays >= MinIntervalDays && in.IntervalDays <= MaxIntervalDays, "interval_days",
			"Use a number of days from 1 to 92.")
	}
	v.Check(in.Weekday >= 0 && in.Weekday <= 6, "weekday", "Choose a day of the week.")
	t, err := time.Parse("15:04", in.StartTime)
	v.Check(err == nil, "start_time", "Use a time like 10:30.")
	if err == nil {
		p.Hour, p.Minute = t.Hour(), t.Minute()
	}
	v.Check(in.DurationMinutes >= 10 && in.DurationMinutes <= 180, "duration_minutes", "Use 10 to 180 minutes.")
	_, err = core.Location(in.TimeZone)
	v.Check(in.TimeZone != "" && in.TimeZone != "Local" && err == nil, "time_zone", "Choose a time zone from the list, e.g. Europe/Madrid.")
	d, err := time.Parse("2006-01-02", strings.TrimSpace(in.StartsOn))
	v.Check(err == nil, "starts_on", "Use a date like 2026-03-02.")
	p.StartsOn = d
	return p, &v
}

// Meeting is one occurrence of a series.
type Meeting struct {
	ID, OrgID, SeriesID int64
	ManagerID, ReportID int64
	ManagerName         string
	ReportName          string
	ScheduledAt         time.Time
	DurationMinutes     int
	TimeZone            string
	Status              MeetingStatus
	StatusBy            *int64
	Pulse               *int
	PulseWord           string
	Balance             *int // the report's share of the talking, in percent
	SharedNotes         string
}

// Includes reports whether the person is in the meeting.
func (m Meeting) Includes(personID int64) bool {
	return personID == m.ManagerID || personID == m.ReportID
}

// Local returns the meeting's start in its series' time zone.
func (m Meeting) Local() time.Time {
	loc, err := core.Location(m.TimeZone)
	if err != nil {
		return m.ScheduledAt
	}
	return m.ScheduledAt.In(loc)
}

// BalanceFlag is set when one side did more than BalanceLimit percent of the talking.
const BalanceLimit = 60

// Unbalanced reports whether one side spoke more than BalanceLimit percent.
func (m Meeting) Unbalanced() bool {
	return m.Balance != nil && (*m.Balance > BalanceLimit || *m.Balance < 100-BalanceLimit)
}

// AgendaItem is a talking point.
type AgendaItem struct {
	ID, MeetingID, AuthorID int64
	AuthorName              string
	Body                    string
	Position                int
	Done                    bool
	Carried                 int        // how many meetings it has been carried over from
	RaisedAt                *time.Time // when a carried point was first raised
	Dropped                 bool       // dropped: it stays here and carries over no more
}

// CarriedFrom is the day a carried point was first raised, for its label
// ("from 12 Nov"); zero when it was not carried.
func (it AgendaItem) CarriedFrom() time.Time {
	if it.Carried == 0 || it.RaisedAt == nil {
		return time.Time{}
	}
	return *it.RaisedAt
}

// Action is an action item agreed in a 1:1.
type Action struct {
	ID, MeetingID, SeriesID int64
	OwnerID                 int64
	OwnerName               string
	WithName                string // the other participant of the series, for lists
	Body                    string
	DueOn                   time.Time
	DoneAt                  *time.Time
	MeetingAt               time.Time
}

// Overdue reports whether the action is open past its due date.
func (a Action) Overdue(today time.Time) bool {
	return a.DoneAt == nil && a.DueOn.Before(today)
}

// Observation is a competency moment noted in a 1:1.
type Observation struct {
	ID             int64
	MeetingID      int64
	AuthorID       int64
	AuthorName     string
	SubjectID      int64
	SubjectName    string
	CompetencyID   int64
	CompetencyName string
	Note           string
	CreatedAt      time.Time
}

// Competency is an entry of the framework.
type Competency struct {
	ID          int64
	Key         string
	Group       string
	Name        string
	Behaviour   string
	Result      string
	LeaderCheck string
	MicroAction string
}

// Question is an entry of the question bank.
type Question struct {
	ID     int64
	Body   string
	Active bool
}

// Limits on text people type.
const (
	MaxAgendaLen      = 500
	MaxActionLen      = 500
	MaxNotesLen       = 20000
	MaxObservationLen = 300
	MaxQuestionLen    = 300
	MaxPulseWordLen   = 40
)

// checkText validates a required, bounded one-line text.
func checkText(v *core.Validator, field, value string, max int, what string) string {
	value = strings.TrimSpace(value)
	v.Check(value != "", field, "Write "+what+".")
	v.Check(utf8.RuneCountInString(value) <= max, field, "Keep it under "+strconv.Itoa(max)+" characters.")
	return value
}
