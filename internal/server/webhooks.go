package server

import (
	"net/http"
	"strings"

	"rapport/internal/core"
	"rapport/web/views"
)

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, http.StatusOK, views.WebhookForm{})
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, f views.WebhookForm) {
	a := actor(r)
	hooks, err := s.webhooks.List(r.Context(), a.OrgID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	deliveries, err := s.webhooks.Deliveries(r.Context(), a.OrgID, 50)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.WebhooksPage(s.layout(r, "Notifications", "admin"),
		views.WebhooksProps{Hooks: hooks, Deliveries: deliveries, Form: f}))
}

// webhookSave stores a team's incoming-webhook address. The address is a
// secret: once saved it is never shown back, only its host.
func (s *Server) webhookSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	team, st := readPick(r, "team_id", s.teamNamer(r), false)
	f := views.WebhookForm{Team: st, URL: r.PostFormValue("url")}
	if st.Searched {
		// Without JavaScript: the matching teams to choose from, nothing saved.
		if err := s.searchStep(r, "teams", &f.Team); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderWebhooks(w, r, http.StatusOK, f)
		return
	}
	if team == nil {
		f.Errors = map[string]string{"team_id": "Type part of a team's name and choose the team."}
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if _, _, err := s.people.Team(r.Context(), a, *team); err != nil {
		s.renderError(w, r, err)
		return
	}
	err := s.webhooks.Set(r.Context(), a.OrgID, *team, a.UserID, strings.TrimSpace(f.URL))
	s.formDone(w, r, err, func(status int) {
		f.Errors = core.FieldErrors(err)
		s.renderWebhooks(w, r, status, f)
	}, "Saved. Public kudos to this team's members will be posted there.", "/admin/webhooks")
}

func (s *Server) webhookRemove(w http.ResponseWriter, r *http.Request) {
	team, ok := pathID(r, "teamID")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	if _, _, err := s.people.Team(r.Context(), a, team); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.webhooks.Remove(r.Context(), a.OrgID, team, a.UserID); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The webhook was removed.")
	redirect(w, r, "/admin/webhooks")
}
