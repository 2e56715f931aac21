package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/internal/postgres/dbq"
	"rapport/internal/review"
)

var _ review.Store = (*ReviewStore)(nil)

// ReviewStore keeps competency frameworks, review cycles, their
// participants and ratings, evidence and its consent, and due notices.
type ReviewStore struct{ base }

// NewReviewStore returns the review store on pool.
func NewReviewStore(pool *pgxpool.Pool) *ReviewStore { return &ReviewStore{newBase(pool)} }

// Framework returns a framework version with its entries and scale; version
// 0 is the latest. An organisation without a version gets version 1 first.
func (s *ReviewStore) Framework(ctx context.Context, orgID, versionID int64) (review.Framework, error) {
	var (
		v   dbq.FrameworkVersion
		err error
	)
	if versionID == 0 {
		v, err = s.q.FrameworkLatest(ctx, s.pool, orgID)
		if core.ErrorCode(mapErr(err, "")) == core.ENOTFOUND {
			if err = s.q.FrameworkSeed(ctx, s.pool, orgID); err == nil {
				v, err = s.q.FrameworkLatest(ctx, s.pool, orgID)
			}
		}
	} else {
		v, err = s.q.FrameworkVersionGet(ctx, s.pool, dbq.FrameworkVersionGetParams{OrgID: orgID, ID: versionID})
	}
	if err != nil {
		return review.Framework{}, mapErr(err, "Framework")
	}
	return s.frameworkOf(ctx, s.pool, v)
}

func (s *ReviewStore) frameworkOf(ctx context.Context, db dbq.DBTX, v dbq.FrameworkVersion) (review.Framework, error) {
	f := review.Framework{Version: review.Version{ID: v.ID, OrgID: v.OrgID, Number: int(v.Number), Note: v.Note, CreatedAt: v.CreatedAt}}
	es, err := s.q.FrameworkEntries(ctx, db, v.ID)
	if err != nil {
		return f, mapErr(err, "Framework")
	}
	for _, e := range es {
		entry := review.Entry{CompetencyID: e.CompetencyID, Key: e.Key, Group: e.Grp, Name: e.Name,
			Description: e.Description, Behaviour: e.Behaviour, Result: e.Result, LeaderCheck: e.LeaderCheck,
			MicroAction: e.MicroAction, Position: int(e.Position), Retired: e.Retired}
		if e.Retired {
			f.Retired = append(f.Retired, entry)
		} else {
			f.Entries = append(f.Entries, entry)
		}
	}
	sc, err := s.q.FrameworkScale(ctx, db, v.ID)
	if err != nil {
		return f, mapErr(err, "Framework")
	}
	for _, l := range sc {
		f.Scale = append(f.Scale, review.Level{Value: int(l.Value), Label: l.Label, Description: l.Description})
	}
	return f, nil
}

// FrameworkVersions lists an organisation's versions, newest first.
func (s *ReviewStore) FrameworkVersions(ctx context.Context, orgID int64) ([]review.Version, error) {
	rows, err := s.q.FrameworkVersions(ctx, s.pool, orgID)
	if err != nil {
		return nil, mapErr(err, "Framework")
	}
	out := make([]review.Version, len(rows))
	for i, r := range rows {
		out[i] = review.Version{ID: r.ID, OrgID: orgID, Number: int(r.Number), Note: r.Note, CreatedAt: r.CreatedAt, CreatedByName: r.CreatedByName}
	}
	return out, nil
}

// FrameworkVersionByKey returns the version a form's key saved.
func (s *ReviewStore) FrameworkVersionByKey(ctx context.Context, orgID int64, key string) (review.Version, error) {
	v, err := s.q.FrameworkVersionByIdem(ctx, s.pool, dbq.FrameworkVersionByIdemParams{OrgID: orgID, IdemKey: key})
	if err != nil {
		return review.Version{}, mapErr(err, "Framework version")
	}
	return review.Version{ID: v.ID, OrgID: orgID, Number: int(v.Number), Note: v.Note, CreatedAt: v.CreatedAt}, nil
}

