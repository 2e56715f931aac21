package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/internal/postgres/dbq"
)

var _ oneonone.Store = (*MeetingStore)(nil)

// MeetingStore keeps 1:1s: series, meetings, agendas, notes, actions,
// observations, questions, agenda templates and calendar feeds.
type MeetingStore struct{ base }

// NewMeetingStore returns the 1:1 store on pool.
func NewMeetingStore(pool *pgxpool.Pool) *MeetingStore { return &MeetingStore{newBase(pool)} }

// PersonRef returns what the 1:1 rules need about a person.
func (s *MeetingStore) PersonRef(ctx context.Context, orgID, id int64) (oneonone.PersonRef, error) {
	r, err := s.q.UserGet(ctx, s.readDB(ctx), dbq.UserGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return oneonone.PersonRef{}, mapErr(err, "Person")
	}
	u := r.User
	return oneonone.PersonRef{ID: u.ID, Name: u.Name, Role: core.Role(u.Role), ManagerID: u.ManagerID, TimeZone: u.TimeZone, Active: u.Active}, nil
}

func seriesFromRow(r dbq.SeriesGetRow) oneonone.Series {
	us := r.StartTime.Microseconds / 1e6
	return oneonone.Series{
		ID: r.ID, OrgID: r.OrgID, ManagerID: r.ManagerID, ReportID: r.ReportID,
		ManagerName: r.ManagerName, ReportName: r.ReportName,
		Cadence: oneonone.Cadence(r.Cadence), IntervalDays: int(r.IntervalDays), Weekday: time.Weekday(r.Weekday),
		Hour: int(us / 3600), Minute: int(us % 3600 / 60), DurationMinutes: int(r.DurationMinutes),
		TimeZone: r.TimeZone, StartsOn: r.StartsOn, Status: oneonone.SeriesStatus(r.Status), EndedAt: r.EndedAt,
		CreatedAt: r.CreatedAt,
	}
}

// CreateSeries stores a new series; a live series for the pair is a conflict.
// The same form submitted twice stores one series and answers both with it.
func (s *MeetingStore) CreateSeries(ctx context.Context, orgID, actorID, managerID int64, in oneonone.SeriesInput, p oneonone.Parsed) (int64, error) {
	var id int64
	byKey := func(db dbq.DBTX) (int64, error) {
		return s.q.SeriesByIdem(ctx, db, dbq.SeriesByIdemParams{OrgID: orgID, ManagerID: managerID, IdemKey: in.IdemKey})
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.q.SeriesCreate(ctx, tx, dbq.SeriesCreateParams{
			OrgID: orgID, ManagerID: managerID, ReportID: in.ReportID, Cadence: dbq.Cadence(in.Cadence),
			IntervalDays: int32(in.IntervalDays), Weekday: int16(in.Weekday),
			StartTime:       pgtype.Time{Microseconds: int64(p.Hour*3600+p.Minute*60) * 1e6, Valid: true},
			DurationMinutes: int32(in.DurationMinutes), TimeZone: in.TimeZone, StartsOn: p.StartsOn, CreatedBy: &actorID,
			IdemKey: in.IdemKey,
		})
		if err == pgx.ErrNoRows {
			id, err = byKey(tx)
			return err
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "oneonone.series.create", fmt.Sprintf("series:%d", id))
	})
	if prev, ok := storedBefore(err, in.IdemKey, func() (int64, error) { return byKey(s.pool) }); ok {
		return prev, nil
	}
	if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
		return 0, fieldErr("report_id", "You already have 1:1s with this person. Open them from your 1:1s list.")
	}
	return id, mapErr(err, "1:1 series")
}

// FindSeries returns one series.
func (s *MeetingStore) FindSeries(ctx context.Context, orgID, id int64) (oneonone.Series, error) {
	r, err := s.q.SeriesGet(ctx, s.pool, dbq.SeriesGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return oneonone.Series{}, mapErr(err, "1:1")
	}
	return seriesFromRow(r), nil
}

// SeriesFor lists a person's series.
func (s *MeetingStore) SeriesFor(ctx context.Context, orgID, personID int64) ([]oneonone.Series, error) {
	rows, err := s.q.SeriesForPerson(ctx, s.readDB(ctx), dbq.SeriesForPersonParams{OrgID: orgID, PersonID: personID})
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.Series, len(rows))
	for i, r := range rows {
		out[i] = seriesFromRow(dbq.SeriesGetRow(r))
	}
	return out, nil
}

// SeriesForManager lists a manager's live series.
func (s *MeetingStore) SeriesForManager(ctx context.Context, orgID, managerID int64) ([]oneonone.Series, error) {
	rows, err := s.q.SeriesForManager(ctx, s.readDB(ctx), dbq.SeriesForManagerParams{OrgID: orgID, ManagerID: managerID})
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.Series, len(rows))
	for i, r := range rows {
		out[i] = seriesFromRow(dbq.SeriesGetRow(r))
	}
	return out, nil
}

// SeriesUnder lists the live series of every manager under root.
func (s *MeetingStore) SeriesUnder(ctx context.Context, orgID int64, root *int64) ([]oneonone.Series, error) {
	rows, err := s.q.SeriesUnderLeader(ctx, s.pool, dbq.SeriesUnderLeaderParams{OrgID: orgID, RootID: root})
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.Series, len(rows))
	for i, r := range rows {
		out[i] = seriesFromRow(dbq.SeriesGetRow(r))
	}
	return out, nil
}

