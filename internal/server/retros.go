package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/internal/retro"
	"rapport/web/views"
)

func retroPath(id int64) string { return "/retros/" + strconv.FormatInt(id, 10) }

// formKey makes a random key for a form, so a double submit counts once.
func formKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// retroCookie names the cookie holding a browser's secret for one anonymous
// retro. It is scoped to the retro's path, HttpOnly and SameSite, so only
// requests to that retro carry it.
func (s *Server) retroCookie() string {
	if s.cfg.SecureCookies {
		return "__Secure-rapport_retro"
	}
	return "rapport_retro"
}

// retroSecret reads the browser's anonymous-card secret, if it has one.
func (s *Server) retroSecret(r *http.Request) []byte {
	c, err := r.Cookie(s.retroCookie())
	if err != nil {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) < 16 {
		return nil
	}
	return b
}

// ensureRetroSecret returns the browser's secret for an anonymous retro,
// giving it one first if it has none. The secret is never stored on the
// server: only the author's browser can recognise their cards.
func (s *Server) ensureRetroSecret(w http.ResponseWriter, r *http.Request, id int64) []byte {
	if b := s.retroSecret(r); b != nil {
		return b
	}
	b := retro.NewSecret()
	http.SetCookie(w, &http.Cookie{Name: s.retroCookie(), Value: base64.RawURLEncoding.EncodeToString(b), Path: retroPath(id),
		MaxAge: 90 * 24 * 3600, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	return b
}

func (s *Server) teamRetros(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	h, err := s.retros.History(r.Context(), a, teamID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	t, err := s.retroTeam(r, teamID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.RetroListPage(s.layout(r, "Retros · "+t.Name, "teams"), views.RetroListProps{Team: t, History: h, Now: s.clock.Now()}))
}

// retroTeam loads the team's name and id; access was checked by the retro service.
func (s *Server) retroTeam(r *http.Request, teamID int64) (people.Team, error) {
	ts, err := s.people.TeamByID(r.Context(), actor(r), teamID)
	return ts, err
}

// newRetroInput is what the new-retro form starts with.
var newRetroInput = retro.Input{Template: "ssc", VotesPerPerson: 3, MaxVotesPerCard: 3}

// renderRetroForm shows the new-retro form (with the team's facilitators)
// holding in, and err's messages next to their fields when err is set.
func (s *Server) renderRetroForm(w http.ResponseWriter, r *http.Request, status int, teamID int64, in retro.Input, err error) {
	t, terr := s.retroTeam(r, teamID)
	if terr != nil {
		s.renderError(w, r, terr)
		return
	}
	members, merr := s.retros.Members(r.Context(), actor(r), teamID)
	if merr != nil {
		s.renderError(w, r, merr)
		return
	}
	facs, ferr := s.retros.Facilitators(r.Context(), actor(r), teamID)
	if ferr != nil {
		s.renderError(w, r, ferr)
		return
	}
	p := views.RetroFormProps{Team: t, Input: in, Members: members, Facilitators: facs}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.RetroFormPage(s.layout(r, "New retro · "+t.Name, "teams"), p))
}

func (s *Server) retroNew(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	acc, err := s.retros.TeamAccess(r.Context(), actor(r), teamID)
	if err == nil && !acc.Facilitator {
		err = core.Forbidden()
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderRetroForm(w, r, http.StatusOK, teamID, newRetroInput, nil)
}

func (s *Server) retroCreate(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := retro.Input{Title: r.PostFormValue("title"), Template: r.PostFormValue("template"), CustomColumns: r.PostFormValue("custom_columns"),
		Anonymous: r.PostFormValue("anonymous") == "true", Kudos: r.PostFormValue("kudos") == "true",
		VotesPerPerson: atoiOr(r.PostFormValue("votes_per_person"), -1), MaxVotesPerCard: atoiOr(r.PostFormValue("max_votes_per_card"), -1),
		TimeboxMinutes: atoiOr(r.PostFormValue("timebox_minutes"), 0), IdemKey: core.FormKey(r.PostFormValue("key"))}
	if strings.TrimSpace(r.PostFormValue("timebox_minutes")) != "" && in.TimeboxMinutes == 0 {
		in.TimeboxMinutes = -1
	}
	id, err := s.retros.Create(r.Context(), actor(r), teamID, in)
	s.formDone(w, r, err, func(status int) { s.renderRetroForm(w, r, status, teamID, in, err) },
		in.Title+" is open. It starts with the team's open actions from earlier retros.", retroPath(id))
}

func (s *Server) retroFacilitator(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	pid, _ := formInt64(r, "person_id")
	var id int64
	if pid != nil {
		id = *pid
	}
	err := s.retros.SetFacilitator(r.Context(), actor(r), teamID, id, r.PostFormValue("on") == "true")
	s.formDone(w, r, err, func(status int) { s.renderRetroForm(w, r, status, teamID, newRetroInput, err) },
		"Facilitators updated.", fmt.Sprintf("/teams/%d/retros/new", teamID))
}

// roomProps gathers the room for the viewer.
func (s *Server) roomProps(w http.ResponseWriter, r *http.Request, id int64) (views.RetroRoomProps, error) {
	rm, err := s.retros.Room(r.Context(), actor(r), id, func(rt retro.Retro) []byte {
		quietDuringAnonymousReflect(r, rt)
		if rt.Anonymous && w != nil && rt.Phase != retro.PhaseDone {
			return s.ensureRetroSecret(w, r, id)
		}
		return s.retroSecret(r)
	})
	if err != nil {
		return views.RetroRoomProps{}, err
	}
	return views.RetroRoomProps{Room: rm, Now: s.clock.Now(), Keys: formKey, Card: retro.CardInput{KudoVisibility: "team"}}, nil
}

func (s *Server) retroShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	// The newest event before the state is read: the stream replays from
	// there, so a change made while the page renders is not missed. Read
	// together, the event's statement goes first in the batch that also
	// reads the retro, and the board is read after that.
	var last int64
	var p views.RetroRoomProps
	err := core.Together(r.Context(),
		func(ctx context.Context) (err error) { last, err = s.live.LastID(ctx, retro.Topic(id)); return err },
		func(ctx context.Context) (err error) { p, err = s.roomProps(w, r.WithContext(ctx), id); return err })
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.LastEvent = last
	s.render(w, r, http.StatusOK, views.RetroRoomPage(s.layout(r, p.Room.Retro.Title, "teams"), p))
}

func (s *Server) retroBoard(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	p, err := s.roomProps(nil, r, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.RetroBoard(p))
}

// retroDone answers a room form: back to the room on success; on bad input
// the room again with the message next to the field and what was typed.
func (s *Server) retroDone(w http.ResponseWriter, r *http.Request, id int64, err error, fill func(*views.RetroRoomProps)) {
	if err == nil {
		redirect(w, r, retroPath(id))
		return
	}
	switch core.ErrorCode(err) {
	case core.EINVALID, core.ECONFLICT:
		// The answer listens to the room from now on: replaying older
		// events would make it reload, and a reload sends the form again.
		last, lerr := s.live.LastID(r.Context(), retro.Topic(id))
		if lerr != nil {
			s.renderError(w, r, lerr)
			return
		}
		p, perr := s.roomProps(w, r, id)
		if perr != nil {
			s.renderError(w, r, perr)
			return
		}
		p.LastEvent = last
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
		if fill != nil {
			fill(&p)
		}
		s.render(w, r, statusFor(core.ErrorCode(err)), views.RetroRoomPage(s.layout(r, p.Room.Retro.Title, "teams"), p))
	default:
		s.renderError(w, r, err)
	}
}

// retroPost reads a room form: the retro's id from the path and the posted
// form, and, when check is given, makes sure the viewer passes it (take part,
// or facilitate). false: the answer has been written.
func (s *Server) retroPost(w http.ResponseWriter, r *http.Request, check func(context.Context, core.Actor, int64) error) (int64, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return 0, false
	}
	if !s.parseForm(w, r) {
		return 0, false
	}
	if check != nil {
		if err := check(r.Context(), actor(r), id); err != nil {
			s.renderError(w, r, err)
			return 0, false
		}
	}
	return id, true
}

func (s *Server) retroPhase(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, nil)
	if !ok {
		return
	}
	err := s.retros.Move(r.Context(), actor(r), id, retro.Phase(r.PostFormValue("from")), retro.Phase(r.PostFormValue("to")))
	s.retroDone(w, r, id, err, nil)
}

