package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/live"
	"rapport/internal/postgres/dbq"
	"rapport/internal/retro"
)

var _ retro.Store = (*RetroStore)(nil)

// RetroStore keeps team retrospectives: columns, cards, groups, votes,
// notes and actions, and who facilitates.
type RetroStore struct{ base }

// NewRetroStore returns the retrospective store on pool.
func NewRetroStore(pool *pgxpool.Pool) *RetroStore { return &RetroStore{newBase(pool)} }

// retroEvent announces a change to a retro's room. The payload names the
// retro and what changed, never a person: watchers re-fetch the board with
// their own access checks.
func retroEvent(ctx context.Context, tx pgx.Tx, retroID int64, kind string) error {
	return live.Publish(ctx, livePublisher, tx, retro.Topic(retroID), kind, map[string]int64{"retro": retroID})
}

// retroWrite runs fn in a transaction and publishes kind on the retro's topic
// in the same transaction.
func (s *RetroStore) retroWrite(ctx context.Context, retroID int64, kind, what string, fn func(tx pgx.Tx) error) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return retroEvent(ctx, tx, retroID, kind)
	})
	return mapErr(err, what)
}

// retroChange is retroWrite for writes that may turn out to change nothing
// (a double submit, a move already made): fn reports whether it changed
// anything, and only a change is announced. An unchanged room makes no
// browser re-fetch the board.
func (s *RetroStore) retroChange(ctx context.Context, retroID int64, kind, what string, fn func(tx pgx.Tx) (bool, error)) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		changed, err := fn(tx)
		if err != nil || !changed {
			return err
		}
		return retroEvent(ctx, tx, retroID, kind)
	})
	return mapErr(err, what)
}

// RetroAccess says what a person may do with a team's retros.
func (s *RetroStore) RetroAccess(ctx context.Context, orgID, userID, teamID int64) (retro.Access, error) {
	r, err := s.q.RetroAccess(ctx, s.readDB(ctx), dbq.RetroAccessParams{OrgID: orgID, TeamID: teamID, UserID: userID})
	if err != nil {
		return retro.Access{}, mapErr(err, "Team")
	}
	return retro.Access{
		Member:      r.Member,
		Facilitator: r.Member && (r.ManagesMember || r.Named || !r.HasManager),
		Chain:       r.Chain,
	}, nil
}

// RetroMembers lists a team's active members.
func (s *RetroStore) RetroMembers(ctx context.Context, orgID, teamID int64) ([]retro.Member, error) {
	rows, err := s.q.RetroTeamMembers(ctx, s.readDB(ctx), dbq.RetroTeamMembersParams{OrgID: orgID, TeamID: teamID})
	out := make([]retro.Member, len(rows))
	for i, r := range rows {
		out[i] = retro.Member{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "Team")
}

// Facilitators lists the people a team named to run its retros.
func (s *RetroStore) Facilitators(ctx context.Context, orgID, teamID int64) ([]retro.Member, error) {
	rows, err := s.q.RetroFacilitators(ctx, s.pool, dbq.RetroFacilitatorsParams{OrgID: orgID, TeamID: teamID})
	out := make([]retro.Member, len(rows))
	for i, r := range rows {
		out[i] = retro.Member{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "Team")
}

// SetFacilitator names or un-names a facilitator.
func (s *RetroStore) SetFacilitator(ctx context.Context, orgID, teamID, userID int64, on bool) error {
	var err error
	if on {
		err = s.q.RetroFacilitatorAdd(ctx, s.pool, dbq.RetroFacilitatorAddParams{OrgID: orgID, TeamID: teamID, UserID: userID})
	} else {
		err = s.q.RetroFacilitatorRemove(ctx, s.pool, dbq.RetroFacilitatorRemoveParams{OrgID: orgID, TeamID: teamID, UserID: userID})
	}
	return mapErr(err, "Facilitator")
}

// CreateRetro stores a retro with its columns; the same form submitted twice
// stores one and answers both with its id.
func (s *RetroStore) CreateRetro(ctx context.Context, orgID, teamID, creatorID int64, in retro.Input, cols []retro.Column) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var tb *int16
		if in.TimeboxMinutes > 0 {
			v := int16(in.TimeboxMinutes)
			tb = &v
		}
		var err error
		id, err = s.q.RetroCreate(ctx, tx, dbq.RetroCreateParams{OrgID: orgID, TeamID: teamID, Title: in.Title, Template: in.Template,
			Anonymous: in.Anonymous, VotesPerPerson: int16(in.VotesPerPerson), MaxVotesPerCard: int16(in.MaxVotesPerCard),
			TimeboxMinutes: tb, CreatedBy: &creatorID, StartedAt: time.Now(), IdemKey: in.IdemKey})
		if err == pgx.ErrNoRows {
			// The same form was stored already: answer with that retro.
			id, err = s.q.RetroByIdem(ctx, tx, dbq.RetroByIdemParams{OrgID: orgID, TeamID: teamID, IdemKey: in.IdemKey})
			return err
		}
		if err != nil {
			return err
		}
		for _, c := range cols {
			if err := s.q.RetroColumnAdd(ctx, tx, dbq.RetroColumnAddParams{OrgID: orgID, RetroID: id, Position: int16(c.Position), Title: c.Title, Kudos: c.Kudos}); err != nil {
				return err
			}
		}
		return nil
	})
	return id, mapErr(err, "Retro")
}

