package server

import (
	"net/http"
	"strconv"

	"rapport/internal/people"
)

// The API's teams: every team of the organisation, as /teams lists them to
// anyone signed in, and a team with its members, as its page shows them.

type apiTeamJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	MemberCount int    `json:"member_count"`
}

type apiMemberJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Title  string `json:"title"`
	Role   string `json:"role"`
	Active bool   `json:"active"`
}

type apiTeamDetailJSON struct {
	apiTeamJSON
	Members []apiMemberJSON `json:"members"`
}

func apiTeam(t people.Team) apiTeamJSON {
	return apiTeamJSON{ID: t.ID, Name: t.Name, Description: t.Description, MemberCount: t.MemberCount}
}

// apiAfterID reads ?after= as the id of the last row of the previous page.
func apiAfterID(r *http.Request, fields map[string]string, what string) int64 {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		fields["after"] = "after must be the next cursor of the previous page (the id of its last " + what + ")."
	}
	return n
}

// apiTeams lists the teams in name order, in keyset pages.
func (s *Server) apiTeams(w http.ResponseWriter, r *http.Request) {
	fields := map[string]string{}
	limit := apiLimit(r, fields)
	after := apiAfterID(r, fields, "team")
	if len(fields) > 0 {
		apiFields(w, "Check the query parameters.", fields)
		return
	}
	teams, err := s.people.TeamPage(r.Context(), actor(r), people.TeamFilter{AfterID: after, Limit: limit + 1})
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiTeamJSON]{Data: []apiTeamJSON{}}
	if len(teams) > limit {
		teams = teams[:limit]
		next := strconv.FormatInt(teams[len(teams)-1].ID, 10)
		out.Next = &next
	}
	for _, t := range teams {
		out.Data = append(out.Data, apiTeam(t))
	}
	apiJSON(w, http.StatusOK, out)
}

// apiTeamShow is a team with its members.
func (s *Server) apiTeamShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	t, members, err := s.people.Team(r.Context(), actor(r), id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiTeamDetailJSON{apiTeamJSON: apiTeam(t), Members: []apiMemberJSON{}}
	out.MemberCount = 0 // counted as the list counts them: active members
	for _, m := range members {
		if m.Active {
			out.MemberCount++
		}
		out.Members = append(out.Members, apiMemberJSON{ID: m.ID, Name: m.Name, Title: m.Title, Role: string(m.Role), Active: m.Active})
	}
	apiJSON(w, http.StatusOK, out)
}
