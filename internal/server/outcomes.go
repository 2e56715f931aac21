package server

import (
	"net/http"
	"strconv"

	"rapport/web/views"
)

// outcomesPage relates relationship signals to who stayed and who left.
func (s *Server) outcomesPage(w http.ResponseWriter, r *http.Request) {
	months, _ := strconv.Atoi(r.URL.Query().Get("months"))
	v, err := s.outcomes.Outcomes(r.Context(), actor(r), months)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.OutcomesPage(s.layout(r, "Outcomes", "checkins"), views.OutcomesProps{View: v}))
}