func retroFromRow(r dbq.RetroGetRow) retro.Retro {
	tb := 0
	if r.TimeboxMinutes != nil {
		tb = int(*r.TimeboxMinutes)
	}
	return retro.Retro{ID: r.ID, OrgID: r.OrgID, TeamID: r.TeamID, TeamName: r.TeamName, Title: r.Title, Template: r.Template,
		Anonymous: r.Anonymous, VotesPerPerson: int(r.VotesPerPerson), MaxVotesPerCard: int(r.MaxVotesPerCard), TimeboxMinutes: tb,
		Phase: retro.Phase(r.Phase), PhaseStartedAt: r.PhaseStartedAt, CreatedAt: r.CreatedAt, ClosedAt: r.ClosedAt}
}

// FindRetro returns a retro of the organisation.
func (s *RetroStore) FindRetro(ctx context.Context, orgID, id int64) (retro.Retro, error) {
	r, err := s.q.RetroGet(ctx, s.readDB(ctx), dbq.RetroGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return retro.Retro{}, mapErr(err, "Retro")
	}
	return retroFromRow(r), nil
}

// TeamRetros lists a team's retros, newest first.
func (s *RetroStore) TeamRetros(ctx context.Context, orgID, teamID int64) ([]retro.Retro, error) {
	rows, err := s.q.RetrosForTeam(ctx, s.pool, dbq.RetrosForTeamParams{OrgID: orgID, TeamID: teamID})
	out := make([]retro.Retro, len(rows))
	for i, r := range rows {
		out[i] = retroFromRow(dbq.RetroGetRow(r))
	}
	return out, mapErr(err, "Retro")
}

// MoveRetro changes the phase if it still is from.
func (s *RetroStore) MoveRetro(ctx context.Context, orgID, id int64, from, to retro.Phase, now time.Time) (bool, error) {
	var moved bool
	err := s.retroChange(ctx, id, "phase", "Retro", func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroMove(ctx, tx, dbq.RetroMoveParams{OrgID: orgID, ID: id, FromPhase: dbq.RetroPhase(from), ToPhase: dbq.RetroPhase(to), Now: now})
		moved = err == nil && n == 1
		if moved && from == retro.PhaseReflect {
			err = s.sealRetro(ctx, tx, id, true) // the last batch of anonymous cards
		}
		return moved, err
	})
	return moved, err
}

// Columns lists a retro's columns in order.
func (s *RetroStore) Columns(ctx context.Context, orgID, retroID int64) ([]retro.Column, error) {
	rows, err := s.q.RetroColumns(ctx, s.readDB(ctx), dbq.RetroColumnsParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.Column, len(rows))
	for i, r := range rows {
		out[i] = retro.Column{ID: r.ID, Position: int(r.Position), Title: r.Title, Kudos: r.Kudos}
	}
	return out, mapErr(err, "Retro")
}

// Cards lists a retro's cards in board order.
func (s *RetroStore) Cards(ctx context.Context, orgID, retroID int64) ([]retro.StoredCard, error) {
	rows, err := s.q.RetroCards(ctx, s.readDB(ctx), dbq.RetroCardsParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.StoredCard, len(rows))
	for i, r := range rows {
		out[i] = retro.StoredCard{Card: retro.Card{ID: r.ID, ColumnID: r.ColumnID, GroupID: r.GroupID, Body: r.Body,
			AuthorName: r.AuthorName, KudoVisibility: r.KudoVisibility}, AuthorID: r.AuthorID, Nonce: r.AuthorNonce, Tag: r.AuthorTag}
	}
	return out, mapErr(err, "Retro")
}

