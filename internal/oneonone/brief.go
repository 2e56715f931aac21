package oneonone

import (
	"context"
	"time"

	"rapport/internal/core"
)

// BriefShown is how many items of each brief line are listed; the line's
// count covers all of them.
const BriefShown = 3

// BriefDeadlineDays is how far ahead the brief looks for review deadlines.
const BriefDeadlineDays = 14

// Brief is what a participant sees before a 1:1 that is not yet held:
// facts read from the series, the kudos and the history, each with its
// source. It holds only what the viewer may see.
type Brief struct {
	// Due are the series' open actions due on or before the meeting day
	// (or already overdue), oldest first; DueTotal counts all of them.
	Due      []BriefItem
	DueTotal int
	// Kudos are kudos the report received since KudosSince (the last held
	// 1:1, or the start of the series) that the viewer may see, newest
	// first; KudosTotal counts all of them.
	Kudos      []BriefItem
	KudosTotal int
	KudosSince time.Time
	// Deadlines are unsubmitted review steps (self or manager review) of
	// either side, in open cycles, due from today to BriefDeadlineDays
	// ahead, of reviews the viewer may see; soonest first.
	Deadlines      []BriefItem
	DeadlinesTotal int
	// Gaps are the competencies of the report's open review cycle (one the
	// viewer may see: the one whose period holds today, else the latest)
	// with no evidence in its period that the viewer may see, in framework
	// order: Who is the cycle's name, LinkID its id, At its period's end.
	Gaps      []BriefItem
	GapsTotal int
	// GapCycle is that cycle (ID, Body: its name, At: its period's end),
	// nil when the report has none open the viewer may see.
	GapCycle *BriefItem
	// Movers are the health dimensions of the report's teams (those the
	// viewer may read) whose average moved between the team's last two
	// checks with results, biggest change first: Body is the dimension,
	// Who the team, LinkID the team, At when the check ended, Delta the
	// change rounded to a tenth.
	Movers      []BriefItem
	MoversTotal int
	// LastHeld is the last held 1:1 of the series before this one, if any.
	LastHeld *MeetingRef
}

// BriefItem is one listed source of a brief line.
type BriefItem struct {
	ID     int64 // the action or kudo
	LinkID int64 // the meeting of an action, the kudo itself
	Body   string
	Who    string // the action's owner, the kudo's author
	At     time.Time
	Delta  float64 // a health mover's change
}

// MeetingRef names a meeting by id and time.
type MeetingRef struct {
	ID int64
	At time.Time
}

// BriefQuery is what the store needs to compute a brief.
type BriefQuery struct {
	SeriesID, ManagerID, ReportID, ViewerID int64
	ScheduledAt                             time.Time
	DueThrough                              time.Time // a date: actions due on or before it
	Since                                   time.Time // kudos after it when no 1:1 was held
	Today, DeadlineUntil                    time.Time // dates: review deadlines between them
	Now                                     time.Time // health checks ended by then count
	Shown                                   int
}

// DaysSince is the number of whole days from the last held 1:1 to now.
func (b Brief) DaysSince(now time.Time) (int, bool) {
	if b.LastHeld == nil {
		return 0, false
	}
	return int(now.Sub(b.LastHeld.At) / (24 * time.Hour)), true
}

// briefQuery builds the brief's query for a meeting seen by viewerID at
// now: actions are due by the meeting day, or before today if the meeting
// is already past.
func briefQuery(m Meeting, s Series, viewerID int64, now time.Time) BriefQuery {
	loc, err := core.Location(m.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	day := func(t time.Time) time.Time {
		y, mo, d := t.In(loc).Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	}
	through := day(m.ScheduledAt)
	today := day(now)
	if yesterday := today.AddDate(0, 0, -1); yesterday.After(through) {
		through = yesterday
	}
	return BriefQuery{SeriesID: m.SeriesID, ManagerID: m.ManagerID, ReportID: m.ReportID, ViewerID: viewerID,
		ScheduledAt: m.ScheduledAt, DueThrough: through, Since: s.CreatedAt,
		Today: today, DeadlineUntil: today.AddDate(0, 0, BriefDeadlineDays), Now: now, Shown: BriefShown}
}

// brief computes the brief of a meeting the actor takes part in; a held,
// cancelled or missed meeting has none.
func (s *Service) brief(ctx context.Context, a core.Actor, m Meeting, series Series) (*Brief, error) {
	if m.Status != Scheduled {
		return nil, nil
	}
	b, err := s.Store.MeetingBrief(ctx, a.OrgID, briefQuery(m, series, a.UserID, s.Clock.Now()))
	if err != nil {
		return nil, err
	}
	return &b, nil
}
