package retro

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"rapport/internal/core"
)

// Service applies the retro rules.
type Service struct {
	Store Store
	Clock core.Clock
	Kudos KudoGiver // nil: kudos cards stay cards
}

// NewService returns a Service.
func NewService(store Store, clock core.Clock) *Service {
	return &Service{Store: store, Clock: clock}
}

// TeamAccess says what the actor may do with a team's retros; people with
// no part in the team get ENOTFOUND.
func (s *Service) TeamAccess(ctx context.Context, a core.Actor, teamID int64) (Access, error) {
	acc, err := s.Store.RetroAccess(ctx, a.OrgID, a.UserID, teamID)
	if err != nil {
		return acc, err
	}
	if !acc.CanSee() {
		return acc, core.NotFound("Team")
	}
	return acc, nil
}

// open loads a retro the actor may see, with their access.
func (s *Service) open(ctx context.Context, a core.Actor, id int64) (Retro, Access, error) {
	r, err := s.Store.FindRetro(ctx, a.OrgID, id)
	if err != nil {
		return r, Access{}, err
	}
	acc, err := s.Store.RetroAccess(ctx, a.OrgID, a.UserID, r.TeamID)
	if err != nil {
		return r, acc, err
	}
	if !acc.CanSee() {
		return r, acc, core.NotFound("Retro")
	}
	return r, acc, nil
}

// Find returns a retro the actor may see; others get ENOTFOUND.
func (s *Service) Find(ctx context.Context, a core.Actor, id int64) (Retro, Access, error) {
	return s.open(ctx, a, id)
}

// participant loads a retro the actor takes part in.
func (s *Service) participant(ctx context.Context, a core.Actor, id int64) (Retro, Access, error) {
	r, acc, err := s.open(ctx, a, id)
	if err != nil {
		return r, acc, err
	}
	if !acc.Member && !acc.Facilitator {
		return r, acc, core.Forbidden()
	}
	return r, acc, nil
}

// facilitator loads a retro the actor runs.
func (s *Service) facilitator(ctx context.Context, a core.Actor, id int64) (Retro, Access, error) {
	r, acc, err := s.open(ctx, a, id)
	if err != nil {
		return r, acc, err
	}
	if !acc.Facilitator {
		return r, acc, core.Errorf(core.EFORBIDDEN, "Only the team's facilitators can do this.")
	}
	return r, acc, nil
}

func inPhase(r Retro, p Phase, what string) error {
	if r.Phase != p {
		return core.Errorf(core.ECONFLICT, "%s only during %s; this retro is in %s.", what, p.Label(), r.Phase.Label())
	}
	return nil
}

// Create starts a retro for a team the actor facilitates.
func (s *Service) Create(ctx context.Context, a core.Actor, teamID int64, in Input) (int64, error) {
	acc, err := s.TeamAccess(ctx, a, teamID)
	if err != nil {
		return 0, err
	}
	if !acc.Facilitator {
		return 0, core.Errorf(core.EFORBIDDEN, "Only the team's facilitators can start a retro.")
	}
	if err := in.Validate().Err(); err != nil {
		return 0, err
	}
	var cols []Column
	for i, t := range in.Columns() {
		cols = append(cols, Column{Position: i, Title: t})
	}
	if in.Kudos {
		cols = append(cols, Column{Position: len(cols), Title: KudosColumn, Kudos: true})
	}
	return s.Store.CreateRetro(ctx, a.OrgID, teamID, a.UserID, in, cols)
}

// Move takes a retro from one phase to the next or previous one. from is the
// phase the facilitator saw, so a double submit moves once.
func (s *Service) Move(ctx context.Context, a core.Actor, id int64, from, to Phase) error {
	r, _, err := s.facilitator(ctx, a, id)
	if err != nil {
		return err
	}
	fi, ti := from.Index(), to.Index()
	if fi < 0 || ti < 0 || (ti != fi+1 && ti != fi-1) {
		return core.Errorf(core.EINVALID, "Move one phase forward or back.")
	}
	if r.Phase != from {
		return nil // already moved, e.g. by a double submit or another facilitator
	}
	moved, err := s.Store.MoveRetro(ctx, a.OrgID, id, from, to, s.Clock.Now())
	if err != nil || !moved {
		return err // not moved: a concurrent submit of the same move won
	}
	if to == PhaseDone {
		return s.giveKudos(ctx, r)
	}
	return nil
}