// SaveFramework stores the entries and scale as the next version.
// The same form submitted twice saves one version and answers both with it.
func (s *ReviewStore) SaveFramework(ctx context.Context, orgID, actorID int64, note, key string, entries []review.Entry, scale []review.Level) (review.Version, error) {
	var out review.Version
	byKey := func(db dbq.DBTX) (review.Version, error) {
		v, err := s.q.FrameworkVersionByIdem(ctx, db, dbq.FrameworkVersionByIdemParams{OrgID: orgID, IdemKey: key})
		return review.Version{ID: v.ID, OrgID: orgID, Number: int(v.Number), Note: v.Note, CreatedAt: v.CreatedAt}, err
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		v, err := s.q.FrameworkVersionCreate(ctx, tx, dbq.FrameworkVersionCreateParams{OrgID: orgID, Note: note, CreatedBy: &actorID, IdemKey: key})
		if err == pgx.ErrNoRows {
			out, err = byKey(tx)
			return err
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if e.CompetencyID == 0 {
				// A competency of this organisation alone: its own row keeps
				// its id stable for every tag and rating across versions.
				if e.CompetencyID, err = s.q.CompetencyCreate(ctx, tx, dbq.CompetencyCreateParams{OrgID: &orgID, Grp: e.Group,
					Name: e.Name, Behaviour: e.Behaviour, Result: e.Result, LeaderCheck: e.LeaderCheck,
					MicroAction: e.MicroAction, Position: int32(e.Position)}); err != nil {
					return err
				}
			}
			if err := s.q.FrameworkEntryInsert(ctx, tx, dbq.FrameworkEntryInsertParams{VersionID: v.ID, CompetencyID: e.CompetencyID,
				Grp: e.Group, Name: e.Name, Description: e.Description, Behaviour: e.Behaviour, Result: e.Result,
				LeaderCheck: e.LeaderCheck, MicroAction: e.MicroAction, Position: int32(e.Position), Retired: e.Retired}); err != nil {
				return err
			}
		}
		for _, l := range scale {
			if err := s.q.FrameworkScaleInsert(ctx, tx, dbq.FrameworkScaleInsertParams{VersionID: v.ID, Value: int16(l.Value), Label: l.Label, Description: l.Description}); err != nil {
				return err
			}
		}
		out = review.Version{ID: v.ID, OrgID: orgID, Number: int(v.Number), Note: v.Note, CreatedAt: v.CreatedAt}
		return s.auditDetail(ctx, tx, orgID, actorID, "framework.edit", fmt.Sprintf("framework version %d", v.Number), map[string]string{"note": note})
	})
	if prev, ok := storedBefore(err, key, func() (review.Version, error) { return byKey(s.pool) }); ok {
		return prev, nil
	}
	return out, mapErr(err, "Framework version")
}

func cycleFrom(c dbq.ReviewCycle) review.Cycle {
	var by int64
	if c.CreatedBy != nil {
		by = *c.CreatedBy
	}
	return review.Cycle{ID: c.ID, OrgID: c.OrgID, Name: c.Name, PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd,
		FrameworkVersionID: c.FrameworkVersionID, SelfDue: c.SelfDue, ManagerDue: c.ManagerDue, CreatedBy: by,
		CreatedAt: c.CreatedAt, State: c.State}
}

// CreateCycle stores a cycle and its people in one transaction. A cycle of
// the same name is a conflict, so a double submit creates one.
func (s *ReviewStore) CreateCycle(ctx context.Context, orgID, actorID int64, p review.ParsedCycle, versionID int64, people []review.Member) (int64, error) {
	var id int64
	byKey := func(db dbq.DBTX) (int64, error) {
		return s.q.CycleByIdem(ctx, db, dbq.CycleByIdemParams{OrgID: orgID, IdemKey: p.IdemKey})
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		c, err := s.q.CycleCreate(ctx, tx, dbq.CycleCreateParams{OrgID: orgID, Name: p.Name, PeriodStart: p.PeriodStart,
			PeriodEnd: p.PeriodEnd, FrameworkVersionID: versionID, SelfDue: p.SelfDue, ManagerDue: p.ManagerDue, CreatedBy: &actorID,
			IdemKey: p.IdemKey})
		if err == pgx.ErrNoRows {
			// The same form was stored already: answer with that cycle.
			id, err = byKey(tx)
			return err
		}
		if err != nil {
			return err
		}
		id = c.ID
		if _, err := s.addParticipants(ctx, tx, orgID, id, people); err != nil {
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "review.cycle.create", fmt.Sprintf("cycle:%d", id))
	})
	if prev, ok := storedBefore(err, p.IdemKey, func() (int64, error) { return byKey(s.pool) }); ok {
		return prev, nil
	}
	if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
		return 0, &core.Error{Code: core.ECONFLICT, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"name": "A cycle with this name already exists."}}
	}
	return id, mapErr(err, "Review cycle")
}

