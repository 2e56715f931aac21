// Package digest writes the weekly manager digest and the monthly leader
// digest. Each is built, as the recipient, from the same service calls
// their pages make (the check-ins dashboard and roll-up, recognition
// equity, the reviews on their home page), so a digest says what those
// pages say and shows nothing they would not: no second definition of
// "drifting", and every figure under the recipient's own access rules.
package digest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/mail"
	"rapport/internal/oneonone"
	"rapport/internal/review"
)

// Recipient is a person a digest is due to, acting as themself.
type Recipient struct {
	core.Actor
	TimeZone string
	OrgName  string
	// LocalDay is the recipient's own date when the digest is due.
	LocalDay time.Time
}

// Store finds who is due a digest and writes it once.
type Store interface {
	// ManagerDigestDue lists those who run 1:1s, on a Monday of theirs from
	// 08:00, without a weekly digest for it yet.
	ManagerDigestDue(ctx context.Context, now time.Time) ([]Recipient, error)
	// LeaderDigestDue lists leaders on the first of a month of theirs from
	// 08:00, without a monthly digest for it yet.
	LeaderDigestDue(ctx context.Context, now time.Time) ([]Recipient, error)
	// QueueOnce writes n to the outbox unless a message with its IdemKey
	// exists, under a lock on that key; it reports whether it wrote one.
	QueueOnce(ctx context.Context, n mail.Notice) (bool, error)
}

// CheckIns is the check-ins pages' read model (oneonone.Service).
type CheckIns interface {
	ManagerDashboard(ctx context.Context, a core.Actor, managerID int64, days int) (oneonone.Dashboard, error)
	LeaderRollup(ctx context.Context, a core.Actor, days int, sortBy string, page int) (oneonone.LeaderView, error)
}

// Recognition is the recognition equity page's read model (kudos.Service).
type Recognition interface {
	Equity(ctx context.Context, a core.Actor, days, page int) (kudos.EquityView, error)
}

// Reviews is the home page's reviews (review.Service).
type Reviews interface {
	HomeFor(ctx context.Context, a core.Actor) (review.Home, error)
}

// Service writes the digests.
type Service struct {
	Store       Store
	CheckIns    CheckIns
	Recognition Recognition
	Reviews     Reviews
}

// ReviewsAhead is how far ahead the weekly digest lists reviews to write.
const ReviewsAhead = 14

// maxLines keeps each list of a digest short; the page has the rest.
const maxLines = 10

// WeeklyManagerDigests writes the Monday digest of everyone due one at now;
// a digest with nothing to say is not sent.
func (s *Service) WeeklyManagerDigests(ctx context.Context, now time.Time) (int, error) {
	due, err := s.Store.ManagerDigestDue(ctx, now)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, r := range due {
		secs, err := s.weekly(ctx, r, now)
		if err != nil {
			return written, fmt.Errorf("weekly digest of %d: %w", r.UserID, err)
		}
		if empty(secs) {
			continue
		}
		ok, err := s.Store.QueueOnce(ctx, mail.Notice{Kind: mail.KindManagerWeekly, OrgID: r.OrgID, UserID: r.UserID,
			To: mail.Address{Name: r.Name, Email: r.Email}, TimeZone: r.TimeZone, OrgName: r.OrgName, At: now,
			IdemKey: "weekly:" + strconv.FormatInt(r.UserID, 10) + ":" + r.LocalDay.Format(time.DateOnly), Sections: secs})
		if err != nil {
			return written, err
		}
		if ok {
			written++
		}
	}
	return written, nil
}

// weekly gathers a manager's digest: the check-ins dashboard (30 days) for
// drifting reports, last week's gaps in the heatmap and overdue actions;
// recognition equity for the people nobody recognised in 60 days; their
// home page's reviews for those they write that are due soon or late.
func (s *Service) weekly(ctx context.Context, r Recipient, now time.Time) ([]mail.Section, error) {
	d, err := s.CheckIns.ManagerDashboard(ctx, r.Actor, r.UserID, 30)
	if err != nil {
		return nil, err
	}
	drifting := mail.Section{Heading: "Reports drifting (no 1:1 held in over twice their cadence)"}
	for _, p := range d.Drifting() {
		line := p.Series.ReportName + ": "
		if p.DaysSinceContact < 0 {
			line += "no 1:1 held yet"
		} else {
			line += fmt.Sprintf("last 1:1 %d days ago", p.DaysSinceContact)
		}
		drifting.Items = append(drifting.Items, line)
	}
	missed := mail.Section{Heading: "1:1s missed last week"}
	lastWeek := mondayUTC(now).AddDate(0, 0, -7)
	for _, row := range d.Heatmap.Rows {
		for _, c := range row.Cells {
			if !c.WeekStart.Equal(lastWeek) {
				continue
			}
			switch c.State {
			case oneonone.CellMissed:
				missed.Items = append(missed.Items, row.Series.ReportName+": marked missed")
			case oneonone.CellExpected:
				missed.Items = append(missed.Items, row.Series.ReportName+": nothing recorded")
			}
		}
	}
	overdue := mail.Section{Heading: "Overdue 1:1 actions"}
	for _, p := range d.Patterns {
		if p.OverdueActions > 0 {
			overdue.Items = append(overdue.Items, fmt.Sprintf("%s: %d overdue", p.Series.ReportName, p.OverdueActions))
		}
	}
	unseen := mail.Section{Heading: "Nobody recognised in 60 days"}
	if r.Is(core.RoleAdmin, core.RoleLeader, core.RoleManager) {
		eq, err := s.Recognition.Equity(ctx, managerView(r.Actor), 30, 1)
		if err != nil {
			return nil, err
		}
		for _, m := range eq.Equity.Nudges {
			unseen.Items = append(unseen.Items, m.Name)
		}
	}
	reviews := mail.Section{Heading: "Reviews you write, due soon"}
	h, err := s.Reviews.HomeFor(ctx, r.Actor)
	if err != nil {
		return nil, err
	}
	until := r.LocalDay.AddDate(0, 0, ReviewsAhead)
	for _, rv := range h.Reviews {
		if rv.Own || (rv.State != review.StateDraft && rv.State != review.StateSelfSubmitted) || rv.ManagerDue.After(until) {
			continue
		}
		line := fmt.Sprintf("%s, %s: due %s", rv.PersonName, rv.CycleName, rv.ManagerDue.Format("Monday 2 January"))
		if rv.ManagerDue.Before(r.LocalDay) {
			line += " (late)"
		}
		reviews.Items = append(reviews.Items, line)
	}
	return clip([]mail.Section{drifting, missed, overdue, unseen, reviews}), nil
}

