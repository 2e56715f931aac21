package server

import (
	"net/http"

	"rapport/internal/core"
	"rapport/web/views"
)

const (
	sessScimSecret = "scim_secret"
	sessScimName   = "scim_name"
)

func (s *Server) scimTokensPage(w http.ResponseWriter, r *http.Request) {
	fresh := views.NewScimToken{
		Secret: s.sessions.PopString(r.Context(), sessScimSecret),
		Name:   s.sessions.PopString(r.Context(), sessScimName),
	}
	s.renderScimTokens(w, r, http.StatusOK, fresh, views.ScimTokenForm{})
}

func (s *Server) renderScimTokens(w http.ResponseWriter, r *http.Request, status int, fresh views.NewScimToken, f views.ScimTokenForm) {
	tokens, err := s.scim.Tokens(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.ScimTokensPage(s.layout(r, "Provisioning", "admin"), views.ScimTokensProps{
		Tokens: tokens, New: fresh, Form: f, BaseURL: s.scimBase(), Now: s.clock.Now(),
	}))
}

// scimTokenCreate makes a token and shows it once, on the page it
// redirects to; a reload does not show it again.
func (s *Server) scimTokenCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := views.ScimTokenForm{Name: r.PostFormValue("name")}
	t, secret, err := s.scim.CreateToken(r.Context(), actor(r), f.Name)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			f.Errors = core.FieldErrors(err)
			s.renderScimTokens(w, r, http.StatusUnprocessableEntity, views.NewScimToken{}, f)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessScimSecret, secret)
	s.sessions.Put(r.Context(), sessScimName, t.Name)
	redirect(w, r, "/admin/scim")
}

func (s *Server) scimTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.scim.RevokeToken(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Revoked. The token no longer works.")
	redirect(w, r, "/admin/scim")
}