// Groups lists a retro's groups.
func (s *RetroStore) Groups(ctx context.Context, orgID, retroID int64) ([]retro.Group, error) {
	rows, err := s.q.RetroGroups(ctx, s.readDB(ctx), dbq.RetroGroupsParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.Group, len(rows))
	for i, r := range rows {
		out[i] = retro.Group{ID: r.ID, Name: r.Name}
	}
	return out, mapErr(err, "Retro")
}

// Notes lists a retro's discussion notes.
func (s *RetroStore) Notes(ctx context.Context, orgID, retroID int64) ([]retro.Note, error) {
	rows, err := s.q.RetroNotes(ctx, s.readDB(ctx), dbq.RetroNotesParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.Note, len(rows))
	for i, r := range rows {
		out[i] = retro.Note{ID: r.ID, CardID: r.CardID, GroupID: r.GroupID, Body: r.Body}
	}
	return out, mapErr(err, "Retro")
}

// Tallies counts a retro's votes per topic, without voters.
func (s *RetroStore) Tallies(ctx context.Context, orgID, retroID int64) ([]retro.VoteTally, error) {
	rows, err := s.q.RetroTallies(ctx, s.readDB(ctx), dbq.RetroTalliesParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.VoteTally, len(rows))
	for i, r := range rows {
		out[i] = retro.VoteTally{CardID: r.CardID, GroupID: r.GroupID, N: int(r.N)}
	}
	return out, mapErr(err, "Retro")
}

// VotesOf counts one voter's votes per topic.
func (s *RetroStore) VotesOf(ctx context.Context, orgID, retroID, voterID int64) ([]retro.VoteTally, error) {
	rows, err := s.q.RetroVotesOf(ctx, s.readDB(ctx), dbq.RetroVotesOfParams{OrgID: orgID, RetroID: retroID, VoterID: voterID})
	out := make([]retro.VoteTally, len(rows))
	for i, r := range rows {
		out[i] = retro.VoteTally{CardID: r.CardID, GroupID: r.GroupID, N: int(r.N)}
	}
	return out, mapErr(err, "Retro")
}

var errMovedOn = core.Errorf(core.ECONFLICT, "The retro has moved on from Reflect: cards can no longer be written or changed.")

// AddCard stores a card while the retro is in Reflect.
func (s *RetroStore) AddCard(ctx context.Context, orgID, retroID int64, c retro.NewCard) (int64, error) {
	var id int64
	anon := c.AuthorID == nil
	err := s.cardWrite(ctx, retroID, func(tx pgx.Tx) (bool, error) {
		var err error
		id, err = s.q.RetroCardAdd(ctx, tx, dbq.RetroCardAddParams{OrgID: orgID, RetroID: retroID, ColumnID: c.ColumnID, Body: c.Body,
			AuthorID: c.AuthorID, AuthorNonce: c.Nonce, AuthorTag: c.Tag, KudoVisibility: c.KudoVisibility, IdemKey: c.IdemKey})
		if err == nil && anon {
			err = s.q.RetroCardRandomPosition(ctx, tx, dbq.RetroCardRandomPositionParams{RetroID: retroID, ID: id})
		}
		if err != pgx.ErrNoRows {
			return anon, err
		}
		// No row: the same form was stored already, or the retro moved on.
		id, err = s.q.RetroCardByIdem(ctx, tx, dbq.RetroCardByIdemParams{OrgID: orgID, RetroID: retroID, IdemKey: c.IdemKey})
		if err == pgx.ErrNoRows {
			return anon, errMovedOn
		}
		return anon, err
	})
	return id, err
}

// UpdateCard changes a card's text while the retro is in Reflect.
func (s *RetroStore) UpdateCard(ctx context.Context, orgID, retroID, cardID int64, body string) error {
	return s.cardWrite(ctx, retroID, func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroCardUpdate(ctx, tx, dbq.RetroCardUpdateParams{OrgID: orgID, RetroID: retroID, ID: cardID, Body: body})
		if err == nil && n == 0 {
			return false, errMovedOn
		}
		if err != nil {
			return false, err
		}
		return s.anonymousRetro(ctx, tx, orgID, retroID)
	})
}

