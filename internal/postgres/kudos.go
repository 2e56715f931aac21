package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/mail"
	"rapport/internal/postgres/dbq"
	"rapport/internal/schedule"
)

var _ kudos.Store = (*KudosStore)(nil)

// KudosStore keeps kudos, their recipients, comments and reactions, team
// rituals, and the figures of the equity view. Posting a kudo enqueues its
// notifications in the same transaction: a rolled-back kudo never
// notifies, a committed one always does.
type KudosStore struct {
	base
	notify KudoNotifier
	mail   MailQueuer
}

// KudoNotifier enqueues the notifications of a kudo inside a transaction.
type KudoNotifier interface {
	KudoPosted(ctx context.Context, tx pgx.Tx, orgID, kudoID int64) error
}

// NewKudosStore returns the kudos store on pool; notify, when not nil,
// enqueues each new kudo's notifications.
func NewKudosStore(pool *pgxpool.Pool, notify KudoNotifier) *KudosStore {
	return &KudosStore{base: newBase(pool), notify: notify}
}

// WithMail makes posting a kudo also email the people it names (those who
// turned kudo emails off excepted), in the kudo's transaction.
func (s *KudosStore) WithMail(m MailQueuer) *KudosStore {
	s.mail = m
	return s
}

// CreateKudo stores a kudo with its recipients and competencies; the same
// form submitted twice returns the first kudo.
func (s *KudosStore) CreateKudo(ctx context.Context, orgID, authorID int64, in kudos.Input) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.q.KudoCreate(ctx, tx, dbq.KudoCreateParams{OrgID: orgID, AuthorID: authorID, Did: in.Did, Impact: in.Impact,
			Visibility: dbq.KudoVisibility(in.Visibility), TeamID: in.TeamID, IdemKey: in.IdemKey})
		if err == pgx.ErrNoRows {
			id, err = s.q.KudoByIdem(ctx, tx, dbq.KudoByIdemParams{OrgID: orgID, AuthorID: authorID, IdemKey: in.IdemKey})
			return err // already stored by the first submit
		}
		if err != nil {
			return err
		}
		if err := s.q.KudoRecipientsAdd(ctx, tx, dbq.KudoRecipientsAddParams{OrgID: orgID, KudoID: id, UserIds: in.RecipientIDs}); err != nil {
			return err
		}
		if len(in.CompetencyIDs) > 0 {
			if err := s.q.KudoCompetenciesAdd(ctx, tx, dbq.KudoCompetenciesAddParams{KudoID: id, CompetencyIds: in.CompetencyIDs}); err != nil {
				return err
			}
		}
		if err := s.mailKudo(ctx, tx, orgID, id); err != nil {
			return err
		}
		if s.notify != nil {
			return s.notify.KudoPosted(ctx, tx, orgID, id)
		}
		return nil
	})
	return id, mapErr(err, "Kudo")
}

// UpdateKudo replaces the author's kudo's text, audience, recipients and tags.
func (s *KudosStore) UpdateKudo(ctx context.Context, orgID, authorID, id int64, in kudos.Input) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.KudoUpdate(ctx, tx, dbq.KudoUpdateParams{OrgID: orgID, ID: id, AuthorID: authorID, Did: in.Did, Impact: in.Impact,
			Visibility: dbq.KudoVisibility(in.Visibility), TeamID: in.TeamID})
		if err != nil {
			return err
		}
		if n == 0 {
			return core.NotFound("Kudo")
		}
		if err := s.q.KudoRecipientsClear(ctx, tx, id); err != nil {
			return err
		}
		if err := s.q.KudoRecipientsAdd(ctx, tx, dbq.KudoRecipientsAddParams{OrgID: orgID, KudoID: id, UserIds: in.RecipientIDs}); err != nil {
			return err
		}
		if err := s.q.KudoCompetenciesClear(ctx, tx, id); err != nil {
			return err
		}
		if len(in.CompetencyIDs) > 0 {
			return s.q.KudoCompetenciesAdd(ctx, tx, dbq.KudoCompetenciesAddParams{KudoID: id, CompetencyIds: in.CompetencyIDs})
		}
		return nil
	})
	return mapErr(err, "Kudo")
}