func (s *ReviewStore) addParticipants(ctx context.Context, tx pgx.Tx, orgID, cycleID int64, people []review.Member) (int, error) {
	added := 0
	for _, m := range people {
		_, err := s.q.ParticipantAdd(ctx, tx, dbq.ParticipantAddParams{CycleID: cycleID, OrgID: orgID, PersonID: m.ID, ManagerID: m.ManagerID})
		if errors.Is(err, pgx.ErrNoRows) {
			continue // already in the cycle
		}
		if err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// AddParticipants adds people who are not in the cycle yet.
func (s *ReviewStore) AddParticipants(ctx context.Context, orgID, actorID, cycleID int64, people []review.Member) (int, error) {
	var added int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if added, err = s.addParticipants(ctx, tx, orgID, cycleID, people); err != nil || added == 0 {
			return err
		}
		return s.audit(ctx, tx, orgID, actorID, "review.cycle.add", fmt.Sprintf("cycle:%d +%d", cycleID, added))
	})
	return added, mapErr(err, "Review")
}

// FindCycle returns a cycle of the organisation.
func (s *ReviewStore) FindCycle(ctx context.Context, orgID, id int64) (review.Cycle, error) {
	c, err := s.q.CycleGet(ctx, s.pool, dbq.CycleGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return review.Cycle{}, mapErr(err, "Review cycle")
	}
	return cycleFrom(c), nil
}

