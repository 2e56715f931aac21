package health

import (
	"context"
	"time"

	"rapport/internal/core"
)

// Store is persistence for health checks. AnswerCheck stores an answer and
// marks its author as having answered in one transaction, with nothing that
// ties the two together (see docs/privacy.md).
type Store interface {
	HealthAccess(ctx context.Context, orgID, userID, teamID int64) (Access, error)
	HealthTeamName(ctx context.Context, orgID, teamID int64) (string, error)
	// ReadableHealthTeams lists the teams the viewer may read (the same rule
	// as HealthAccess's Reader), with their names.
	ReadableHealthTeams(ctx context.Context, orgID, userID int64) ([]Team, error)

	HealthDimensions(ctx context.Context, orgID int64, withRetired bool) ([]Dimension, error)
	// The settings changes below are written to the audit log as by actorID.
	AddHealthDimension(ctx context.Context, orgID, actorID int64, in DimensionInput) error
	UpdateHealthDimension(ctx context.Context, orgID, actorID, id int64, in DimensionInput) error
	RetireHealthDimension(ctx context.Context, orgID, actorID, id int64, retired bool) error
	HealthSettings(ctx context.Context, orgID int64) (Settings, error)
	SetHealthThreshold(ctx context.Context, orgID, actorID int64, n int) error

	// OpenCheck opens a check asking the organisation's current dimensions.
	OpenCheck(ctx context.Context, orgID, teamID, openedBy int64, in OpenInput, openedAt, closesAt time.Time) (int64, error)
	FindCheck(ctx context.Context, orgID, id int64) (Check, error)
	TeamChecks(ctx context.Context, orgID, teamID int64) ([]Check, error)
	// LatestChecks lists, for each of the teams, its checks newest first, at
	// most perTeam each.
	LatestChecks(ctx context.Context, orgID int64, teamIDs []int64, perTeam int) ([]Check, error)
	CloseCheck(ctx context.Context, orgID, id int64, now time.Time) error
	HasAnswered(ctx context.Context, orgID, checkID, userID int64) (bool, error)
	AnswerCheck(ctx context.Context, orgID, checkID, userID int64, r Response, now time.Time) error
	Responses(ctx context.Context, orgID int64, checkIDs []int64) (map[int64][]Response, error)
}

// Team is a team's id and name.
type Team struct {
	ID   int64
	Name string
}

// Service applies the health check rules.
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service {
	return &Service{Store: store, Clock: clock}
}

// TeamAccess says what the actor may do with a team's checks; people who may
// not read the team's health get ENOTFOUND, as if it did not exist.
func (s *Service) TeamAccess(ctx context.Context, a core.Actor, teamID int64) (Access, error) {
	acc, err := s.Store.HealthAccess(ctx, a.OrgID, a.UserID, teamID)
	if err != nil {
		return acc, err
	}
	if !acc.Reader {
		return acc, core.NotFound("Team")
	}
	return acc, nil
}

// open loads a check the actor may read, with their access.
func (s *Service) open(ctx context.Context, a core.Actor, id int64) (Check, Access, error) {
	c, err := s.Store.FindCheck(ctx, a.OrgID, id)
	if err != nil {
		return c, Access{}, err
	}
	acc, err := s.Store.HealthAccess(ctx, a.OrgID, a.UserID, c.TeamID)
	if err != nil {
		return c, acc, err
	}
	if !acc.Reader {
		return c, acc, core.NotFound("Health check")
	}
	return c, acc, nil
}

func (s *Service) threshold(ctx context.Context, orgID int64) (int, error) {
	st, err := s.Store.HealthSettings(ctx, orgID)
	if err != nil {
		return 0, err
	}
	return st.Threshold(), nil
}

// Open starts a check for a team whose checks the actor runs.
func (s *Service) Open(ctx context.Context, a core.Actor, teamID int64, in OpenInput) (int64, error) {
	acc, err := s.TeamAccess(ctx, a, teamID)
	if err != nil {
		return 0, err
	}
	if !acc.Opener {
		return 0, core.Errorf(core.EFORBIDDEN, "Only the team's manager or facilitators can open a health check.")
	}
	if err := in.Validate().Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return s.Store.OpenCheck(ctx, a.OrgID, teamID, a.UserID, in, now, now.Add(time.Duration(in.Days)*24*time.Hour))
}

// Close stops a check taking answers.
func (s *Service) Close(ctx context.Context, a core.Actor, id int64) error {
	c, acc, err := s.open(ctx, a, id)
	if err != nil {
		return err
	}
	if !acc.Opener {
		return core.Errorf(core.EFORBIDDEN, "Only the team's manager or facilitators can close a health check.")
	}
	if c.Closed(s.Clock.Now()) {
		return nil // already closed: a double submit
	}
	return s.Store.CloseCheck(ctx, a.OrgID, id, s.Clock.Now())
}

