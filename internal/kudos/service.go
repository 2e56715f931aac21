package kudos

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Service applies the recognition rules.
type Service struct {
	Store Store
	Clock core.Clock
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service {
	return &Service{Store: store, Clock: clock}
}

// check validates a kudo against the organisation: recipients active and in
// it, competencies known, a team-only kudo's team one the author belongs to.
func (s *Service) check(ctx context.Context, a core.Actor, in *Input) error {
	in.normalize()
	v := in.validate(a.UserID)
	if len(in.RecipientIDs) > 0 {
		found, err := s.Store.ActivePeople(ctx, a.OrgID, in.RecipientIDs)
		if err != nil {
			return err
		}
		v.Check(len(found) == len(in.RecipientIDs), "recipients", "Choose active colleagues from the list.")
	}
	if len(in.CompetencyIDs) > 0 {
		known, err := s.Store.CompetencyIDs(ctx, a.OrgID)
		if err != nil {
			return err
		}
		for _, id := range in.CompetencyIDs {
			_, ok := known[id]
			v.Check(ok, "competencies", "Choose competencies from the list.")
		}
	}
	if in.Visibility == VisTeam && in.TeamID != nil {
		teams, err := s.Store.TeamIDsOf(ctx, a.OrgID, a.UserID)
		if err != nil {
			return err
		}
		member := false
		for _, t := range teams {
			member = member || t == *in.TeamID
		}
		v.Check(member, "team_id", "Choose one of your teams.")
	}
	return v.Err()
}

// Post records a kudo; a double submit of the same form stores one.
func (s *Service) Post(ctx context.Context, a core.Actor, in Input) (int64, error) {
	if err := s.check(ctx, a, &in); err != nil {
		return 0, err
	}
	return s.Store.CreateKudo(ctx, a.OrgID, a.UserID, in)
}

// Kudo returns a kudo the actor may see; others get 404.
func (s *Service) Kudo(ctx context.Context, a core.Actor, id int64) (Kudo, []Comment, error) {
	k, err := s.Store.FindKudo(ctx, a.OrgID, a.UserID, id)
	if err != nil {
		return Kudo{}, nil, err
	}
	cs, err := s.Store.Comments(ctx, a.OrgID, id)
	return k, cs, err
}

// Edit changes the author's kudo within the edit window.
func (s *Service) Edit(ctx context.Context, a core.Actor, id int64, in Input) error {
	k, err := s.Store.FindKudo(ctx, a.OrgID, a.UserID, id)
	if err != nil {
		return err
	}
	if k.AuthorID != a.UserID {
		return core.Forbidden()
	}
	if !k.Editable(a.UserID, s.Clock.Now()) {
		return core.Errorf(core.EINVALID, "Kudos can be edited for 15 minutes after posting.")
	}
	in.IdemKey = "edit"
	if err := s.check(ctx, a, &in); err != nil {
		return err
	}
	// A tag whose competency has been retired since is no longer offered on
	// the form, so it cannot be un-ticked: it stays, as on every old kudo.
	offered, err := s.Store.CompetencyIDs(ctx, a.OrgID)
	if err != nil {
		return err
	}
	for _, c := range k.Competencies {
		if _, ok := offered[c.ID]; !ok {
			in.CompetencyIDs = append(in.CompetencyIDs, c.ID)
		}
	}
	in.CompetencyIDs = dedupe(in.CompetencyIDs)
	return s.Store.UpdateKudo(ctx, a.OrgID, a.UserID, id, in)
}

// Delete removes the author's kudo.
func (s *Service) Delete(ctx context.Context, a core.Actor, id int64) error {
	k, err := s.Store.FindKudo(ctx, a.OrgID, a.UserID, id)
	if err != nil {
		return err
	}
	if k.AuthorID != a.UserID {
		return core.Forbidden()
	}
	return s.Store.DeleteKudo(ctx, a.OrgID, a.UserID, id)
}

// Feed returns a screen of kudos the actor may see, and whether there are older ones.
func (s *Service) Feed(ctx context.Context, a core.Actor, f Filter) ([]Kudo, bool, error) {
	if f.BeforeAt.IsZero() {
		f.BeforeAt = s.Clock.Now().Add(time.Hour)
		f.BeforeID = 1<<63 - 1
	}
	f.Limit = FeedPageSize + 1
	ks, err := s.Store.Feed(ctx, a.OrgID, a.UserID, f)
	if err != nil {
		return nil, false, err
	}
	more := len(ks) > FeedPageSize
	if more {
		ks = ks[:FeedPageSize]
	}
	return ks, more, nil
}

// Page is a page of the feed with what it takes to show it.
type Page struct {
	Items   []Kudo
	More    bool // an older page follows
	Resolve Resolver
}

// FeedPage returns the kudos Feed returns, with the people their texts
// mention: the kudos first, then their details and the mentions together.
func (s *Service) FeedPage(ctx context.Context, a core.Actor, f Filter) (Page, error) {
	if f.BeforeAt.IsZero() {
		f.BeforeAt = s.Clock.Now().Add(time.Hour)
		f.BeforeID = 1<<63 - 1
	}
	f.Limit = FeedPageSize + 1
	ks, err := s.Store.FeedRows(ctx, a.OrgID, a.UserID, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: ks, More: len(ks) > FeedPageSize}
	if p.More {
		p.Items = ks[:FeedPageSize]
	}
	texts := make([]string, 0, 2*len(p.Items))
	for _, k := range p.Items {
		texts = append(texts, k.Did, k.Impact)
	}
	err = core.Together(ctx,
		func(ctx context.Context) error { return s.Store.FillDetails(ctx, a.OrgID, a.UserID, p.Items) },
		func(ctx context.Context) (err error) {
			p.Resolve, err = s.Resolver(ctx, a.OrgID, texts...)
			return err
		})
	return p, err
}

// Comment adds a comment to a kudo the actor may see. key is the form's key:
// the same form submitted twice stores one comment.
func (s *Service) Comment(ctx context.Context, a core.Actor, kudoID int64, body, key string) error {
	if _, err := s.Store.FindKudo(ctx, a.OrgID, a.UserID, kudoID); err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	var v core.Validator
	v.Check(body != "", "comment", "Write a comment.")
	v.Check(utf8.RuneCountInString(body) <= MaxComment, "comment", "Keep comments under 1,000 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	return s.Store.AddComment(ctx, a.OrgID, kudoID, a.UserID, body, core.FormKey(key, body))
}

// React adds or takes back the actor's reaction on a kudo they may see. on
// is what the button asked for (the form says whether it adds or takes back),
// so a double click reacts once; nil toggles.
func (s *Service) React(ctx context.Context, a core.Actor, kudoID int64, key string, on *bool) error {
	if _, err := s.Store.FindKudo(ctx, a.OrgID, a.UserID, kudoID); err != nil {
		return err
	}
	if !ValidReaction(key) {
		return core.Errorf(core.EINVALID, "Choose one of the reactions.")
	}
	if on != nil {
		return s.Store.SetReaction(ctx, a.OrgID, kudoID, a.UserID, key, *on)
	}
	return s.Store.ToggleReaction(ctx, a.OrgID, kudoID, a.UserID, key)
}

// PersonSummary is a person's recognition, as far as the viewer may see.
type PersonSummary struct {
	Received, Given int
	ByCompetency    []CompetencyCount
}

// Person summarises a person's visible recognition.
func (s *Service) Person(ctx context.Context, a core.Actor, personID int64) (PersonSummary, error) {
	r, g, by, err := s.Store.Counts(ctx, a.OrgID, a.UserID, personID)
	return PersonSummary{Received: r, Given: g, ByCompetency: by}, err
}

// Resolver looks up the people mentioned in texts, in one query.
func (s *Service) Resolver(ctx context.Context, orgID int64, texts ...string) (Resolver, error) {
	var handles []string
	for _, t := range texts {
		handles = append(handles, Mentions(t)...)
	}
	found := map[string]Named{}
	if len(handles) > 0 {
		var err error
		if found, err = s.Store.PeopleByHandles(ctx, orgID, handles); err != nil {
			return nil, err
		}
	}
	return func(h string) (Person, bool) {
		n, ok := found[strings.ToLower(h)]
		return Person{ID: n.ID, Name: n.Name}, ok
	}, nil
}

// CanRunRitual reports whether the actor may set up or remove the team's
// rituals: its members and admins.
func (s *Service) CanRunRitual(ctx context.Context, a core.Actor, teamID int64) (bool, error) {
	if a.Role == core.RoleAdmin {
		return true, nil
	}
	return s.Store.IsTeamMember(ctx, a.OrgID, a.UserID, teamID)
}

// CreateRitual sets up a recurring recognition moment for a team.
func (s *Service) CreateRitual(ctx context.Context, a core.Actor, teamID int64, in RitualInput) (int64, error) {
	ok, err := s.CanRunRitual(ctx, a, teamID)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, core.Forbidden()
	}
	if err := in.Validate().Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return s.Store.CreateRitual(ctx, a.OrgID, teamID, a.UserID, in, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -7))
}

