package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/health"
	"rapport/internal/postgres/dbq"
)

var _ health.Store = (*HealthStore)(nil)

// HealthStore keeps teams' health check settings, dimensions, checks and
// answers.
type HealthStore struct{ base }

// NewHealthStore returns the health check store on pool.
func NewHealthStore(pool *pgxpool.Pool) *HealthStore { return &HealthStore{newBase(pool)} }

// HealthAccess says what a person may do with a team's health checks.
func (s *HealthStore) HealthAccess(ctx context.Context, orgID, userID, teamID int64) (health.Access, error) {
	r, err := s.q.HealthAccess(ctx, s.pool, dbq.HealthAccessParams{OrgID: orgID, UserID: userID, TeamID: teamID})
	if err != nil {
		return health.Access{}, mapErr(err, "Team")
	}
	return health.Access{
		Member: r.Member,
		Opener: r.Member && (r.ManagesMember || r.Named || !r.HasManager),
		Reader: r.Reader,
	}, nil
}

// HealthTeamName returns a team's name.
func (s *HealthStore) HealthTeamName(ctx context.Context, orgID, teamID int64) (string, error) {
	n, err := s.q.HealthTeamName(ctx, s.pool, dbq.HealthTeamNameParams{OrgID: orgID, ID: teamID})
	return n, mapErr(err, "Team")
}

// ReadableHealthTeams lists the teams whose health the person may read.
func (s *HealthStore) ReadableHealthTeams(ctx context.Context, orgID, userID int64) ([]health.Team, error) {
	rows, err := s.q.HealthReadableTeams(ctx, s.pool, dbq.HealthReadableTeamsParams{OrgID: orgID, UserID: userID})
	out := make([]health.Team, len(rows))
	for i, r := range rows {
		out[i] = health.Team{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "Teams")
}

// HealthDimensions lists the organisation's dimensions in their order.
func (s *HealthStore) HealthDimensions(ctx context.Context, orgID int64, withRetired bool) ([]health.Dimension, error) {
	rows, err := s.q.HealthDimensionList(ctx, s.pool, dbq.HealthDimensionListParams{OrgID: orgID, WithRetired: withRetired})
	out := make([]health.Dimension, len(rows))
	for i, r := range rows {
		out[i] = health.Dimension{ID: r.ID, Position: int(r.Position), Name: r.Name, Description: r.Description, Version: int(r.Version), Retired: r.Retired}
	}
	return out, mapErr(err, "Dimensions")
}

// dimensionErr turns a clash of names into a message next to the name.
func dimensionErr(err error) error {
	err = mapErr(err, "Dimension")
	if core.ErrorCode(err) == core.ECONFLICT {
		return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"name": "Another dimension already has this name."}}
	}
	return err
}

// AddHealthDimension adds a dimension at the end.
func (s *HealthStore) AddHealthDimension(ctx context.Context, orgID, actorID int64, in health.DimensionInput) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.HealthDimensionAdd(ctx, tx, dbq.HealthDimensionAddParams{OrgID: orgID, Name: in.Name, Description: in.Description, IdemKey: in.IdemKey})
		if err != nil {
			return err
		}
		if n == 1 {
			return s.auditDetail(ctx, tx, orgID, actorID, "health.dimension.add", "", map[string]any{"dimension": in.Name})
		}
		// Nothing stored: the same form was stored already, or the name is
		// taken.
		done, err := s.q.HealthDimensionByIdem(ctx, tx, dbq.HealthDimensionByIdemParams{OrgID: orgID, IdemKey: in.IdemKey})
		if err != nil || done {
			return err
		}
		return &pgconn.PgError{Code: "23505"}
	})
	return dimensionErr(err)
}

// UpdateHealthDimension rewords a dimension (a new version).
func (s *HealthStore) UpdateHealthDimension(ctx context.Context, orgID, actorID, id int64, in health.DimensionInput) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.HealthDimensionUpdate(ctx, tx, dbq.HealthDimensionUpdateParams{OrgID: orgID, ID: id, Name: in.Name, Description: in.Description})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.NotFound("Dimension")
		}
		return s.auditDetail(ctx, tx, orgID, actorID, "health.dimension.update", "", map[string]any{"dimension": in.Name})
	})
	return dimensionErr(err)
}