// SetSeriesStatus pauses, resumes or ends a series, keeping pause history.
func (s *MeetingStore) SetSeriesStatus(ctx context.Context, orgID, actorID, id int64, status oneonone.SeriesStatus, now time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := s.q.SeriesLockStatus(ctx, tx, dbq.SeriesLockStatusParams{OrgID: orgID, ID: id})
		if err != nil {
			return err
		}
		if string(cur) == string(status) {
			return nil // a double submit changes nothing
		}
		if _, err := s.q.SeriesSetStatus(ctx, tx, dbq.SeriesSetStatusParams{OrgID: orgID, ID: id, Status: dbq.SeriesStatus(status)}); err != nil {
			return err
		}
		if cur == dbq.SeriesStatusPaused {
			if err := s.q.PauseClose(ctx, tx, dbq.PauseCloseParams{OrgID: orgID, SeriesID: id, At: &now}); err != nil {
				return err
			}
		}
		if status == oneonone.SeriesPaused {
			if err := s.q.PauseOpen(ctx, tx, dbq.PauseOpenParams{OrgID: orgID, SeriesID: id, At: now}); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, orgID, actorID, "oneonone.series."+string(status), fmt.Sprintf("series:%d", id))
	})
	return mapErr(err, "1:1")
}

// EnsureUpcoming finds or creates the series' next meeting and moves open
// points of earlier meetings onto it, in one transaction.
func (s *MeetingStore) EnsureUpcoming(ctx context.Context, sr oneonone.Series, now time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Serialise per series so two tabs don't both create "next".
		if err := s.q.SeriesLock(ctx, tx, sr.ID); err != nil {
			return err
		}
		cutoff := now.Add(-oneonone.Grace)
		var err error
		id, err = s.q.MeetingUpcoming(ctx, tx, dbq.MeetingUpcomingParams{OrgID: sr.OrgID, SeriesID: sr.ID, Cutoff: cutoff})
		if err == nil {
			return s.carryOver(ctx, tx, sr, id, now)
		}
		if err != pgx.ErrNoRows {
			return err
		}
		if id, err = s.insertUpcoming(ctx, tx, sr, cutoff); err != nil {
			return err
		}
		return s.carryOver(ctx, tx, sr, id, now)
	})
	return id, mapErr(err, "1:1")
}

// insertUpcoming makes the meeting at the series' first free slot from the
// grace cutoff on. A slot whose meeting was already held, cancelled or moved
// is taken: the next one is the slot after it, or "next" would lead back to
// the meeting just held.
func (s *MeetingStore) insertUpcoming(ctx context.Context, tx pgx.Tx, sr oneonone.Series, cutoff time.Time) (int64, error) {
	rule := sr.Rule()
	from := cutoff.Add(-time.Duration(sr.DurationMinutes) * time.Minute)
	for range maxTakenSlots {
		at := rule.Next(from)
		if at.IsZero() {
			return 0, fmt.Errorf("series %d has no slot after %s", sr.ID, from)
		}
		id, err := s.q.MeetingInsert(ctx, tx, dbq.MeetingInsertParams{OrgID: sr.OrgID, SeriesID: sr.ID, ScheduledAt: at, DurationMinutes: int32(sr.DurationMinutes)})
		if err != nil {
			return 0, err
		}
		m, err := s.q.MeetingGet(ctx, tx, dbq.MeetingGetParams{OrgID: sr.OrgID, ID: id})
		if err != nil {
			return 0, err
		}
		if m.Status == dbq.MeetingStatusScheduled {
			return id, nil
		}
		from = at.Add(time.Minute)
	}
	return 0, fmt.Errorf("series %d: %d slots in a row already taken", sr.ID, maxTakenSlots)
}

// maxTakenSlots bounds the search for a free slot; meetings are only ever
// marked up to a few slots ahead.
const maxTakenSlots = 64

func (s *MeetingStore) carryOver(ctx context.Context, tx pgx.Tx, sr oneonone.Series, meetingID int64, now time.Time) error {
	at, err := s.q.MeetingScheduledAt(ctx, tx, meetingID)
	if err != nil {
		return err
	}
	cands, err := s.q.AgendaCarryCandidates(ctx, tx, dbq.AgendaCarryCandidatesParams{
		OrgID: sr.OrgID, SeriesID: sr.ID, MeetingID: meetingID, Before: at, Cutoff: now.Add(-oneonone.Grace)})
	if err != nil || len(cands) == 0 {
		return err
	}
	on, err := s.q.AgendaOpenKeys(ctx, tx, dbq.AgendaOpenKeysParams{OrgID: sr.OrgID, MeetingID: meetingID})
	if err != nil {
		return err
	}
	moves, copies := oneonone.PlanCarryOver(carryPoints(cands), on)
	for _, m := range moves {
		if err := s.q.AgendaCarryCopy(ctx, tx, dbq.AgendaCarryCopyParams{OrgID: sr.OrgID, ID: m.ID, MeetingID: meetingID, RaisedAt: &m.RaisedAt}); err != nil {
			return err
		}
	}
	if len(copies) > 0 {
		if err := s.q.AgendaMarkCarried(ctx, tx, dbq.AgendaMarkCarriedParams{OrgID: sr.OrgID, MeetingID: meetingID, Ids: copies}); err != nil {
			return err
		}
	}
	if len(moves) == 0 {
		return nil
	}
	return s.q.AgendaRenumber(ctx, tx, meetingID)
}

func carryPoints(rows []dbq.AgendaCarryCandidatesRow) []oneonone.CarryPoint {
	out := make([]oneonone.CarryPoint, len(rows))
	for i, r := range rows {
		out[i] = oneonone.CarryPoint{ID: r.ID, Key: r.BodyKey, RaisedAt: r.RaisedAt}
	}
	return out
}

