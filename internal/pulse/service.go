package pulse

import (
	"context"
	"time"

	"rapport/internal/core"
)

// Access is what a person may do with a pulse.
type Access struct {
	Reader bool // results with breakdowns: admins, who scheduled it, the tree's top person and those above
	Member bool // in the audience: answers, and sees the results without breakdowns
}

// Listed is a pulse with the viewer's access.
type Listed struct {
	Pulse  Pulse
	Access Access
}

// Option is a team or a person to choose from.
type Option struct {
	ID   int64
	Name string
}

// Store is persistence for pulses. Answer stores an answer and marks its
// author as having answered in one transaction, with nothing that ties the
// two together (docs/privacy.md, "Pulse surveys").
type Store interface {
	CreatePulse(ctx context.Context, orgID, createdBy int64, in Input, startsAt time.Time) (int64, error)
	FindPulse(ctx context.Context, orgID, viewerID, id int64) (Listed, error)
	ListPulses(ctx context.Context, orgID, viewerID int64) ([]Listed, error)
	StopPulse(ctx context.Context, orgID, id int64, now time.Time) error
	PulseAnswered(ctx context.Context, orgID, pulseID int64, round int, userID int64) (bool, error)
	// AnswerPulse refuses (EINVALID) someone outside the audience or a second
	// answer; minGroup is the fewest people a team or manager must have in
	// the audience to be kept with the answer.
	AnswerPulse(ctx context.Context, orgID, pulseID int64, round int, userID int64, minGroup int, r Response) error
	PulseRoundCounts(ctx context.Context, orgID, pulseID int64) (map[int]int, error)
	PulseResponses(ctx context.Context, orgID, pulseID int64, rounds []int) (map[int][]Response, error)
	PulseScopeTeams(ctx context.Context, orgID int64) ([]Option, error)
	PulseScopeRoots(ctx context.Context, orgID int64) ([]Option, error)
	// PulseThreshold is the organisation's threshold for anonymous results (the
	// one health checks use), never under health.MinThreshold.
	PulseThreshold(ctx context.Context, orgID int64) (int, error)
	// RemindPulses writes a reminder of every round open at now to each
	// person it asks, once per person and round; it returns how many.
	RemindPulses(ctx context.Context, now time.Time) (int, error)
}

// Service applies the pulse rules.
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service { return &Service{Store: store, Clock: clock} }

// CanSchedule reports whether the actor schedules pulses at all.
func CanSchedule(a core.Actor) bool { return a.Is(core.RoleAdmin, core.RoleLeader) }

// Choices are what the schedule form offers the actor.
type Choices struct {
	Admin bool     // any scope; a leader asks their own reporting tree only
	Teams []Option // admins only
	Roots []Option // admins only
}

// Choices returns the schedule form's options.
func (s *Service) Choices(ctx context.Context, a core.Actor) (Choices, error) {
	if !CanSchedule(a) {
		return Choices{}, core.Errorf(core.EFORBIDDEN, "Only admins and leaders schedule pulses.")
	}
	if !a.Is(core.RoleAdmin) {
		return Choices{}, nil
	}
	out := Choices{Admin: true}
	var err error
	if out.Teams, err = s.Store.PulseScopeTeams(ctx, a.OrgID); err != nil {
		return out, err
	}
	out.Roots, err = s.Store.PulseScopeRoots(ctx, a.OrgID)
	return out, err
}

// Schedule stores a pulse whose first round opens now. A leader may ask
// only their own reporting tree; an admin the organisation, a team or
// anyone's tree.
func (s *Service) Schedule(ctx context.Context, a core.Actor, in *Input) (int64, error) {
	if !CanSchedule(a) {
		return 0, core.Errorf(core.EFORBIDDEN, "Only admins and leaders schedule pulses.")
	}
	if !a.Is(core.RoleAdmin) {
		in.Scope, in.TeamID, in.RootID = ScopeTree, 0, a.UserID
	}
	if err := in.Validate().Err(); err != nil {
		return 0, err
	}
	if a.Is(core.RoleAdmin) {
		if err := s.checkChoice(ctx, a, in); err != nil {
			return 0, err
		}
	}
	return s.Store.CreatePulse(ctx, a.OrgID, a.UserID, *in, s.Clock.Now())
}

