package server

import (
	"net/http"
	"time"

	"rapport/internal/retro"
)

// The API's retro actions: a retro's actions, as its room shows them to
// anyone who may see the retro (retro.Service: the team's members and
// facilitators, and the managers above a member; anyone else gets 404),
// and the caller's own open actions, as their home page lists them.

type apiRetroActionJSON struct {
	ID      int64      `json:"id"`
	RetroID int64      `json:"retro_id"`
	Team    apiRef     `json:"team"`
	Body    string     `json:"body"`
	Owner   apiRef     `json:"owner"`
	DueOn   string     `json:"due_on"`
	Status  string     `json:"status"`
	DoneAt  *time.Time `json:"done_at"`
}

func apiRetroActions(acts []retro.Action) apiPage[apiRetroActionJSON] {
	out := apiPage[apiRetroActionJSON]{Data: []apiRetroActionJSON{}}
	for _, x := range acts {
		var done *time.Time
		if x.DoneAt != nil {
			t := x.DoneAt.UTC()
			done = &t
		}
		out.Data = append(out.Data, apiRetroActionJSON{ID: x.ID, RetroID: x.RetroID, Team: apiRef{ID: x.TeamID, Name: x.TeamName},
			Body: x.Body, Owner: apiRef{ID: x.OwnerID, Name: x.OwnerName}, DueOn: x.DueOn.Format(time.DateOnly),
			Status: string(x.Status), DoneAt: done})
	}
	return out
}

// apiRetroActionsOf lists the actions a retro made.
func (s *Server) apiRetroActionsOf(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	_, acts, err := s.retros.Actions(r.Context(), actor(r), id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusOK, apiRetroActions(acts))
}

// apiMyRetroActions lists the caller's open retro actions.
func (s *Server) apiMyRetroActions(w http.ResponseWriter, r *http.Request) {
	acts, err := s.retros.MyActions(r.Context(), actor(r))
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusOK, apiRetroActions(acts))
}

// apiRetroActionComplete marks an open action of an earlier retro done from
// the retro now reviewing them, as its facilitators do in the room's first
// phase (retro.Service.Review: the same rule, the same phase). Done already
// is the same answer.
func (s *Server) apiRetroActionComplete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	aid, ok2 := pathID(r, "actionID")
	if !ok || !ok2 {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	if err := s.retros.Review(r.Context(), actor(r), id, aid, retro.ActionDone); err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusOK, struct {
		ID      int64  `json:"id"`
		RetroID int64  `json:"retro_id"`
		Status  string `json:"status"`
	}{aid, id, string(retro.ActionDone)})
}
