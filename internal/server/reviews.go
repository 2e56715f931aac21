package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/review"
	"rapport/web/views"
)

func cyclePath(id int64) string { return "/reviews/" + strconv.FormatInt(id, 10) }

func reviewPath(cycleID, personID int64) string {
	return fmt.Sprintf("/reviews/%d/people/%d", cycleID, personID)
}

// framework shows the organisation's competency framework (?version=id for
// an older one) to everyone in it.
func (s *Server) frameworkPage(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	var vid int64
	if v := optID(r.URL.Query().Get("version")); v != nil {
		vid = *v
	}
	f, versions, err := s.reviews.Framework(r.Context(), a, vid)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.FrameworkPage(s.layout(r, "Competency framework", "reviews"),
		views.FrameworkProps{Framework: f, Versions: versions, CanEdit: a.Role == core.RoleAdmin}))
}

func (s *Server) frameworkEdit(w http.ResponseWriter, r *http.Request) {
	f, _, err := s.reviews.Framework(r.Context(), actor(r), 0)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.FrameworkEditPage(s.layout(r, "Edit the framework", "reviews"), views.FrameworkEditProps{Framework: f}))
}

func (s *Server) frameworkSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	f, _, err := s.reviews.Framework(r.Context(), a, 0)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	in := review.FrameworkInput{Note: r.PostFormValue("note"), IdemKey: core.FormKey(r.PostFormValue("key"))}
	values := map[string]string{"note": in.Note}
	for _, e := range f.Entries {
		id := strconv.FormatInt(e.CompetencyID, 10)
		get := func(field string) string {
			v := r.PostFormValue(field + "_" + id)
			values[field+"_"+id] = v
			return v
		}
		in.Entries = append(in.Entries, review.Entry{CompetencyID: e.CompetencyID, Name: get("name"), Description: get("description"),
			Behaviour: get("behaviour"), Result: get("result"), LeaderCheck: get("leader_check"), MicroAction: get("micro_action")})
	}
	for _, l := range f.Scale {
		k := "level_" + strconv.Itoa(l.Value)
		label, desc := r.PostFormValue(k), r.PostFormValue(k+"_description")
		values[k], values[k+"_description"] = label, desc
		in.Scale = append(in.Scale, review.Level{Value: l.Value, Label: label, Description: desc})
	}
	v, err := s.reviews.SaveFramework(r.Context(), a, in)
	if err != nil {
		if core.ErrorCode(err) != core.EINVALID {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, views.FrameworkEditPage(s.layout(r, "Edit the framework", "reviews"),
			views.FrameworkEditProps{Framework: f, Values: values, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)}))
		return
	}
	s.flash(r, "success", fmt.Sprintf("Saved as version %d. Cycles already running keep the wording they started with.", v.Number))
	redirect(w, r, "/framework")
}

// reviewsList lists the cycles the person may see and the reviews they owe.
func (s *Server) reviewsList(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	cycles, err := s.reviews.Cycles(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	home, err := s.reviews.HomeFor(r.Context(), a)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.ReviewsListPage(s.layout(r, "Reviews", "reviews"), views.ReviewsListProps{
		Cycles: cycles, Mine: home.Reviews, CanCreate: a.Is(core.RoleAdmin, core.RoleLeader), Now: s.clock.Now()}))
}

// cycleFormProps fills the cycle form's pickers with the chosen person
// and team (Values root_id and team_id).
func (s *Server) cycleFormProps(r *http.Request, values map[string]string) views.CycleFormProps {
	p := views.CycleFormProps{Values: values}
	if id := optID(values["root_id"]); id != nil {
		p.Root.Value = values["root_id"]
		if m, ok := s.personNamer(r)(*id); ok {
			p.Root.Text, p.Root.Current = m.Name, &m
		}
	}
	if id := optID(values["team_id"]); id != nil {
		p.Team.Value = values["team_id"]
		if m, ok := s.teamNamer(r)(*id); ok {
			p.Team.Text, p.Team.Current = m.Name, &m
		}
	}
	return p
}

