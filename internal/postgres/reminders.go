package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/digest"
	"rapport/internal/mail"
	"rapport/internal/postgres/dbq"
)

// ReminderStore writes the emails that remind people of their own 1:1 work
// (notify's RemindMail job).
type ReminderStore struct {
	base
	mail MailQueuer
}

// NewReminderStore returns the reminder store on pool, writing to mail.
func NewReminderStore(pool *pgxpool.Pool, mail MailQueuer) *ReminderStore {
	return &ReminderStore{base: newBase(pool), mail: mail}
}

// RemindActions writes one digest to each person with open 1:1 actions of
// their own overdue or due by tomorrow, once their day has reached 08:00, at
// most once per day of theirs: the outbox key names the person and their
// day, and each person's digest is written in a transaction holding a lock
// on that key, so runs on several replicas write one.
func (s *ReminderStore) RemindActions(ctx context.Context, now time.Time) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	due, err := s.q.ActionDigestDue(ctx, s.pool, now)
	if err != nil {
		return 0, mapErr(err, "Action reminders")
	}
	written := 0
	for _, u := range due {
		key := "actions:" + strconv.FormatInt(u.ID, 10) + ":" + u.LocalDay.Format(time.DateOnly)
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.q.ReminderLock(ctx, tx, key); err != nil {
				return err
			}
			used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: u.OrgID, IdemKey: key})
			if err != nil || used {
				return err
			}
			items, err := s.q.ActionDigestItems(ctx, tx, dbq.ActionDigestItemsParams{OrgID: u.OrgID, OwnerID: u.ID, Through: u.LocalDay.AddDate(0, 0, 1)})
			if err != nil || len(items) == 0 {
				return err
			}
			n := mail.Notice{Kind: mail.KindActionsDue, OrgID: u.OrgID, UserID: u.ID, To: mail.Address{Name: u.Name, Email: u.Email},
				TimeZone: u.TimeZone, OrgName: u.OrgName, At: now, IdemKey: key}
			for _, it := range items {
				n.Actions = append(n.Actions, mail.Action{Body: it.Body, Due: it.DueOn, With: it.WithName, Retro: it.RetroTeam})
			}
			id, err := s.mail.Queue(ctx, tx, n)
			if id != 0 {
				written++
			}
			return err
		})
		if err != nil {
			return written, mapErr(err, "Action reminders")
		}
	}
	return written, nil
}

// RemindOneOnOnes writes, to each participant of an active series, one
// reminder of the 1:1 on their tomorrow (in their time zone), once their
// day has reached 08:00. The slot comes from the series' schedule, unless a
// meeting was moved into tomorrow; a slot whose meeting was cancelled, moved
// away or already recorded gets none. The message lists the open points of
// the meeting's agenda when the meeting exists (meetings are made lazily).
// The outbox key 'oneonone:<series>:<person>:<their tomorrow>' makes one
// per person and meeting, written under a lock on that key.
func (s *ReminderStore) RemindOneOnOnes(ctx context.Context, now time.Time) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	due, err := s.q.OneOnOneReminderDue(ctx, s.pool, now)
	if err != nil {
		return 0, mapErr(err, "1:1 reminders")
	}
	written := 0
	for _, r := range due {
		loc, err := core.Location(r.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		y, m, d := r.LocalDay.Date()
		from, to := time.Date(y, m, d+1, 0, 0, 0, 0, loc), time.Date(y, m, d+2, 0, 0, 0, 0, loc)
		sr := seriesFromRow(dbq.SeriesGetRow{Cadence: r.Cadence, IntervalDays: r.IntervalDays, Weekday: r.Weekday,
			StartTime: r.StartTime, TimeZone: r.SeriesZone, StartsOn: r.StartsOn})
		slots := sr.Rule().Occurrences(from, to)
		if len(slots) == 0 && !r.MovedIn {
			continue
		}
		key := "oneonone:" + strconv.FormatInt(r.SeriesID, 10) + ":" + strconv.FormatInt(r.UserID, 10) + ":" + from.Format(time.DateOnly)
		err = s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.q.ReminderLock(ctx, tx, key); err != nil {
				return err
			}
			used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: r.OrgID, IdemKey: key})
			if err != nil || used {
				return err
			}
			ms, err := s.q.OneOnOneMeetingsBetween(ctx, tx, dbq.OneOnOneMeetingsBetweenParams{OrgID: r.OrgID, SeriesID: r.SeriesID, FromAt: from, ToAt: to})
			if err != nil {
				return err
			}
			when, meetingID := tomorrowsSlot(slots, ms)
			if when.IsZero() {
				return nil
			}
			n := mail.Notice{Kind: mail.KindOneOnOneTomorrow, OrgID: r.OrgID, UserID: r.UserID, To: mail.Address{Name: r.Name, Email: r.Email},
				TimeZone: r.TimeZone, OrgName: r.OrgName, At: now, IdemKey: key, When: when, With: r.WithName,
				Path: "/oneonones/" + strconv.FormatInt(r.SeriesID, 10)}
			if meetingID != 0 {
				n.Path = "/meetings/" + strconv.FormatInt(meetingID, 10) + "#agenda"
				if n.Agenda, err = s.q.OneOnOneReminderAgenda(ctx, tx, dbq.OneOnOneReminderAgendaParams{OrgID: r.OrgID, MeetingID: meetingID}); err != nil {
					return err
				}
			}
			id, err := s.mail.Queue(ctx, tx, n)
			if id != 0 {
				written++
			}
			return err
		})
		if err != nil {
			return written, mapErr(err, "1:1 reminders")
		}
	}
	return written, nil
}

