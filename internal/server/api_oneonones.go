package server

import (
	"fmt"
	"net/http"
	"time"

	"rapport/internal/oneonone"
)

// The API's 1:1s: the series the token's person takes part in, and each
// series' meetings with their shared agenda, as oneonone.Service decides
// for the pages (participants only; anyone else gets 404). Private notes,
// shared notes, pulse and observations are not part of it.

type apiSeriesJSON struct {
	ID              int64      `json:"id"`
	Manager         apiRef     `json:"manager"`
	Report          apiRef     `json:"report"`
	Cadence         string     `json:"cadence"`
	IntervalDays    int        `json:"interval_days"`
	DurationMinutes int        `json:"duration_minutes"`
	TimeZone        string     `json:"time_zone"`
	StartsOn        string     `json:"starts_on"`
	Status          string     `json:"status"`
	EndedAt         *time.Time `json:"ended_at"`
}

type apiAgendaItemJSON struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	Author  apiRef `json:"author"`
	Done    bool   `json:"done"`
	Dropped bool   `json:"dropped"`
	// Carried is how many meetings the point was carried over from.
	Carried int `json:"carried"`
}

type apiMeetingJSON struct {
	ID          int64               `json:"id"`
	ScheduledAt time.Time           `json:"scheduled_at"`
	Status      string              `json:"status"`
	Agenda      []apiAgendaItemJSON `json:"agenda"`
}

type apiAgendaJSON struct {
	MeetingID int64               `json:"meeting_id"`
	Agenda    []apiAgendaItemJSON `json:"agenda"`
}

func apiAgenda(items []oneonone.AgendaItem) []apiAgendaItemJSON {
	out := make([]apiAgendaItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, apiAgendaItemJSON{ID: it.ID, Body: it.Body, Author: apiRef{ID: it.AuthorID, Name: it.AuthorName},
			Done: it.Done, Dropped: it.Dropped, Carried: it.Carried})
	}
	return out
}

// apiSeries lists the caller's series, as /oneonones does.
func (s *Server) apiSeries(w http.ResponseWriter, r *http.Request) {
	list, err := s.meetings.MySeries(r.Context(), actor(r))
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiSeriesJSON]{Data: []apiSeriesJSON{}}
	for _, sr := range list {
		var ended *time.Time
		if sr.EndedAt != nil {
			t := sr.EndedAt.UTC()
			ended = &t
		}
		out.Data = append(out.Data, apiSeriesJSON{ID: sr.ID, Manager: apiRef{ID: sr.ManagerID, Name: sr.ManagerName},
			Report: apiRef{ID: sr.ReportID, Name: sr.ReportName}, Cadence: string(sr.Cadence), IntervalDays: sr.IntervalDays,
			DurationMinutes: sr.DurationMinutes, TimeZone: sr.TimeZone, StartsOn: sr.StartsOn.Format(time.DateOnly),
			Status: string(sr.Status), EndedAt: ended})
	}
	apiJSON(w, http.StatusOK, out)
}

// apiSeriesMeetings lists a series' meetings, newest first, with their
// shared agendas, in keyset pages.
func (s *Server) apiSeriesMeetings(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	fields := map[string]string{}
	limit := apiLimit(r, fields)
	var before oneonone.MeetingCursor
	if c := r.URL.Query().Get("after"); c != "" {
		at, mid, ok := parseKudoCursor(c)
		if !ok {
			fields["after"] = "after must be the next cursor of the previous page."
		}
		before = oneonone.MeetingCursor{At: at, ID: mid}
	}
	if len(fields) > 0 {
		apiFields(w, "Check the query parameters.", fields)
		return
	}
	list, more, err := s.meetings.SharedMeetings(r.Context(), actor(r), id, before, limit)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	out := apiPage[apiMeetingJSON]{Data: []apiMeetingJSON{}}
	for _, m := range list {
		out.Data = append(out.Data, apiMeetingJSON{ID: m.ID, ScheduledAt: m.ScheduledAt.UTC(), Status: string(m.Status), Agenda: apiAgenda(m.Agenda)})
	}
	if more && len(list) > 0 {
		last := list[len(list)-1]
		next := fmt.Sprintf("%d-%d", last.ScheduledAt.UnixNano(), last.ID)
		out.Next = &next
	}
	apiJSON(w, http.StatusOK, out)
}

type apiAgendaInput struct {
	Body string `json:"body"`
}

// apiAgendaAdd adds a talking point to a meeting, as the meeting page's
// form does; the same open point twice is one point.
func (s *Server) apiAgendaAdd(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		apiProblem(w, http.StatusNotFound, "")
		return
	}
	var in apiAgendaInput
	if !s.apiDecode(w, r, &in) {
		return
	}
	a := actor(r)
	if err := s.meetings.AddAgendaItem(r.Context(), a, id, in.Body); err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	_, items, err := s.meetings.SharedAgenda(r.Context(), a, id)
	if err != nil {
		s.apiFail(w, r, err, nil)
		return
	}
	apiJSON(w, http.StatusCreated, apiAgendaJSON{MeetingID: id, Agenda: apiAgenda(items)})
}