func (s *Server) cycleNew(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	y, m := now.Year(), now.Month()
	half, start, end := "H1", fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-06-30", y)
	if m > 6 {
		half, start, end = "H2", fmt.Sprintf("%d-07-01", y), fmt.Sprintf("%d-12-31", y)
	}
	p := s.cycleFormProps(r, map[string]string{"name": fmt.Sprintf("%d %s", y, half), "period_start": start, "period_end": end,
		"self_due": now.AddDate(0, 0, 14).Format("2006-01-02"), "manager_due": now.AddDate(0, 0, 28).Format("2006-01-02"),
		"scope": "tree", "root_id": strconv.FormatInt(actor(r).UserID, 10)})
	s.render(w, r, http.StatusOK, views.CycleFormPage(s.layout(r, "New review cycle", "reviews"), p))
}

func (s *Server) cycleCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := review.CycleInput{Name: r.PostFormValue("name"), PeriodStart: r.PostFormValue("period_start"), PeriodEnd: r.PostFormValue("period_end"),
		SelfDue: r.PostFormValue("self_due"), ManagerDue: r.PostFormValue("manager_due"), Scope: r.PostFormValue("scope"),
		IdemKey: core.FormKey(r.PostFormValue("key"))}
	rootID, root := readPick(r, "root_id", s.personNamer(r), false)
	teamID, team := readPick(r, "team_id", s.teamNamer(r), false)
	if teamID != nil {
		in.TeamID = *teamID
	}
	if rootID != nil {
		in.RootID = *rootID
	}
	// The form as typed, with the pickers as they stand.
	form := func() views.CycleFormProps {
		values := map[string]string{}
		for _, k := range []string{"name", "period_start", "period_end", "self_due", "manager_due", "scope", "team_id", "root_id"} {
			values[k] = r.PostFormValue(k)
		}
		p := views.CycleFormProps{Values: values, Root: root, Team: team}
		return p
	}
	if root.Searched || team.Searched {
		// Without JavaScript: the matches to choose from, nothing created.
		p := form()
		var err error
		if root.Searched {
			err = s.searchStep(r, "people", &p.Root)
		}
		if err == nil && team.Searched {
			err = s.searchStep(r, "teams", &p.Team)
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.CycleFormPage(s.layout(r, "New review cycle", "reviews"), p))
		return
	}
	id, err := s.reviews.CreateCycle(r.Context(), actor(r), in)
	if err != nil {
		code := core.ErrorCode(err)
		if code != core.EINVALID && code != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		p := form()
		p.Errors, p.Message = core.FieldErrors(err), core.ErrorMessage(err)
		s.render(w, r, statusFor(code), views.CycleFormPage(s.layout(r, "New review cycle", "reviews"), p))
		return
	}
	s.flash(r, "success", "Review cycle created.")
	redirect(w, r, cyclePath(id))
}

// cycleShow is a cycle's dashboard: progress, distribution, calibration.
func (s *Server) cycleShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderCycle(w, r, id, http.StatusOK, nil, views.PickState{})
}