func (s *Server) retroCardAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, nil)
	if !ok {
		return
	}
	in := retro.CardInput{Body: r.PostFormValue("body"), KudoVisibility: r.PostFormValue("kudo_visibility"), IdemKey: r.PostFormValue("key")}
	if col, ok := formInt64(r, "column_id"); ok && col != nil {
		in.ColumnID = *col
	}
	var secret []byte
	if rt, _, err := s.retros.Find(r.Context(), actor(r), id); err == nil && rt.Anonymous {
		quietLog(r)
		secret = s.ensureRetroSecret(w, r, id)
	}
	err := s.retros.AddCard(r.Context(), actor(r), id, in, secret)
	s.retroDone(w, r, id, err, func(p *views.RetroRoomProps) { p.Card = in })
}

// quietDuringAnonymousReflect keeps the room's requests out of the access
// log while anonymous cards are being written: the page load that follows
// each card post, by address and time, would count and date each person's
// cards.
func quietDuringAnonymousReflect(r *http.Request, rt retro.Retro) {
	if rt.Anonymous && rt.Phase == retro.PhaseReflect {
		quietLog(r)
	}
}

// quietIfAnonymous keeps a card change of an anonymous retro out of the
// access log.
func (s *Server) quietIfAnonymous(r *http.Request, id int64) {
	if rt, _, err := s.retros.Find(r.Context(), actor(r), id); err == nil && rt.Anonymous {
		quietLog(r)
	}
}