// giveKudos turns each named card of the Kudos column into a kudo, once.
func (s *Service) giveKudos(ctx context.Context, r Retro) error {
	if s.Kudos == nil || r.Anonymous {
		return nil
	}
	cards, err := s.Store.KudoCards(ctx, r.OrgID, r.ID)
	if err != nil {
		return err
	}
	for _, c := range cards {
		kid, err := s.Kudos.GiveFromRetro(ctx, r.OrgID, c.AuthorID, r.TeamID, c.ID, c.Body, c.KudoVisibility)
		if err != nil {
			if core.ErrorCode(err) == core.EINVALID {
				continue // names nobody, or only the author: it stays a card
			}
			return err
		}
		if kid > 0 {
			if err := s.Store.MarkKudo(ctx, r.OrgID, c.ID, kid); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewSecret makes a browser's secret for anonymous cards.
func NewSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

func tag(secret, nonce []byte) []byte {
	h := sha256.New()
	h.Write(secret)
	h.Write(nonce)
	return h.Sum(nil)
}

func mine(c StoredCard, userID int64, secret []byte) bool {
	if c.AuthorID != nil {
		return *c.AuthorID == userID
	}
	return len(secret) > 0 && len(c.Tag) > 0 && subtle.ConstantTimeCompare(tag(secret, c.Nonce), c.Tag) == 1
}

// CardInput is the card form.
type CardInput struct {
	ColumnID       int64
	Body           string
	KudoVisibility string
	IdemKey        string
}

func checkCard(body string) error {
	var v core.Validator
	v.Check(body != "", "body", "Write something on the card.")
	v.Check(utf8.RuneCountInString(body) <= MaxCard, "body", "Keep a card under 2,000 characters.")
	return v.Err()
}

// AddCard writes a card during Reflect. In an anonymous retro the card keeps
// no author: only a nonce and sha256(secret || nonce), where secret is the
// author's browser's.
func (s *Service) AddCard(ctx context.Context, a core.Actor, id int64, in CardInput, secret []byte) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	in.Body = strings.TrimSpace(in.Body)
	if err := checkCard(in.Body); err != nil {
		return err
	}
	if err := inPhase(r, PhaseReflect, "Cards can be written"); err != nil {
		return err
	}
	cols, err := s.Store.Columns(ctx, a.OrgID, id)
	if err != nil {
		return err
	}
	var col *Column
	for i := range cols {
		if cols[i].ID == in.ColumnID {
			col = &cols[i]
		}
	}
	if col == nil {
		return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{"column_id": "Choose a column."}}
	}
	if len(in.IdemKey) > 64 {
		in.IdemKey = in.IdemKey[:64]
	}
	nc := NewCard{ColumnID: in.ColumnID, Body: in.Body, KudoVisibility: "team", IdemKey: in.IdemKey}
	if col.Kudos && in.KudoVisibility == "org" {
		nc.KudoVisibility = "org"
	}
	if r.Anonymous {
		if len(secret) < 16 {
			return core.Errorf(core.EINVALID, "Your browser did not keep this retro's cookie. Allow cookies for this site and reload the page.")
		}
		nc.Nonce = NewSecret()[:16]
		nc.Tag = tag(secret, nc.Nonce)
	} else {
		uid := a.UserID
		nc.AuthorID = &uid
	}
	_, err = s.Store.AddCard(ctx, a.OrgID, id, nc)
	return err
}

// ownCard loads a card the actor wrote, during Reflect.
func (s *Service) ownCard(ctx context.Context, a core.Actor, id, cardID int64, secret []byte) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	if err := inPhase(r, PhaseReflect, "Cards can be changed"); err != nil {
		return err
	}
	cards, err := s.Store.Cards(ctx, a.OrgID, id)
	if err != nil {
		return err
	}
	for _, c := range cards {
		if c.ID == cardID {
			if !mine(c, a.UserID, secret) {
				return core.Errorf(core.EFORBIDDEN, "You can only change your own cards.")
			}
			return nil
		}
	}
	return core.NotFound("Card")
}