func meetingFromRow(r dbq.MeetingGetRow) oneonone.Meeting {
	m := oneonone.Meeting{
		ID: r.ID, OrgID: r.OrgID, SeriesID: r.SeriesID, ManagerID: r.ManagerID, ReportID: r.ReportID,
		ManagerName: r.ManagerName, ReportName: r.ReportName, ScheduledAt: r.ScheduledAt,
		DurationMinutes: int(r.DurationMinutes), TimeZone: r.TimeZone, Status: oneonone.MeetingStatus(r.Status),
		StatusBy: r.StatusBy, PulseWord: r.PulseWord, SharedNotes: r.SharedNotes,
	}
	if r.Pulse != nil {
		p := int(*r.Pulse)
		m.Pulse = &p
	}
	if r.Balance != nil {
		b := int(*r.Balance)
		m.Balance = &b
	}
	return m
}

// FindMeeting returns a meeting with its participants.
func (s *MeetingStore) FindMeeting(ctx context.Context, orgID, id int64) (oneonone.Meeting, error) {
	r, err := s.q.MeetingGet(ctx, s.pool, dbq.MeetingGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return oneonone.Meeting{}, mapErr(err, "1:1")
	}
	return meetingFromRow(r), nil
}

// MeetingsFor lists a series' latest meetings.
func (s *MeetingStore) MeetingsFor(ctx context.Context, orgID, seriesID int64, limit int) ([]oneonone.MeetingSummary, error) {
	rows, err := s.q.MeetingsForSeries(ctx, s.pool, dbq.MeetingsForSeriesParams{OrgID: orgID, SeriesID: seriesID, RowLimit: int32(limit)})
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.MeetingSummary, len(rows))
	for i, r := range rows {
		out[i] = oneonone.MeetingSummary{ID: r.ID, ScheduledAt: r.ScheduledAt, Status: oneonone.MeetingStatus(r.Status)}
		if r.Pulse != nil {
			p := int(*r.Pulse)
			out[i].Pulse = &p
		}
	}
	return out, nil
}

// MeetingsPage lists a series' meetings newest first, before the cursor.
func (s *MeetingStore) MeetingsPage(ctx context.Context, orgID, seriesID int64, before oneonone.MeetingCursor, limit int) ([]oneonone.MeetingSummary, error) {
	p := dbq.MeetingsForSeriesPageParams{OrgID: orgID, SeriesID: seriesID, RowLimit: int32(limit)}
	if before.ID != 0 {
		p.BeforeAt, p.BeforeID = &before.At, before.ID
	}
	rows, err := s.q.MeetingsForSeriesPage(ctx, s.pool, p)
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.MeetingSummary, len(rows))
	for i, r := range rows {
		out[i] = oneonone.MeetingSummary{ID: r.ID, ScheduledAt: r.ScheduledAt, Status: oneonone.MeetingStatus(r.Status)}
		if r.Pulse != nil {
			p := int(*r.Pulse)
			out[i].Pulse = &p
		}
	}
	return out, nil
}

// MeetingsForPersonSince lists a person's meetings from a time on (no note text).
func (s *MeetingStore) MeetingsForPersonSince(ctx context.Context, orgID, personID int64, since time.Time) ([]oneonone.Meeting, error) {
	rows, err := s.q.MeetingsForPersonSince(ctx, s.readDB(ctx), dbq.MeetingsForPersonSinceParams{OrgID: orgID, PersonID: personID, Since: since})
	if err != nil {
		return nil, mapErr(err, "1:1s")
	}
	out := make([]oneonone.Meeting, len(rows))
	for i, r := range rows {
		out[i] = meetingFromRow(dbq.MeetingGetRow(r))
	}
	return out, nil
}

// SetMeetingStatus records a status; leaving "scheduled" moves open points on.
func (s *MeetingStore) SetMeetingStatus(ctx context.Context, orgID, meetingID int64, status oneonone.MeetingStatus, by int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.MeetingSetStatus(ctx, tx, dbq.MeetingSetStatusParams{OrgID: orgID, ID: meetingID, Status: dbq.MeetingStatus(status), StatusBy: &by})
		if err != nil {
			return err
		}
		if n == 0 {
			// The status it already has (a double submit): nothing to record.
			_, err := s.q.MeetingGet(ctx, tx, dbq.MeetingGetParams{OrgID: orgID, ID: meetingID})
			return err
		}
		return s.audit(ctx, tx, orgID, by, "oneonone.meeting."+string(status), fmt.Sprintf("meeting:%d", meetingID))
	})
	return mapErr(err, "1:1")
}

// MeetingAt finds the series' meeting at a time.
func (s *MeetingStore) MeetingAt(ctx context.Context, orgID, seriesID int64, at time.Time) (int64, error) {
	id, err := s.q.MeetingAt(ctx, s.pool, dbq.MeetingAtParams{OrgID: orgID, SeriesID: seriesID, ScheduledAt: at})
	return id, mapErr(err, "1:1")
}

// Reschedule marks the meeting rescheduled and creates one at the new time
// with its points. The same move submitted twice answers both with the new
// meeting; a meeting moved meanwhile elsewhere is a conflict.
func (s *MeetingStore) Reschedule(ctx context.Context, m oneonone.Meeting, to time.Time, by int64) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.MeetingSetStatus(ctx, tx, dbq.MeetingSetStatusParams{OrgID: m.OrgID, ID: m.ID, Status: dbq.MeetingStatusRescheduled, StatusBy: &by})
		if err != nil {
			return err
		}
		if n == 0 {
			id, err = s.q.MeetingAt(ctx, tx, dbq.MeetingAtParams{OrgID: m.OrgID, SeriesID: m.SeriesID, ScheduledAt: to})
			if err == pgx.ErrNoRows {
				return fieldErr("new_date", "This 1:1 was moved meanwhile. Reload the page to see where.")
			}
			return err
		}
		id, err = s.q.MeetingInsert(ctx, tx, dbq.MeetingInsertParams{OrgID: m.OrgID, SeriesID: m.SeriesID, ScheduledAt: to, DurationMinutes: int32(m.DurationMinutes)})
		if err != nil {
			return err
		}
		if err := s.q.AgendaMoveToMeeting(ctx, tx, dbq.AgendaMoveToMeetingParams{ToMeetingID: id, OrgID: m.OrgID, FromMeetingID: m.ID}); err != nil {
			return err
		}
		if err := s.q.AgendaRenumber(ctx, tx, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, m.OrgID, by, "oneonone.meeting.rescheduled", fmt.Sprintf("meeting:%d→%d", m.ID, id))
	})
	return id, mapErr(err, "1:1")
}

