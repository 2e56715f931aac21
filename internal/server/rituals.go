package server

import (
	"net/http"
	"strconv"
	"time"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/schedule"
	"rapport/web/views"
)

func ritualPath(id int64) string { return "/rituals/" + strconv.FormatInt(id, 10) }

func (s *Server) ritualNew(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	t, _, err := s.people.Team(r.Context(), actor(r), teamID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if ok, err := s.kudos.CanRunRitual(r.Context(), actor(r), teamID); err != nil || !ok {
		if err == nil {
			err = core.Forbidden()
		}
		s.renderError(w, r, err)
		return
	}
	in := kudos.RitualInput{Name: "Friday shout-outs", Cadence: schedule.Weekly, Weekday: int(time.Friday), Hour: 16, TimeZone: "UTC"}
	if me, err := s.people.Me(r.Context(), actor(r)); err == nil {
		in.TimeZone = me.TimeZone
	}
	s.render(w, r, http.StatusOK, views.RitualFormPage(s.layout(r, "New ritual for "+t.Name, "teams"), views.RitualFormProps{Team: t, Input: in}))
}

func (s *Server) ritualCreate(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	t, _, err := s.people.Team(r.Context(), a, teamID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := kudos.RitualInput{Name: r.PostFormValue("name"), Cadence: schedule.Cadence(r.PostFormValue("cadence")),
		Weekday: atoiOr(r.PostFormValue("weekday"), -1), Hour: atoiOr(r.PostFormValue("hour"), -1), TimeZone: r.PostFormValue("time_zone"),
		IdemKey: core.FormKey(r.PostFormValue("key"))}
	id, err := s.kudos.CreateRitual(r.Context(), a, teamID, in)
	if err != nil {
		if c := core.ErrorCode(err); c == core.EINVALID || c == core.ECONFLICT {
			s.render(w, r, http.StatusUnprocessableEntity, views.RitualFormPage(s.layout(r, "New ritual for "+t.Name, "teams"),
				views.RitualFormProps{Team: t, Input: in, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", in.Name+" is set up. Its board gathers the team's kudos of each period.")
	redirect(w, r, ritualPath(id))
}

// boardAt reads the ?at=YYYY-MM-DD a past board is asked for.
func boardAt(r *http.Request) time.Time { return parseBoardDate(r.URL.Query().Get("at")) }

// parseBoardDate is noon UTC of a YYYY-MM-DD date, or the zero time (the
// current period) for anything else.
func parseBoardDate(v string) time.Time {
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}
	}
	return t.Add(12 * time.Hour)
}

func (s *Server) boardData(w http.ResponseWriter, r *http.Request) (kudos.Board, func(string) string, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return kudos.Board{}, nil, false
	}
	a := actor(r)
	b, err := s.kudos.Board(r.Context(), a, id, boardAt(r))
	if err != nil {
		s.renderError(w, r, err)
		return kudos.Board{}, nil, false
	}
	texts := make([]string, 0, 2*len(b.Kudos))
	for _, k := range b.Kudos {
		texts = append(texts, k.Did, k.Impact)
	}
	resolve, err := s.kudos.Resolver(r.Context(), a.OrgID, texts...)
	if err != nil {
		s.renderError(w, r, err)
		return kudos.Board{}, nil, false
	}
	return b, func(t string) string { return kudos.Render(t, resolve) }, true
}

func (s *Server) ritualBoard(w http.ResponseWriter, r *http.Request) {
	b, render, ok := s.boardData(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, views.BoardPage(s.layout(r, b.Ritual.Name, "teams"), views.BoardProps{Board: b, Render: render, Now: s.clock.Now()}))
}

// ritualPresent shows one kudo at a time in large type for the team's
// meeting: ?i= picks the slide, so it works without JavaScript; the arrow
// keys follow the previous/next links.
func (s *Server) ritualPresent(w http.ResponseWriter, r *http.Request) {
	b, render, ok := s.boardData(w, r)
	if !ok {
		return
	}
	i, _ := strconv.Atoi(r.URL.Query().Get("i"))
	if i < 0 || (len(b.Kudos) > 0 && i >= len(b.Kudos)) {
		i = 0
	}
	s.render(w, r, http.StatusOK, views.PresentPage(views.PresentProps{Board: b, Render: render, Index: i, At: r.URL.Query().Get("at")}))
}

func (s *Server) ritualDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	rt, err := s.kudos.DeleteRitual(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", rt.Name+" was removed. The kudos stay.")
	redirect(w, r, teamPath(rt.TeamID))
}