// EditCard changes the author's card during Reflect.
func (s *Service) EditCard(ctx context.Context, a core.Actor, id, cardID int64, body string, secret []byte) error {
	if err := s.ownCard(ctx, a, id, cardID, secret); err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	if err := checkCard(body); err != nil {
		return err
	}
	return s.Store.UpdateCard(ctx, a.OrgID, id, cardID, body)
}

// DeleteCard removes the author's card during Reflect.
func (s *Service) DeleteCard(ctx context.Context, a core.Actor, id, cardID int64, secret []byte) error {
	if err := s.ownCard(ctx, a, id, cardID, secret); err != nil {
		return err
	}
	return s.Store.DeleteCard(ctx, a.OrgID, id, cardID)
}

// Group puts a card into an existing group of the same retro, a new group
// named newGroup, or (groupID nil and newGroup empty) back on its own.
func (s *Service) Group(ctx context.Context, a core.Actor, id, cardID int64, groupID *int64, newGroup string) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	if err := inPhase(r, PhaseGroup, "Cards can be grouped"); err != nil {
		return err
	}
	newGroup = strings.TrimSpace(newGroup)
	if utf8.RuneCountInString(newGroup) > MaxGroupName {
		return core.Errorf(core.EINVALID, "Keep a group name under 120 characters.")
	}
	if groupID != nil && newGroup != "" {
		groupID = nil // typing a new name wins over the list
	}
	return s.Store.GroupCard(ctx, a.OrgID, id, cardID, groupID, newGroup)
}

// Vote spends one of the actor's votes on a topic. key is the form's random
// key: the same form submitted twice counts once.
func (s *Service) Vote(ctx context.Context, a core.Actor, id int64, t TopicRef, key string) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	if err := inPhase(r, PhaseVote, "Votes can be cast"); err != nil {
		return err
	}
	if key == "" || len(key) > 64 {
		return core.Errorf(core.EINVALID, "The form expired. Reload the page and vote again.")
	}
	return s.Store.AddVote(ctx, a.OrgID, id, a.UserID, t, key, r.VotesPerPerson, r.MaxVotesPerCard)
}

// Unvote takes back one of the actor's votes on a topic.
func (s *Service) Unvote(ctx context.Context, a core.Actor, id int64, t TopicRef) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	if err := inPhase(r, PhaseVote, "Votes can be taken back"); err != nil {
		return err
	}
	return s.Store.RemoveVote(ctx, a.OrgID, id, a.UserID, t)
}

// AddNote records a discussion note on a topic.
func (s *Service) AddNote(ctx context.Context, a core.Actor, id int64, t TopicRef, body, key string) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	body = strings.TrimSpace(body)
	var v core.Validator
	v.Check(body != "", "note", "Write the note.")
	v.Check(utf8.RuneCountInString(body) <= MaxNote, "note", "Keep a note under 2,000 characters.")
	if err := v.Err(); err != nil {
		return err
	}
	if err := inPhase(r, PhaseDiscuss, "Notes can be added"); err != nil {
		return err
	}
	if len(key) > 64 {
		key = key[:64]
	}
	return s.Store.AddNote(ctx, a.OrgID, id, t, body, key)
}

