package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/health"
	"rapport/internal/mail"
	"rapport/internal/postgres/dbq"
	"rapport/internal/pulse"
)

var _ pulse.Store = (*PulseStore)(nil)

// PulseStore keeps pulse surveys, their rounds and their anonymous answers.
type PulseStore struct {
	base
	mail MailQueuer
}

// NewPulseStore returns the pulse store on pool; mail, when not nil, writes
// the reminders of opening rounds to the outbox.
func NewPulseStore(pool *pgxpool.Pool, mail MailQueuer) *PulseStore {
	return &PulseStore{base: newBase(pool), mail: mail}
}

// CreatePulse stores a pulse; the same form submitted twice stores one and
// answers both with its id.
func (s *PulseStore) CreatePulse(ctx context.Context, orgID, createdBy int64, in pulse.Input, startsAt time.Time) (int64, error) {
	p := dbq.PulseCreateParams{OrgID: orgID, Title: in.Title, Scope: string(in.Scope), Statements: in.Lines(),
		CadenceDays: int32(in.CadenceDays), OpenDays: int32(in.OpenDays), StartsAt: startsAt, CreatedBy: &createdBy, IdemKey: in.IdemKey}
	switch in.Scope {
	case pulse.ScopeTeam:
		p.TeamID = &in.TeamID
	case pulse.ScopeTree:
		p.RootID = &in.RootID
	}
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.q.PulseCreate(ctx, tx, p)
		if errors.Is(err, pgx.ErrNoRows) {
			id, err = s.q.PulseByIdem(ctx, tx, dbq.PulseByIdemParams{OrgID: orgID, IdemKey: in.IdemKey})
		}
		return err
	})
	return id, mapErr(err, "Pulse")
}

// pulseRow is what PulseGet and PulseListFor return.
type pulseRow struct {
	ID, OrgID             int64
	Title, Scope          string
	TeamID, RootID        *int64
	Statements            []string
	CadenceDays, OpenDays int32
	StartsAt              time.Time
	StoppedAt             *time.Time
	CreatedBy             *int64
	ScopeName             string
	Reader, Member        bool
	Audience              int32
}

func (r pulseRow) listed() pulse.Listed {
	p := pulse.Pulse{ID: r.ID, OrgID: r.OrgID, Title: r.Title, Scope: pulse.Scope(r.Scope), ScopeName: r.ScopeName,
		Statements: r.Statements, CadenceDays: int(r.CadenceDays), OpenDays: int(r.OpenDays), StartsAt: r.StartsAt,
		StoppedAt: r.StoppedAt, Audience: int(r.Audience)}
	if r.TeamID != nil {
		p.TeamID = *r.TeamID
	}
	if r.RootID != nil {
		p.RootID = *r.RootID
	}
	return pulse.Listed{Pulse: p, Access: pulse.Access{Reader: r.Reader, Member: r.Member}}
}

// FindPulse returns a pulse of the organisation with the viewer's access.
func (s *PulseStore) FindPulse(ctx context.Context, orgID, viewerID, id int64) (pulse.Listed, error) {
	r, err := s.q.PulseGet(ctx, s.pool, dbq.PulseGetParams{OrgID: orgID, ViewerID: viewerID, ID: id})
	if err != nil {
		return pulse.Listed{}, mapErr(err, "Pulse")
	}
	return pulseRow(r).listed(), nil
}

// ListPulses lists the pulses the viewer reads or is asked.
func (s *PulseStore) ListPulses(ctx context.Context, orgID, viewerID int64) ([]pulse.Listed, error) {
	rows, err := s.q.PulseListFor(ctx, s.readDB(ctx), dbq.PulseListForParams{OrgID: orgID, ViewerID: viewerID})
	out := make([]pulse.Listed, len(rows))
	for i, r := range rows {
		out[i] = pulseRow(r).listed()
	}
	return out, mapErr(err, "Pulses")
}

