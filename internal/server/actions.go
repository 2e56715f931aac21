package server

import (
	"net/http"

	"rapport/web/views"
)

// actionsList is every open action of the person's 1:1s and retros, the
// full list behind home's "see all".
func (s *Server) actionsList(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	acts, err := s.meetings.OpenActions(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	retroActs, err := s.retros.MyActions(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ActionsPage(s.layout(r, "Open actions", "home"),
		views.ActionsProps{Me: a.UserID, Actions: acts, RetroActions: retroActs, Now: s.clock.Now()}))
}
