package server

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"rapport/internal/review"
)

// The API's review cycles: the cycles /reviews lists to the caller, and a
// cycle's reviews as its page decides (review.Service.Cycle: the reviews
// the caller may see, with the ratings its calibration shows them, each
// part only once its writer submitted it unless the caller wrote it —
// review.Permission). Comments, summaries and evidence stay on the review
// pages.

type apiCycleJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
	SelfDue     string `json:"self_due"`
	ManagerDue  string `json:"manager_due"`
	State       string `json:"state"`
	// People and Finalised count the reviews the caller may see.
	People    int `json:"people"`
	Finalised int `json:"finalised"`
}

type apiRatingJSON struct {
	Competency apiRef `json:"competency"`
	Self       *int   `json:"self"`
	Manager    *int   `json:"manager"`
}

type apiReviewJSON struct {
	Person             apiRef          `json:"person"`
	Title              string          `json:"title"`
	Reviewer           *apiRef         `json:"reviewer"`
	Team               string          `json:"team"`
	State              string          `json:"state"`
	SelfSubmittedAt    *time.Time      `json:"self_submitted_at"`
	ManagerSubmittedAt *time.Time      `json:"manager_submitted_at"`
	AcknowledgedAt     *time.Time      `json:"acknowledged_at"`
	FinalisedAt        *time.Time      `json:"finalised_at"`
	Ratings            []apiRatingJSON `json:"ratings"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// apiCycles lists the review cycles the caller may see.
func (s *Server) apiCycles(w http.ResponseWriter, r *http.Request) {
	list, err := s.reviews.Cycles(r.Context(), actor(r))
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiCycleJSON]{Data: []apiCycleJSON{}}
	for _, c := range list {
		out.Data = append(out.Data, apiCycleJSON{ID: c.ID, Name: c.Name, PeriodStart: c.PeriodStart.Format(time.DateOnly),
			PeriodEnd: c.PeriodEnd.Format(time.DateOnly), SelfDue: c.SelfDue.Format(time.DateOnly),
			ManagerDue: c.ManagerDue.Format(time.DateOnly), State: c.State, People: c.People, Finalised: c.Finalised})
	}
	apiJSON(w, http.StatusOK, out)
}

// apiCycleReviews lists a cycle's reviews the caller may see, in person id
// order, in pages, with the ratings the cycle's calibration shows them.
func (s *Server) apiCycleReviews(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	fields := map[string]string{}
	limit := apiLimit(r, fields)
	after := apiAfterID(r, fields, "review's person")
	if len(fields) > 0 {
		apiFields(w, "Check the query parameters.", fields)
		return
	}
	v, err := s.reviews.Cycle(r.Context(), actor(r), id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	names := map[int64]string{}
	for _, e := range v.Framework.Entries {
		names[e.CompetencyID] = e.Name
	}
	for _, e := range v.Framework.Retired {
		names[e.CompetencyID] = e.Name
	}
	ratings := map[int64][]review.RatingRow{}
	for _, rr := range v.Ratings {
		ratings[rr.PersonID] = append(ratings[rr.PersonID], rr)
	}
	ps := v.Participants
	sort.Slice(ps, func(i, j int) bool { return ps[i].PersonID < ps[j].PersonID })
	i := sort.Search(len(ps), func(i int) bool { return ps[i].PersonID > after })
	ps = ps[i:]
	out := apiPage[apiReviewJSON]{Data: []apiReviewJSON{}}
	if len(ps) > limit {
		ps = ps[:limit]
		next := strconv.FormatInt(ps[len(ps)-1].PersonID, 10)
		out.Next = &next
	}
	for _, p := range ps {
		rv := apiReviewJSON{Person: apiRef{ID: p.PersonID, Name: p.PersonName}, Title: p.PersonTitle, Team: p.TeamName,
			State: string(p.State), SelfSubmittedAt: utcPtr(p.SelfSubmittedAt), ManagerSubmittedAt: utcPtr(p.ManagerSubmittedAt),
			AcknowledgedAt: utcPtr(p.AcknowledgedAt), FinalisedAt: utcPtr(p.FinalisedAt), Ratings: []apiRatingJSON{}}
		if p.ManagerID != 0 {
			rv.Reviewer = &apiRef{ID: p.ManagerID, Name: p.ManagerName}
		}
		rows := ratings[p.PersonID]
		sort.Slice(rows, func(i, j int) bool { return rows[i].CompetencyID < rows[j].CompetencyID })
		for _, rr := range rows {
			rt := apiRatingJSON{Competency: apiRef{ID: rr.CompetencyID, Name: names[rr.CompetencyID]}}
			if rr.SelfRating > 0 {
				n := rr.SelfRating
				rt.Self = &n
			}
			if rr.ManagerRating > 0 {
				n := rr.ManagerRating
				rt.Manager = &n
			}
			rv.Ratings = append(rv.Ratings, rt)
		}
		out.Data = append(out.Data, rv)
	}
	apiJSON(w, http.StatusOK, out)
}