// tomorrowsSlot picks the 1:1 of the day: a meeting still scheduled in it
// (it may have been moved there), else the first slot of the schedule that
// has no meeting recorded (a cancelled, moved or missed slot is no 1:1).
// The meeting's id is 0 when it is not made yet.
func tomorrowsSlot(slots []time.Time, ms []dbq.OneOnOneMeetingsBetweenRow) (time.Time, int64) {
	for _, m := range ms {
		if m.Status == "scheduled" {
			return m.ScheduledAt, m.ID
		}
	}
	for _, sl := range slots {
		recorded := false
		for _, m := range ms {
			recorded = recorded || m.ScheduledAt.Equal(sl)
		}
		if !recorded {
			return sl, 0
		}
	}
	return time.Time{}, 0
}

// RemindReviewDeadlines writes a reminder of each review step a person has
// not submitted, a week before its deadline (when it is 7 to 2 days away)
// and a day before (1 day away, or on the day), once their day has reached
// 08:00: the self-assessment to the person, the manager review to the
// reviewer, naming the people whose reviews they have still to write. The
// outbox key 'review:<cycle>:<step>:<person>:<7|1>' makes one per stage,
// written under a lock on that key after reading the step again.
func (s *ReminderStore) RemindReviewDeadlines(ctx context.Context, now time.Time) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	due, err := s.q.ReviewDeadlinesDue(ctx, s.pool, now)
	if err != nil {
		return 0, mapErr(err, "Review reminders")
	}
	written := 0
	for _, r := range due {
		key := "review:" + strconv.FormatInt(r.CycleID, 10) + ":" + r.Step + ":" + strconv.FormatInt(r.UserID, 10) + ":" + strconv.Itoa(int(r.Stage))
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.q.ReminderLock(ctx, tx, key); err != nil {
				return err
			}
			used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: r.OrgID, IdemKey: key})
			if err != nil || used {
				return err
			}
			open, err := s.q.ReviewStepOutstanding(ctx, tx, dbq.ReviewStepOutstandingParams{OrgID: r.OrgID, CycleID: r.CycleID, Step: r.Step, UserID: r.UserID})
			if err != nil || !open {
				return err
			}
			cycle := "/reviews/" + strconv.FormatInt(r.CycleID, 10)
			n := mail.Notice{Kind: mail.KindReviewDue, OrgID: r.OrgID, UserID: r.UserID, To: mail.Address{Name: r.Name, Email: r.Email},
				TimeZone: r.TimeZone, OrgName: r.OrgName, At: now, IdemKey: key, Title: r.CycleName, Step: r.Step, Due: r.DueOn,
				Path: cycle + "/people/" + strconv.FormatInt(r.UserID, 10)}
			if r.Step == mail.StepManager {
				n.Names = r.Names
				n.Path = cycle
				if len(r.Names) == 1 {
					n.Path = cycle + "/people/" + strconv.FormatInt(r.FirstPerson, 10)
				}
			}
			id, err := s.mail.Queue(ctx, tx, n)
			if id != 0 {
				written++
			}
			return err
		})
		if err != nil {
			return written, mapErr(err, "Review reminders")
		}
	}
	return written, nil
}

// ManagerDigestDue lists the people due their weekly digest at now.
func (s *ReminderStore) ManagerDigestDue(ctx context.Context, now time.Time) ([]digest.Recipient, error) {
	rows, err := s.q.ManagerDigestDue(ctx, s.pool, now)
	if err != nil {
		return nil, mapErr(err, "Weekly digests")
	}
	out := make([]digest.Recipient, len(rows))
	for i, r := range rows {
		out[i] = digest.Recipient{Actor: core.Actor{UserID: r.ID, OrgID: r.OrgID, Role: core.Role(r.Role), Name: r.Name, Email: r.Email},
			TimeZone: r.TimeZone, OrgName: r.OrgName, LocalDay: r.LocalDay}
	}
	return out, nil
}

// LeaderDigestDue lists the leaders due their monthly digest at now.
func (s *ReminderStore) LeaderDigestDue(ctx context.Context, now time.Time) ([]digest.Recipient, error) {
	rows, err := s.q.LeaderDigestDue(ctx, s.pool, now)
	if err != nil {
		return nil, mapErr(err, "Monthly digests")
	}
	out := make([]digest.Recipient, len(rows))
	for i, r := range rows {
		out[i] = digest.Recipient{Actor: core.Actor{UserID: r.ID, OrgID: r.OrgID, Role: core.Role(r.Role), Name: r.Name, Email: r.Email},
			TimeZone: r.TimeZone, OrgName: r.OrgName, LocalDay: r.LocalDay}
	}
	return out, nil
}

// QueueOnce writes n to the outbox unless a message with its key exists,
// holding a lock on the key meanwhile, so two runs at once write one.
func (s *ReminderStore) QueueOnce(ctx context.Context, n mail.Notice) (bool, error) {
	if s.mail == nil {
		return false, nil
	}
	written := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.ReminderLock(ctx, tx, n.IdemKey); err != nil {
			return err
		}
		used, err := s.q.OutboxKeyUsed(ctx, tx, dbq.OutboxKeyUsedParams{OrgID: n.OrgID, IdemKey: n.IdemKey})
		if err != nil || used {
			return err
		}
		id, err := s.mail.Queue(ctx, tx, n)
		written = id != 0
		return err
	})
	return written, mapErr(err, "Digests")
}