// managerView is the recipient as the equity page sees a manager: their
// reporting tree, even when their role reaches further (an admin's page
// covers the whole organisation, a weekly digest their own team).
func managerView(a core.Actor) core.Actor {
	a.Role = core.RoleManager
	return a
}

// MonthlyLeaderDigests writes the monthly digest of every leader due one
// at now; a digest with nothing to say is not sent.
func (s *Service) MonthlyLeaderDigests(ctx context.Context, now time.Time) (int, error) {
	due, err := s.Store.LeaderDigestDue(ctx, now)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, r := range due {
		secs, err := s.monthly(ctx, r)
		if err != nil {
			return written, fmt.Errorf("monthly digest of %d: %w", r.UserID, err)
		}
		if empty(secs) {
			continue
		}
		ok, err := s.Store.QueueOnce(ctx, mail.Notice{Kind: mail.KindLeaderMonthly, OrgID: r.OrgID, UserID: r.UserID,
			To: mail.Address{Name: r.Name, Email: r.Email}, TimeZone: r.TimeZone, OrgName: r.OrgName, At: now,
			IdemKey: "monthly:" + strconv.FormatInt(r.UserID, 10) + ":" + r.LocalDay.Format("2006-01"), Sections: secs})
		if err != nil {
			return written, err
		}
		if ok {
			written++
		}
	}
	return written, nil
}

// monthly gathers a leader's digest: the managers of their roll-up (30
// days, drifting first) with drifting reports, and the recognition equity
// of their part of the organisation over 30 days.
func (s *Service) monthly(ctx context.Context, r Recipient) ([]mail.Section, error) {
	v, err := s.CheckIns.LeaderRollup(ctx, r.Actor, 30, oneonone.SortDrifting, 1)
	if err != nil {
		return nil, err
	}
	slipped := mail.Section{Heading: "Managers whose 1:1s slipped"}
	for _, m := range v.Managers {
		if m.Rollup.Drifting == 0 {
			continue
		}
		line := fmt.Sprintf("%s: %d of %d reports drifting", m.ManagerName, m.Rollup.Drifting, m.Rollup.Reports)
		if m.Rollup.Adherence.Valid() {
			line += fmt.Sprintf(", %d %% of 1:1s held", m.Rollup.Adherence.Percent())
		}
		slipped.Items = append(slipped.Items, line)
	}
	eq, err := s.Recognition.Equity(ctx, r.Actor, 30, 1)
	if err != nil {
		return nil, err
	}
	e := eq.Equity
	rec := mail.Section{Heading: "Recognition over 30 days"}
	if e.Total > 0 {
		line := fmt.Sprintf("%d kudos reached the %d people in your part; the top 20 %% (%d people) received %d %% of them (Gini %.2f)",
			e.Total, eq.Members, e.TopPeople, int(e.TopShare*100+0.5), e.Gini)
		if e.Concentrated {
			line += ": concentrated on a few"
		}
		rec.Items = append(rec.Items, line)
	} else if eq.Members > 0 {
		rec.Items = append(rec.Items, fmt.Sprintf("No kudos reached the %d people in your part of the organisation", eq.Members))
	}
	if k := len(e.NoneReceived); k > 0 && e.Total > 0 {
		rec.Items = append(rec.Items, fmt.Sprintf("%d of %d people received none", k, eq.Members))
	}
	if k := len(e.Nudges); k > 0 {
		rec.Items = append(rec.Items, fmt.Sprintf("%d people nobody recognised in 60 days", k))
	}
	return clip([]mail.Section{slipped, rec}), nil
}

// clip keeps each list to maxLines, saying how many more the page has.
func clip(ss []mail.Section) []mail.Section {
	for i := range ss {
		if k := len(ss[i].Items); k > maxLines {
			ss[i].Items = append(ss[i].Items[:maxLines-1:maxLines-1], fmt.Sprintf("and %d more", k-maxLines+1))
		}
	}
	return ss
}

func empty(ss []mail.Section) bool {
	for _, s := range ss {
		if len(s.Items) > 0 {
			return false
		}
	}
	return true
}

// mondayUTC is the Monday 00:00 UTC of the week holding t, as the heatmap
// lays out weeks.
func mondayUTC(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}