// checkChoice makes sure the chosen team or person is one the form offered.
func (s *Service) checkChoice(ctx context.Context, a core.Actor, in *Input) error {
	var opts []Option
	var err error
	field, id := "", int64(0)
	switch in.Scope {
	case ScopeTeam:
		opts, err = s.Store.PulseScopeTeams(ctx, a.OrgID)
		field, id = "team", in.TeamID
	case ScopeTree:
		opts, err = s.Store.PulseScopeRoots(ctx, a.OrgID)
		field, id = "root", in.RootID
	default:
		return nil
	}
	if err != nil {
		return err
	}
	for _, o := range opts {
		if o.ID == id {
			return nil
		}
	}
	var v core.Validator
	v.Check(false, field, "Choose one from the list.")
	return v.Err()
}

// find loads a pulse the actor may see (a reader or in its audience);
// others get ENOTFOUND, as if it did not exist.
func (s *Service) find(ctx context.Context, a core.Actor, id int64) (Listed, error) {
	l, err := s.Store.FindPulse(ctx, a.OrgID, a.UserID, id)
	if err != nil {
		return l, err
	}
	if !l.Access.Reader && !l.Access.Member {
		return l, core.NotFound("Pulse")
	}
	return l, nil
}

// Stop ends a pulse: no round opens after now; an open round stays open.
func (s *Service) Stop(ctx context.Context, a core.Actor, id int64) error {
	l, err := s.find(ctx, a, id)
	if err != nil {
		return err
	}
	if !l.Access.Reader || !CanSchedule(a) {
		return core.Errorf(core.EFORBIDDEN, "Only the admins and leaders who read this pulse can stop it.")
	}
	return s.Store.StopPulse(ctx, a.OrgID, id, s.Clock.Now())
}

// AnswerView is the answer page.
type AnswerView struct {
	Pulse    Pulse
	Access   Access
	Round    Round
	Open     bool // a round takes answers now
	Answered bool // the viewer answered it
	Next     time.Time
}

// AnswerPage returns what the answer page shows.
func (s *Service) AnswerPage(ctx context.Context, a core.Actor, id int64) (AnswerView, error) {
	l, err := s.find(ctx, a, id)
	if err != nil {
		return AnswerView{}, err
	}
	now := s.Clock.Now()
	v := AnswerView{Pulse: l.Pulse, Access: l.Access, Next: l.Pulse.Next(now)}
	v.Round, v.Open = l.Pulse.Current(now)
	if v.Open && l.Access.Member {
		v.Answered, err = s.Store.PulseAnswered(ctx, a.OrgID, id, v.Round.Number, a.UserID)
	}
	return v, err
}

// Answer stores the actor's answer to the open round, once. The answer
// names nobody. Someone outside the audience, a round that is not open and
// a second answer are refused beside the send button.
func (s *Service) Answer(ctx context.Context, a core.Actor, id int64, in *AnswerInput) error {
	l, err := s.find(ctx, a, id)
	if err != nil {
		return err
	}
	if !l.Access.Member {
		return refuse("You are not among the people this pulse asks, so there is nothing to answer.")
	}
	round, open := l.Pulse.Current(s.Clock.Now())
	if !open {
		return refuse("No round of this pulse is open now; answers are closed.")
	}
	done, err := s.Store.PulseAnswered(ctx, a.OrgID, id, round.Number, a.UserID)
	if err != nil {
		return err
	}
	if done {
		return refuse("You have already answered this round. Answers can't be changed, because they are not linked to you.")
	}
	r, err := in.Parse(l.Pulse.Statements)
	if err != nil {
		return err
	}
	th, err := s.Store.PulseThreshold(ctx, a.OrgID)
	if err != nil {
		return err
	}
	return s.Store.AnswerPulse(ctx, a.OrgID, id, round.Number, a.UserID, th, r)
}

// MaxTrend is how many rounds the results page follows.
const MaxTrend = 12

// Results is the results page.
type Results struct {
	Pulse     Pulse
	Access    Access
	Threshold int
	Rounds    []RoundResult // newest first, opened rounds only, at most MaxTrend
	Selected  *RoundResult  // the round shown in full: the latest with results, or the one asked for
	Now       time.Time
}

// Trend lists rounds with results, oldest first.
func (r Results) Trend() []RoundResult {
	var out []RoundResult
	for i := len(r.Rounds) - 1; i >= 0; i-- {
		if r.Rounds[i].Shown {
			out = append(out, r.Rounds[i])
		}
	}
	return out
}