// SetSharedNotes saves the shared notes.
func (s *MeetingStore) SetSharedNotes(ctx context.Context, orgID, meetingID int64, body string) error {
	return mapErr(s.q.MeetingSetNotes(ctx, s.pool, dbq.MeetingSetNotesParams{OrgID: orgID, ID: meetingID, SharedNotes: body}), "1:1")
}

// SetPulse saves the report's pulse.
func (s *MeetingStore) SetPulse(ctx context.Context, orgID, meetingID int64, pulse int, word string) error {
	p := int16(pulse)
	return mapErr(s.q.MeetingSetPulse(ctx, s.pool, dbq.MeetingSetPulseParams{OrgID: orgID, ID: meetingID, Pulse: &p, PulseWord: word}), "1:1")
}

// SetBalance saves the conversation balance.
func (s *MeetingStore) SetBalance(ctx context.Context, orgID, meetingID int64, balance int) error {
	b := int16(balance)
	return mapErr(s.q.MeetingSetBalance(ctx, s.pool, dbq.MeetingSetBalanceParams{OrgID: orgID, ID: meetingID, Balance: &b}), "1:1")
}

// Agenda lists a meeting's talking points in order.
func (s *MeetingStore) Agenda(ctx context.Context, orgID, meetingID int64) ([]oneonone.AgendaItem, error) {
	rows, err := s.q.AgendaList(ctx, s.pool, dbq.AgendaListParams{OrgID: orgID, MeetingID: meetingID})
	if err != nil {
		return nil, mapErr(err, "Agenda")
	}
	out := make([]oneonone.AgendaItem, len(rows))
	for i, r := range rows {
		out[i] = oneonone.AgendaItem{ID: r.ID, MeetingID: r.MeetingID, AuthorID: r.AuthorID, AuthorName: r.AuthorName,
			Body: r.Body, Position: int(r.Position), Done: r.Done, Carried: int(r.Carried), RaisedAt: r.RaisedAt,
			Dropped: r.DroppedAt != nil}
	}
	return out, nil
}

// Agendas returns several meetings' agendas in one statement.
func (s *MeetingStore) Agendas(ctx context.Context, orgID int64, meetingIDs []int64) (map[int64][]oneonone.AgendaItem, error) {
	out := make(map[int64][]oneonone.AgendaItem, len(meetingIDs))
	if len(meetingIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.AgendaListForMeetings(ctx, s.pool, dbq.AgendaListForMeetingsParams{OrgID: orgID, MeetingIds: meetingIDs})
	if err != nil {
		return nil, mapErr(err, "Agenda")
	}
	for _, r := range rows {
		out[r.MeetingID] = append(out[r.MeetingID], oneonone.AgendaItem{ID: r.ID, MeetingID: r.MeetingID, AuthorID: r.AuthorID,
			AuthorName: r.AuthorName, Body: r.Body, Position: int(r.Position), Done: r.Done, Carried: int(r.Carried),
			RaisedAt: r.RaisedAt, Dropped: r.DroppedAt != nil})
	}
	return out, nil
}

// SetAgendaDropped drops an open point, so it stops carrying over, or takes it back.
func (s *MeetingStore) SetAgendaDropped(ctx context.Context, orgID, meetingID, itemID int64, dropped bool) error {
	n, err := s.q.AgendaSetDropped(ctx, s.pool, dbq.AgendaSetDroppedParams{OrgID: orgID, ID: itemID, MeetingID: meetingID, Dropped: dropped})
	if err != nil {
		return mapErr(err, "Talking point")
	}
	if n == 0 {
		return core.NotFound("Talking point")
	}
	return nil
}

// AddAgendaItem appends a point; the same open point twice is stored once.
func (s *MeetingStore) AddAgendaItem(ctx context.Context, orgID, meetingID, authorID int64, body string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Serialise per meeting: positions stay unique and duplicates are seen.
		if err := s.q.MeetingLock(ctx, tx, meetingID); err != nil {
			return err
		}
		dup, err := s.q.AgendaOpenDuplicate(ctx, tx, dbq.AgendaOpenDuplicateParams{MeetingID: meetingID, AuthorID: authorID, Body: body})
		if err != nil || dup {
			return err
		}
		_, err = s.q.AgendaAdd(ctx, tx, dbq.AgendaAddParams{OrgID: orgID, MeetingID: meetingID, AuthorID: authorID, Body: body})
		return err
	})
	return mapErr(err, "Talking point")
}

// ToggleAgendaItem ticks or unticks a point.
func (s *MeetingStore) ToggleAgendaItem(ctx context.Context, orgID, meetingID, itemID int64) error {
	if _, err := s.q.AgendaGet(ctx, s.pool, dbq.AgendaGetParams{OrgID: orgID, ID: itemID, MeetingID: meetingID}); err != nil {
		return mapErr(err, "Talking point")
	}
	return mapErr(s.q.AgendaToggle(ctx, s.pool, dbq.AgendaToggleParams{OrgID: orgID, ID: itemID, MeetingID: meetingID}), "Talking point")
}

