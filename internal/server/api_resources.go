package server

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"rapport/internal/kudos"
	"rapport/internal/oneonone"
	"rapport/internal/people"
)

// API resources: the JSON shapes of docs/openapi.json and their handlers.

type apiRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type apiPersonJSON struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	Role    string  `json:"role"`
	Active  bool    `json:"active"`
	Manager *apiRef `json:"manager"`
	// View is "full" when the caller may see the whole profile (as the
	// person's page decides), else "public" and the fields below are left
	// out.
	View     string `json:"view"`
	Email    string `json:"email,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
}

func apiPerson(p people.Person, full bool) apiPersonJSON {
	out := apiPersonJSON{ID: p.ID, Name: p.Name, Title: p.Title, Role: string(p.Role), Active: p.Active, View: "public"}
	if p.ManagerID != nil {
		out.Manager = &apiRef{ID: *p.ManagerID, Name: p.ManagerName}
	}
	if full {
		out.View, out.Email, out.TimeZone = "full", p.Email, p.TimeZone
	}
	return out
}

type apiMeJSON struct {
	apiPersonJSON
	Token apiTokenJSON `json:"token"`
}

type apiTokenJSON struct {
	Name      string    `json:"name"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expires_at"`
}

// apiPage is a list with the cursor of the next page (null on the last).
type apiPage[T any] struct {
	Data []T     `json:"data"`
	Next *string `json:"next"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	t := apiToken(r)
	apiJSON(w, http.StatusOK, apiMeJSON{apiPerson(signedIn(r), true), apiTokenJSON{Name: t.Name, Scope: string(t.Scope), ExpiresAt: t.ExpiresAt.UTC()}})
}

// apiLimit reads ?limit= (1–200, default 50); bad input goes in fields.
func apiLimit(r *http.Request, fields map[string]string) int {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		fields["limit"] = "limit must be a whole number from 1 to 200."
	}
	return n
}

// apiPeople lists the people the /people page shows the caller, in id order.
func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request) {
	fields := map[string]string{}
	limit := apiLimit(r, fields)
	var after int64
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fields["after"] = "after must be the id of the last person of the previous page."
		}
		after = n
	}
	if len(fields) > 0 {
		apiFields(w, "Check the query parameters.", fields)
		return
	}
	list, err := s.people.People(r.Context(), actor(r), people.PeopleFilter{AfterID: &after, Limit: limit + 1})
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiPersonJSON]{Data: []apiPersonJSON{}}
	if len(list) > limit {
		list = list[:limit]
		next := strconv.FormatInt(list[len(list)-1].ID, 10)
		out.Next = &next
	}
	for _, p := range list {
		out.Data = append(out.Data, apiPerson(p, true))
	}
	apiJSON(w, http.StatusOK, out)
}

// apiPerson is a person as their page shows them to the caller.
func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	p, full, err := s.people.Profile(r.Context(), actor(r), id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusOK, apiPerson(p, full))
}

type apiKudoJSON struct {
	ID           int64     `json:"id"`
	Author       apiRef    `json:"author"`
	Recipients   []apiRef  `json:"recipients"`
	Did          string    `json:"did"`
	Impact       string    `json:"impact"`
	Visibility   string    `json:"visibility"`
	Team         *apiRef   `json:"team"`
	Competencies []apiRef  `json:"competencies"`
	CreatedAt    time.Time `json:"created_at"`
}

func refs(ns []kudos.Named) []apiRef {
	out := make([]apiRef, 0, len(ns))
	for _, n := range ns {
		out = append(out, apiRef(n))
	}
	return out
}

func apiKudo(k kudos.Kudo) apiKudoJSON {
	out := apiKudoJSON{ID: k.ID, Author: apiRef{ID: k.AuthorID, Name: k.AuthorName}, Recipients: refs(k.Recipients), Did: k.Did,
		Impact: k.Impact, Visibility: string(k.Visibility), Competencies: refs(k.Competencies), CreatedAt: k.CreatedAt.UTC()}
	if k.TeamID != nil {
		out.Team = &apiRef{ID: *k.TeamID, Name: k.TeamName}
	}
	return out
}

// kudoCursor is the feed's keyset position, as the page's "Older" link
// writes it (parseKudoCursor reads both).
func kudoCursor(k kudos.Kudo) string {
	return fmt.Sprintf("%d-%d", k.CreatedAt.UnixNano(), k.ID)
}

// apiKudos is the feed the caller may see (kudo_visible), newest first.
func (s *Server) apiKudos(w http.ResponseWriter, r *http.Request) {
	var f kudos.Filter
	if c := r.URL.Query().Get("after"); c != "" {
		at, id, ok := parseKudoCursor(c)
		if !ok {
			apiFields(w, "Check the query parameters.", map[string]string{"after": "after must be the next cursor of the previous page."})
			return
		}
		f.BeforeAt, f.BeforeID = at, id
	}
	list, more, err := s.kudos.Feed(r.Context(), actor(r), f)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiKudoJSON]{Data: []apiKudoJSON{}}
	for _, k := range list {
		out.Data = append(out.Data, apiKudo(k))
	}
	if more && len(list) > 0 {
		next := kudoCursor(list[len(list)-1])
		out.Next = &next
	}
	apiJSON(w, http.StatusOK, out)
}

type apiKudoInput struct {
	RecipientIDs  []int64 `json:"recipient_ids"`
	Did           string  `json:"did"`
	Impact        string  `json:"impact"`
	CompetencyIDs []int64 `json:"competency_ids"`
	Visibility    string  `json:"visibility"`
	TeamID        *int64  `json:"team_id"`
}

// kudoFieldNames are the form's field names as the API calls them.
var kudoFieldNames = map[string]string{"recipients": "recipient_ids", "competencies": "competency_ids"}

// apiKudoCreate gives kudos, validated as the form is. The same
// Idempotency-Key again returns the kudo it made and stores nothing.
func (s *Server) apiKudoCreate(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 60 {
		apiFields(w, "Check the Idempotency-Key header.", map[string]string{"Idempotency-Key": "Keep the key to 60 characters; a UUID is fine."})
		return
	}
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		key = base64.RawURLEncoding.EncodeToString(b)
	}
	var in apiKudoInput
	if !s.apiDecode(w, r, &in) {
		return
	}
	a := actor(r)
	id, err := s.kudos.Post(r.Context(), a, kudos.Input{RecipientIDs: in.RecipientIDs, Did: in.Did, Impact: in.Impact,
		CompetencyIDs: in.CompetencyIDs, Visibility: kudos.Visibility(in.Visibility), TeamID: in.TeamID, IdemKey: "api:" + key})
	if err != nil {
		s.apiFail(w, r, err, kudoFieldNames)
		return
	}
	k, _, err := s.kudos.Kudo(r.Context(), a, id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	w.Header().Set("Location", apiPrefix+"/kudos/"+strconv.FormatInt(id, 10))
	apiJSON(w, http.StatusCreated, apiKudo(k))
}

type apiActionJSON struct {
	ID        int64      `json:"id"`
	MeetingID int64      `json:"meeting_id"`
	Owner     apiRef     `json:"owner"`
	With      string     `json:"with"`
	Body      string     `json:"body"`
	DueOn     string     `json:"due_on"`
	DoneAt    *time.Time `json:"done_at"`
}

// apiActions are the caller's open 1:1 actions, as /actions lists them.
func (s *Server) apiActions(w http.ResponseWriter, r *http.Request) {
	acts, err := s.meetings.OpenActions(r.Context(), actor(r))
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiActionJSON]{Data: []apiActionJSON{}}
	for _, x := range acts {
		out.Data = append(out.Data, apiAction(x))
	}
	apiJSON(w, http.StatusOK, out)
}

func apiAction(x oneonone.Action) apiActionJSON {
	return apiActionJSON{ID: x.ID, MeetingID: x.MeetingID, Owner: apiRef{ID: x.OwnerID, Name: x.OwnerName}, With: x.WithName,
		Body: x.Body, DueOn: x.DueOn.Format(time.DateOnly), DoneAt: x.DoneAt}
}

// apiActionComplete marks an action done; done already is the same answer.
func (s *Server) apiActionComplete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	ref, err := s.meetings.SetActionDone(r.Context(), actor(r), id, true)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusOK, struct {
		ID        int64 `json:"id"`
		MeetingID int64 `json:"meeting_id"`
		Done      bool  `json:"done"`
	}{ref.ID, ref.MeetingID, true})
}