// DeleteCard removes a card while the retro is in Reflect.
func (s *RetroStore) DeleteCard(ctx context.Context, orgID, retroID, cardID int64) error {
	return s.cardWrite(ctx, retroID, func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroCardDelete(ctx, tx, dbq.RetroCardDeleteParams{OrgID: orgID, RetroID: retroID, ID: cardID})
		if err == nil && n == 0 {
			return false, errMovedOn
		}
		if err != nil {
			return false, err
		}
		return s.anonymousRetro(ctx, tx, orgID, retroID)
	})
}

// GroupCard moves a card into a group of the same retro (existing or new),
// or out of any group, and removes groups left empty. Moves are serialised
// per retro; a card already where the move would put it (a double submit)
// changes nothing.
func (s *RetroStore) GroupCard(ctx context.Context, orgID, retroID, cardID int64, groupID *int64, newGroup string) error {
	return s.retroChange(ctx, retroID, "group", "Card", func(tx pgx.Tx) (bool, error) {
		if _, err := s.q.RetroLock(ctx, tx, dbq.RetroLockParams{OrgID: orgID, ID: retroID}); err != nil {
			return false, err
		}
		cur, err := s.q.RetroCardGroupOf(ctx, tx, dbq.RetroCardGroupOfParams{OrgID: orgID, RetroID: retroID, ID: cardID})
		if err == pgx.ErrNoRows {
			return false, core.Errorf(core.EINVALID, "Choose a card of this retro.")
		}
		if err != nil {
			return false, err
		}
		switch {
		case newGroup != "" && cur.GroupID != nil && strings.EqualFold(cur.GroupName, newGroup):
			return false, nil
		case newGroup == "" && sameID(cur.GroupID, groupID):
			return false, nil
		}
		if newGroup != "" {
			id, err := s.q.RetroGroupCreate(ctx, tx, dbq.RetroGroupCreateParams{OrgID: orgID, RetroID: retroID, Name: newGroup})
			if err != nil {
				return false, err
			}
			groupID = &id
		} else if groupID != nil {
			ok, err := s.q.RetroGroupExists(ctx, tx, dbq.RetroGroupExistsParams{OrgID: orgID, RetroID: retroID, ID: *groupID})
			if err != nil {
				return false, err
			}
			if !ok {
				return false, core.Errorf(core.EINVALID, "Choose a group of this retro.")
			}
		}
		if _, err := s.q.RetroCardGroup(ctx, tx, dbq.RetroCardGroupParams{OrgID: orgID, RetroID: retroID, ID: cardID, GroupID: groupID}); err != nil {
			return false, err
		}
		return true, s.q.RetroGroupsPrune(ctx, tx, dbq.RetroGroupsPruneParams{OrgID: orgID, RetroID: retroID})
	})
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// AddVote stores one vote within the limits. The retro row is locked so two
// tabs voting at once cannot pass the limit together, and the same form
// submitted again finds its key used and changes nothing.
func (s *RetroStore) AddVote(ctx context.Context, orgID, retroID, voterID int64, t retro.TopicRef, idemKey string, perPerson, perCard int) error {
	return s.retroChange(ctx, retroID, "vote", "Vote", func(tx pgx.Tx) (bool, error) {
		phase, err := s.q.RetroLock(ctx, tx, dbq.RetroLockParams{OrgID: orgID, ID: retroID})
		if err != nil {
			return false, err
		}
		if retro.Phase(phase) != retro.PhaseVote {
			return false, core.Errorf(core.ECONFLICT, "Voting has ended.")
		}
		used, err := s.q.RetroVoteKeyUsed(ctx, tx, dbq.RetroVoteKeyUsedParams{RetroID: retroID, VoterID: voterID, IdemKey: idemKey})
		if err != nil || used {
			return false, err
		}
		if err := s.checkTopic(ctx, tx, orgID, retroID, t); err != nil {
			return false, err
		}
		c, err := s.q.RetroVoteCounts(ctx, tx, dbq.RetroVoteCountsParams{OrgID: orgID, RetroID: retroID, VoterID: voterID, CardID: t.CardID, GroupID: t.GroupID})
		if err != nil {
			return false, err
		}
		if int(c.Total) >= perPerson {
			if perPerson == 1 {
				return false, core.Errorf(core.EINVALID, "You have used your only vote. Take it back to vote for something else.")
			}
			return false, core.Errorf(core.EINVALID, "You have used all %d of your votes. Take one back to vote for something else.", perPerson)
		}
		if int(c.OnTopic) >= perCard {
			if perCard == 1 {
				return false, core.Errorf(core.EINVALID, "At most 1 vote can go to one topic.")
			}
			return false, core.Errorf(core.EINVALID, "At most %d votes can go to one topic.", perCard)
		}
		n, err := s.q.RetroVoteAdd(ctx, tx, dbq.RetroVoteAddParams{OrgID: orgID, RetroID: retroID, VoterID: voterID, CardID: t.CardID, GroupID: t.GroupID, IdemKey: idemKey})
		return n > 0, err
	})
}

func (s *RetroStore) checkTopic(ctx context.Context, tx pgx.Tx, orgID, retroID int64, t retro.TopicRef) error {
	var ok bool
	var err error
	switch {
	case t.GroupID != nil:
		ok, err = s.q.RetroGroupExists(ctx, tx, dbq.RetroGroupExistsParams{OrgID: orgID, RetroID: retroID, ID: *t.GroupID})
	case t.CardID != nil:
		ok, err = s.q.RetroCardExists(ctx, tx, dbq.RetroCardExistsParams{OrgID: orgID, RetroID: retroID, ID: *t.CardID})
	}
	if err != nil {
		return err
	}
	if !ok {
		return core.Errorf(core.EINVALID, "Choose a topic of this retro.")
	}
	return nil
}

// RemoveVote takes back one of the voter's votes on a topic.
func (s *RetroStore) RemoveVote(ctx context.Context, orgID, retroID, voterID int64, t retro.TopicRef) error {
	return s.retroChange(ctx, retroID, "vote", "Vote", func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroVoteRemove(ctx, tx, dbq.RetroVoteRemoveParams{OrgID: orgID, RetroID: retroID, VoterID: voterID, CardID: t.CardID, GroupID: t.GroupID})
		return n > 0, err
	})
}

