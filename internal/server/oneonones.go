package server

import (
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/oneonone"
	"rapport/web/views"
)

func meetingPath(id int64) string { return "/meetings/" + strconv.FormatInt(id, 10) }
func seriesPath(id int64) string  { return "/oneonones/" + strconv.FormatInt(id, 10) }

func (s *Server) seriesList(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	series, err := s.meetings.MySeries(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	reports, err := s.people.ReportsOf(r.Context(), a, a.UserID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SeriesListPage(s.layout(r, "1:1s", "oneonones"),
		views.SeriesListProps{Me: a.UserID, Series: series, Reports: reports, Now: s.clock.Now()}))
}

func (s *Server) seriesFormProps(r *http.Request, in oneonone.SeriesInput, err error) (views.SeriesFormProps, error) {
	a := actor(r)
	reports, lerr := s.people.ReportsOf(r.Context(), a, a.UserID)
	if lerr != nil {
		return views.SeriesFormProps{}, lerr
	}
	p := views.SeriesFormProps{Input: in, Reports: reports}
	if err != nil {
		p.Errors, p.Message = core.FieldErrors(err), core.ErrorMessage(err)
	}
	return p, nil
}

func (s *Server) seriesNew(w http.ResponseWriter, r *http.Request) {
	me := signedIn(r)
	in := oneonone.SeriesInput{Cadence: oneonone.Weekly, IntervalDays: 7, Weekday: 2, StartTime: "10:00",
		DurationMinutes: 30, TimeZone: me.TimeZone, StartsOn: s.clock.Now().Format("2006-01-02")}
	if id, err := strconv.ParseInt(r.URL.Query().Get("report_id"), 10, 64); err == nil {
		in.ReportID = id
	}
	props, err := s.seriesFormProps(r, in, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.SeriesFormPage(s.layout(r, "Set up 1:1s", "oneonones"), props))
}

func atoiOr(v string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n
}

func (s *Server) seriesCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := oneonone.SeriesInput{
		Cadence: oneonone.Cadence(r.PostFormValue("cadence")), IntervalDays: atoiOr(r.PostFormValue("interval_days"), -1),
		Weekday: atoiOr(r.PostFormValue("weekday"), -1), StartTime: r.PostFormValue("start_time"),
		DurationMinutes: atoiOr(r.PostFormValue("duration_minutes"), -1), TimeZone: r.PostFormValue("time_zone"),
		StartsOn: r.PostFormValue("starts_on"), IdemKey: core.FormKey(r.PostFormValue("key")),
	}
	in.ReportID = int64(atoiOr(r.PostFormValue("report_id"), 0))
	id, err := s.meetings.CreateSeries(r.Context(), actor(r), 0, in)
	if err != nil {
		if c := core.ErrorCode(err); c != core.EINVALID && c != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		props, perr := s.seriesFormProps(r, in, err)
		if perr != nil {
			s.renderError(w, r, perr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.SeriesFormPage(s.layout(r, "Set up 1:1s", "oneonones"), props))
		return
	}
	mid, err := s.meetings.Upcoming(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "1:1s are set up. Add the first talking points.")
	redirect(w, r, meetingPath(mid))
}

func (s *Server) seriesShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	sr, err := s.meetings.Series(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	history, err := s.meetings.History(r.Context(), a, sr, 52)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.SeriesProps{Series: sr, Me: a.UserID, History: history}
	if sr.Status == oneonone.SeriesActive {
		props.Next, props.NextID = oneonone.NextMeeting(sr, history, s.clock.Now())
	}
	s.render(w, r, http.StatusOK, views.SeriesPage(s.layout(r, "1:1s with "+otherName(sr, a.UserID), "oneonones"), props))
}

func otherName(sr oneonone.Series, me int64) string {
	_, n := sr.Other(me)
	return n
}

// seriesNext opens the series' next meeting, creating it from the schedule
// the first time (get-or-create: repeating it changes nothing). It makes a
// meeting, so it is a POST: link prefetchers and previews never run it.
func (s *Server) seriesNext(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	mid, err := s.meetings.Upcoming(r.Context(), actor(r), id)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.flash(r, "warning", core.ErrorMessage(err))
			redirect(w, r, seriesPath(id))
			return
		}
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, meetingPath(mid))
}

func (s *Server) seriesSetStatus(status oneonone.SeriesStatus, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "id")
		if !ok {
			s.notFound(w, r)
			return
		}
		if err := s.meetings.SetSeriesStatus(r.Context(), actor(r), id, status); err != nil {
			if core.ErrorCode(err) == core.EINVALID {
				s.flash(r, "warning", core.ErrorMessage(err))
				redirect(w, r, seriesPath(id))
				return
			}
			s.renderError(w, r, err)
			return
		}
		s.flash(r, "success", msg)
		redirect(w, r, seriesPath(id))
	}
}

// meetingForm carries a meeting page's form state after bad input.
type meetingForm struct {
	errors map[string]string
	values map[string]string
	anchor string
}