// Cycles lists the cycles the viewer may see.
func (s *ReviewStore) Cycles(ctx context.Context, orgID, viewerID int64, all bool) ([]review.CycleSummary, error) {
	rows, err := s.q.CycleList(ctx, s.pool, dbq.CycleListParams{OrgID: orgID, ViewerID: viewerID, AllVisible: all})
	if err != nil {
		return nil, mapErr(err, "Review cycles")
	}
	out := make([]review.CycleSummary, len(rows))
	for i, r := range rows {
		out[i] = review.CycleSummary{Cycle: review.Cycle{ID: r.ID, OrgID: orgID, Name: r.Name, PeriodStart: r.PeriodStart,
			PeriodEnd: r.PeriodEnd, SelfDue: r.SelfDue, ManagerDue: r.ManagerDue, State: r.State, CreatedAt: r.CreatedAt},
			People: int(r.People), Finalised: int(r.Finalised)}
	}
	return out, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Participants lists the cycle's people the viewer may see.
func (s *ReviewStore) Participants(ctx context.Context, orgID, cycleID, viewerID int64, all bool) ([]review.Participant, error) {
	rows, err := s.q.ParticipantsForCycle(ctx, s.pool, dbq.ParticipantsForCycleParams{OrgID: orgID, CycleID: cycleID, ViewerID: viewerID, AllVisible: all})
	if err != nil {
		return nil, mapErr(err, "Reviews")
	}
	out := make([]review.Participant, len(rows))
	for i, r := range rows {
		out[i] = review.Participant{CycleID: cycleID, PersonID: r.PersonID, ManagerID: deref(r.ManagerID), PersonName: r.PersonName,
			PersonTitle: r.PersonTitle, ManagerName: r.ManagerName, TeamName: r.TeamName, State: review.State(r.State),
			SelfSubmittedAt: r.SelfSubmittedAt, ManagerSubmittedAt: r.ManagerSubmittedAt, AcknowledgedAt: r.AcknowledgedAt, FinalisedAt: r.FinalisedAt}
	}
	return out, nil
}

// Participant returns one person's review in a cycle.
func (s *ReviewStore) Participant(ctx context.Context, orgID, cycleID, personID int64) (review.Participant, error) {
	r, err := s.q.ParticipantGet(ctx, s.pool, dbq.ParticipantGetParams{OrgID: orgID, CycleID: cycleID, PersonID: personID})
	if err != nil {
		return review.Participant{}, mapErr(err, "Review")
	}
	return review.Participant{CycleID: cycleID, PersonID: r.PersonID, ManagerID: deref(r.ManagerID), PersonName: r.PersonName,
		PersonTitle: r.PersonTitle, ManagerName: r.ManagerName, State: review.State(r.State), Summary: r.Summary,
		AckComment: r.AckComment, SelfSubmittedAt: r.SelfSubmittedAt, ManagerSubmittedAt: r.ManagerSubmittedAt,
		AcknowledgedAt: r.AcknowledgedAt, FinalisedAt: r.FinalisedAt}, nil
}

func rating(p *int16) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func ratingArg(v int) *int16 {
	if v == 0 {
		return nil
	}
	r := int16(v)
	return &r
}

// Ratings returns a review's ratings by competency.
func (s *ReviewStore) Ratings(ctx context.Context, orgID, cycleID, personID int64) (map[int64]review.Rating, error) {
	rows, err := s.q.RatingsFor(ctx, s.pool, dbq.RatingsForParams{OrgID: orgID, CycleID: cycleID, PersonID: personID})
	if err != nil {
		return nil, mapErr(err, "Review")
	}
	out := make(map[int64]review.Rating, len(rows))
	for _, r := range rows {
		out[r.CompetencyID] = review.Rating{CompetencyID: r.CompetencyID, SelfRating: rating(r.SelfRating), SelfComment: r.SelfComment,
			ManagerRating: rating(r.ManagerRating), ManagerComment: r.ManagerComment}
	}
	return out, nil
}

// CycleRatings lists the ratings of the cycle's people the viewer may see.
func (s *ReviewStore) CycleRatings(ctx context.Context, orgID, cycleID, viewerID int64, all bool) ([]review.RatingRow, error) {
	rows, err := s.q.RatingsForCycle(ctx, s.pool, dbq.RatingsForCycleParams{OrgID: orgID, CycleID: cycleID, ViewerID: viewerID, AllVisible: all})
	if err != nil {
		return nil, mapErr(err, "Ratings")
	}
	out := make([]review.RatingRow, len(rows))
	for i, r := range rows {
		out[i] = review.RatingRow{PersonID: r.PersonID, CompetencyID: r.CompetencyID, SelfRating: rating(r.SelfRating), ManagerRating: rating(r.ManagerRating)}
	}
	return out, nil
}

// lockState locks a review and checks it is in one of allowed.
func (s *ReviewStore) lockState(ctx context.Context, tx pgx.Tx, orgID, cycleID, personID int64, allowed []review.State) error {
	st, err := s.q.ParticipantLock(ctx, tx, dbq.ParticipantLockParams{OrgID: orgID, CycleID: cycleID, PersonID: personID})
	if err != nil {
		return mapErr(err, "Review")
	}
	if !slices.Contains(allowed, review.State(st)) {
		return review.StateError(review.State(st))
	}
	return nil
}

func (s *ReviewStore) transition(ctx context.Context, tx pgx.Tx, orgID, cycleID, personID int64, from, to review.State, comment string, actorID int64) error {
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	_, err := s.q.ParticipantTransition(ctx, tx, dbq.ParticipantTransitionParams{OrgID: orgID, CycleID: cycleID, PersonID: personID,
		FromState: dbq.ReviewState(from), ToState: dbq.ReviewState(to), AckComment: comment, ActorID: actor})
	return err
}

// SaveSelf writes the person's self-assessment and, with next, submits it.
func (s *ReviewStore) SaveSelf(ctx context.Context, orgID, cycleID, personID int64, ratings []review.Rating, allowed []review.State, next review.State) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockState(ctx, tx, orgID, cycleID, personID, allowed); err != nil {
			return err
		}
		for _, r := range ratings {
			if err := s.q.RatingSetSelf(ctx, tx, dbq.RatingSetSelfParams{CycleID: cycleID, OrgID: orgID, PersonID: personID,
				CompetencyID: r.CompetencyID, Rating: ratingArg(r.SelfRating), Comment: r.SelfComment}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		return s.transition(ctx, tx, orgID, cycleID, personID, review.StateDraft, next, "", 0)
	})
	return mapErr(err, "Review")
}