// StopPulse stops a pulse opening rounds after now.
func (s *PulseStore) StopPulse(ctx context.Context, orgID, id int64, now time.Time) error {
	return mapErr(s.q.PulseStop(ctx, s.pool, dbq.PulseStopParams{OrgID: orgID, ID: id, Now: now}), "Pulse")
}

// PulseAnswered reports whether the person answered the round.
func (s *PulseStore) PulseAnswered(ctx context.Context, orgID, pulseID int64, round int, userID int64) (bool, error) {
	ok, err := s.q.PulseResponderExists(ctx, s.readDB(ctx), dbq.PulseResponderExistsParams{OrgID: orgID, PulseID: pulseID, RoundNo: int32(round), UserID: userID})
	return ok, mapErr(err, "Pulse")
}

// AnswerPulse stores an answer and notes that the person answered, in one
// transaction that first locks the pulse, then writes every answer and
// every "has answered" row of the round again in a random order, as
// AnswerCheck does for health checks: neither table can be matched with the
// other by transaction, place or time.
func (s *PulseStore) AnswerPulse(ctx context.Context, orgID, pulseID int64, round int, userID int64, minGroup int, r pulse.Response) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		member, err := s.q.PulseLock(ctx, tx, dbq.PulseLockParams{OrgID: orgID, ID: pulseID, UserID: userID})
		if err != nil {
			return err
		}
		refuse := func(msg string) error {
			return &core.Error{Code: core.EINVALID, Message: msg, Fields: map[string]string{pulse.AnswerField: msg}}
		}
		if !member {
			return refuse("You are not among the people this pulse asks, so there is nothing to answer.")
		}
		n, err := s.q.PulseResponderAdd(ctx, tx, dbq.PulseResponderAddParams{PulseID: pulseID, RoundNo: int32(round), UserID: userID})
		if err != nil {
			return err
		}
		if n == 0 {
			return refuse("You have already answered this round. Answers can't be changed, because they are not linked to you.")
		}
		scores := make([]int16, len(r.Scores))
		for i, v := range r.Scores {
			scores[i] = int16(v)
		}
		if err := s.q.PulseResponseAdd(ctx, tx, dbq.PulseResponseAddParams{OrgID: orgID, PulseID: pulseID, RoundNo: int32(round),
			Scores: scores, Enps: int16(r.ENPS), Comment: r.Comment, MinGroup: int32(max(minGroup, health.MinThreshold)), UserID: userID}); err != nil {
			return err
		}
		if err := s.q.PulseResponsesShuffle(ctx, tx, dbq.PulseResponsesShuffleParams{PulseID: pulseID, RoundNo: int32(round)}); err != nil {
			return err
		}
		return s.q.PulseRespondersShuffle(ctx, tx, dbq.PulseRespondersShuffleParams{PulseID: pulseID, RoundNo: int32(round)})
	})
	return mapErr(err, "Answer")
}

// PulseRoundCounts counts the answers of each round.
func (s *PulseStore) PulseRoundCounts(ctx context.Context, orgID, pulseID int64) (map[int]int, error) {
	rows, err := s.q.PulseRoundCounts(ctx, s.pool, dbq.PulseRoundCountsParams{OrgID: orgID, PulseID: pulseID})
	out := map[int]int{}
	for _, r := range rows {
		out[int(r.RoundNo)] = int(r.Responses)
	}
	return out, mapErr(err, "Pulse")
}