// AddAction records an action with an owner from the team and a due date.
func (s *Service) AddAction(ctx context.Context, a core.Actor, id int64, in ActionInput) error {
	r, _, err := s.participant(ctx, a, id)
	if err != nil {
		return err
	}
	in.Body = strings.TrimSpace(in.Body)
	var v core.Validator
	v.Check(in.Body != "", "action_body", "Say what will be done.")
	v.Check(utf8.RuneCountInString(in.Body) <= MaxAction, "action_body", "Keep an action under 500 characters.")
	due, derr := time.Parse("2006-01-02", in.DueOn)
	v.Check(derr == nil, "due_on", "Choose a due date.")
	members, err := s.Store.RetroMembers(ctx, a.OrgID, r.TeamID)
	if err != nil {
		return err
	}
	owner := false
	for _, m := range members {
		owner = owner || m.ID == in.OwnerID
	}
	v.Check(owner, "owner_id", "Choose an owner from the team.")
	if err := v.Err(); err != nil {
		return err
	}
	if err := inPhase(r, PhaseActions, "Actions can be added"); err != nil {
		return err
	}
	return s.Store.AddRetroAction(ctx, a.OrgID, id, r.TeamID, in, due)
}

// Review settles an open action of an earlier retro at the start of this
// one: done, kept open, or dropped.
func (s *Service) Review(ctx context.Context, a core.Actor, id, actionID int64, status ActionStatus) error {
	r, _, err := s.facilitator(ctx, a, id)
	if err != nil {
		return err
	}
	if err := inPhase(r, PhaseOpenActions, "Open actions are reviewed"); err != nil {
		return err
	}
	switch status {
	case ActionOpen, ActionDone, ActionDropped:
	default:
		return core.Errorf(core.EINVALID, "Choose done, keep or drop.")
	}
	return s.Store.ReviewAction(ctx, a.OrgID, id, r.TeamID, actionID, status, s.Clock.Now())
}

// SetFacilitator names or un-names a team member as a retro facilitator;
// only the team's manager may.
func (s *Service) SetFacilitator(ctx context.Context, a core.Actor, teamID, userID int64, on bool) error {
	acc, err := s.TeamAccess(ctx, a, teamID)
	if err != nil {
		return err
	}
	if !acc.Facilitator {
		return core.Errorf(core.EFORBIDDEN, "Only the team's facilitators can name others.")
	}
	members, err := s.Store.RetroMembers(ctx, a.OrgID, teamID)
	if err != nil {
		return err
	}
	found := false
	for _, m := range members {
		found = found || m.ID == userID
	}
	if !found {
		return &core.Error{Code: core.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{"person_id": "Choose someone from the team."}}
	}
	return s.Store.SetFacilitator(ctx, a.OrgID, teamID, userID, on)
}

// Item is a card or a group as discussed: its cards, votes and notes.
type Item struct {
	Ref   TopicRef
	Title string
	Cards []Card
	Votes int // total, shown once voting has ended
	Mine  int // the viewer's votes
	Notes []Note
}

// Room is everything the retro room shows one viewer.
type Room struct {
	Retro       Retro
	Access      Access
	Columns     []Column
	Cards       map[int64][]Card // by column; during Reflect only the viewer's own
	Counts      map[int64]int    // cards per column
	Total       int
	Groups      []Group
	Items       []Item
	VotesLeft   int
	ShowTotals  bool
	Actions     []Action // this retro's
	OpenActions []Action // earlier retros' still open, for the first phase
	Members     []Member // during Actions, for the owner list
}