func (s *Server) renderCycle(w http.ResponseWriter, r *http.Request, id int64, status int, errs map[string]string, add views.PickState) {
	a := actor(r)
	v, err := s.reviews.Cycle(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := r.URL.Query()
	var comp int64
	if c := optID(q.Get("competency")); c != nil {
		comp = *c
	}
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = "name"
	}
	p := views.CycleProps{View: v, Progress: review.ProgressOf(v.Participants), Sort: sortBy, CompetencyID: comp, Team: q.Get("team"),
		Errors: errs, Add: add}
	// The team filter lists the viewer's own teams of the cycle, and the
	// one shown; the picker finds any other.
	other, otherSt := readPick(r, "other_team", s.teamNamer(r), false)
	if other != nil && !otherSt.Searched {
		if t, ok := s.teamNamer(r)(*other); ok {
			p.Team = t.Name
		}
	} else if otherSt.Searched {
		p.OtherTeam = otherSt
		if err := s.searchStep(r, "teams", &p.OtherTeam); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	mine, err := s.people.TeamsOf(r.Context(), a, a.UserID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, t := range mine {
		if slices.Contains(p.Progress.Teams, t.Name) {
			p.TeamChoices = append(p.TeamChoices, t.Name)
		}
	}
	if p.Team != "" && !slices.Contains(p.TeamChoices, p.Team) {
		p.TeamChoices = append(p.TeamChoices, p.Team)
	}
	p.Rows = review.Calibration(v, sortBy, comp)
	p.Distribution = review.Distribution(v, p.Team)
	if add.Searched {
		// Those already in the cycle are not offered again.
		in := map[int64]bool{}
		for _, pt := range v.Participants {
			in[pt.PersonID] = true
		}
		kept := p.Add.Results[:0]
		for _, m := range p.Add.Results {
			if !in[m.ID] {
				kept = append(kept, m)
			}
		}
		p.Add.Results = kept
	}
	s.render(w, r, status, views.CyclePage(s.layout(r, v.Cycle.Name, "reviews"), p))
}

func (s *Server) cycleAddPerson(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.notFound(w, r)
		}
		return
	}
	var person int64
	p, add := readPick(r, "person_id", s.personNamer(r), false)
	if add.Searched {
		// Without JavaScript: the matches to choose from, nothing added.
		v, err := s.reviews.Cycle(r.Context(), actor(r), id)
		if err == nil && !v.CanManage {
			err = core.NotFound("Review cycle") // as AddPerson answers
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if err := s.searchStep(r, "people", &add); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderCycle(w, r, id, http.StatusOK, nil, add)
		return
	}
	if p != nil {
		person = *p
	}
	err := s.reviews.AddPerson(r.Context(), actor(r), id, person)
	if err != nil {
		code := core.ErrorCode(err)
		if code != core.EINVALID && code != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		s.renderCycle(w, r, id, statusFor(code), core.FieldErrors(err), add)
		return
	}
	s.flash(r, "success", "Added to the cycle.")
	redirect(w, r, cyclePath(id))
}

func reviewIDs(r *http.Request) (int64, int64, bool) {
	c, ok1 := pathID(r, "id")
	p, ok2 := pathID(r, "personID")
	return c, p, ok1 && ok2
}

func (s *Server) reviewShow(w http.ResponseWriter, r *http.Request) {
	c, p, ok := reviewIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderReview(w, r, c, p, http.StatusOK, views.ReviewProps{})
}

func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, cycleID, personID int64, status int, p views.ReviewProps) {
	v, err := s.reviews.Review(r.Context(), actor(r), cycleID, personID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p.View, p.Now = v, s.clock.Now()
	title := "Review of " + v.Participant.PersonName
	if v.Access.IsEmployee {
		title = "Your review"
	}
	s.render(w, r, status, views.ReviewPage(s.layout(r, title+" · "+v.Cycle.Name, "reviews"), p))
}

// reviewForm reads the ratings of a review form.
func reviewForm(r *http.Request) (review.ReviewInput, map[string]string) {
	in := review.ReviewInput{Summary: r.PostFormValue("summary"), Submit: r.PostFormValue("submit") == "true"}
	values := map[string]string{"summary": in.Summary}
	for k, vs := range r.PostForm {
		idStr, ok := strings.CutPrefix(k, "rating_")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(idStr, 10, 64)
		if err != nil {
			continue
		}
		comment := r.PostFormValue("comment_" + idStr)
		in.Ratings = append(in.Ratings, review.RatingInput{CompetencyID: id, Rating: vs[0], Comment: comment})
		values[k], values["comment_"+idStr] = vs[0], comment
	}
	// Comments without a rating field still count.
	for k, vs := range r.PostForm {
		idStr, ok := strings.CutPrefix(k, "comment_")
		if !ok {
			continue
		}
		if _, seen := values["rating_"+idStr]; seen {
			continue
		}
		if id, err := strconv.ParseInt(idStr, 10, 64); err == nil {
			in.Ratings = append(in.Ratings, review.RatingInput{CompetencyID: id, Comment: vs[0]})
			values[k] = vs[0]
		}
	}
	return in, values
}

func (s *Server) reviewSave(side string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, p, ok := reviewIDs(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		if !s.parseForm(w, r) {
			return
		}
		in, values := reviewForm(r)
		var err error
		if side == "self" {
			err = s.reviews.SaveSelf(r.Context(), actor(r), c, p, in)
		} else {
			err = s.reviews.SaveManager(r.Context(), actor(r), c, p, in)
		}
		if err != nil {
			code := core.ErrorCode(err)
			if code != core.EINVALID && code != core.ECONFLICT {
				s.renderError(w, r, err)
				return
			}
			s.renderReview(w, r, c, p, statusFor(code), views.ReviewProps{Side: side, Values: values, Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)})
			return
		}
		msg := "Draft saved."
		if in.Submit && side == "self" {
			msg = "Self-assessment submitted. Your manager can see it now."
		} else if in.Submit {
			msg = "Review submitted. The employee can read it and acknowledge it now."
		}
		s.flash(r, "success", msg)
		redirect(w, r, reviewPath(c, p))
	}
}