func (s *Server) meetingShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderMeeting(w, r, id, http.StatusOK, meetingForm{})
}

func (s *Server) renderMeeting(w http.ResponseWriter, r *http.Request, id int64, status int, f meetingForm) {
	a := actor(r)
	v, err := s.meetings.View(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	_, other := v.Series.Other(a.UserID)
	// The report's open retro actions: what they promised their team, for
	// the two of them to follow up (the manager is above the team member).
	ra, err := s.retros.ActionsOf(r.Context(), a.OrgID, v.Meeting.ReportID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.MeetingProps{View: v, Me: a.UserID, Now: s.clock.Now(), Errors: f.errors, Values: f.values, RetroActions: ra}
	if props.EvidenceConsent, err = s.reviews.EvidenceConsent(r.Context(), a, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.MeetingPage(s.layout(r, "1:1 with "+other, "oneonones"), props))
}

// renderAgenda answers an in-place agenda change with the agenda section
// alone (three statements instead of the page's dozen); focusAdd puts the
// focus back in the field for the next point.
func (s *Server) renderAgenda(w http.ResponseWriter, r *http.Request, id int64, status int, f meetingForm, focusAdd bool) {
	a := actor(r)
	v, err := s.meetings.AgendaView(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.Agenda(views.MeetingProps{View: v, Me: a.UserID, Now: s.clock.Now(),
		Errors: f.errors, Values: f.values, FocusAdd: focusAdd}))
}

// meetingAction runs a change on a meeting: on success it redirects back to
// the page section; on bad input it re-renders the page with the message
// next to the field and the typed values kept.
func (s *Server) meetingAction(anchor string, fields []string, do func(r *http.Request, a core.Actor, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "id")
		if !ok {
			s.notFound(w, r)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		err := do(r, actor(r), id)
		// The agenda's forms post in place (htmx): the answer is the agenda
		// alone, not the whole page.
		inPlace := anchor == "agenda" && r.Header.Get("HX-Request") == "true"
		if err == nil {
			if inPlace {
				// A point added from the brief leaves the focus on the brief.
				s.renderAgenda(w, r, id, http.StatusOK, meetingForm{}, r.URL.Path == meetingPath(id)+"/agenda" && r.PostFormValue("from") != "brief")
				return
			}
			redirect(w, r, meetingPath(id)+"#"+anchor)
			return
		}
		if core.ErrorCode(err) != core.EINVALID {
			s.renderError(w, r, err)
			return
		}
		vals := map[string]string{}
		for _, f := range fields {
			vals[f] = r.PostFormValue(f)
		}
		errs := core.FieldErrors(err)
		if len(errs) == 0 && len(fields) > 0 {
			errs = map[string]string{fields[0]: core.ErrorMessage(err)}
		}
		f := meetingForm{errors: errs, values: vals, anchor: anchor}
		if inPlace {
			s.renderAgenda(w, r, id, http.StatusUnprocessableEntity, f, true)
			return
		}
		s.renderMeeting(w, r, id, http.StatusUnprocessableEntity, f)
	}
}

func itemID(r *http.Request) (int64, error) {
	id, ok := pathID(r, "itemID")
	if !ok {
		return 0, core.NotFound("Talking point")
	}
	return id, nil
}

// The meeting page's small forms. Each runs one change through
// meetingAction, which handles redirects and bad input alike.

func (s *Server) agendaAdd(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", []string{"body"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.AddAgendaItem(r.Context(), a, id, r.PostFormValue("body"))
	})(w, r)
}

func (s *Server) agendaToggle(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", nil, func(r *http.Request, a core.Actor, id int64) error {
		it, err := itemID(r)
		if err != nil {
			return err
		}
		return s.meetings.ToggleAgendaItem(r.Context(), a, id, it)
	})(w, r)
}

func (s *Server) agendaMove(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", nil, func(r *http.Request, a core.Actor, id int64) error {
		it, err := itemID(r)
		if err != nil {
			return err
		}
		return s.meetings.MoveAgendaItem(r.Context(), a, id, it, r.PostFormValue("dir") != "down")
	})(w, r)
}

func (s *Server) agendaDelete(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", nil, func(r *http.Request, a core.Actor, id int64) error {
		it, err := itemID(r)
		if err != nil {
			return err
		}
		return s.meetings.DeleteAgendaItem(r.Context(), a, id, it)
	})(w, r)
}

// agendaDrop drops an open point so it stops carrying over ("keep" takes it back).
func (s *Server) agendaDrop(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", nil, func(r *http.Request, a core.Actor, id int64) error {
		it, err := itemID(r)
		if err != nil {
			return err
		}
		return s.meetings.DropAgendaItem(r.Context(), a, id, it, r.PostFormValue("keep") != "1")
	})(w, r)
}

func (s *Server) sharedNotesSave(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("notes", []string{"shared_notes"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.SetSharedNotes(r.Context(), a, id, r.PostFormValue("shared_notes"))
	})(w, r)
}

