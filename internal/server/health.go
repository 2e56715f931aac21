package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/health"
	"rapport/web/views"
)

func healthPath(id int64) string { return "/health/" + strconv.FormatInt(id, 10) }

func (s *Server) healthHome(w http.ResponseWriter, r *http.Request) {
	ov, err := s.health.Overview(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.HealthHomePage(s.layout(r, "Team health", "health"), views.HealthHomeProps{Overview: ov}))
}

func (s *Server) teamHealth(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	h, err := s.health.Team(r.Context(), actor(r), teamID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.TeamHealthPage(s.layout(r, "Health · "+h.Team.Name, "health"), views.TeamHealthProps{Health: h}))
}

// renderHealthOpen shows the open-a-check form, with err's messages.
func (s *Server) renderHealthOpen(w http.ResponseWriter, r *http.Request, status int, teamID int64, in health.OpenInput, days string, err error) {
	acc, aerr := s.health.TeamAccess(r.Context(), actor(r), teamID)
	if aerr == nil && !acc.Opener {
		aerr = core.Errorf(core.EFORBIDDEN, "Only the team's manager or facilitators can open a health check.")
	}
	if aerr != nil {
		s.renderError(w, r, aerr)
		return
	}
	name, nerr := s.health.TeamName(r.Context(), actor(r), teamID)
	if nerr != nil {
		s.renderError(w, r, nerr)
		return
	}
	p := views.HealthOpenProps{Team: health.Team{ID: teamID, Name: name}, Input: in, Days: days}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.HealthOpenPage(s.layout(r, "Open a health check · "+name, "health"), p))
}

func (s *Server) healthNew(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	title := "Health check " + s.clock.Now().Format("January 2006")
	s.renderHealthOpen(w, r, http.StatusOK, teamID, health.OpenInput{Title: title, Days: 7}, "7", nil)
}

func (s *Server) healthOpen(w http.ResponseWriter, r *http.Request) {
	teamID, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	days := strings.TrimSpace(r.PostFormValue("days"))
	in := health.OpenInput{Title: r.PostFormValue("title"), Days: atoiOr(days, -1), IdemKey: core.FormKey(r.PostFormValue("key"))}
	id, err := s.health.Open(r.Context(), actor(r), teamID, in)
	s.formDone(w, r, err, func(status int) { s.renderHealthOpen(w, r, status, teamID, in, days, err) },
		in.Title+" is open. Everyone in the team can answer it now.", healthPath(id))
}

// renderHealthCheck shows a check with the viewer's answer form (holding in)
// and err's messages.
func (s *Server) renderHealthCheck(w http.ResponseWriter, r *http.Request, status int, id int64, in health.AnswerInput, err error) {
	v, verr := s.health.Find(r.Context(), actor(r), id)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	if !v.Closed {
		// While a check takes answers, no request to it is logged: the page
		// load after an answer would otherwise date it (docs/privacy.md).
		quietLog(r)
	}
	p := views.HealthCheckProps{View: v, Input: in, Now: s.clock.Now()}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.HealthCheckPage(s.layout(r, v.Check.Title+" · "+v.Check.TeamName, "health"), p))
}

func (s *Server) healthCheck(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderHealthCheck(w, r, http.StatusOK, id, health.AnswerInput{}, nil)
}

// answerInput reads the answer form: score_N, trend_N and comment.
func answerInput(r *http.Request) health.AnswerInput {
	in := health.AnswerInput{Scores: map[int]string{}, Trends: map[int]string{}, Comment: r.PostFormValue("comment")}
	for k, vs := range r.PostForm {
		if len(vs) == 0 {
			continue
		}
		if n, ok := strings.CutPrefix(k, "score_"); ok {
			if pos, err := strconv.Atoi(n); err == nil && pos > 0 && pos < 100 {
				in.Scores[pos] = vs[0]
			}
		}
		if n, ok := strings.CutPrefix(k, "trend_"); ok {
			if pos, err := strconv.Atoi(n); err == nil && pos > 0 && pos < 100 {
				in.Trends[pos] = vs[0]
			}
		}
	}
	return in
}