// AddNote stores a discussion note on a topic of the retro; the same form
// submitted twice stores and announces one.
func (s *RetroStore) AddNote(ctx context.Context, orgID, retroID int64, t retro.TopicRef, body, idemKey string) error {
	return s.retroChange(ctx, retroID, "note", "Note", func(tx pgx.Tx) (bool, error) {
		if err := s.checkTopic(ctx, tx, orgID, retroID, t); err != nil {
			return false, err
		}
		n, err := s.q.RetroNoteAdd(ctx, tx, dbq.RetroNoteAddParams{OrgID: orgID, RetroID: retroID, CardID: t.CardID, GroupID: t.GroupID, Body: body, IdemKey: idemKey})
		return n > 0, err
	})
}

// AddRetroAction stores an action; the same form submitted twice stores and
// announces one.
func (s *RetroStore) AddRetroAction(ctx context.Context, orgID, retroID, teamID int64, in retro.ActionInput, due time.Time) error {
	return s.retroChange(ctx, retroID, "action", "Action", func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroActionAdd(ctx, tx, dbq.RetroActionAddParams{OrgID: orgID, RetroID: retroID, TeamID: teamID, Body: in.Body,
			OwnerID: in.OwnerID, DueOn: due, IdemKey: in.IdemKey})
		return n > 0, err
	})
}

// ReviewAction settles an earlier retro's action of the team; settling it the
// same way again changes nothing and announces nothing.
func (s *RetroStore) ReviewAction(ctx context.Context, orgID, retroID, teamID, actionID int64, status retro.ActionStatus, now time.Time) error {
	return s.retroChange(ctx, retroID, "review", "Action", func(tx pgx.Tx) (bool, error) {
		n, err := s.q.RetroActionReview(ctx, tx, dbq.RetroActionReviewParams{OrgID: orgID, TeamID: teamID, ID: actionID,
			Status: dbq.RetroActionStatus(status), ReviewedRetroID: &retroID, Now: now})
		if err != nil || n > 0 {
			return n > 0, err
		}
		// Reviewed so already (a double submit), or not the team's.
		ok, err := s.q.RetroActionReviewable(ctx, tx, dbq.RetroActionReviewableParams{OrgID: orgID, TeamID: teamID, ID: actionID, RetroID: retroID})
		if err == nil && !ok {
			err = core.NotFound("Action")
		}
		return false, err
	})
}