// DeleteKudo removes the author's kudo with its reactions and comments.
func (s *KudosStore) DeleteKudo(ctx context.Context, orgID, authorID, id int64) error {
	n, err := s.q.KudoDelete(ctx, s.pool, dbq.KudoDeleteParams{OrgID: orgID, ID: id, AuthorID: authorID})
	if err != nil {
		return mapErr(err, "Kudo")
	}
	if n == 0 {
		return core.NotFound("Kudo")
	}
	return nil
}

func kudoFromRow(r dbq.KudoGetRow) kudos.Kudo {
	return kudos.Kudo{ID: r.ID, AuthorID: r.AuthorID, AuthorName: r.AuthorName, Did: r.Did, Impact: r.Impact,
		Visibility: kudos.Visibility(r.Visibility), TeamID: r.TeamID, TeamName: r.TeamName, CreatedAt: r.CreatedAt, EditedAt: r.EditedAt}
}

// FindKudo returns a kudo the viewer may see, with its details.
func (s *KudosStore) FindKudo(ctx context.Context, orgID, viewerID, id int64) (kudos.Kudo, error) {
	r, err := s.q.KudoGet(ctx, s.pool, dbq.KudoGetParams{OrgID: orgID, ID: id, ViewerID: viewerID})
	if err != nil {
		return kudos.Kudo{}, mapErr(err, "Kudo")
	}
	ks := []kudos.Kudo{kudoFromRow(r)}
	if err := s.kudoDetails(ctx, orgID, viewerID, ks); err != nil {
		return kudos.Kudo{}, err
	}
	return ks[0], nil
}

// Feed returns a screen of kudos the viewer may see: one query for the
// kudos, then their recipients, tags, reactions and comment counts in four
// queries run side by side (no query per kudo).
func (s *KudosStore) Feed(ctx context.Context, orgID, viewerID int64, f kudos.Filter) ([]kudos.Kudo, error) {
	ks, err := s.FeedRows(ctx, orgID, viewerID, f)
	if err != nil {
		return nil, err
	}
	return ks, s.kudoDetails(ctx, orgID, viewerID, ks)
}

// FillDetails adds the kudos' recipients, competencies, reactions and
// comment counts.
func (s *KudosStore) FillDetails(ctx context.Context, orgID, viewerID int64, ks []kudos.Kudo) error {
	return s.kudoDetails(ctx, orgID, viewerID, ks)
}

// FeedRows returns the kudos of Feed without their details.
func (s *KudosStore) FeedRows(ctx context.Context, orgID, viewerID int64, f kudos.Filter) ([]kudos.Kudo, error) {
	var rows []dbq.KudoFeedRow
	var err error
	if f.PersonID != nil && f.TeamID == nil && f.RecipientID == nil && f.GiverID == nil {
		// One person's kudos: start from their own index entries.
		var pr []dbq.KudoFeedForPersonRow
		pr, err = s.q.KudoFeedForPerson(ctx, s.readDB(ctx), dbq.KudoFeedForPersonParams{OrgID: orgID, ViewerID: viewerID, PersonID: *f.PersonID,
			BeforeAt: f.BeforeAt, BeforeID: f.BeforeID, Since: f.Since, CompetencyID: f.CompetencyID, RowLimit: int32(f.Limit)})
		for _, r := range pr {
			rows = append(rows, dbq.KudoFeedRow(r))
		}
	} else {
		rows, err = s.q.KudoFeed(ctx, s.readDB(ctx), dbq.KudoFeedParams{OrgID: orgID, ViewerID: viewerID, BeforeAt: f.BeforeAt, BeforeID: f.BeforeID,
			Since: f.Since, PersonID: f.PersonID, RecipientID: f.RecipientID, GiverID: f.GiverID, TeamID: f.TeamID,
			CompetencyID: f.CompetencyID, RowLimit: int32(f.Limit)})
	}
	if err != nil {
		return nil, mapErr(err, "Kudos")
	}
	ks := make([]kudos.Kudo, len(rows))
	for i, r := range rows {
		ks[i] = kudoFromRow(dbq.KudoGetRow(r))
	}
	return ks, nil
}

