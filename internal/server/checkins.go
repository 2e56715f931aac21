package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/web/views"
)

func daysParam(r *http.Request) int {
	d, _ := strconv.Atoi(r.URL.Query().Get("days"))
	return oneonone.NormalizeDays(d)
}

func (s *Server) checkinsMine(w http.ResponseWriter, r *http.Request) {
	s.renderCheckins(w, r, actor(r).UserID)
}

func (s *Server) checkinsManager(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderCheckins(w, r, id)
}

func (s *Server) renderCheckins(w http.ResponseWriter, r *http.Request, managerID int64) {
	a := actor(r)
	d, err := s.meetings.ManagerDashboard(r.Context(), a, managerID, daysParam(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	title := "Check-in patterns"
	if managerID != a.UserID {
		title = "Check-in patterns · " + d.Manager.Name
	}
	s.render(w, r, http.StatusOK, views.CheckinsPage(s.layout(r, title, "checkins"), views.CheckinsProps{
		Dashboard: d, Own: managerID == a.UserID, CanRollup: a.Is(core.RoleAdmin, core.RoleLeader)}))
}

func (s *Server) checkinsRollup(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	v, err := s.meetings.LeaderRollup(r.Context(), actor(r), daysParam(r), r.URL.Query().Get("sort"), page)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.RollupPage(s.layout(r, "Check-ins by manager", "checkins"), views.RollupProps{View: v}))
}

func (s *Server) questionsList(w http.ResponseWriter, r *http.Request) {
	s.renderQuestions(w, r, http.StatusOK, "", "")
}

func (s *Server) renderQuestions(w http.ResponseWriter, r *http.Request, status int, body, errMsg string) {
	qs, err := s.meetings.Questions(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.QuestionsPage(s.layout(r, "Question bank", "admin"), views.QuestionsProps{Questions: qs, Body: body, Error: errMsg}))
}

func (s *Server) questionAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	body := r.PostFormValue("body")
	err := s.meetings.AddQuestion(r.Context(), actor(r), body)
	s.formDone(w, r, err, func(status int) { s.renderQuestions(w, r, status, body, core.FieldErrors(err)["body"]) },
		"Question added. It will be suggested in 1:1s.", "/questions")
}

func (s *Server) questionToggle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if err := s.meetings.SetQuestionActive(r.Context(), actor(r), id, r.PostFormValue("active") == "1"); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/questions")
}

const sessCalendarLink = "calendar_link"

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	has, err := s.meetings.HasCalendarFeed(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	link := s.sessions.PopString(r.Context(), sessCalendarLink)
	s.render(w, r, http.StatusOK, views.CalendarPage(s.layout(r, "Calendar feed", "oneonones"), views.CalendarProps{HasFeed: has, Link: link}))
}

// calendarReset makes a new private feed URL; the old one stops working.
func (s *Server) calendarReset(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	token, hash, err := auth.NewToken()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.meetings.SetCalendarFeed(r.Context(), a, hash); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessCalendarLink, s.cfg.BaseURL+"/ics/"+token)
	redirect(w, r, "/calendar")
}

// calendarFeed serves a person's upcoming 1:1s as iCalendar. The token is
// the only credential: it is long, random, stored hashed and revocable.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(chiParam(r, "token"), ".ics")
	now := s.clock.Now()
	userID, series, meetings, err := s.meetings.CalendarFeed(r.Context(), auth.HashToken(token), now)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	host := "rapport"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	events := oneonone.FeedEvents(series, meetings, now, now.AddDate(0, 0, 84), s.cfg.BaseURL, host, userID)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=900")
	if err := oneonone.WriteFeed(w, "Rapport 1:1s", now, events); err != nil {
		s.log.Error("calendar feed", "err", err)
	}
}