// Room gathers the retro as the actor may see it. secret gives the
// browser's anonymous-card secret for the retro once it is found (nil, or
// returning nil, if none). Once the actor's access is checked, everything
// the room shows in the retro's phase is read together.
func (s *Service) Room(ctx context.Context, a core.Actor, id int64, secret func(Retro) []byte) (Room, error) {
	r, acc, err := s.open(ctx, a, id)
	if err != nil {
		return Room{}, err
	}
	var mySecret []byte
	if secret != nil {
		mySecret = secret(r)
	}
	rm := Room{Retro: r, Access: acc, Cards: map[int64][]Card{}, Counts: map[int64]int{}}
	revealed := r.Phase.Index() > PhaseReflect.Index()
	rm.ShowTotals = revealed && r.Phase.Index() > PhaseVote.Index()
	var (
		stored         []StoredCard
		mineV, tallies []VoteTally
		notes          []Note
	)
	// Each phase loads only what it shows: every open room re-fetches the
	// board on every change.
	reads := []func(context.Context) error{
		func(ctx context.Context) (err error) { rm.Columns, err = s.Store.Columns(ctx, a.OrgID, id); return err },
		func(ctx context.Context) (err error) { stored, err = s.Store.Cards(ctx, a.OrgID, id); return err },
	}
	if r.Phase == PhaseActions {
		reads = append(reads, func(ctx context.Context) (err error) {
			rm.Members, err = s.Store.RetroMembers(ctx, a.OrgID, r.TeamID)
			return err
		})
	}
	if r.Phase.Index() >= PhaseDiscuss.Index() {
		reads = append(reads, func(ctx context.Context) (err error) {
			rm.Actions, err = s.Store.RetroActions(ctx, a.OrgID, id)
			return err
		})
	}
	if r.Phase == PhaseOpenActions {
		reads = append(reads, func(ctx context.Context) (err error) {
			rm.OpenActions, err = s.Store.OpenTeamActions(ctx, a.OrgID, r.TeamID, id)
			return err
		})
	}
	if revealed {
		reads = append(reads,
			func(ctx context.Context) (err error) { rm.Groups, err = s.Store.Groups(ctx, a.OrgID, id); return err },
			func(ctx context.Context) (err error) {
				mineV, err = s.Store.VotesOf(ctx, a.OrgID, id, a.UserID)
				return err
			})
	}
	if rm.ShowTotals {
		reads = append(reads,
			func(ctx context.Context) (err error) { tallies, err = s.Store.Tallies(ctx, a.OrgID, id); return err },
			func(ctx context.Context) (err error) { notes, err = s.Store.Notes(ctx, a.OrgID, id); return err })
	}
	if err := core.Together(ctx, reads...); err != nil {
		return rm, err
	}
	cardByID := map[int64]Card{}
	for _, sc := range stored {
		c := sc.Card
		c.Mine = mine(sc, a.UserID, mySecret)
		if r.Anonymous {
			c.AuthorName = ""
		}
		rm.Counts[c.ColumnID]++
		rm.Total++
		if revealed || c.Mine {
			rm.Cards[c.ColumnID] = append(rm.Cards[c.ColumnID], c)
		}
		cardByID[c.ID] = c
	}
	if !revealed {
		return rm, nil
	}
	rm.Items = topics(&rm, stored, cardByID, mineV, tallies, notes)
	return rm, nil
}

// topics builds the groups and ungrouped cards, with votes and notes.
func topics(rm *Room, stored []StoredCard, cardByID map[int64]Card, mineV, tallies []VoteTally, notes []Note) []Item {
	byGroup := map[int64][]Card{}
	var topics []Item
	for _, sc := range stored {
		c := cardByID[sc.ID]
		if c.GroupID != nil {
			byGroup[*c.GroupID] = append(byGroup[*c.GroupID], c)
			continue
		}
		cid := c.ID
		title := c.Body
		if n := []rune(title); len(n) > 80 {
			title = string(n[:79]) + "…"
		}
		topics = append(topics, Item{Ref: TopicRef{CardID: &cid}, Title: title, Cards: []Card{c}})
	}
	for _, g := range rm.Groups {
		if len(byGroup[g.ID]) == 0 {
			continue
		}
		gid := g.ID
		topics = append(topics, Item{Ref: TopicRef{GroupID: &gid}, Title: g.Name, Cards: byGroup[g.ID]})
	}
	used := 0
	for _, v := range mineV {
		used += v.N
		for i := range topics {
			if sameRef(topics[i].Ref, v.CardID, v.GroupID) {
				topics[i].Mine += v.N
			}
		}
	}
	rm.VotesLeft = rm.Retro.VotesPerPerson - used
	if rm.VotesLeft < 0 {
		rm.VotesLeft = 0
	}
	if rm.ShowTotals {
		for _, v := range tallies {
			for i := range topics {
				if sameRef(topics[i].Ref, v.CardID, v.GroupID) {
					topics[i].Votes += v.N
				}
			}
		}
		for _, n := range notes {
			for i := range topics {
				if sameRef(topics[i].Ref, n.CardID, n.GroupID) {
					topics[i].Notes = append(topics[i].Notes, n)
				}
			}
		}
		sort.SliceStable(topics, func(i, j int) bool { return topics[i].Votes > topics[j].Votes })
	}
	return topics
}