func (s *Server) reviewAcknowledge(w http.ResponseWriter, r *http.Request) {
	c, p, ok := reviewIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	comment := r.PostFormValue("ack_comment")
	if err := s.reviews.Acknowledge(r.Context(), actor(r), c, p, comment); err != nil {
		code := core.ErrorCode(err)
		if code != core.EINVALID && code != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		s.renderReview(w, r, c, p, statusFor(code), views.ReviewProps{Side: "ack", Values: map[string]string{"ack_comment": comment},
			Errors: core.FieldErrors(err), Message: core.ErrorMessage(err)})
		return
	}
	s.flash(r, "success", "Acknowledged. A leader will finalise the review.")
	redirect(w, r, reviewPath(c, p))
}

func (s *Server) reviewFinalise(w http.ResponseWriter, r *http.Request) {
	c, p, ok := reviewIDs(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.reviews.Finalise(r.Context(), actor(r), c, p); err != nil {
		if core.ErrorCode(err) != core.ECONFLICT {
			s.renderError(w, r, err)
			return
		}
		s.renderReview(w, r, c, p, http.StatusConflict, views.ReviewProps{Side: "finalise", Message: core.ErrorMessage(err)})
		return
	}
	s.flash(r, "success", "Review finalised. It can no longer be changed.")
	redirect(w, r, reviewPath(c, p))
}

// cycleEvidence grants or revokes, for the person reviewed, the use as
// evidence of the shared notes of all their 1:1s in the cycle's period.
func (s *Server) cycleEvidence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	grant := r.PostFormValue("grant") == "true"
	n, err := s.reviews.SetPeriodConsent(r.Context(), a, id, grant)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	switch {
	case grant:
		s.flash(r, "success", fmt.Sprintf("The shared notes of %s of this period can now be evidence in your review.", views.Plural(n, "more 1:1", "more 1:1s")))
	default:
		s.flash(r, "success", fmt.Sprintf("The shared notes of %s of this period are no longer evidence in your review.", views.Plural(n, "1:1", "1:1s")))
	}
	redirect(w, r, fmt.Sprintf("/reviews/%d/people/%d#notes-h", id, a.UserID))
}

// meetingEvidence grants or revokes the use of a 1:1's shared notes as
// review evidence; only the meeting's report may.
func (s *Server) meetingEvidence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	if _, err := s.meetings.Meeting(r.Context(), a, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	grant := r.PostFormValue("grant") == "true"
	if err := s.reviews.SetEvidenceConsent(r.Context(), a, id, grant); err != nil {
		if core.ErrorCode(err) == core.ENOTFOUND {
			err = core.Forbidden() // a participant, but not the report
		}
		s.renderError(w, r, err)
		return
	}
	if grant {
		s.flash(r, "success", "These shared notes can now be evidence in your reviews.")
	} else {
		s.flash(r, "success", "These shared notes are no longer evidence in your reviews.")
	}
	redirect(w, r, fmt.Sprintf("/meetings/%d#notes", id))
}
