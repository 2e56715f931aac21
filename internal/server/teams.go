package server

import (
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/web/views"
)

func teamPath(id int64) string { return "/teams/" + strconv.FormatInt(id, 10) }

const teamsPageSize = 50

func (s *Server) teamsList(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	q := r.URL.Query()
	f := people.TeamFilter{Query: strings.TrimSpace(q.Get("q")), Limit: teamsPageSize + 1}
	if v := q.Get("after"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.notFound(w, r)
			return
		}
		f.AfterID = id
	}
	teams, err := s.people.TeamPage(r.Context(), a, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.TeamsProps{CanManage: a.Role == core.RoleAdmin, Query: f.Query, Paged: f.AfterID != 0}
	if len(teams) > teamsPageSize {
		teams = teams[:teamsPageSize]
		props.NextAfter = teams[len(teams)-1].ID
	}
	props.Teams = teams
	s.render(w, r, http.StatusOK, views.TeamsPage(s.layout(r, "Teams", "teams"), props))
}

func (s *Server) teamShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderTeam(w, r, id, http.StatusOK, "", views.PickState{})
}

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, id int64, status int, memberErr string, add views.PickState) {
	a := actor(r)
	t, members, err := s.people.Team(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rituals, err := s.kudos.TeamRituals(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	member := a.Role == core.RoleAdmin
	for _, m := range members {
		member = member || m.ID == a.UserID
	}
	props := views.TeamProps{Team: t, Members: members, CanManage: a.Role == core.RoleAdmin, MemberError: memberErr, AddMember: add,
		Rituals: rituals, CanRitual: member}
	if acc, err := s.retros.TeamAccess(r.Context(), a, id); err == nil {
		props.Retros = acc.CanSee()
	}
	if _, err := s.health.TeamAccess(r.Context(), a, id); err == nil {
		props.Health = true
	}
	if add.Searched {
		// Members already in the team are not offered again.
		in := map[int64]bool{}
		for _, m := range members {
			in[m.ID] = true
		}
		kept := props.AddMember.Results[:0]
		for _, m := range props.AddMember.Results {
			if !in[m.ID] {
				kept = append(kept, m)
			}
		}
		props.AddMember.Results = kept
	}
	s.render(w, r, status, views.TeamPage(s.layout(r, t.Name, "teams"), props))
}

func (s *Server) teamNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.TeamFormPage(s.layout(r, "New team", "teams"), views.TeamFormProps{}))
}

func teamInput(r *http.Request) people.TeamInput {
	return people.TeamInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), IdemKey: core.FormKey(r.PostFormValue("key"))}
}

func (s *Server) renderTeamFormError(w http.ResponseWriter, r *http.Request, id int64, in people.TeamInput, err error) {
	if c := core.ErrorCode(err); c != core.EINVALID && c != core.ECONFLICT {
		s.renderError(w, r, err)
		return
	}
	title := "New team"
	if id != 0 {
		title = "Edit team"
	}
	s.render(w, r, statusFor(core.ErrorCode(err)), views.TeamFormPage(s.layout(r, title, "teams"), views.TeamFormProps{
		ID: id, Input: in, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
}

func (s *Server) teamCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := teamInput(r)
	t, err := s.people.CreateTeam(r.Context(), actor(r), in)
	if err != nil {
		s.renderTeamFormError(w, r, 0, in, err)
		return
	}
	s.flash(r, "success", "Team "+t.Name+" was created. Add its members below.")
	redirect(w, r, teamPath(t.ID))
}

func (s *Server) teamEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	t, _, err := s.people.Team(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.TeamFormPage(s.layout(r, "Edit team", "teams"), views.TeamFormProps{
		ID: id, Input: people.TeamInput{Name: t.Name, Description: t.Description}}))
}

func (s *Server) teamUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := teamInput(r)
	t, err := s.people.UpdateTeam(r.Context(), actor(r), id, in)
	if err != nil {
		s.renderTeamFormError(w, r, id, in, err)
		return
	}
	s.flash(r, "success", "Saved "+t.Name+".")
	redirect(w, r, teamPath(id))
}

func (s *Server) teamDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.people.DeleteTeam(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The team was deleted. Its people are unchanged.")
	redirect(w, r, "/teams")
}

func (s *Server) teamMemberAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	_, add := readPick(r, "person_id", s.personNamer(r), false)
	if add.Searched {
		// Without JavaScript: the matches to choose from, nothing added.
		if err := s.searchStep(r, "people", &add); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderTeam(w, r, id, http.StatusOK, "", add)
		return
	}
	pid, ok := formInt64(r, "person_id")
	if !ok || pid == nil {
		s.renderTeam(w, r, id, http.StatusUnprocessableEntity, "Type a name and choose a person from the matches.", add)
		return
	}
	if err := s.people.AddTeamMember(r.Context(), actor(r), id, *pid); err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			msg := core.FieldErrors(err)["person_id"]
			if msg == "" {
				msg = core.ErrorMessage(err)
			}
			s.renderTeam(w, r, id, http.StatusUnprocessableEntity, msg, add)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Added to the team.")
	redirect(w, r, teamPath(id))
}

func (s *Server) teamMemberRemove(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	pid, ok2 := pathID(r, "personID")
	if !ok || !ok2 {
		s.notFound(w, r)
		return
	}
	if err := s.people.RemoveTeamMember(r.Context(), actor(r), id, pid); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Removed from the team.")
	redirect(w, r, teamPath(id))
}