// MoveAgendaItem swaps a point with its neighbour above or below.
func (s *MeetingStore) MoveAgendaItem(ctx context.Context, orgID, meetingID, itemID int64, up bool) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.MeetingLock(ctx, tx, meetingID); err != nil {
			return err
		}
		it, err := s.q.AgendaGet(ctx, tx, dbq.AgendaGetParams{OrgID: orgID, ID: itemID, MeetingID: meetingID})
		if err != nil {
			return err
		}
		nb, err := s.q.AgendaNeighbour(ctx, tx, dbq.AgendaNeighbourParams{MeetingID: meetingID, Up: up, Pos: it.Position})
		if err == pgx.ErrNoRows {
			return nil // already first or last
		}
		if err != nil {
			return err
		}
		return s.q.AgendaSwap(ctx, tx, dbq.AgendaSwapParams{MeetingID: meetingID, AID: it.ID, APos: it.Position, BID: nb.ID, BPos: nb.Position})
	})
	return mapErr(err, "Talking point")
}

// DeleteAgendaItem removes the author's own point.
func (s *MeetingStore) DeleteAgendaItem(ctx context.Context, orgID, meetingID, itemID, authorID int64) error {
	n, err := s.q.AgendaDelete(ctx, s.pool, dbq.AgendaDeleteParams{OrgID: orgID, ID: itemID, MeetingID: meetingID, AuthorID: authorID})
	if err != nil {
		return mapErr(err, "Talking point")
	}
	if n == 0 {
		return core.NotFound("Talking point")
	}
	return nil
}

// MyUpcomingPoints lists points a person added to upcoming meetings.
func (s *MeetingStore) MyUpcomingPoints(ctx context.Context, orgID, personID int64, since time.Time) ([]oneonone.MyPoint, error) {
	rows, err := s.q.AgendaMine(ctx, s.readDB(ctx), dbq.AgendaMineParams{OrgID: orgID, AuthorID: personID, Since: since})
	if err != nil {
		return nil, mapErr(err, "Agenda")
	}
	out := make([]oneonone.MyPoint, len(rows))
	for i, r := range rows {
		out[i] = oneonone.MyPoint{ID: r.ID, MeetingID: r.MeetingID, Body: r.Body, ScheduledAt: r.ScheduledAt}
	}
	return out, nil
}

// PrivateNote returns the author's own note ("" if none). The query filters
// on the author: there is no way to read someone else's.
func (s *MeetingStore) PrivateNote(ctx context.Context, orgID, meetingID, authorID int64) (string, error) {
	b, err := s.q.PrivateNoteGet(ctx, s.pool, dbq.PrivateNoteGetParams{OrgID: orgID, MeetingID: meetingID, AuthorID: authorID})
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return b, mapErr(err, "Note")
}

// SetPrivateNote saves the author's note.
func (s *MeetingStore) SetPrivateNote(ctx context.Context, orgID, meetingID, authorID int64, body string) error {
	return mapErr(s.q.PrivateNoteSet(ctx, s.pool, dbq.PrivateNoteSetParams{OrgID: orgID, MeetingID: meetingID, AuthorID: authorID, Body: body}), "Note")
}

// Actions lists the meeting's actions and the series' other open ones.
func (s *MeetingStore) Actions(ctx context.Context, orgID, meetingID, seriesID int64) ([]oneonone.Action, error) {
	rows, err := s.q.ActionsForMeeting(ctx, s.pool, dbq.ActionsForMeetingParams{OrgID: orgID, MeetingID: meetingID, SeriesID: seriesID})
	if err != nil {
		return nil, mapErr(err, "Actions")
	}
	out := make([]oneonone.Action, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Action{ID: r.ID, MeetingID: r.MeetingID, SeriesID: r.SeriesID, OwnerID: r.OwnerID,
			OwnerName: r.OwnerName, Body: r.Body, DueOn: r.DueOn, DoneAt: r.DoneAt}
	}
	return out, nil
}

// AddAction stores an action; the same action twice in a meeting is one.
func (s *MeetingStore) AddAction(ctx context.Context, orgID int64, m oneonone.Meeting, ownerID, createdBy int64, body string, due time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.MeetingLock(ctx, tx, m.ID); err != nil {
			return err
		}
		dup, err := s.q.ActionExists(ctx, tx, dbq.ActionExistsParams{MeetingID: m.ID, OwnerID: ownerID, Body: body})
		if err != nil || dup {
			return err
		}
		id, err := s.q.ActionAdd(ctx, tx, dbq.ActionAddParams{OrgID: orgID, MeetingID: m.ID, SeriesID: m.SeriesID,
			OwnerID: ownerID, CreatedBy: createdBy, Body: body, DueOn: due})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, createdBy, "oneonone.action.create", fmt.Sprintf("action:%d", id))
	})
	return mapErr(err, "Action")
}

// FindAction returns an action with its series' participants.
func (s *MeetingStore) FindAction(ctx context.Context, orgID, id int64) (oneonone.ActionRef, error) {
	r, err := s.q.ActionGet(ctx, s.pool, dbq.ActionGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return oneonone.ActionRef{}, mapErr(err, "Action")
	}
	return oneonone.ActionRef{ID: r.ID, MeetingID: r.MeetingID, SeriesID: r.SeriesID, OwnerID: r.OwnerID,
		ManagerID: r.ManagerID, ReportID: r.ReportID, Done: r.DoneAt != nil}, nil
}

// SetActionDone ticks or reopens an action.
func (s *MeetingStore) SetActionDone(ctx context.Context, orgID, id int64, done bool) error {
	return mapErr(s.q.ActionSetDone(ctx, s.pool, dbq.ActionSetDoneParams{OrgID: orgID, ID: id, Done: done}), "Action")
}