// Answer stores the actor's answer, once. The answer names nobody.
func (s *Service) Answer(ctx context.Context, a core.Actor, id int64, in *AnswerInput) error {
	c, acc, err := s.open(ctx, a, id)
	if err != nil {
		return err
	}
	if !acc.Member {
		return core.Errorf(core.EFORBIDDEN, "Only the team's members answer its health checks.")
	}
	if c.Closed(s.Clock.Now()) {
		return core.Errorf(core.ECONFLICT, "This check is closed and takes no more answers.")
	}
	done, err := s.Store.HasAnswered(ctx, a.OrgID, id, a.UserID)
	if err != nil {
		return err
	}
	if done {
		return core.Errorf(core.ECONFLICT, "You have already answered this check. Answers can't be changed, because they are not linked to you.")
	}
	r, err := in.Parse(c.Dimensions)
	if err != nil {
		return err
	}
	return s.Store.AnswerCheck(ctx, a.OrgID, id, a.UserID, r, s.Clock.Now())
}

// View is a check as one person sees it.
type View struct {
	Check    Check
	Access   Access
	Answered bool // the viewer has answered
	Closed   bool
	Results  Results
}

// Find returns a check the actor may read, with its results when they may be
// shown.
func (s *Service) Find(ctx context.Context, a core.Actor, id int64) (View, error) {
	c, acc, err := s.open(ctx, a, id)
	if err != nil {
		return View{}, err
	}
	now := s.Clock.Now()
	v := View{Check: c, Access: acc, Closed: c.Closed(now)}
	if acc.Member {
		if v.Answered, err = s.Store.HasAnswered(ctx, a.OrgID, id, a.UserID); err != nil {
			return v, err
		}
	}
	th, err := s.threshold(ctx, a.OrgID)
	if err != nil {
		return v, err
	}
	v.Results = Results{Check: c, Threshold: th, Needed: Needed(c, th)}
	if !ResultsShown(c, th, now) {
		return v, nil
	}
	// The team's earlier checks, for the comparison outline.
	checks, err := s.Store.TeamChecks(ctx, a.OrgID, c.TeamID)
	if err != nil {
		return v, err
	}
	var prev *Check
	for i := range checks {
		p := checks[i]
		if p.ID != c.ID && p.OpenedAt.Before(c.OpenedAt) && ResultsShown(p, th, now) {
			if prev == nil || p.OpenedAt.After(prev.OpenedAt) {
				prev = &checks[i]
			}
		}
	}
	ids := []int64{c.ID}
	if prev != nil {
		ids = append(ids, prev.ID)
	}
	rs, err := s.Store.Responses(ctx, a.OrgID, ids)
	if err != nil {
		return v, err
	}
	v.Results.Shown = true
	v.Results.Dimensions = Summarize(c.Dimensions, rs[c.ID])
	v.Results.Comments = Comments(rs[c.ID])
	if prev != nil {
		v.Results.Previous = &PastCheck{Check: *prev, Dimensions: Summarize(prev.Dimensions, rs[prev.ID])}
	}
	return v, nil
}

// TeamHealth is a team's health page: its checks and the trend of each
// dimension over those with results.
type TeamHealth struct {
	Team      Team
	Access    Access
	Checks    []Check // newest first
	Answered  map[int64]bool
	Threshold int
	Past      []PastCheck // with results, oldest first (at most MaxTrend)
	Trends    []TrendLine
	Now       time.Time
}

// MaxTrend is how many checks a trend follows.
const MaxTrend = 8

// Team returns a team's health page.
func (s *Service) Team(ctx context.Context, a core.Actor, teamID int64) (TeamHealth, error) {
	acc, err := s.TeamAccess(ctx, a, teamID)
	if err != nil {
		return TeamHealth{}, err
	}
	name, err := s.Store.HealthTeamName(ctx, a.OrgID, teamID)
	if err != nil {
		return TeamHealth{}, err
	}
	th, err := s.threshold(ctx, a.OrgID)
	if err != nil {
		return TeamHealth{}, err
	}
	now := s.Clock.Now()
	out := TeamHealth{Team: Team{ID: teamID, Name: name}, Access: acc, Threshold: th, Answered: map[int64]bool{}, Now: now}
	if out.Checks, err = s.Store.TeamChecks(ctx, a.OrgID, teamID); err != nil {
		return out, err
	}
	var shown []Check
	for _, c := range out.Checks {
		if acc.Member && !c.Closed(now) {
			if out.Answered[c.ID], err = s.Store.HasAnswered(ctx, a.OrgID, c.ID, a.UserID); err != nil {
				return out, err
			}
		}
		if ResultsShown(c, th, now) && len(shown) < MaxTrend {
			shown = append(shown, c)
		}
	}
	if out.Past, err = s.past(ctx, a.OrgID, shown); err != nil {
		return out, err
	}
	out.Trends = Trends(out.Past)
	return out, nil
}