// healthAnswer stores an answer. Neither the request nor anything it writes
// names the person next to what they answered: no access-log line, no audit
// entry, no live event.
func (s *Server) healthAnswer(w http.ResponseWriter, r *http.Request) {
	quietLog(r)
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := answerInput(r)
	err := s.health.Answer(r.Context(), actor(r), id, &in)
	if err != nil {
		switch core.ErrorCode(err) {
		case core.EINVALID, core.ECONFLICT:
			s.renderHealthCheck(w, r, statusFor(core.ErrorCode(err)), id, in, err)
		default:
			s.renderError(w, r, err)
		}
		return
	}
	// No flash message: it would write the person's session in the request
	// that answered. The check's page thanks them instead.
	redirect(w, r, healthPath(id))
}

func (s *Server) healthClose(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.health.Close(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The check is closed.")
	redirect(w, r, healthPath(id))
}

func (s *Server) healthRollup(w http.ResponseWriter, r *http.Request) {
	ru, err := s.health.Rollup(r.Context(), actor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.HealthRollupPage(s.layout(r, "Team health roll-up", "health"), views.HealthRollupProps{Rollup: ru}))
}

// renderHealthAdmin shows the admin page; form names the form err belongs to.
func (s *Server) renderHealthAdmin(w http.ResponseWriter, r *http.Request, status int, p views.HealthAdminProps, err error) {
	ad, aerr := s.health.Admin(r.Context(), actor(r))
	if aerr != nil {
		s.renderError(w, r, aerr)
		return
	}
	p.Admin = ad
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	s.render(w, r, status, views.HealthAdminPage(s.layout(r, "Team health settings", "admin"), p))
}

func (s *Server) healthAdmin(w http.ResponseWriter, r *http.Request) {
	s.renderHealthAdmin(w, r, http.StatusOK, views.HealthAdminProps{}, nil)
}

// healthAdminDone redirects after a change, or re-renders the page with the
// error next to the form it came from.
func (s *Server) healthAdminDone(w http.ResponseWriter, r *http.Request, p views.HealthAdminProps, err error, msg string) {
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID || core.ErrorCode(err) == core.ECONFLICT {
			s.renderHealthAdmin(w, r, statusFor(core.ErrorCode(err)), p, err)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/admin/health")
}

func (s *Server) healthThreshold(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	raw := strings.TrimSpace(r.PostFormValue("min_responses"))
	err := s.health.SetThreshold(r.Context(), actor(r), raw)
	s.healthAdminDone(w, r, views.HealthAdminProps{Form: "threshold", Threshold: raw}, err, "Saved: results need at least "+raw+" answers.")
}

func (s *Server) healthDimensionAdd(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := health.DimensionInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), IdemKey: core.FormKey(r.PostFormValue("key"))}
	err := s.health.AddDimension(r.Context(), actor(r), &in)
	s.healthAdminDone(w, r, views.HealthAdminProps{Form: "add", Input: in}, err, in.Name+" added. Checks opened from now on ask it.")
}

func (s *Server) healthDimensionUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := health.DimensionInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	err := s.health.UpdateDimension(r.Context(), actor(r), id, &in)
	s.healthAdminDone(w, r, views.HealthAdminProps{Form: fmt.Sprintf("dim-%d", id), Input: in}, err, "Saved. Checks already opened keep the wording they asked.")
}

func (s *Server) healthDimensionRetire(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	retired := r.PostFormValue("retired") != "false"
	err := s.health.RetireDimension(r.Context(), actor(r), id, retired)
	msg := "Retired: new checks no longer ask it; past results keep it."
	if !retired {
		msg = "New checks ask it again."
	}
	s.healthAdminDone(w, r, views.HealthAdminProps{}, err, msg)
}