// SaveManager writes the reviewer's part and, with next, submits it.
func (s *ReviewStore) SaveManager(ctx context.Context, orgID, cycleID, personID int64, summary string, ratings []review.Rating, allowed []review.State, next review.State) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockState(ctx, tx, orgID, cycleID, personID, allowed); err != nil {
			return err
		}
		states := make([]string, len(allowed))
		for i, a := range allowed {
			states[i] = string(a)
		}
		if _, err := s.q.ParticipantSetSummary(ctx, tx, dbq.ParticipantSetSummaryParams{Summary: summary, OrgID: orgID, CycleID: cycleID, PersonID: personID, States: states}); err != nil {
			return err
		}
		for _, r := range ratings {
			if err := s.q.RatingSetManager(ctx, tx, dbq.RatingSetManagerParams{CycleID: cycleID, OrgID: orgID, PersonID: personID,
				CompetencyID: r.CompetencyID, Rating: ratingArg(r.ManagerRating), Comment: r.ManagerComment}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		return s.transition(ctx, tx, orgID, cycleID, personID, review.StateSelfSubmitted, next, "", 0)
	})
	return mapErr(err, "Review")
}

// Transition moves a review on; finalising is written to the audit log.
func (s *ReviewStore) Transition(ctx context.Context, orgID, actorID, cycleID, personID int64, from, to review.State, comment string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.lockState(ctx, tx, orgID, cycleID, personID, []review.State{from}); err != nil {
			return err
		}
		if err := s.transition(ctx, tx, orgID, cycleID, personID, from, to, comment, actorID); err != nil {
			return err
		}
		if to == review.StateFinalised {
			return s.audit(ctx, tx, orgID, actorID, "review.finalise", fmt.Sprintf("cycle:%d person:%d", cycleID, personID))
		}
		return nil
	})
	return mapErr(err, "Review")
}

// members maps the people rows, which all have the shape of review.Member.
func members[T ~struct {
	ID        int64
	ManagerID *int64
}](rows []T) []review.Member {
	out := make([]review.Member, len(rows))
	for i, r := range rows {
		out[i] = review.Member(r)
	}
	return out
}

// TeamPeople lists a team's active members.
func (s *ReviewStore) TeamPeople(ctx context.Context, orgID, teamID int64) ([]review.Member, error) {
	rows, err := s.q.PeopleForTeam(ctx, s.pool, dbq.PeopleForTeamParams{OrgID: orgID, TeamID: teamID})
	return members(rows), mapErr(err, "Team")
}

// TreePeople lists the active people below a manager.
func (s *ReviewStore) TreePeople(ctx context.Context, orgID, rootID int64) ([]review.Member, error) {
	rows, err := s.q.PeopleUnder(ctx, s.pool, dbq.PeopleUnderParams{OrgID: orgID, RootID: rootID})
	return members(rows), mapErr(err, "People")
}

// AllPeople lists the organisation's active people.
func (s *ReviewStore) AllPeople(ctx context.Context, orgID int64) ([]review.Member, error) {
	rows, err := s.q.PeopleAll(ctx, s.pool, orgID)
	return members(rows), mapErr(err, "People")
}

// CuesForPeople computes the coaching cues of many people over [from, until)
// in two queries, whatever their number: the 1:1 series with held counts and
// pauses (cadence kept is computed from the schedule, as on the check-in
// pages), and the other figures in one set-based pass.
func (s *ReviewStore) CuesForPeople(ctx context.Context, orgID int64, personIDs []int64, from, until time.Time) (map[int64]review.Cues, error) {
	if len(personIDs) == 0 {
		return map[int64]review.Cues{}, nil
	}
	// Actions not yet due do not count either way (docs/metrics.md).
	today := time.Now().UTC().Truncate(24 * time.Hour)
	var (
		series []dbq.CueSeriesRow
		figs   []dbq.CueFiguresRow
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		series, err = s.q.CueSeries(gctx, s.pool, dbq.CueSeriesParams{OrgID: orgID, PersonIds: personIDs, WinFrom: from, WinTo: until})
		return err
	})
	g.Go(func() (err error) {
		figs, err = s.q.CueFigures(gctx, s.pool, dbq.CueFiguresParams{OrgID: orgID, PersonIds: personIDs,
			FromDate: from, ToDate: until, Today: today, WinFrom: from, WinTo: until})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, mapErr(err, "Evidence")
	}
	return buildCues(orgID, personIDs, from, until, series, figs), nil
}