// RetireHealthDimension retires or restores a dimension.
func (s *HealthStore) RetireHealthDimension(ctx context.Context, orgID, actorID, id int64, retired bool) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.HealthDimensionRetire(ctx, tx, dbq.HealthDimensionRetireParams{OrgID: orgID, ID: id, Retired: retired})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.NotFound("Dimension")
		}
		action := "health.dimension.retire"
		if !retired {
			action = "health.dimension.restore"
		}
		return s.auditDetail(ctx, tx, orgID, actorID, action, "", map[string]any{"dimension_id": id})
	})
	if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
		return core.Errorf(core.ECONFLICT, "Another dimension in use already has this name: rename one of them first.")
	}
	return mapErr(err, "Dimension")
}

// HealthSettings returns the organisation's settings.
func (s *HealthStore) HealthSettings(ctx context.Context, orgID int64) (health.Settings, error) {
	n, err := s.q.HealthSettingsGet(ctx, s.pool, orgID)
	return health.Settings{MinResponses: int(n)}, mapErr(err, "Settings")
}

// SetHealthThreshold sets how many answers results need.
func (s *HealthStore) SetHealthThreshold(ctx context.Context, orgID, actorID int64, n int) error {
	return mapErr(s.inTx(ctx, func(tx pgx.Tx) error {
		if err := s.q.HealthSettingsSet(ctx, tx, dbq.HealthSettingsSetParams{OrgID: orgID, MinResponses: int16(n)}); err != nil {
			return err
		}
		return s.auditDetail(ctx, tx, orgID, actorID, "health.threshold", "", map[string]any{"min_responses": n})
	}), "Settings")
}

// OpenCheck stores a check with a copy of the current dimensions' wording;
// the same form submitted twice stores one and answers both with its id.
func (s *HealthStore) OpenCheck(ctx context.Context, orgID, teamID, openedBy int64, in health.OpenInput, openedAt, closesAt time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.q.HealthCheckCreate(ctx, tx, dbq.HealthCheckCreateParams{OrgID: orgID, TeamID: teamID, Title: in.Title,
			OpenedBy: &openedBy, OpenedAt: openedAt, ClosesAt: closesAt, IdemKey: in.IdemKey})
		if errors.Is(err, pgx.ErrNoRows) {
			id, err = s.q.HealthCheckByIdem(ctx, tx, dbq.HealthCheckByIdemParams{OrgID: orgID, TeamID: teamID, IdemKey: in.IdemKey})
			return err
		}
		if err != nil {
			return err
		}
		return s.q.HealthCheckCopyDimensions(ctx, tx, dbq.HealthCheckCopyDimensionsParams{CheckID: id, OrgID: orgID})
	})
	return id, mapErr(err, "Health check")
}

type checkRow struct {
	ID, OrgID, TeamID  int64
	TeamName, Title    string
	OpenedAt, ClosesAt time.Time
	ClosedAt           *time.Time
	Responses          int32
}

func (r checkRow) check() health.Check {
	return health.Check{ID: r.ID, OrgID: r.OrgID, TeamID: r.TeamID, TeamName: r.TeamName, Title: r.Title,
		OpenedAt: r.OpenedAt, ClosesAt: r.ClosesAt, ClosedAt: r.ClosedAt, Responses: int(r.Responses)}
}

// withDimensions fills in each check's dimensions.
func (s *HealthStore) withDimensions(ctx context.Context, orgID int64, cs []health.Check) ([]health.Check, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	ids := make([]int64, len(cs))
	at := map[int64]int{}
	for i, c := range cs {
		ids[i] = c.ID
		at[c.ID] = i
	}
	rows, err := s.q.HealthCheckDimensions(ctx, s.pool, dbq.HealthCheckDimensionsParams{OrgID: orgID, CheckIds: ids})
	if err != nil {
		return nil, mapErr(err, "Health check")
	}
	for _, r := range rows {
		d := health.CheckDimension{Position: int(r.Position), Version: int(r.Version), Name: r.Name, Description: r.Description}
		if r.DimensionID != nil {
			d.DimensionID = *r.DimensionID
		}
		i := at[r.CheckID]
		cs[i].Dimensions = append(cs[i].Dimensions, d)
	}
	return cs, nil
}

// FindCheck returns a check of the organisation with its dimensions.
func (s *HealthStore) FindCheck(ctx context.Context, orgID, id int64) (health.Check, error) {
	r, err := s.q.HealthCheckGet(ctx, s.pool, dbq.HealthCheckGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return health.Check{}, mapErr(err, "Health check")
	}
	cs, err := s.withDimensions(ctx, orgID, []health.Check{checkRow(r).check()})
	if err != nil {
		return health.Check{}, err
	}
	return cs[0], nil
}