func (s *KudosStore) kudoDetails(ctx context.Context, orgID, viewerID int64, ks []kudos.Kudo) error {
	if len(ks) == 0 {
		return nil
	}
	ids := make([]int64, len(ks))
	at := make(map[int64]int, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
		at[k.ID] = i
	}
	var (
		recips []dbq.KudoRecipientsForRow
		comps  []dbq.KudoCompetenciesForRow
		reacts []dbq.KudoReactionsForRow
		counts []dbq.KudoCommentCountsRow
	)
	// One round trip for the four.
	err := s.together(ctx,
		func(ctx context.Context) (err error) {
			recips, err = s.q.KudoRecipientsFor(ctx, s.readDB(ctx), dbq.KudoRecipientsForParams{OrgID: orgID, KudoIds: ids})
			return err
		},
		func(ctx context.Context) (err error) {
			comps, err = s.q.KudoCompetenciesFor(ctx, s.readDB(ctx), ids)
			return err
		},
		func(ctx context.Context) (err error) {
			reacts, err = s.q.KudoReactionsFor(ctx, s.readDB(ctx), dbq.KudoReactionsForParams{OrgID: orgID, KudoIds: ids, ViewerID: viewerID})
			return err
		},
		func(ctx context.Context) (err error) {
			counts, err = s.q.KudoCommentCounts(ctx, s.readDB(ctx), dbq.KudoCommentCountsParams{OrgID: orgID, KudoIds: ids})
			return err
		})
	if err != nil {
		return mapErr(err, "Kudos")
	}
	for _, r := range recips {
		k := &ks[at[r.KudoID]]
		k.Recipients = append(k.Recipients, kudos.Named{ID: r.UserID, Name: r.Name})
	}
	for _, r := range comps {
		k := &ks[at[r.KudoID]]
		k.Competencies = append(k.Competencies, kudos.Named{ID: r.ID, Name: r.Name})
	}
	type rc struct {
		n    int
		mine bool
	}
	byKudo := map[int64]map[string]rc{}
	for _, r := range reacts {
		if byKudo[r.KudoID] == nil {
			byKudo[r.KudoID] = map[string]rc{}
		}
		byKudo[r.KudoID][r.Emoji] = rc{int(r.N), r.Mine}
	}
	for i := range ks {
		for _, kind := range kudos.Reactions {
			c := byKudo[ks[i].ID][kind.Key]
			ks[i].Reactions = append(ks[i].Reactions, kudos.ReactionCount{Key: kind.Key, Emoji: kind.Emoji, Label: kind.Label, N: c.n, Mine: c.mine})
		}
	}
	for _, r := range counts {
		ks[at[r.KudoID]].Comments = int(r.N)
	}
	return nil
}

