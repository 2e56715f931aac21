package server

import (
	"net/http"

	"rapport/internal/core"
	"rapport/internal/people"
	"rapport/web/views"
)

const (
	sessTokenSecret = "token_secret"
	sessTokenName   = "token_name"
)

// accountTokenCreate makes a personal access token and shows it once, on
// the page it redirects to; a reload does not show it again.
func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := views.TokenForm{Name: r.PostFormValue("name"), Scope: r.PostFormValue("scope"), Days: r.PostFormValue("days")}
	t, secret, err := s.people.CreatePersonalToken(r.Context(), actor(r), people.PersonalTokenInput{Name: f.Name, Scope: f.Scope, Days: f.Days})
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			f.Errors = core.FieldErrors(err)
			s.renderAccountWith(w, r, http.StatusUnprocessableEntity, nil, f)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessTokenSecret, secret)
	s.sessions.Put(r.Context(), sessTokenName, t.Name)
	redirect(w, r, "/account#tokens-h")
}

// accountTokenRevoke revokes one of the person's tokens. Revoked already (a
// double submit) is the same answer; another person's token is not found.
func (s *Server) accountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.people.RevokePersonalToken(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Revoked. The token no longer works.")
	redirect(w, r, "/account#tokens-h")
}