func actionFromRow(r dbq.RetroActionsOfRetroRow, retroID int64) retro.Action {
	return retro.Action{ID: r.ID, RetroID: r.RetroID, RetroTitle: r.RetroTitle, TeamID: r.TeamID, TeamName: r.TeamName, Body: r.Body,
		OwnerID: r.OwnerID, OwnerName: r.OwnerName, DueOn: r.DueOn, Status: retro.ActionStatus(r.Status), DoneAt: r.DoneAt,
		Reviewed: r.ReviewedRetroID != nil && *r.ReviewedRetroID == retroID, CreatedAt: r.CreatedAt}
}

// RetroActions lists the actions a retro agreed.
func (s *RetroStore) RetroActions(ctx context.Context, orgID, retroID int64) ([]retro.Action, error) {
	rows, err := s.q.RetroActionsOfRetro(ctx, s.readDB(ctx), dbq.RetroActionsOfRetroParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.Action, len(rows))
	for i, r := range rows {
		out[i] = actionFromRow(r, retroID)
	}
	return out, mapErr(err, "Action")
}

// OpenTeamActions lists the team's open actions from other retros than
// retroID (0: all), and those retroID has reviewed.
func (s *RetroStore) OpenTeamActions(ctx context.Context, orgID, teamID, retroID int64) ([]retro.Action, error) {
	rows, err := s.q.RetroActionsOpenForTeam(ctx, s.readDB(ctx), dbq.RetroActionsOpenForTeamParams{OrgID: orgID, TeamID: teamID, RetroID: retroID})
	out := make([]retro.Action, len(rows))
	for i, r := range rows {
		out[i] = actionFromRow(dbq.RetroActionsOfRetroRow(r), retroID)
	}
	return out, mapErr(err, "Action")
}

// OpenActionsOwnedBy lists a person's open retro actions, soonest due first.
func (s *RetroStore) OpenActionsOwnedBy(ctx context.Context, orgID, ownerID int64) ([]retro.Action, error) {
	rows, err := s.q.RetroActionsOpenForOwner(ctx, s.readDB(ctx), dbq.RetroActionsOpenForOwnerParams{OrgID: orgID, OwnerID: ownerID})
	out := make([]retro.Action, len(rows))
	for i, r := range rows {
		out[i] = actionFromRow(dbq.RetroActionsOfRetroRow(r), 0)
	}
	return out, mapErr(err, "Action")
}

// FollowThrough counts, per quarter since since, the team's actions due and
// those done by their due date.
func (s *RetroStore) FollowThrough(ctx context.Context, orgID, teamID int64, since time.Time) ([]retro.Quarter, error) {
	rows, err := s.q.RetroFollowThrough(ctx, s.pool, dbq.RetroFollowThroughParams{OrgID: orgID, TeamID: teamID, Since: since})
	if err != nil {
		return nil, mapErr(err, "Action")
	}
	byQ := map[string]retro.Quarter{}
	for _, r := range rows {
		l := quarterLabel(r.Quarter)
		byQ[l] = retro.Quarter{Label: l, Due: int(r.Due), DoneOnDue: int(r.DoneOnDue)}
	}
	var out []retro.Quarter
	for q := since; !q.After(time.Now()); q = q.AddDate(0, 3, 0) {
		l := quarterLabel(q)
		if v, ok := byQ[l]; ok {
			out = append(out, v)
		} else {
			out = append(out, retro.Quarter{Label: l})
		}
	}
	return out, nil
}

func quarterLabel(t time.Time) string {
	return t.Format("2006") + " Q" + string(rune('1'+(int(t.Month())-1)/3))
}

// KudoCards lists the named cards of a retro's Kudos column not yet given.
func (s *RetroStore) KudoCards(ctx context.Context, orgID, retroID int64) ([]retro.KudoCard, error) {
	rows, err := s.q.RetroKudoCards(ctx, s.pool, dbq.RetroKudoCardsParams{OrgID: orgID, RetroID: retroID})
	out := make([]retro.KudoCard, len(rows))
	for i, r := range rows {
		out[i] = retro.KudoCard{ID: r.ID, AuthorID: r.AuthorID, Body: r.Body, KudoVisibility: r.KudoVisibility}
	}
	return out, mapErr(err, "Card")
}

// MarkKudo records the kudo a card became.
func (s *RetroStore) MarkKudo(ctx context.Context, orgID, cardID, kudoID int64) error {
	return mapErr(s.q.RetroCardMarkKudo(ctx, s.pool, dbq.RetroCardMarkKudoParams{OrgID: orgID, ID: cardID, KudoID: &kudoID}), "Card")
}