// Comments lists a kudo's comments.
func (s *KudosStore) Comments(ctx context.Context, orgID, kudoID int64) ([]kudos.Comment, error) {
	rows, err := s.q.KudoComments(ctx, s.pool, dbq.KudoCommentsParams{OrgID: orgID, KudoID: kudoID})
	if err != nil {
		return nil, mapErr(err, "Comments")
	}
	out := make([]kudos.Comment, len(rows))
	for i, r := range rows {
		out[i] = kudos.Comment{ID: r.ID, AuthorID: r.AuthorID, AuthorName: r.AuthorName, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddComment stores a comment; the same form key again stores nothing.
func (s *KudosStore) AddComment(ctx context.Context, orgID, kudoID, authorID int64, body, key string) error {
	return mapErr(s.q.KudoCommentAdd(ctx, s.pool, dbq.KudoCommentAddParams{OrgID: orgID, KudoID: kudoID, AuthorID: authorID, Body: body, IdemKey: key}), "Comment")
}

// SetReaction adds the reaction (on) or removes it; either again changes
// nothing.
func (s *KudosStore) SetReaction(ctx context.Context, orgID, kudoID, userID int64, key string, on bool) error {
	var err error
	if on {
		err = s.q.KudoReactionAdd(ctx, s.pool, dbq.KudoReactionAddParams{OrgID: orgID, KudoID: kudoID, UserID: userID, Emoji: key})
	} else {
		_, err = s.q.KudoReactionRemove(ctx, s.pool, dbq.KudoReactionRemoveParams{OrgID: orgID, KudoID: kudoID, UserID: userID, Emoji: key})
	}
	return mapErr(err, "Reaction")
}

// ToggleReaction adds the reaction, or removes it if it was there.
func (s *KudosStore) ToggleReaction(ctx context.Context, orgID, kudoID, userID int64, key string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		n, err := s.q.KudoReactionRemove(ctx, tx, dbq.KudoReactionRemoveParams{OrgID: orgID, KudoID: kudoID, UserID: userID, Emoji: key})
		if err != nil || n > 0 {
			return err
		}
		return s.q.KudoReactionAdd(ctx, tx, dbq.KudoReactionAddParams{OrgID: orgID, KudoID: kudoID, UserID: userID, Emoji: key})
	})
	return mapErr(err, "Reaction")
}

// Counts returns a person's visible kudos received and given, overall and per competency.
func (s *KudosStore) Counts(ctx context.Context, orgID, viewerID, personID int64) (int, int, []kudos.CompetencyCount, error) {
	t, err := s.q.KudoTotalsForPerson(ctx, s.pool, dbq.KudoTotalsForPersonParams{OrgID: orgID, ViewerID: viewerID, PersonID: personID})
	if err != nil {
		return 0, 0, nil, mapErr(err, "Kudos")
	}
	rows, err := s.q.KudoCountsByCompetency(ctx, s.pool, dbq.KudoCountsByCompetencyParams{OrgID: orgID, ViewerID: viewerID, PersonID: personID})
	if err != nil {
		return 0, 0, nil, mapErr(err, "Kudos")
	}
	out := make([]kudos.CompetencyCount, len(rows))
	for i, r := range rows {
		out[i] = kudos.CompetencyCount{ID: r.CompetencyID, Name: r.Name, Received: int(r.Received), Given: int(r.Given)}
	}
	return int(t.Received), int(t.Given), out, nil
}

// ActivePeople returns the active people of the organisation among ids.
func (s *KudosStore) ActivePeople(ctx context.Context, orgID int64, ids []int64) ([]kudos.Named, error) {
	rows, err := s.q.PeopleActiveByIDs(ctx, s.pool, dbq.PeopleActiveByIDsParams{OrgID: orgID, Ids: ids})
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make([]kudos.Named, len(rows))
	for i, r := range rows {
		out[i] = kudos.Named{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// PeopleByHandles maps mention handles to active people.
func (s *KudosStore) PeopleByHandles(ctx context.Context, orgID int64, handles []string) (map[string]kudos.Named, error) {
	rows, err := s.q.PeopleByHandles(ctx, s.readDB(ctx), dbq.PeopleByHandlesParams{OrgID: orgID, Handles: handles})
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make(map[string]kudos.Named, len(rows))
	for _, r := range rows {
		if _, dup := out[r.Handle]; dup {
			continue // two people share a handle: link the first, stably by id
		}
		out[r.Handle] = kudos.Named{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

// TeamIDsOf lists a person's teams.
func (s *KudosStore) TeamIDsOf(ctx context.Context, orgID, personID int64) ([]int64, error) {
	ids, err := s.q.TeamsOfPerson(ctx, s.pool, dbq.TeamsOfPersonParams{OrgID: orgID, UserID: personID})
	return ids, mapErr(err, "Teams")
}

// CompetencyIDs lists the competencies a kudo may be tagged with now, by id
// (Competencies: the organisation's current framework).
func (s *KudosStore) CompetencyIDs(ctx context.Context, orgID int64) (map[int64]string, error) {
	cs, err := s.competencies(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(cs))
	for _, c := range cs {
		out[c.ID] = c.Name
	}
	return out, nil
}

func ritualFromRow(r dbq.RitualGetRow) kudos.Ritual {
	return kudos.Ritual{ID: r.ID, OrgID: r.OrgID, TeamID: r.TeamID, TeamName: r.TeamName, Name: r.Name,
		Cadence: schedule.Cadence(r.Cadence), Weekday: time.Weekday(r.Weekday), Hour: int(r.Hour), TimeZone: r.TimeZone, StartsOn: r.StartsOn}
}

// CreateRitual stores a ritual for a team; the same form submitted twice
// stores one and answers both with it.
func (s *KudosStore) CreateRitual(ctx context.Context, orgID, teamID, actorID int64, in kudos.RitualInput, startsOn time.Time) (int64, error) {
	byKey := func() (int64, error) {
		return s.q.RitualByIdem(ctx, s.pool, dbq.RitualByIdemParams{OrgID: orgID, TeamID: teamID, IdemKey: in.IdemKey})
	}
	id, err := s.q.RitualCreate(ctx, s.pool, dbq.RitualCreateParams{OrgID: orgID, TeamID: teamID, Name: in.Name,
		Cadence: dbq.RitualCadence(in.Cadence), Weekday: int16(in.Weekday), Hour: int16(in.Hour), TimeZone: in.TimeZone,
		StartsOn: startsOn, CreatedBy: &actorID, IdemKey: in.IdemKey})
	if err == pgx.ErrNoRows {
		id, err = byKey()
	}
	if prev, ok := storedBefore(err, in.IdemKey, byKey); ok {
		return prev, nil
	}
	if core.ErrorCode(mapErr(err, "")) == core.ECONFLICT {
		return 0, fieldErr("name", "This team already has a ritual with that name.")
	}
	return id, mapErr(err, "Ritual")
}

// FindRitual returns a ritual of the organisation.
func (s *KudosStore) FindRitual(ctx context.Context, orgID, id int64) (kudos.Ritual, error) {
	r, err := s.q.RitualGet(ctx, s.pool, dbq.RitualGetParams{OrgID: orgID, ID: id})
	if err != nil {
		return kudos.Ritual{}, mapErr(err, "Ritual")
	}
	return ritualFromRow(r), nil
}

// RitualsForTeam lists a team's rituals.
func (s *KudosStore) RitualsForTeam(ctx context.Context, orgID, teamID int64) ([]kudos.Ritual, error) {
	rows, err := s.q.RitualsForTeam(ctx, s.pool, dbq.RitualsForTeamParams{OrgID: orgID, TeamID: teamID})
	if err != nil {
		return nil, mapErr(err, "Rituals")
	}
	out := make([]kudos.Ritual, len(rows))
	for i, r := range rows {
		out[i] = ritualFromRow(dbq.RitualGetRow(r))
	}
	return out, nil
}

// DeleteRitual removes a ritual.
func (s *KudosStore) DeleteRitual(ctx context.Context, orgID, id int64) error {
	n, err := s.q.RitualDelete(ctx, s.pool, dbq.RitualDeleteParams{OrgID: orgID, ID: id})
	if err != nil {
		return mapErr(err, "Ritual")
	}
	if n == 0 {
		return core.NotFound("Ritual")
	}
	return nil
}

// IsTeamMember reports whether a person is on a team.
func (s *KudosStore) IsTeamMember(ctx context.Context, orgID, personID, teamID int64) (bool, error) {
	ok, err := s.q.TeamHasMember(ctx, s.pool, dbq.TeamHasMemberParams{OrgID: orgID, TeamID: teamID, UserID: personID})
	return ok, mapErr(err, "Team")
}

// EquityMembers lists the active people under root with their first team.
func (s *KudosStore) EquityMembers(ctx context.Context, orgID int64, root *int64) ([]kudos.Member, error) {
	rows, err := s.q.EquityMembers(ctx, s.pool, dbq.EquityMembersParams{OrgID: orgID, RootID: root})
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make([]kudos.Member, len(rows))
	for i, r := range rows {
		out[i] = kudos.Member{ID: r.ID, Name: r.Name, TeamID: r.TeamID, TeamName: r.TeamName}
	}
	return out, nil
}

// EquityEdges lists visible recognitions to or from the members:
// organisation-wide kudos of whole days from the kept daily tallies, the
// rest (the days where the time matters, team and recipients-only kudos)
// from the kudos themselves.
func (s *KudosStore) EquityEdges(ctx context.Context, orgID, viewerID int64, members []int64, w kudos.EdgeWindow) ([]kudos.Edge, error) {
	ds := w.Split()
	rows, err := s.q.EquityEdges(ctx, s.pool, dbq.EquityEdgesParams{OrgID: orgID, ViewerID: viewerID, Members: members,
		FromDay: ds.FromDay, ToDay: ds.ToDay, ExactDays: nonNil(ds.ExactDays), Starts: nonNil(ds.Starts), Ends: nonNil(ds.Ends),
		Since: w.Since, Until: w.Until})
	if err != nil {
		return nil, mapErr(err, "Kudos")
	}
	out := make([]kudos.Edge, len(rows))
	for i, r := range rows {
		out[i] = kudos.Edge{Giver: r.Giver, Receiver: r.Receiver, At: r.At, Count: int(r.Kudos), Cross: r.CrossTeam != nil && *r.CrossTeam}
	}
	return out, nil
}

// EquityEdgesFromKudos lists visible recognitions to or from the members in
// [since, until), one per kudo and recipient, from the kudos alone: the
// definition EquityEdges must agree with.
func (s *KudosStore) EquityEdgesFromKudos(ctx context.Context, orgID, viewerID int64, members []int64, since, until time.Time) ([]kudos.Edge, error) {
	rows, err := s.q.EquityEdgesFromKudos(ctx, s.pool, dbq.EquityEdgesFromKudosParams{OrgID: orgID, ViewerID: viewerID, Members: members, Since: since, Until: until})
	if err != nil {
		return nil, mapErr(err, "Kudos")
	}
	out := make([]kudos.Edge, len(rows))
	for i, r := range rows {
		out[i] = kudos.Edge{Giver: r.Giver, Receiver: r.Receiver, At: r.CreatedAt, Count: 1, Cross: r.CrossTeam != nil && *r.CrossTeam}
	}
	return out, nil
}

// nonNil sends an empty array rather than NULL.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// Handles returns people's @handles by id.
func (s *KudosStore) Handles(ctx context.Context, orgID int64, ids []int64) (map[int64]string, error) {
	rows, err := s.q.PeopleHandlesByIDs(ctx, s.pool, dbq.PeopleHandlesByIDsParams{OrgID: orgID, Ids: ids})
	if err != nil {
		return nil, mapErr(err, "People")
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Handle
	}
	return out, nil
}

// mailKudo writes a "you received a kudo" email to each person a new kudo
// names who may see it. The outbox key names the kudo and the person, so a
// kudo mails each of them once.
func (s *KudosStore) mailKudo(ctx context.Context, tx pgx.Tx, orgID, kudoID int64) error {
	if s.mail == nil {
		return nil
	}
	to, err := s.q.KudoMailRecipients(ctx, tx, dbq.KudoMailRecipientsParams{OrgID: orgID, KudoID: kudoID})
	if err != nil {
		return err
	}
	for _, u := range to {
		_, err := s.mail.Queue(ctx, tx, mail.Notice{Kind: mail.KindKudoReceived, OrgID: orgID, UserID: u.ID,
			To: mail.Address{Name: u.Name, Email: u.Email}, TimeZone: u.TimeZone, OrgName: u.OrgName,
			ByName: u.AuthorName, Quote: u.Quote, Path: "/kudos/" + strconv.FormatInt(kudoID, 10),
			IdemKey: "kudo:" + strconv.FormatInt(kudoID, 10) + ":" + strconv.FormatInt(u.ID, 10)})
		if err != nil {
			return err
		}
	}
	return nil
}