func (s *Server) retroCardEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	cardID, ok2 := pathID(r, "cardID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	s.quietIfAnonymous(r, id)
	err := s.retros.EditCard(r.Context(), actor(r), id, cardID, r.PostFormValue("body"), s.retroSecret(r))
	s.retroDone(w, r, id, err, nil)
}

func (s *Server) retroCardDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	cardID, ok2 := pathID(r, "cardID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	s.quietIfAnonymous(r, id)
	err := s.retros.DeleteCard(r.Context(), actor(r), id, cardID, s.retroSecret(r))
	s.retroDone(w, r, id, err, nil)
}

func (s *Server) retroGroup(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, s.retros.CanTakePart)
	if !ok {
		return
	}
	card, ok1 := formInt64(r, "card_id")
	group, ok2 := formInt64(r, "group_id")
	if !ok1 || !ok2 || card == nil {
		s.retroDone(w, r, id, core.Errorf(core.EINVALID, "Choose a card and a group."), nil)
		return
	}
	err := s.retros.Group(r.Context(), actor(r), id, *card, group, r.PostFormValue("group_name"))
	s.retroDone(w, r, id, err, nil)
}

func (s *Server) retroVote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, s.retros.CanTakePart)
	if !ok {
		return
	}
	t, ok := retro.ParseTopic(r.PostFormValue("topic"))
	if !ok {
		s.retroDone(w, r, id, core.Errorf(core.EINVALID, "Choose a topic to vote for."), nil)
		return
	}
	var err error
	if r.PostFormValue("remove") == "true" {
		err = s.retros.Unvote(r.Context(), actor(r), id, t)
	} else {
		err = s.retros.Vote(r.Context(), actor(r), id, t, r.PostFormValue("key"))
	}
	s.retroDone(w, r, id, err, nil)
}

func (s *Server) retroNote(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, s.retros.CanTakePart)
	if !ok {
		return
	}
	key := r.PostFormValue("topic")
	t, ok := retro.ParseTopic(key)
	if !ok {
		s.retroDone(w, r, id, core.Errorf(core.EINVALID, "Choose a topic for the note."), nil)
		return
	}
	body := r.PostFormValue("note")
	err := s.retros.AddNote(r.Context(), actor(r), id, t, body, r.PostFormValue("key"))
	s.retroDone(w, r, id, err, func(p *views.RetroRoomProps) { p.NoteTopic, p.NoteBody = key, body })
}

func (s *Server) retroActionAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, nil)
	if !ok {
		return
	}
	in := retro.ActionInput{Body: r.PostFormValue("action_body"), DueOn: r.PostFormValue("due_on"), IdemKey: r.PostFormValue("key")}
	if o, ok := formInt64(r, "owner_id"); ok && o != nil {
		in.OwnerID = *o
	}
	if len(in.IdemKey) > 64 {
		in.IdemKey = in.IdemKey[:64]
	}
	err := s.retros.AddAction(r.Context(), actor(r), id, in)
	s.retroDone(w, r, id, err, func(p *views.RetroRoomProps) { p.Action = in })
}

func (s *Server) retroReview(w http.ResponseWriter, r *http.Request) {
	id, ok := s.retroPost(w, r, s.retros.CanFacilitate)
	if !ok {
		return
	}
	aid, ok := formInt64(r, "action_id")
	if !ok || aid == nil {
		s.retroDone(w, r, id, core.Errorf(core.EINVALID, "Choose an action to review."), nil)
		return
	}
	err := s.retros.Review(r.Context(), actor(r), id, *aid, retro.ActionStatus(r.PostFormValue("status")))
	s.retroDone(w, r, id, err, nil)
}

// retroEvents streams a retro's changes to a viewer who may see it.
func (s *Server) retroEvents(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	rt, _, err := s.retros.Find(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	quietDuringAnonymousReflect(r, rt)
	s.live.ServeSSE(w, r, retro.Topic(id))
}
