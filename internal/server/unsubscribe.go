package server

import (
	"net/http"

	"rapport/internal/core"
	"rapport/web/views"
)

// unsubscribeForm asks to confirm a one-click unsubscribe link. It changes
// nothing: mail scanners follow links in messages.
func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	token := chiParam(r, "token")
	k, err := s.mailPrefs.CheckUnsubscribe(token)
	if err != nil {
		s.renderUnsubscribeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.UnsubscribePage(views.UnsubscribeProps{Token: token, Label: k.Label()}))
}

// unsubscribeSubmit turns off the kind the link names, without sign-in: it
// is the RFC 8058 one-click POST mail clients send, and the confirmation
// page's button.
func (s *Server) unsubscribeSubmit(w http.ResponseWriter, r *http.Request) {
	k, err := s.mailPrefs.Unsubscribe(r.Context(), chiParam(r, "token"))
	if err != nil {
		s.renderUnsubscribeError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.UnsubscribePage(views.UnsubscribeProps{Label: k.Label(), Done: true}))
}

func (s *Server) renderUnsubscribeError(w http.ResponseWriter, r *http.Request, err error) {
	if core.ErrorCode(err) != core.ENOTFOUND {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusNotFound, views.UnsubscribeInvalidPage())
}