// cuesOn is CuesForPeople on one connection or transaction: its two
// queries one after the other.
func (s *base) cuesOn(ctx context.Context, db dbq.DBTX, orgID int64, personIDs []int64, from, until time.Time) (map[int64]review.Cues, error) {
	if len(personIDs) == 0 {
		return map[int64]review.Cues{}, nil
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	series, err := s.q.CueSeries(ctx, db, dbq.CueSeriesParams{OrgID: orgID, PersonIds: personIDs, WinFrom: from, WinTo: until})
	if err != nil {
		return nil, mapErr(err, "Evidence")
	}
	figs, err := s.q.CueFigures(ctx, db, dbq.CueFiguresParams{OrgID: orgID, PersonIds: personIDs,
		FromDate: from, ToDate: until, Today: today, WinFrom: from, WinTo: until})
	if err != nil {
		return nil, mapErr(err, "Evidence")
	}
	return buildCues(orgID, personIDs, from, until, series, figs), nil
}

// buildCues computes the cues from the rows of CueSeries and CueFigures.
func buildCues(orgID int64, personIDs []int64, from, until time.Time, series []dbq.CueSeriesRow, figs []dbq.CueFiguresRow) map[int64]review.Cues {
	out := make(map[int64]review.Cues, len(personIDs))
	wanted := make(map[int64]bool, len(personIDs))
	for _, id := range personIDs {
		wanted[id] = true
		out[id] = review.Cues{}
	}
	for _, r := range series {
		us := r.StartTime.Microseconds / 1e6
		sr := oneonone.Series{ID: r.ID, OrgID: orgID, ManagerID: r.ManagerID, ReportID: r.ReportID, Cadence: oneonone.Cadence(r.Cadence),
			IntervalDays: int(r.IntervalDays), Weekday: time.Weekday(r.Weekday), Hour: int(us / 3600), Minute: int(us % 3600 / 60),
			TimeZone: r.TimeZone, StartsOn: r.StartsOn, Status: oneonone.SeriesStatus(r.Status), EndedAt: r.EndedAt}
		var pauses []oneonone.Interval
		for i := range r.PausedAt {
			iv := oneonone.Interval{From: time.Unix(r.PausedAt[i], 0).UTC()}
			if i < len(r.ResumedAt) && r.ResumedAt[i] != 0 {
				iv.Until = time.Unix(r.ResumedAt[i], 0).UTC()
			}
			pauses = append(pauses, iv)
		}
		var ended time.Time
		if r.EndedAt != nil {
			ended = *r.EndedAt
		}
		expected := oneonone.Expected(sr.Rule(), from, until, ended, pauses)
		held := min(int(r.Held), expected)
		for _, pid := range []int64{r.ManagerID, r.ReportID} {
			if wanted[pid] {
				c := out[pid]
				c.Contact = c.Contact.Add(oneonone.Ratio{Num: held, Den: expected})
				out[pid] = c
			}
		}
	}
	for _, r := range figs {
		c := out[r.PersonID]
		c.FollowThrough = oneonone.Ratio{Num: int(r.ActionsOnTime), Den: int(r.ActionsDue)}
		c.Communication = oneonone.Ratio{Num: int(r.HeldComplete), Den: int(r.Held)}
		c.PointsAdded, c.CrossTeamKudos, c.OutsideContacts = int(r.PointsAdded), int(r.CrossTeamKudos), int(r.OutsideContacts)
		out[r.PersonID] = c
	}
	return out
}

// EvidenceCounts counts competency-tagged items per person and competency
// in one query: kudos received and given, as each person's reviewer (their
// manager) may see them, and 1:1 observations.
func (s *ReviewStore) EvidenceCounts(ctx context.Context, orgID int64, personIDs []int64, from, until time.Time) (map[int64]map[int64]int, error) {
	return s.EvidenceCountsFor(ctx, orgID, 0, personIDs, from, until)
}

// EvidenceCountsFor is EvidenceCounts with kudos as viewerID may see them
// (0: each person's manager).
func (s *ReviewStore) EvidenceCountsFor(ctx context.Context, orgID, viewerID int64, personIDs []int64, from, until time.Time) (map[int64]map[int64]int, error) {
	return s.evidenceCountsOn(ctx, s.pool, orgID, viewerID, personIDs, from, until)
}

// evidenceCountsOn is EvidenceCountsFor on one connection or transaction.
func (s *base) evidenceCountsOn(ctx context.Context, db dbq.DBTX, orgID, viewerID int64, personIDs []int64, from, until time.Time) (map[int64]map[int64]int, error) {
	out := make(map[int64]map[int64]int, len(personIDs))
	if len(personIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.EvidenceCounts(ctx, db, dbq.EvidenceCountsParams{OrgID: orgID, ViewerID: viewerID, PersonIds: personIDs, WinFrom: from, WinTo: until})
	if err != nil {
		return nil, mapErr(err, "Evidence")
	}
	for _, r := range rows {
		if out[r.PersonID] == nil {
			out[r.PersonID] = map[int64]int{}
		}
		out[r.PersonID][r.CompetencyID] = int(r.N)
	}
	return out, nil
}

// EvidenceItems lists what backs a person's review in the period, as the
// viewer may see it: tagged kudos, observations, and shared notes of 1:1s
// the person agreed to use as evidence.
func (s *ReviewStore) EvidenceItems(ctx context.Context, orgID, viewerID, personID int64, from, until time.Time) ([]review.EvidenceItem, error) {
	var (
		ks []dbq.EvidenceKudosRow
		os []dbq.EvidenceObservationsRow
		ns []dbq.EvidenceSharedNotesRow
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		ks, err = s.q.EvidenceKudos(gctx, s.pool, dbq.EvidenceKudosParams{OrgID: orgID, PersonID: personID, ViewerID: viewerID, WinFrom: from, WinTo: until})
		return err
	})
	g.Go(func() (err error) {
		os, err = s.q.EvidenceObservations(gctx, s.pool, dbq.EvidenceObservationsParams{OrgID: orgID, PersonID: personID, WinFrom: from, WinTo: until})
		return err
	})
	g.Go(func() (err error) {
		ns, err = s.q.EvidenceSharedNotes(gctx, s.pool, dbq.EvidenceSharedNotesParams{OrgID: orgID, PersonID: personID, WinFrom: from, WinTo: until})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, mapErr(err, "Evidence")
	}
	var out []review.EvidenceItem
	for _, k := range ks {
		kind := review.KudoReceived
		if k.Given {
			kind = review.KudoGiven
		}
		out = append(out, review.EvidenceItem{Kind: kind, CompetencyID: k.CompetencyID, At: k.CreatedAt, Text: k.Did, By: k.AuthorName,
			Link: fmt.Sprintf("/kudos/%d", k.ID)})
	}
	for _, o := range os {
		out = append(out, review.EvidenceItem{Kind: review.Observation, CompetencyID: o.CompetencyID, At: o.CreatedAt, Text: o.Note, By: o.AuthorName,
			Link: fmt.Sprintf("/meetings/%d", o.MeetingID)})
	}
	for _, n := range ns {
		out = append(out, review.EvidenceItem{Kind: review.SharedNote, At: n.ScheduledAt, Text: n.SharedNotes, Link: fmt.Sprintf("/meetings/%d", n.ID)})
	}
	slices.SortStableFunc(out, func(a, b review.EvidenceItem) int { return b.At.Compare(a.At) })
	return out, nil
}

// SetEvidenceConsent grants or revokes the use of a meeting's shared notes
// as evidence; only the report of the series may. It reports whether the
// meeting was theirs.
func (s *ReviewStore) SetEvidenceConsent(ctx context.Context, orgID, meetingID, reportID int64, grant bool) (bool, error) {
	n, err := s.q.MeetingSetConsent(ctx, s.pool, dbq.MeetingSetConsentParams{OrgID: orgID, MeetingID: meetingID, ReportID: reportID, Granted: grant})
	return n == 1, mapErr(err, "Meeting")
}

// SetPeriodConsent grants or revokes the use as evidence of the shared
// notes of every held 1:1 of the report in [from, until).
func (s *ReviewStore) SetPeriodConsent(ctx context.Context, orgID, reportID int64, from, until time.Time, grant bool) (int, error) {
	n, err := s.q.MeetingsSetConsentInPeriod(ctx, s.pool, dbq.MeetingsSetConsentInPeriodParams{
		OrgID: orgID, ReportID: reportID, WinFrom: from, WinTo: until, Granted: grant})
	return int(n), mapErr(err, "Meetings")
}

// PeriodConsent counts the report's held 1:1s with shared notes in the
// period and those whose notes may be evidence.
func (s *ReviewStore) PeriodConsent(ctx context.Context, orgID, reportID int64, from, until time.Time) (int, int, error) {
	r, err := s.q.MeetingsWithSharedNotesInPeriod(ctx, s.pool, dbq.MeetingsWithSharedNotesInPeriodParams{
		OrgID: orgID, ReportID: reportID, WinFrom: from, WinTo: until})
	return int(r.WithNotes), int(r.Consented), mapErr(err, "Meetings")
}

// EvidenceConsent reports whether a meeting's shared notes may be evidence.
func (s *ReviewStore) EvidenceConsent(ctx context.Context, orgID, meetingID int64) (bool, error) {
	at, err := s.q.MeetingConsent(ctx, s.pool, dbq.MeetingConsentParams{OrgID: orgID, MeetingID: meetingID})
	return at != nil, mapErr(err, "Meeting")
}

// RecordDueNotices writes a notice for every step due in [from, until] that
// is still outstanding; a notice already recorded is kept as is.
func (s *ReviewStore) RecordDueNotices(ctx context.Context, from, until time.Time) (int, error) {
	rows, err := s.q.ReminderDue(ctx, s.pool, dbq.ReminderDueParams{FromDate: from, UntilDate: until})
	if err != nil {
		return 0, mapErr(err, "Reminders")
	}
	n := 0
	for _, r := range rows {
		k, err := s.q.NoticeRecord(ctx, s.pool, dbq.NoticeRecordParams{OrgID: r.OrgID, UserID: r.UserID, CycleID: r.CycleID, Kind: r.Kind, DueOn: r.DueOn})
		if err != nil {
			return n, mapErr(err, "Reminders")
		}
		n += int(k)
	}
	return n, nil
}

// Notices lists a person's recorded notices whose step is still outstanding.
func (s *ReviewStore) Notices(ctx context.Context, orgID, userID int64) ([]review.Notice, error) {
	rows, err := s.q.NoticesFor(ctx, s.readDB(ctx), dbq.NoticesForParams{OrgID: orgID, UserID: userID})
	if err != nil {
		return nil, mapErr(err, "Notices")
	}
	var out []review.Notice
	for _, r := range rows {
		if r.Outstanding == 0 {
			continue
		}
		out = append(out, review.Notice{CycleID: r.CycleID, CycleName: r.CycleName, Kind: r.Kind, DueOn: r.DueOn, Outstanding: int(r.Outstanding)})
	}
	return out, nil
}

// ReviewsFor lists the open-cycle reviews a person is the subject or the writer of.
func (s *ReviewStore) ReviewsFor(ctx context.Context, orgID, personID int64) ([]review.MyReview, error) {
	rows, err := s.q.ReviewsForPerson(ctx, s.readDB(ctx), dbq.ReviewsForPersonParams{OrgID: orgID, PersonID: personID})
	if err != nil {
		return nil, mapErr(err, "Reviews")
	}
	out := make([]review.MyReview, len(rows))
	for i, r := range rows {
		out[i] = review.MyReview{CycleID: r.CycleID, CycleName: r.CycleName, PersonID: r.PersonID, PersonName: r.PersonName,
			State: review.State(r.State), Own: r.Own, SelfDue: r.SelfDue, ManagerDue: r.ManagerDue}
	}
	return out, nil
}
