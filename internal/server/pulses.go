package server

import (
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/pulse"
	"rapport/web/views"
)

func pulsePath(id int64, suffix string) string {
	return "/pulses/" + strconv.FormatInt(id, 10) + suffix
}

func (s *Server) pulsesList(w http.ResponseWriter, r *http.Request) {
	l, err := s.pulses.List(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PulsesPage(s.layout(r, "Pulse surveys", "health"), views.PulsesProps{List: l}))
}

// renderPulseNew shows the schedule form, with err's messages.
func (s *Server) renderPulseNew(w http.ResponseWriter, r *http.Request, status int, p views.PulseNewProps, err error) {
	ch, cerr := s.pulses.Choices(r.Context(), actor(r))
	if cerr != nil {
		s.renderError(w, r, cerr)
		return
	}
	p.Choices = ch
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.PulseNewPage(s.layout(r, "Schedule a pulse", "health"), p))
}

func (s *Server) pulseNew(w http.ResponseWriter, r *http.Request) {
	in := pulse.Input{Title: "Pulse", Scope: pulse.ScopeOrg, Statements: strings.Join(pulse.DefaultStatements, "\n")}
	s.renderPulseNew(w, r, http.StatusOK, views.PulseNewProps{Input: in, Cadence: "14", OpenDays: "3"}, nil)
}

func (s *Server) pulseCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	cadence, open := strings.TrimSpace(f("cadence")), strings.TrimSpace(f("open_days"))
	in := pulse.Input{Title: f("title"), Scope: pulse.Scope(f("scope")), TeamID: int64(atoiOr(f("team"), 0)), RootID: int64(atoiOr(f("root"), 0)),
		Statements: f("statements"), CadenceDays: atoiOr(cadence, -1), OpenDays: atoiOr(open, -1), IdemKey: core.FormKey(f("key"))}
	id, err := s.pulses.Schedule(r.Context(), actor(r), &in)
	s.formDone(w, r, err, func(status int) {
		s.renderPulseNew(w, r, status, views.PulseNewProps{Input: in, Cadence: cadence, OpenDays: open}, err)
	}, in.Title+" is scheduled: its first round is open now.", pulsePath(id, ""))
}

func (s *Server) pulseResults(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	res, err := s.pulses.Results(r.Context(), a, id, atoiOr(r.URL.Query().Get("round"), 0))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	av, err := s.pulses.AnswerPage(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p := views.PulseResultsProps{Results: res, CanStop: res.Access.Reader && pulse.CanSchedule(a) && res.Pulse.StoppedAt == nil,
		AnswerOpen: av.Open && av.Access.Member && !av.Answered}
	s.render(w, r, http.StatusOK, views.PulseResultsPage(s.layout(r, res.Pulse.Title, "health"), p))
}

// renderPulseAnswer shows the answer page with in and err's messages.
// While a round takes answers no request to it is logged: the page load
// after an answer would otherwise date it (docs/privacy.md).
func (s *Server) renderPulseAnswer(w http.ResponseWriter, r *http.Request, status int, id int64, in pulse.AnswerInput, err error) {
	quietLog(r)
	v, verr := s.pulses.AnswerPage(r.Context(), actor(r), id)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	p := views.PulseAnswerProps{View: v, Input: in}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.PulseAnswerPage(s.layout(r, v.Pulse.Title, "health"), p))
}

func (s *Server) pulseAnswerPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderPulseAnswer(w, r, http.StatusOK, id, pulse.AnswerInput{}, nil)
}

// pulseAnswer stores an answer. Neither the request nor anything it writes
// names the person next to what they answered: no access-log line, no audit
// entry, no flash message in the session.
func (s *Server) pulseAnswer(w http.ResponseWriter, r *http.Request) {
	quietLog(r)
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := pulse.AnswerInput{Scores: map[int]string{}, ENPS: r.PostFormValue("enps"), Comment: r.PostFormValue("comment")}
	for k, vs := range r.PostForm {
		if n, ok := strings.CutPrefix(k, "score_"); ok && len(vs) > 0 {
			if pos, err := strconv.Atoi(n); err == nil && pos > 0 && pos <= pulse.MaxStatements {
				in.Scores[pos] = vs[0]
			}
		}
	}
	err := s.pulses.Answer(r.Context(), actor(r), id, &in)
	s.formDone(w, r, err, func(status int) { s.renderPulseAnswer(w, r, status, id, in, err) }, "", pulsePath(id, "/answer"))
}

func (s *Server) pulseStop(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.pulses.Stop(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The pulse is stopped: no more rounds open.")
	redirect(w, r, pulsePath(id, ""))
}