// PulseResponses returns the answers of rounds, by round.
func (s *PulseStore) PulseResponses(ctx context.Context, orgID, pulseID int64, rounds []int) (map[int][]pulse.Response, error) {
	out := map[int][]pulse.Response{}
	if len(rounds) == 0 {
		return out, nil
	}
	ns := make([]int32, len(rounds))
	for i, n := range rounds {
		ns[i] = int32(n)
	}
	rows, err := s.q.PulseResponsesFor(ctx, s.pool, dbq.PulseResponsesForParams{OrgID: orgID, PulseID: pulseID, Rounds: ns})
	if err != nil {
		return nil, mapErr(err, "Answers")
	}
	for _, row := range rows {
		r := pulse.Response{ENPS: int(row.Enps), Comment: row.Comment, Scores: make([]int, len(row.Scores)),
			TeamName: row.TeamName, ManagerName: row.ManagerName}
		for i, v := range row.Scores {
			r.Scores[i] = int(v)
		}
		if row.TeamID != nil {
			r.Team = *row.TeamID
		}
		if row.ManagerID != nil {
			r.Manager = *row.ManagerID
		}
		out[int(row.RoundNo)] = append(out[int(row.RoundNo)], r)
	}
	return out, nil
}

// PulseScopeTeams lists the organisation's teams.
func (s *PulseStore) PulseScopeTeams(ctx context.Context, orgID int64) ([]pulse.Option, error) {
	rows, err := s.q.PulseScopeTeams(ctx, s.pool, orgID)
	out := make([]pulse.Option, len(rows))
	for i, r := range rows {
		out[i] = pulse.Option{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "Teams")
}

// PulseScopeRoots lists the people with reports.
func (s *PulseStore) PulseScopeRoots(ctx context.Context, orgID int64) ([]pulse.Option, error) {
	rows, err := s.q.PulseScopeRoots(ctx, s.pool, orgID)
	out := make([]pulse.Option, len(rows))
	for i, r := range rows {
		out[i] = pulse.Option{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "People")
}

// PulseThreshold is the organisation's threshold for anonymous results.
func (s *PulseStore) PulseThreshold(ctx context.Context, orgID int64) (int, error) {
	n, err := s.q.HealthSettingsGet(ctx, s.pool, orgID)
	return health.Settings{MinResponses: int(n)}.Threshold(), mapErr(err, "Settings")
}

// RemindPulses writes to the outbox, for every pulse with a round open at
// now, a reminder to each person it asks who has none for that round yet
// (the outbox key names the pulse, the round and the person, so nobody gets
// two). Each pulse's reminders are written in one transaction holding the
// pulse's lock. Without a mail outbox it writes nothing.
func (s *PulseStore) RemindPulses(ctx context.Context, now time.Time) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	rows, err := s.q.PulseRunning(ctx, s.pool, now)
	if err != nil {
		return 0, mapErr(err, "Pulses")
	}
	written := 0
	for _, r := range rows {
		p := pulse.Pulse{ID: r.ID, OrgID: r.OrgID, Title: r.Title, CadenceDays: int(r.CadenceDays), OpenDays: int(r.OpenDays), StartsAt: r.StartsAt}
		round, open := p.Current(now)
		if !open {
			continue
		}
		prefix := fmt.Sprintf("pulse:%d:%d:", r.ID, round.Number)
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			if err := s.q.PulseLockForReminders(ctx, tx, r.ID); err != nil {
				return err
			}
			to, err := s.q.PulseReminderRecipients(ctx, tx, dbq.PulseReminderRecipientsParams{OrgID: r.OrgID, PulseID: r.ID, KeyPrefix: prefix})
			if err != nil {
				return err
			}
			for _, u := range to {
				id, err := s.mail.Queue(ctx, tx, mail.Notice{Kind: mail.KindPulseOpen, OrgID: r.OrgID, UserID: u.ID,
					To: mail.Address{Name: u.Name, Email: u.Email}, TimeZone: u.TimeZone, OrgName: r.OrgName, At: now,
					ExpiresAt: round.ClosesAt, IdemKey: prefix + strconv.FormatInt(u.ID, 10), Title: r.Title,
					Path: fmt.Sprintf("/pulses/%d/answer", r.ID)})
				if err != nil {
					return err
				}
				if id != 0 { // 0: the person turned pulse emails off
					written++
				}
			}
			return nil
		})
		if err != nil {
			return written, mapErr(err, "Pulse reminders")
		}
	}
	return written, nil
}