// past summarises checks that passed ResultsShown, oldest first.
func (s *Service) past(ctx context.Context, orgID int64, checks []Check) ([]PastCheck, error) {
	if len(checks) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	rs, err := s.Store.Responses(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]PastCheck, 0, len(checks))
	for i := len(checks) - 1; i >= 0; i-- {
		c := checks[i]
		out = append(out, PastCheck{Check: c, Dimensions: Summarize(c.Dimensions, rs[c.ID])})
	}
	return out, nil
}

// Overview is the health home: the checks waiting for the actor's answer
// and the teams whose health they may read.
type Overview struct {
	ToAnswer []Check
	Teams    []Team
	Rollup   bool // the actor may open the organisation roll-up
}

// Overview lists what the health home shows.
func (s *Service) Overview(ctx context.Context, a core.Actor) (Overview, error) {
	var out Overview
	teams, err := s.Store.ReadableHealthTeams(ctx, a.OrgID, a.UserID)
	if err != nil {
		return out, err
	}
	out.Teams = teams
	out.Rollup = a.Is(core.RoleAdmin, core.RoleLeader)
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	checks, err := s.Store.LatestChecks(ctx, a.OrgID, ids, 3)
	if err != nil {
		return out, err
	}
	now := s.Clock.Now()
	for _, c := range checks {
		if c.Closed(now) {
			continue
		}
		acc, err := s.Store.HealthAccess(ctx, a.OrgID, a.UserID, c.TeamID)
		if err != nil {
			return out, err
		}
		if !acc.Member {
			continue
		}
		done, err := s.Store.HasAnswered(ctx, a.OrgID, c.ID, a.UserID)
		if err != nil {
			return out, err
		}
		if !done {
			out.ToAnswer = append(out.ToAnswer, c)
		}
	}
	return out, nil
}

