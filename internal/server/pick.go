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

// pickNamer names the person or team behind a chosen id, so a form can
// tell whether its search box still shows the choice.
type pickNamer func(id int64) (people.Pick, bool)

func (s *Server) personNamer(r *http.Request) pickNamer {
	return func(id int64) (people.Pick, bool) {
		p, err := s.people.InOrg(r.Context(), actor(r), id)
		if err != nil {
			return people.Pick{}, false
		}
		return people.Pick{ID: p.ID, Name: p.Name, Title: p.Title, Active: p.Active}, true
	}
}

func (s *Server) teamNamer(r *http.Request) pickNamer {
	return func(id int64) (people.Pick, bool) {
		t, err := s.people.TeamByID(r.Context(), actor(r), id)
		if err != nil {
			return people.Pick{}, false
		}
		return people.Pick{ID: t.ID, Name: t.Name, Active: true, Members: int64(t.MemberCount)}, true
	}
}

// readPick reads an "id" picker (views.Picker) from the form or query
// string: the chosen id in field name, the search box in name+"_q". It is
// a search step, with nothing saved, when the box holds text other than the
// chosen one's name: someone typed without choosing, or pressed Find
// without JavaScript. The form sent back from the search step (its box
// still holding the text searched for, name+"_searched") is read as the
// choice made there. An emptied box chooses nothing when the picker is
// optional (a manager); otherwise, and in a form without the box (a client
// that only sends the id), the id is read alone.
func readPick(r *http.Request, name string, nameOf pickNamer, optional bool) (id *int64, st views.PickState) {
	raw := strings.TrimSpace(r.FormValue(name))
	id = optID(raw)
	st.Value = raw
	if id != nil {
		if cur, ok := nameOf(*id); ok {
			st.Current = &cur
			st.Text = cur.Name
		}
	}
	if _, sent := r.Form[name+"_q"]; !sent {
		return id, st
	}
	text := strings.TrimSpace(r.FormValue(name + "_q"))
	switch {
	case text == "" && optional:
		st.Value, st.Text = "", ""
		return nil, st
	case text == "":
		return id, st
	case st.Current != nil && text == st.Current.Name:
		return id, st
	case r.FormValue(name+"_searched") == text && id != nil:
		return id, st
	}
	st.Text, st.Searched = text, true
	return id, st
}

// searchStep fills a picker's search step with the matches for its text.
func (s *Server) searchStep(r *http.Request, kind string, st *views.PickState) error {
	var err error
	if kind == "teams" {
		st.Results, err = s.people.SearchTeams(r.Context(), actor(r), st.Text)
	} else {
		st.Results, err = s.people.SearchPeople(r.Context(), actor(r), st.Text, false)
	}
	return err
}