// DeleteRitual removes a ritual (its kudos stay).
func (s *Service) DeleteRitual(ctx context.Context, a core.Actor, id int64) (Ritual, error) {
	r, err := s.Store.FindRitual(ctx, a.OrgID, id)
	if err != nil {
		return Ritual{}, err
	}
	ok, err := s.CanRunRitual(ctx, a, r.TeamID)
	if err != nil {
		return Ritual{}, err
	}
	if !ok {
		return Ritual{}, core.Forbidden()
	}
	return r, s.Store.DeleteRitual(ctx, a.OrgID, id)
}

// Board is a ritual's kudos for one period, as far as the viewer may see.
type Board struct {
	Ritual  Ritual
	Period  Period
	Prev    *Period
	Next    *Period // nil for the current period
	Kudos   []Kudo
	Current bool
}

// MaxBoard bounds one board's kudos.
const MaxBoard = 200

// Board gathers the kudos of the period holding at (now when zero) for the
// ritual's team: kudos to its members or shared with the team.
func (s *Service) Board(ctx context.Context, a core.Actor, ritualID int64, at time.Time) (Board, error) {
	r, err := s.Store.FindRitual(ctx, a.OrgID, ritualID)
	if err != nil {
		return Board{}, err
	}
	now := s.Clock.Now()
	if at.IsZero() || at.After(now) {
		at = now
	}
	b := Board{Ritual: r, Period: r.PeriodAt(at)}
	b.Current = !now.Before(b.Period.Start) && now.Before(b.Period.End)
	if prev, ok := r.Before(b.Period); ok {
		b.Prev = &prev
	}
	if !b.Current {
		next := r.After(b.Period)
		b.Next = &next
	}
	team := r.TeamID
	ks, err := s.Store.Feed(ctx, a.OrgID, a.UserID, Filter{TeamID: &team, Since: b.Period.Start,
		BeforeAt: b.Period.End, BeforeID: 1<<63 - 1, Limit: MaxBoard})
	if err != nil {
		return b, err
	}
	// Oldest first: a board is read like a story of the period.
	for i, j := 0, len(ks)-1; i < j; i, j = i+1, j-1 {
		ks[i], ks[j] = ks[j], ks[i]
	}
	b.Kudos = ks
	return b, nil
}