func (s *Server) privateNoteSave(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("private", []string{"private_note"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.SetPrivateNote(r.Context(), a, id, r.PostFormValue("private_note"))
	})(w, r)
}

func (s *Server) meetingStatus(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("status", []string{"status"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.SetStatus(r.Context(), a, id, oneonone.MeetingStatus(r.PostFormValue("status")))
	})(w, r)
}

func (s *Server) meetingPulse(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("pulse", []string{"pulse", "pulse_word"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.SetPulse(r.Context(), a, id, atoiOr(r.PostFormValue("pulse"), 0), r.PostFormValue("pulse_word"))
	})(w, r)
}

func (s *Server) meetingBalance(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("balance", []string{"balance"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.SetBalance(r.Context(), a, id, atoiOr(r.PostFormValue("balance"), -1))
	})(w, r)
}

func (s *Server) actionAdd(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("actions", []string{"action_body", "owner_id", "due_on"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.AddAction(r.Context(), a, id, int64(atoiOr(r.PostFormValue("owner_id"), 0)), r.PostFormValue("action_body"), r.PostFormValue("due_on"))
	})(w, r)
}

func (s *Server) observationAdd(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("observations", []string{"competency_id", "note"}, func(r *http.Request, a core.Actor, id int64) error {
		return s.meetings.AddObservation(r.Context(), a, id, int64(atoiOr(r.PostFormValue("competency_id"), 0)), r.PostFormValue("note"), r.PostFormValue("key"))
	})(w, r)
}

func (s *Server) seriesPause(w http.ResponseWriter, r *http.Request) {
	s.seriesSetStatus(oneonone.SeriesPaused, "1:1s are paused. Resume them any time.")(w, r)
}

func (s *Server) seriesResume(w http.ResponseWriter, r *http.Request) {
	s.seriesSetStatus(oneonone.SeriesActive, "1:1s are back on.")(w, r)
}

func (s *Server) seriesEnd(w http.ResponseWriter, r *http.Request) {
	s.seriesSetStatus(oneonone.SeriesEnded, "This series has ended. Its history stays.")(w, r)
}

func (s *Server) meetingReschedule(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	nid, err := s.meetings.Reschedule(r.Context(), actor(r), id, r.PostFormValue("new_date"), r.PostFormValue("new_time"))
	s.formDone(w, r, err, func(status int) {
		s.renderMeeting(w, r, id, status, meetingForm{errors: core.FieldErrors(err),
			values: map[string]string{"new_date": r.PostFormValue("new_date"), "new_time": r.PostFormValue("new_time")}})
	}, "Moved. The talking points came along.", meetingPath(nid))
}

// actionToggle ticks or reopens an action, then returns to where it was
// ticked (a meeting page or home).
func (s *Server) actionToggle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	ref, err := s.meetings.SetActionDone(r.Context(), actor(r), id, r.PostFormValue("done") == "1")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	back := r.PostFormValue("back")
	if back != "/" && back != "/actions" {
		back = meetingPath(ref.MeetingID) + "#actions"
		if m := r.PostFormValue("meeting"); m != "" {
			if mid, err := strconv.ParseInt(m, 10, 64); err == nil {
				back = meetingPath(mid) + "#actions"
			}
		}
	}
	redirect(w, r, back)
}

// agendaTemplate adds the points of one of the actor's templates to the agenda.
func (s *Server) agendaTemplate(w http.ResponseWriter, r *http.Request) {
	s.meetingAction("agenda", []string{"template_id"}, func(r *http.Request, a core.Actor, id int64) error {
		tid, err := strconv.ParseInt(r.PostFormValue("template_id"), 10, 64)
		if err != nil || tid <= 0 {
			var v core.Validator
			v.Check(false, "template_id", "Choose one of your templates.")
			return v.Err()
		}
		return s.meetings.ApplyTemplate(r.Context(), a, id, tid)
	})(w, r)
}

// templatesPage lists the actor's agenda templates.
func (s *Server) templatesPage(w http.ResponseWriter, r *http.Request) {
	s.renderTemplates(w, r, http.StatusOK, views.TemplatesProps{})
}

func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, status int, p views.TemplatesProps) {
	ts, err := s.meetings.Templates(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.Templates = ts
	s.render(w, r, status, views.TemplatesPage(s.layout(r, "Agenda templates", "oneonones"), p))
}

// templateCreate saves a new agenda template.
func (s *Server) templateCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := oneonone.TemplateInput{Name: r.PostFormValue("name"), Items: r.PostFormValue("items")}
	_, err := s.meetings.CreateTemplate(r.Context(), actor(r), in)
	s.formDone(w, r, err, func(status int) {
		s.renderTemplates(w, r, status, views.TemplatesProps{Name: in.Name, Items: in.Items, Errors: core.FieldErrors(err)})
	}, "Template saved. Add its points from any 1:1's agenda.", "/oneonones/templates")
}

// templateDelete removes one of the actor's agenda templates.
func (s *Server) templateDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	if err := s.meetings.DeleteTemplate(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "Template deleted.")
	redirect(w, r, "/oneonones/templates")
}