// Rollup is the organisation roll-up for leaders (their part of the
// organisation) and admins (all of it): each team's latest closed check.
func (s *Service) Rollup(ctx context.Context, a core.Actor) (Rollup, error) {
	if !a.Is(core.RoleAdmin, core.RoleLeader) {
		return Rollup{}, core.Forbidden()
	}
	th, err := s.threshold(ctx, a.OrgID)
	if err != nil {
		return Rollup{}, err
	}
	out := Rollup{Threshold: th}
	if out.Dimensions, err = s.Store.HealthDimensions(ctx, a.OrgID, false); err != nil {
		return out, err
	}
	teams, err := s.Store.ReadableHealthTeams(ctx, a.OrgID, a.UserID)
	if err != nil {
		return out, err
	}
	ids := make([]int64, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	checks, err := s.Store.LatestChecks(ctx, a.OrgID, ids, MaxTrend)
	if err != nil {
		return out, err
	}
	now := s.Clock.Now()
	latest, prev := map[int64]Check{}, map[int64]Check{}
	for _, c := range checks { // newest first per team
		if !c.Closed(now) {
			continue
		}
		if _, ok := latest[c.TeamID]; !ok {
			latest[c.TeamID] = c
			continue
		}
		if _, ok := prev[c.TeamID]; !ok && ResultsShown(c, th, now) {
			prev[c.TeamID] = c
		}
	}
	var want []Check
	for _, t := range teams {
		if c, ok := latest[t.ID]; ok && ResultsShown(c, th, now) {
			want = append(want, c)
			if p, ok := prev[t.ID]; ok {
				want = append(want, p)
			}
		}
	}
	rsIDs := make([]int64, len(want))
	for i, c := range want {
		rsIDs[i] = c.ID
	}
	var rs map[int64][]Response
	if len(rsIDs) > 0 {
		if rs, err = s.Store.Responses(ctx, a.OrgID, rsIDs); err != nil {
			return out, err
		}
	}
	for _, t := range teams {
		row := RollupRow{TeamID: t.ID, TeamName: t.Name}
		c, ok := latest[t.ID]
		if ok {
			cc := c
			row.Latest = &cc
			row.Needed = Needed(c, th)
		}
		if ok && ResultsShown(c, th, now) {
			row.Shown = true
			cur := PastCheck{Check: c, Dimensions: Summarize(c.Dimensions, rs[c.ID])}
			row.Mean = Mean(cur.Dimensions)
			row.Averages = map[int64]float64{}
			for _, d := range cur.Dimensions {
				if d.DimensionID != 0 && d.Answers > 0 {
					row.Averages[d.DimensionID] = d.Average
				}
			}
			if p, ok := prev[t.ID]; ok {
				before := PastCheck{Check: p, Dimensions: Summarize(p.Dimensions, rs[p.ID])}
				row.Changes = map[int64]float64{}
				sum, n := 0.0, 0
				for id, avg := range row.Averages {
					if b, ok := before.Average(id); ok {
						row.Changes[id] = avg - b
						sum += avg - b
						n++
					}
				}
				if n > 0 {
					row.HasPrev = true
					row.Change = sum / float64(n)
				}
			}
		}
		out.Rows = append(out.Rows, row)
	}
	SortRollup(out.Rows)
	return out, nil
}

// Admin is the admin page: dimensions (retired ones too) and settings.
type Admin struct {
	Dimensions []Dimension
	Settings   Settings
}

func adminOnly(a core.Actor) error {
	if !a.Is(core.RoleAdmin) {
		return core.Forbidden()
	}
	return nil
}

// Admin returns the admin page's data.
func (s *Service) Admin(ctx context.Context, a core.Actor) (Admin, error) {
	if err := adminOnly(a); err != nil {
		return Admin{}, err
	}
	ds, err := s.Store.HealthDimensions(ctx, a.OrgID, true)
	if err != nil {
		return Admin{}, err
	}
	st, err := s.Store.HealthSettings(ctx, a.OrgID)
	return Admin{Dimensions: ds, Settings: st}, err
}

// AddDimension adds a dimension that checks opened from now on ask.
func (s *Service) AddDimension(ctx context.Context, a core.Actor, in *DimensionInput) error {
	if err := adminOnly(a); err != nil {
		return err
	}
	if err := in.Validate().Err(); err != nil {
		return err
	}
	return s.Store.AddHealthDimension(ctx, a.OrgID, a.UserID, *in)
}

// UpdateDimension rewords a dimension; checks already opened keep the
// wording they asked.
func (s *Service) UpdateDimension(ctx context.Context, a core.Actor, id int64, in *DimensionInput) error {
	if err := adminOnly(a); err != nil {
		return err
	}
	if err := in.Validate().Err(); err != nil {
		return err
	}
	return s.Store.UpdateHealthDimension(ctx, a.OrgID, a.UserID, id, *in)
}

// RetireDimension stops (or resumes) asking a dimension in new checks.
func (s *Service) RetireDimension(ctx context.Context, a core.Actor, id int64, retired bool) error {
	if err := adminOnly(a); err != nil {
		return err
	}
	if retired {
		ds, err := s.Store.HealthDimensions(ctx, a.OrgID, false)
		if err != nil {
			return err
		}
		if len(ds) <= MinDimensions {
			found := false
			for _, d := range ds {
				found = found || d.ID == id
			}
			if found {
				return core.Errorf(core.EINVALID, "Keep at least %d dimensions: add another before retiring this one.", MinDimensions)
			}
		}
	}
	return s.Store.RetireHealthDimension(ctx, a.OrgID, a.UserID, id, retired)
}

// MinDimensions is the fewest dimensions a check asks (a radar needs three).
const MinDimensions = 3

// SetThreshold sets the organisation's threshold.
func (s *Service) SetThreshold(ctx context.Context, a core.Actor, raw string) error {
	if err := adminOnly(a); err != nil {
		return err
	}
	n := 0
	ok := raw != "" && len(raw) <= 3
	for _, r := range raw {
		if r < '0' || r > '9' {
			ok = false
			break
		}
		n = n*10 + int(r-'0')
	}
	var v core.Validator
	v.Check(ok, "min_responses", "Enter a whole number.")
	v.Check(!ok || (n >= MinThreshold && n <= MaxThreshold), "min_responses", "Choose between 3 and 50: fewer than 3 answers could point at a person.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.SetHealthThreshold(ctx, a.OrgID, a.UserID, n)
}

// TeamName returns the name of a team whose health the actor may see.
func (s *Service) TeamName(ctx context.Context, a core.Actor, teamID int64) (string, error) {
	if _, err := s.TeamAccess(ctx, a, teamID); err != nil {
		return "", err
	}
	return s.Store.HealthTeamName(ctx, a.OrgID, teamID)
}