// EquityView is the recognition equity page's data.
type EquityView struct {
	Equity  Equity
	Scope   string
	Days    int
	Members int
	// People is one page of the people, least recognised first; Page counts
	// from 1 and Pages is at least 1.
	People      []PersonCounts
	Page, Pages int
}

// EquityPageSize is how many people one page of the equity list shows.
const EquityPageSize = 50

// Equity computes who gives and receives recognition across the people the
// actor looks after: a manager's reporting tree, a leader's part of the
// organisation, or everyone for admins. Only kudos the actor may see count.
// The figures cover everyone; the people list is cut into pages (a page past
// the last shows the last).
func (s *Service) Equity(ctx context.Context, a core.Actor, days, page int) (EquityView, error) {
	var root *int64
	scope := "The whole organisation"
	switch a.Role {
	case core.RoleAdmin:
	case core.RoleLeader:
		id := a.UserID
		root, scope = &id, "Your part of the organisation"
	case core.RoleManager:
		id := a.UserID
		root, scope = &id, "Your reports"
	default:
		return EquityView{}, core.Forbidden()
	}
	switch days {
	case 30, 90, 180, 365:
	default:
		days = 90
	}
	now := s.Clock.Now()
	to := now
	from := now.AddDate(0, 0, -days)
	members, err := s.Store.EquityMembers(ctx, a.OrgID, root)
	if err != nil {
		return EquityView{}, err
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	var edges []Edge
	if len(ids) > 0 {
		if edges, err = s.Store.EquityEdges(ctx, a.OrgID, a.UserID, ids, WindowFor(from, to, now)); err != nil {
			return EquityView{}, err
		}
	}
	v := EquityView{Equity: Compute(members, edges, from, to, now), Scope: scope, Days: days, Members: len(members)}
	people := v.Equity.LeastFirst()
	v.Pages = max(1, (len(people)+EquityPageSize-1)/EquityPageSize)
	v.Page = min(max(page, 1), v.Pages)
	v.People = people[min((v.Page-1)*EquityPageSize, len(people)):min(v.Page*EquityPageSize, len(people))]
	return v, nil
}

// TeamRituals lists a team's recognition rituals, in the actor's
// organisation (rituals are visible to everyone in it).
func (s *Service) TeamRituals(ctx context.Context, a core.Actor, teamID int64) ([]Ritual, error) {
	return s.Store.RitualsForTeam(ctx, a.OrgID, teamID)
}

// Handles returns the @handles of people of the actor's organisation, by id.
func (s *Service) Handles(ctx context.Context, a core.Actor, ids []int64) (map[int64]string, error) {
	return s.Store.Handles(ctx, a.OrgID, ids)
}