// TeamChecks lists a team's checks, newest first.
func (s *HealthStore) TeamChecks(ctx context.Context, orgID, teamID int64) ([]health.Check, error) {
	rows, err := s.q.HealthChecksForTeam(ctx, s.pool, dbq.HealthChecksForTeamParams{OrgID: orgID, TeamID: teamID})
	if err != nil {
		return nil, mapErr(err, "Health checks")
	}
	out := make([]health.Check, len(rows))
	for i, r := range rows {
		out[i] = checkRow(r).check()
	}
	return s.withDimensions(ctx, orgID, out)
}

// LatestChecks lists each team's newest checks.
func (s *HealthStore) LatestChecks(ctx context.Context, orgID int64, teamIDs []int64, perTeam int) ([]health.Check, error) {
	if len(teamIDs) == 0 {
		return nil, nil
	}
	rows, err := s.q.HealthChecksLatest(ctx, s.pool, dbq.HealthChecksLatestParams{OrgID: orgID, TeamIds: teamIDs, PerTeam: int32(perTeam)})
	if err != nil {
		return nil, mapErr(err, "Health checks")
	}
	out := make([]health.Check, len(rows))
	for i, r := range rows {
		out[i] = checkRow(r).check()
	}
	return s.withDimensions(ctx, orgID, out)
}

// CloseCheck closes a check now.
func (s *HealthStore) CloseCheck(ctx context.Context, orgID, id int64, now time.Time) error {
	return mapErr(s.q.HealthCheckClose(ctx, s.pool, dbq.HealthCheckCloseParams{OrgID: orgID, ID: id, Now: now}), "Health check")
}

// HasAnswered reports whether the person answered the check.
func (s *HealthStore) HasAnswered(ctx context.Context, orgID, checkID, userID int64) (bool, error) {
	ok, err := s.q.HealthResponderExists(ctx, s.pool, dbq.HealthResponderExistsParams{OrgID: orgID, CheckID: checkID, UserID: userID})
	return ok, mapErr(err, "Health check")
}

// AnswerCheck stores an answer and notes that the person answered, in one
// transaction that first locks the check (answers to a check are written one
// after another). It then writes every answer and every "has answered" row
// of the check again in a random order, so that all of them carry this
// transaction's id and none sits where the order of answering would put it:
// neither table can be matched with the other by transaction, place or time.
func (s *HealthStore) AnswerCheck(ctx context.Context, orgID, checkID, userID int64, r health.Response, now time.Time) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		open, err := s.q.HealthCheckLockOpen(ctx, tx, dbq.HealthCheckLockOpenParams{OrgID: orgID, ID: checkID, Now: now})
		if err != nil {
			return err
		}
		if !open {
			return core.Errorf(core.ECONFLICT, "This check is closed and takes no more answers.")
		}
		n, err := s.q.HealthResponderAdd(ctx, tx, dbq.HealthResponderAddParams{CheckID: checkID, UserID: userID})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.Errorf(core.ECONFLICT, "You have already answered this check. Answers can't be changed, because they are not linked to you.")
		}
		scores, trends := make([]int16, len(r.Scores)), make([]int16, len(r.Trends))
		for i, v := range r.Scores {
			scores[i] = int16(v)
		}
		for i, v := range r.Trends {
			trends[i] = int16(v)
		}
		if err := s.q.HealthResponseAdd(ctx, tx, dbq.HealthResponseAddParams{OrgID: orgID, CheckID: checkID, Scores: scores, Trends: trends, Comment: r.Comment}); err != nil {
			return err
		}
		if err := s.q.HealthResponsesShuffle(ctx, tx, checkID); err != nil {
			return err
		}
		return s.q.HealthRespondersShuffle(ctx, tx, checkID)
	})
	return mapErr(err, "Answer")
}

// Responses returns the answers of checks, by check.
func (s *HealthStore) Responses(ctx context.Context, orgID int64, checkIDs []int64) (map[int64][]health.Response, error) {
	out := map[int64][]health.Response{}
	if len(checkIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.HealthResponsesFor(ctx, s.pool, dbq.HealthResponsesForParams{OrgID: orgID, CheckIds: checkIDs})
	if err != nil {
		return nil, mapErr(err, "Answers")
	}
	for _, row := range rows {
		r := health.Response{Comment: row.Comment, Scores: make([]int, len(row.Scores)), Trends: make([]health.Trend, len(row.Trends))}
		for i, v := range row.Scores {
			r.Scores[i] = int(v)
		}
		for i, v := range row.Trends {
			r.Trends[i] = health.Trend(v)
		}
		out[row.CheckID] = append(out[row.CheckID], r)
	}
	return out, nil
}
