package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"rapport/internal/people"
	"rapport/web/views"
)

// pickJSON is one match as the picker script reads it: what anyone in the
// organisation may see (people.Pick).
type pickJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Handle string `json:"handle,omitempty"`
	Detail string `json:"detail"`
}

type pickResponse struct {
	Query   string     `json:"query"`
	Results []pickJSON `json:"results"`
}

// wantsJSON reports whether the caller is the picker script rather than a
// person who opened the address.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (s *Server) pickPeople(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	q := r.URL.Query().Get("q")
	found, err := s.people.SearchPeople(r.Context(), a, q, r.URL.Query().Get("inactive") == "1")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wantsJSON(r) {
		s.writePicks(w, q, found)
		return
	}
	s.render(w, r, http.StatusOK, views.LookupPage(s.layout(r, "Find a colleague", ""), views.LookupProps{Kind: "people", Query: q, Results: found}))
}

func (s *Server) pickTeams(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	q := r.URL.Query().Get("q")
	found, err := s.people.SearchTeams(r.Context(), a, q)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if wantsJSON(r) {
		s.writePicks(w, q, found)
		return
	}
	s.render(w, r, http.StatusOK, views.LookupPage(s.layout(r, "Find a team", ""), views.LookupProps{Kind: "teams", Query: q, Results: found}))
}

func (s *Server) writePicks(w http.ResponseWriter, q string, found []people.Pick) {
	out := pickResponse{Query: people.CleanPickText(q), Results: make([]pickJSON, len(found))}
	for i, m := range found {
		out.Results[i] = pickJSON{ID: m.ID, Name: m.Name, Handle: m.Handle, Detail: m.Detail()}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Accept")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		s.log.Error("write picks", "err", err)
	}
}