func sameRef(t TopicRef, card, group *int64) bool {
	if t.CardID != nil && card != nil {
		return *t.CardID == *card
	}
	if t.GroupID != nil && group != nil {
		return *t.GroupID == *group
	}
	return false
}

// History is a team's retros with its action follow-through per quarter.
type History struct {
	Access   Access
	Retros   []Retro
	Quarters []Quarter
	Open     []Action
}

// History lists a team's retros, newest first, and the follow-through of the
// last year's actions per quarter.
func (s *Service) History(ctx context.Context, a core.Actor, teamID int64) (History, error) {
	acc, err := s.TeamAccess(ctx, a, teamID)
	if err != nil {
		return History{}, err
	}
	h := History{Access: acc}
	if h.Retros, err = s.Store.TeamRetros(ctx, a.OrgID, teamID); err != nil {
		return h, err
	}
	now := s.Clock.Now()
	since := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -9, 0)
	if h.Quarters, err = s.Store.FollowThrough(ctx, a.OrgID, teamID, since); err != nil {
		return h, err
	}
	h.Open, err = s.Store.OpenTeamActions(ctx, a.OrgID, teamID, 0)
	return h, err
}

// Actions are the actions a retro made, as its room shows them to the
// actor: from the Discuss phase on, for anyone who may see the retro
// (others get ENOTFOUND).
func (s *Service) Actions(ctx context.Context, a core.Actor, id int64) (Retro, []Action, error) {
	r, _, err := s.open(ctx, a, id)
	if err != nil {
		return r, nil, err
	}
	if r.Phase.Index() < PhaseDiscuss.Index() {
		return r, nil, nil
	}
	acts, err := s.Store.RetroActions(ctx, a.OrgID, id)
	return r, acts, err
}

// MyActions are the actor's open retro actions, for their home page and 1:1s.
func (s *Service) MyActions(ctx context.Context, a core.Actor) ([]Action, error) {
	return s.Store.OpenActionsOwnedBy(ctx, a.OrgID, a.UserID)
}

// ActionsOf are a person's open retro actions, for a 1:1 the actor takes part in.
func (s *Service) ActionsOf(ctx context.Context, orgID, personID int64) ([]Action, error) {
	return s.Store.OpenActionsOwnedBy(ctx, orgID, personID)
}

// Members are the team's members, for forms.
func (s *Service) Members(ctx context.Context, a core.Actor, teamID int64) ([]Member, error) {
	if _, err := s.TeamAccess(ctx, a, teamID); err != nil {
		return nil, err
	}
	return s.Store.RetroMembers(ctx, a.OrgID, teamID)
}

// CanTakePart returns nil if the actor takes part in the retro, and the
// error to show otherwise (ENOTFOUND for people who may not see it).
func (s *Service) CanTakePart(ctx context.Context, a core.Actor, id int64) error {
	_, _, err := s.participant(ctx, a, id)
	return err
}

// CanFacilitate returns nil if the actor runs the retro.
func (s *Service) CanFacilitate(ctx context.Context, a core.Actor, id int64) error {
	_, _, err := s.facilitator(ctx, a, id)
	return err
}

// Facilitators lists who may run a retro of the team: the people the
// actor may choose from when starting one.
func (s *Service) Facilitators(ctx context.Context, a core.Actor, teamID int64) ([]Member, error) {
	if _, err := s.TeamAccess(ctx, a, teamID); err != nil {
		return nil, err
	}
	return s.Store.Facilitators(ctx, a.OrgID, teamID)
}