// Results returns a pulse's results: every round's figures once it closed
// with enough answers, a trend over rounds, and for readers breakdowns of
// one round by team and by manager. round picks the round shown in full
// (0: the latest with results).
func (s *Service) Results(ctx context.Context, a core.Actor, id int64, round int) (Results, error) {
	l, err := s.find(ctx, a, id)
	if err != nil {
		return Results{}, err
	}
	now := s.Clock.Now()
	out := Results{Pulse: l.Pulse, Access: l.Access, Now: now}
	if out.Threshold, err = s.Store.PulseThreshold(ctx, a.OrgID); err != nil {
		return out, err
	}
	counts, err := s.Store.PulseRoundCounts(ctx, a.OrgID, id)
	if err != nil {
		return out, err
	}
	var shown []int
	for n := l.Pulse.Latest(now); n >= 1 && len(out.Rounds) < MaxTrend; n-- {
		r := l.Pulse.Round(n)
		if l.Pulse.StoppedAt != nil && !r.OpensAt.Before(*l.Pulse.StoppedAt) {
			continue
		}
		rr := RoundResult{Round: r, Responses: counts[n], Shown: ResultsShown(r, counts[n], out.Threshold, now)}
		if rr.Shown {
			shown = append(shown, n)
		}
		out.Rounds = append(out.Rounds, rr)
	}
	if len(shown) == 0 {
		return out, nil
	}
	rs, err := s.Store.PulseResponses(ctx, a.OrgID, id, shown)
	if err != nil {
		return out, err
	}
	for i := range out.Rounds {
		rr := &out.Rounds[i]
		if !rr.Shown {
			continue
		}
		rr.Figures = Summarize(l.Pulse.Statements, rs[rr.Round.Number])
		if out.Selected == nil && (round == 0 || round == rr.Round.Number) {
			rr.Comments = Comments(rs[rr.Round.Number])
			if l.Access.Reader {
				t, m := Breakdowns(l.Pulse.Statements, rs[rr.Round.Number], out.Threshold)
				rr.ByTeam, rr.ByManager = &t, &m
			}
			out.Selected = rr
		}
	}
	return out, nil
}

// Home is what the home page says about pulses: the open rounds waiting for
// the actor's answer.
type Home struct {
	ToAnswer []Listed
}

// Home lists the pulses with an open round the actor has not answered.
func (s *Service) Home(ctx context.Context, a core.Actor) (Home, error) {
	ls, err := s.Store.ListPulses(ctx, a.OrgID, a.UserID)
	if err != nil {
		return Home{}, err
	}
	return s.toAnswer(ctx, a, ls)
}

// toAnswer picks the listed pulses with an open round the actor has not
// answered.
func (s *Service) toAnswer(ctx context.Context, a core.Actor, ls []Listed) (Home, error) {
	now := s.Clock.Now()
	var out Home
	var open []Listed
	var checks []func(context.Context) error
	answered := make([]bool, 0, len(ls))
	for _, l := range ls {
		r, isOpen := l.Pulse.Current(now)
		if !isOpen || !l.Access.Member {
			continue
		}
		i := len(open)
		open = append(open, l)
		answered = append(answered, false)
		checks = append(checks, func(ctx context.Context) (err error) {
			answered[i], err = s.Store.PulseAnswered(ctx, a.OrgID, l.Pulse.ID, r.Number, a.UserID)
			return err
		})
	}
	// One check per open round, sent together.
	if err := core.Together(ctx, checks...); err != nil {
		return out, err
	}
	for i, l := range open {
		if !answered[i] {
			out.ToAnswer = append(out.ToAnswer, l)
		}
	}
	return out, nil
}

// List is the pulses page.
type List struct {
	Pulses      []Listed
	ToAnswer    map[int64]bool // pulse id → open round the viewer has not answered
	CanSchedule bool
	Now         time.Time
}

// List returns the pulses the actor reads or is asked.
func (s *Service) List(ctx context.Context, a core.Actor) (List, error) {
	out := List{CanSchedule: CanSchedule(a), ToAnswer: map[int64]bool{}, Now: s.Clock.Now()}
	var err error
	if out.Pulses, err = s.Store.ListPulses(ctx, a.OrgID, a.UserID); err != nil {
		return out, err
	}
	h, err := s.toAnswer(ctx, a, out.Pulses)
	for _, l := range h.ToAnswer {
		out.ToAnswer[l.Pulse.ID] = true
	}
	return out, err
}

// RemindOpenRounds emails the people each open round asks, once per person
// and round, whether or not they have answered (who gets one must not say
// who answered).
func (s *Service) RemindOpenRounds(ctx context.Context) (int, error) {
	return s.Store.RemindPulses(ctx, s.Clock.Now())
}