// OpenActionsFor lists open actions of the person's series, theirs first.
func (s *MeetingStore) OpenActionsFor(ctx context.Context, orgID, personID int64) ([]oneonone.Action, error) {
	rows, err := s.q.ActionsOpenForPerson(ctx, s.readDB(ctx), dbq.ActionsOpenForPersonParams{OrgID: orgID, PersonID: personID})
	if err != nil {
		return nil, mapErr(err, "Actions")
	}
	out := make([]oneonone.Action, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Action{ID: r.ID, MeetingID: r.MeetingID, SeriesID: r.SeriesID, OwnerID: r.OwnerID,
			OwnerName: r.OwnerName, WithName: r.WithName, Body: r.Body, DueOn: r.DueOn, DoneAt: r.DoneAt}
	}
	return out, nil
}

// Observations lists a meeting's competency observations.
func (s *MeetingStore) Observations(ctx context.Context, orgID, meetingID int64) ([]oneonone.Observation, error) {
	rows, err := s.q.ObservationsForMeeting(ctx, s.pool, dbq.ObservationsForMeetingParams{OrgID: orgID, MeetingID: meetingID})
	if err != nil {
		return nil, mapErr(err, "Observations")
	}
	out := make([]oneonone.Observation, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Observation{ID: r.ID, MeetingID: meetingID, AuthorID: r.AuthorID, AuthorName: r.AuthorName,
			SubjectID: r.SubjectID, SubjectName: r.SubjectName, CompetencyID: r.CompetencyID,
			CompetencyName: r.CompetencyName, Note: r.Note, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddObservation stores an observation; the same form key again stores nothing.
func (s *MeetingStore) AddObservation(ctx context.Context, orgID, meetingID, authorID, subjectID, competencyID int64, note, key string) error {
	return mapErr(s.q.ObservationAdd(ctx, s.pool, dbq.ObservationAddParams{OrgID: orgID, MeetingID: meetingID,
		AuthorID: authorID, SubjectID: subjectID, CompetencyID: competencyID, Note: note, IdemKey: key}), "Observation")
}

// Competencies lists what the organisation's people choose from when they
// tag, filter or rate: the active competencies of its current framework
// version, in order. An organisation without a version gets version 1 first.
func (s *MeetingStore) Competencies(ctx context.Context, orgID int64) ([]oneonone.Competency, error) {
	return s.competencies(ctx, orgID)
}

// competencies is Competencies for every store that offers the framework
// (1:1 observations, kudos tags).
func (s *base) competencies(ctx context.Context, orgID int64) ([]oneonone.Competency, error) {
	rows, err := s.q.CompetenciesCurrent(ctx, s.readDB(ctx), orgID)
	if err == nil && len(rows) == 0 {
		if err = s.q.FrameworkSeed(ctx, s.pool, orgID); err == nil {
			rows, err = s.q.CompetenciesCurrent(ctx, s.pool, orgID)
		}
	}
	if err != nil {
		return nil, mapErr(err, "Competencies")
	}
	out := make([]oneonone.Competency, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Competency{ID: r.ID, Key: r.Key, Group: r.Grp, Name: r.Name, Behaviour: r.Behaviour,
			Result: r.Result, LeaderCheck: r.LeaderCheck, MicroAction: r.MicroAction}
	}
	return out, nil
}

// Questions lists the question bank.
func (s *MeetingStore) Questions(ctx context.Context, orgID int64) ([]oneonone.Question, error) {
	rows, err := s.q.QuestionList(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "Questions")
	}
	out := make([]oneonone.Question, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Question{ID: r.ID, Body: r.Body, Active: r.Active}
	}
	return out, nil
}

// AddQuestion adds a question (once).
func (s *MeetingStore) AddQuestion(ctx context.Context, orgID int64, body string) error {
	return mapErr(s.q.QuestionAdd(ctx, s.pool, dbq.QuestionAddParams{OrgID: orgID, Body: body}), "Question")
}

// SetQuestionActive retires or restores a question.
func (s *MeetingStore) SetQuestionActive(ctx context.Context, orgID, id int64, active bool) error {
	n, err := s.q.QuestionSetActive(ctx, s.pool, dbq.QuestionSetActiveParams{OrgID: orgID, ID: id, Active: active})
	if err != nil {
		return mapErr(err, "Question")
	}
	if n == 0 {
		return core.NotFound("Question")
	}
	return nil
}

// Facts aggregates the check-in figures of many series in at most four
// queries, whatever their number. Action counts come from the tallies kept
// on write (action_tallies), not from the actions themselves. The queries are independent, so they run
// at the same time on separate connections: the page waits for the slowest,
// not for the sum.
func (s *MeetingStore) Facts(ctx context.Context, orgID int64, series []oneonone.Series, w oneonone.Window, today time.Time, agenda bool) ([]oneonone.SeriesFacts, error) {
	if len(series) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(series))
	index := make(map[int64]int, len(series))
	facts := make([]oneonone.SeriesFacts, len(series))
	for i, sr := range series {
		ids[i] = sr.ID
		index[sr.ID] = i
		facts[i] = oneonone.SeriesFacts{Series: sr, Stats: oneonone.SeriesStats{SeriesID: sr.ID}}
	}
	var (
		ms []dbq.MeetingStatsRow
		as []dbq.ActionTallyStatsRow
		ag []dbq.AgendaStatsRow
		ps []dbq.PausesForSeriesRow
	)
	// The four go to the database in one batch, one round trip.
	reads := []func(context.Context) error{
		func(ctx context.Context) (err error) {
			ms, err = s.q.MeetingStats(ctx, s.readDB(ctx), dbq.MeetingStatsParams{OrgID: orgID, SeriesIds: ids, WinFrom: w.From, WinTo: w.To, WinHalf: w.Half()})
			return err
		},
		func(ctx context.Context) (err error) {
			as, err = s.q.ActionTallyStats(ctx, s.readDB(ctx), dbq.ActionTallyStatsParams{OrgID: orgID, SeriesIds: ids, FromDate: w.From, ToDate: w.To, Today: today})
			return err
		},
		func(ctx context.Context) (err error) {
			ps, err = s.q.PausesForSeries(ctx, s.readDB(ctx), dbq.PausesForSeriesParams{OrgID: orgID, SeriesIds: ids, Since: &w.From})
			return err
		},
	}
	if agenda {
		reads = append(reads, func(ctx context.Context) (err error) {
			ag, err = s.q.AgendaStats(ctx, s.readDB(ctx), dbq.AgendaStatsParams{OrgID: orgID, SeriesIds: ids, WinFrom: w.From, WinTo: w.To})
			return err
		})
	}
	if err := s.together(ctx, reads...); err != nil {
		return nil, mapErr(err, "Check-ins")
	}
	for _, r := range ms {
		st := &facts[index[r.SeriesID]].Stats
		st.Held, st.Cancelled, st.Rescheduled, st.Missed = int(r.Held), int(r.Cancelled), int(r.Rescheduled), int(r.Missed)
		st.CancelledByManager, st.CancelledByReport = int(r.CancelledByManager), int(r.CancelledByReport)
		if r.LastHeld.Unix() != 0 {
			st.LastHeld = r.LastHeld
		}
		st.PulseFirstSum, st.PulseFirstN = int(r.PulseFirstSum), int(r.PulseFirstN)
		st.PulseSecondSum, st.PulseSecondN = int(r.PulseSecondSum), int(r.PulseSecondN)
	}
	for _, r := range as {
		st := &facts[index[r.SeriesID]].Stats
		st.ActionsDue, st.ActionsDoneOnTime, st.OpenActions, st.OverdueActions = int(r.Due), int(r.DoneOnTime), int(r.Open), int(r.Overdue)
	}
	for _, r := range ag {
		st := &facts[index[r.SeriesID]].Stats
		st.AgendaTotal, st.AgendaByReport = int(r.Total), int(r.ByReport)
	}
	for _, r := range ps {
		iv := oneonone.Interval{From: r.PausedAt}
		if r.ResumedAt != nil {
			iv.Until = *r.ResumedAt
		}
		f := &facts[index[r.SeriesID]]
		f.Pauses = append(f.Pauses, iv)
	}
	return facts, nil
}

// RollupPage sums the check-in figures per manager under root and returns
// one page of managers in q.Sort order, in one statement: meeting figures
// come from the running totals kept on write (meeting_totals), expected
// slots from each series' schedule, action figures from action_tallies.
func (s *MeetingStore) RollupPage(ctx context.Context, orgID int64, root *int64, q oneonone.RollupQuery) (oneonone.RollupResult, error) {
	rows, err := s.q.RollupPage(ctx, s.pool, dbq.RollupPageParams{
		OrgID: orgID, RootID: root, WinFrom: q.Window.From, WinTo: q.Window.To,
		FromDay: q.Window.From, ToDay: q.Window.To, Today: q.Today, Now: q.Now,
		SortKey: q.Sort, PageLimit: int32(q.Limit), PageOffset: int32(q.Offset)})
	if err != nil {
		return oneonone.RollupResult{}, mapErr(err, "Check-ins")
	}
	var res oneonone.RollupResult
	res.Managers = make([]oneonone.ManagerRow, len(rows))
	for i, r := range rows {
		res.Managers[i] = oneonone.ManagerRow{ManagerID: r.ManagerID, ManagerName: r.ManagerName,
			Rollup: rollupOf(r.Reports, r.Drifting, r.Paused, r.Held, r.Expected, r.DoneOnTime, r.Due,
				r.Open, r.Overdue, r.Cancelled, r.PulseSum, r.PulseN)}
	}
	if len(rows) > 0 {
		r := rows[0]
		res.ManagersTotal = int(r.ManagersTotal)
		res.Total = rollupOf(r.ReportsTotal, r.DriftingTotal, r.PausedTotal, r.HeldTotal, r.ExpectedTotal,
			r.DoneOnTimeTotal, r.DueTotal, r.OpenTotal, r.OverdueTotal, r.CancelledTotal, r.PulseSumTotal, r.PulseNTotal)
	} else if q.Offset > 0 {
		// Past the last page: the count still tells the caller where it ends.
		first, err := s.q.RollupPage(ctx, s.pool, dbq.RollupPageParams{
			OrgID: orgID, RootID: root, WinFrom: q.Window.From, WinTo: q.Window.To,
			FromDay: q.Window.From, ToDay: q.Window.To, Today: q.Today, Now: q.Now,
			SortKey: q.Sort, PageLimit: 1, PageOffset: 0})
		if err != nil {
			return oneonone.RollupResult{}, mapErr(err, "Check-ins")
		}
		if len(first) > 0 {
			res.ManagersTotal = int(first[0].ManagersTotal)
		}
	}
	return res, nil
}

func rollupOf(reports, drifting, paused, held, expected, doneOnTime, due, open, overdue, cancelled, pulseSum, pulseN int32) oneonone.Rollup {
	r := oneonone.Rollup{Reports: int(reports), Drifting: int(drifting), Paused: int(paused),
		Adherence:     oneonone.Ratio{Num: int(held), Den: int(expected)},
		FollowThrough: oneonone.Ratio{Num: int(doneOnTime), Den: int(due)},
		OpenActions:   int(open), OverdueActions: int(overdue), Cancelled: int(cancelled), PulseN: int(pulseN)}
	if pulseN > 0 {
		r.PulseAvg = float64(pulseSum) / float64(pulseN)
	}
	return r
}

// Marks lists the meetings of the series in [from, to).
func (s *MeetingStore) Marks(ctx context.Context, orgID int64, ids []int64, from, to time.Time) ([]oneonone.Mark, error) {
	rows, err := s.q.MeetingMarks(ctx, s.readDB(ctx), dbq.MeetingMarksParams{OrgID: orgID, SeriesIds: ids, WinFrom: from, WinTo: to})
	if err != nil {
		return nil, mapErr(err, "Check-ins")
	}
	marks := make([]oneonone.Mark, len(rows))
	for i, r := range rows {
		marks[i] = oneonone.Mark{SeriesID: r.SeriesID, At: r.ScheduledAt, Status: oneonone.MeetingStatus(r.Status)}
	}
	return marks, nil
}

// SetCalendarToken stores (or replaces) a person's calendar feed token hash.
func (s *MeetingStore) SetCalendarToken(ctx context.Context, orgID, userID int64, hash []byte) error {
	return mapErr(s.q.CalendarFeedSet(ctx, s.pool, dbq.CalendarFeedSetParams{UserID: userID, OrgID: orgID, TokenHash: hash}), "Calendar feed")
}

// HasCalendarFeed reports whether the person has a feed URL.
func (s *MeetingStore) HasCalendarFeed(ctx context.Context, orgID, userID int64) (bool, error) {
	ok, err := s.q.CalendarFeedExists(ctx, s.pool, dbq.CalendarFeedExistsParams{UserID: userID, OrgID: orgID})
	return ok, mapErr(err, "Calendar feed")
}

// CalendarOwner finds the active person a feed token belongs to.
func (s *MeetingStore) CalendarOwner(ctx context.Context, hash []byte) (int64, int64, error) {
	r, err := s.q.CalendarFeedOwner(ctx, s.pool, hash)
	if err != nil {
		return 0, 0, mapErr(err, "Calendar feed")
	}
	return r.OrgID, r.UserID, nil
}

// Templates lists a person's agenda templates by name.
func (s *MeetingStore) Templates(ctx context.Context, orgID, ownerID int64) ([]oneonone.Template, error) {
	rows, err := s.q.AgendaTemplates(ctx, s.pool, dbq.AgendaTemplatesParams{OrgID: orgID, OwnerID: ownerID})
	if err != nil {
		return nil, mapErr(err, "Templates")
	}
	out := make([]oneonone.Template, len(rows))
	for i, r := range rows {
		out[i] = oneonone.Template{ID: r.ID, Name: r.Name, Items: r.Items}
	}
	return out, nil
}

// Template returns one of a person's agenda templates.
func (s *MeetingStore) Template(ctx context.Context, orgID, ownerID, id int64) (oneonone.Template, error) {
	r, err := s.q.AgendaTemplateGet(ctx, s.pool, dbq.AgendaTemplateGetParams{OrgID: orgID, OwnerID: ownerID, ID: id})
	if err != nil {
		return oneonone.Template{}, mapErr(err, "Template")
	}
	return oneonone.Template{ID: r.ID, Name: r.Name, Items: r.Items}, nil
}

// CreateTemplate stores a template; one of the same name is left as it was.
func (s *MeetingStore) CreateTemplate(ctx context.Context, orgID, ownerID int64, t oneonone.Template) (int64, bool, error) {
	id, err := s.q.AgendaTemplateCreate(ctx, s.pool, dbq.AgendaTemplateCreateParams{OrgID: orgID, OwnerID: ownerID, Name: t.Name, Items: t.Items})
	if err == pgx.ErrNoRows {
		return 0, false, nil
	}
	return id, err == nil, mapErr(err, "Template")
}

// DeleteTemplate removes a person's template; false when there was none.
func (s *MeetingStore) DeleteTemplate(ctx context.Context, orgID, ownerID, id int64) (bool, error) {
	n, err := s.q.AgendaTemplateDelete(ctx, s.pool, dbq.AgendaTemplateDeleteParams{OrgID: orgID, OwnerID: ownerID, ID: id})
	return n == 1, mapErr(err, "Template")
}

// MeetingBrief computes a 1:1's brief in one statement.
func (s *MeetingStore) MeetingBrief(ctx context.Context, orgID int64, q oneonone.BriefQuery) (oneonone.Brief, error) {
	rows, err := s.q.MeetingBrief(ctx, s.pool, dbq.MeetingBriefParams{OrgID: orgID, SeriesID: q.SeriesID,
		ScheduledAt: q.ScheduledAt, DueThrough: q.DueThrough, Shown: int32(q.Shown), ReportID: q.ReportID,
		Since: q.Since, ViewerID: q.ViewerID, ManagerID: q.ManagerID, Today: q.Today, DeadlineUntil: q.DeadlineUntil, Now: q.Now})
	if err != nil {
		return oneonone.Brief{}, mapErr(err, "Brief")
	}
	b := oneonone.Brief{KudosSince: q.Since}
	for _, r := range rows {
		it := oneonone.BriefItem{ID: r.ID, LinkID: r.LinkID, Body: r.Body, Who: r.Who, At: r.At, Delta: r.Delta}
		switch r.Kind {
		case "action":
			b.Due, b.DueTotal = append(b.Due, it), int(r.Total)
		case "review":
			b.Deadlines, b.DeadlinesTotal = append(b.Deadlines, it), int(r.Total)
		case "kudo":
			b.Kudos, b.KudosTotal = append(b.Kudos, it), int(r.Total)
		case "gap_cycle":
			b.GapCycle = &it
		case "gap":
			b.Gaps, b.GapsTotal = append(b.Gaps, it), int(r.Total)
		case "health":
			b.Movers, b.MoversTotal = append(b.Movers, it), int(r.Total)
		case "last_held":
			b.LastHeld = &oneonone.MeetingRef{ID: r.ID, At: r.At}
			b.KudosSince = r.At
		}
	}
	return b, nil
}
