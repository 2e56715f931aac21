package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/oneonone"
	"rapport/internal/people"
	"rapport/internal/pulse"
	"rapport/internal/retro"
	"rapport/internal/review"
	"rapport/web/views"
)

const peoplePageSize = 50

const (
	sessInviteLink = "invite_link"
	sessInviteName = "invite_name"
)

// showInviteLink keeps a freshly made invitation link for the next page: the
// token is stored only as a hash, so this is the one time it can be shown.
// showInviteLink keeps a new invitation link for the next page. No token: the
// form was answered already (a double submit), and that answer shows the
// link; writing nothing here keeps the session from losing it.
// When email is configured the invitation was emailed, and the link is not
// shown at all.
func (s *Server) showInviteLink(r *http.Request, name, token string) {
	if token == "" {
		return
	}
	if !s.outbox.Configured() {
		s.sessions.Put(r.Context(), sessInviteLink, s.cfg.BaseURL+"/invite/"+token)
	}
	s.sessions.Put(r.Context(), sessInviteName, name)
}

func (s *Server) popInviteLink(r *http.Request) views.InviteLink {
	return views.InviteLink{
		URL:     s.sessions.PopString(r.Context(), sessInviteLink),
		Name:    s.sessions.PopString(r.Context(), sessInviteName),
		Emailed: s.outbox.Configured(),
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	ctx := r.Context()
	me := signedIn(r)
	var (
		teams        []people.Team
		reports      []people.Person
		ones         oneonone.Home
		retroActions []retro.Action
		revs         review.Home
		pulses       pulse.Home
	)
	// Each part of the page is read by its own service; their statements
	// go to the database together.
	err := core.Together(ctx,
		func(ctx context.Context) (err error) { teams, err = s.people.TeamsOf(ctx, a, a.UserID); return err },
		func(ctx context.Context) (err error) { reports, err = s.people.ReportsOf(ctx, a, a.UserID); return err },
		func(ctx context.Context) (err error) { ones, err = s.meetings.Home(ctx, a); return err },
		func(ctx context.Context) (err error) { retroActions, err = s.retros.MyActions(ctx, a); return err },
		func(ctx context.Context) (err error) { revs, err = s.reviews.HomeFor(ctx, a); return err },
		func(ctx context.Context) (err error) { pulses, err = s.pulses.Home(ctx, a); return err })
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.HomeProps{Me: me, Teams: teams, Reports: reports, Hour: s.clock.Now().Hour(), OneOnOnes: ones, Reviews: revs, RetroActions: retroActions, Pulses: pulses, Now: s.clock.Now()}
	if loc, err := core.Location(me.TimeZone); err == nil {
		props.Hour = s.clock.Now().In(loc).Hour()
	}
	s.render(w, r, http.StatusOK, views.HomePage(s.layout(r, "Home", "home"), props))
}

func (s *Server) orgChart(w http.ResponseWriter, r *http.Request) {
	var root int64
	if v := r.URL.Query().Get("root"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.notFound(w, r)
			return
		}
		root = id
	}
	ch, err := s.people.OrgChart(r.Context(), actor(r), root, people.ChartDepth)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.OrgChartPage(s.layout(r, "Org chart", "org"),
		views.OrgChartProps{Chart: ch, MeID: actor(r).UserID, Rooted: root != 0}))
}

func (s *Server) peopleList(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	q := r.URL.Query()
	page := parsePage(q.Get("page"))
	f := people.PeopleFilter{
		Query:           strings.TrimSpace(q.Get("q")),
		IncludeInactive: q.Get("inactive") == "1" && a.Role == core.RoleAdmin,
		Offset:          (page - 1) * peoplePageSize,
		Limit:           peoplePageSize + 1,
	}
	list, err := s.people.People(r.Context(), a, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.PeopleListProps{
		Query: f.Query, IncludeInactive: f.IncludeInactive, Page: page,
		CanManage: a.Role == core.RoleAdmin, Invite: s.popInviteLink(r),
	}
	if len(list) > peoplePageSize {
		props.HasNext = true
		list = list[:peoplePageSize]
	}
	props.People = list
	s.render(w, r, http.StatusOK, views.PeopleListPage(s.layout(r, "People", "people"), props))
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	p, full, err := s.people.Profile(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	teams, err := s.people.TeamsOf(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	reports, err := s.people.ReportsOf(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The kudos they received that the viewer may see (kudo_visible).
	items, _, err := s.kudos.Feed(r.Context(), a, kudos.Filter{RecipientID: &id})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(items) > views.ProfileKudos {
		items = items[:views.ProfileKudos]
	}
	texts := make([]string, 0, 2*len(items))
	for _, k := range items {
		texts = append(texts, k.Did, k.Impact)
	}
	resolve, err := s.kudos.Resolver(r.Context(), a.OrgID, texts...)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.PersonProps{Person: p, Full: full, Teams: teams, Reports: reports,
		CanManage: a.Role == core.RoleAdmin, IsMe: a.UserID == id, Invite: s.popInviteLink(r),
		Kudos: items, Render: func(t string) string { return kudos.Render(t, resolve) }, Now: s.clock.Now()}
	nav := "people"
	if !full {
		nav = "org"
	}
	s.render(w, r, http.StatusOK, views.PersonPage(s.layout(r, p.Name, nav), props))
}

// personInput reads the person form; bad ids become field errors. The
// manager comes from a picker (readPick): mgr.Searched says the form went
// to its search step instead of being sent.
func (s *Server) personInput(r *http.Request) (in people.PersonInput, errs map[string]string, mgr views.PickState) {
	in, errs = personFields(r)
	_, mgr = readPick(r, "manager_id", s.personNamer(r), true)
	return in, errs, mgr
}

func personFields(r *http.Request) (people.PersonInput, map[string]string) {
	in := people.PersonInput{
		Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Title: r.PostFormValue("title"),
		Role: core.Role(r.PostFormValue("role")), TimeZone: r.PostFormValue("time_zone"),
		IdemKey: core.FormKey(r.PostFormValue("key")),
	}
	var errs map[string]string
	mgr, ok := formInt64(r, "manager_id")
	if !ok {
		errs = map[string]string{"manager_id": "Choose a manager from the list."}
	}
	if _, sent := r.PostForm["manager_id_q"]; sent && strings.TrimSpace(r.PostFormValue("manager_id_q")) == "" {
		mgr = nil // the box was emptied: no manager
	}
	in.ManagerID = mgr
	return in, errs
}

// badPersonForm reports every problem of a form whose ids did not parse, so
// the person sees all of them at once.
func badPersonForm(in people.PersonInput, ferrs map[string]string) error {
	in.Normalize()
	v := in.Validate()
	for field, msg := range ferrs {
		v.Check(false, field, msg)
	}
	return v.Err()
}

// managerState is the manager picker showing the manager in.ManagerID.
func (s *Server) managerState(r *http.Request, in people.PersonInput) views.PickState {
	var st views.PickState
	if in.ManagerID != nil {
		st.Value = strconv.FormatInt(*in.ManagerID, 10)
		if m, ok := s.personNamer(r)(*in.ManagerID); ok {
			st.Text, st.Current = m.Name, &m
		}
	}
	return st
}

func (s *Server) personFormProps(r *http.Request, id int64, in people.PersonInput, err error) (views.PersonFormProps, error) {
	p := views.PersonFormProps{ID: id, Input: in, Manager: s.managerState(r, in)}
	if err != nil {
		p.Errors = core.FieldErrors(err)
		p.Message = core.ErrorMessage(err)
	}
	return p, nil
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request) {
	props, err := s.personFormProps(r, 0, people.PersonInput{Role: core.RoleEmployee, TimeZone: "UTC"}, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if mid, err := strconv.ParseInt(r.URL.Query().Get("manager_id"), 10, 64); err == nil && mid > 0 {
		props.Input.ManagerID = &mid
	}
	s.render(w, r, http.StatusOK, views.PersonFormPage(s.layout(r, "Add a person", "people"), props))
}

// renderPersonFormError re-renders the form with errors (422) or shows the
// error page for anything that is not the user's input.
func (s *Server) renderPersonFormError(w http.ResponseWriter, r *http.Request, id int64, in people.PersonInput, err error) {
	if c := core.ErrorCode(err); c != core.EINVALID && c != core.ECONFLICT {
		s.renderError(w, r, err)
		return
	}
	props, perr := s.personFormProps(r, id, in, err)
	if perr != nil {
		s.renderError(w, r, perr)
		return
	}
	title := "Add a person"
	if id != 0 {
		title = "Edit " + in.Name
	}
	s.render(w, r, statusFor(core.ErrorCode(err)), views.PersonFormPage(s.layout(r, title, "people"), props))
}

// personPickStep shows the person form as typed, with the people matching
// the manager's search box to choose from; nothing is saved.
func (s *Server) personPickStep(w http.ResponseWriter, r *http.Request, id int64, in people.PersonInput, mgr views.PickState) {
	if err := s.searchStep(r, "people", &mgr); err != nil {
		s.renderError(w, r, err)
		return
	}
	props := views.PersonFormProps{ID: id, Input: in, Manager: mgr}
	title := "Add a person"
	if id != 0 {
		title = "Edit " + in.Name
	}
	s.render(w, r, http.StatusOK, views.PersonFormPage(s.layout(r, title, "people"), props))
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in, ferrs, mgr := s.personInput(r)
	if mgr.Searched {
		s.personPickStep(w, r, 0, in, mgr)
		return
	}
	if ferrs != nil {
		s.renderPersonFormError(w, r, 0, in, badPersonForm(in, ferrs))
		return
	}
	p, token, err := s.people.CreatePerson(r.Context(), actor(r), in)
	if err != nil {
		s.renderPersonFormError(w, r, 0, in, err)
		return
	}
	if token != "" {
		s.showInviteLink(r, p.Name, token)
		s.flash(r, "success", p.Name+" was added.")
	}
	redirect(w, r, "/people/"+strconv.FormatInt(p.ID, 10))
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	p, err := s.people.Person(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	in := people.PersonInput{Name: p.Name, Email: p.Email, Title: p.Title, Role: p.Role, ManagerID: p.ManagerID, TimeZone: p.TimeZone}
	props, err := s.personFormProps(r, id, in, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PersonFormPage(s.layout(r, "Edit "+p.Name, "people"), props))
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if _, err := s.people.Person(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in, ferrs, mgr := s.personInput(r)
	if mgr.Searched {
		s.personPickStep(w, r, id, in, mgr)
		return
	}
	if ferrs != nil {
		s.renderPersonFormError(w, r, id, in, badPersonForm(in, ferrs))
		return
	}
	p, err := s.people.UpdatePerson(r.Context(), actor(r), id, in)
	if err != nil {
		s.renderPersonFormError(w, r, id, in, err)
		return
	}
	s.flash(r, "success", "Saved "+p.Name+".")
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}

func (s *Server) personSetActive(w http.ResponseWriter, r *http.Request, active bool) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	p, err := s.people.SetActive(r.Context(), actor(r), id, active, r.PostFormValue("reason"))
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.flash(r, "error", core.ErrorMessage(err))
			redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
			return
		}
		s.renderError(w, r, err)
		return
	}
	msg := p.Name + " was deactivated and signed out everywhere. Their reports now report to their manager."
	if active {
		msg = p.Name + " was reactivated. Send them a new invitation link if they need to set a password."
	}
	s.flash(r, "success", msg)
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}

func (s *Server) personDeactivate(w http.ResponseWriter, r *http.Request) {
	s.personSetActive(w, r, false)
}
func (s *Server) personReactivate(w http.ResponseWriter, r *http.Request) {
	s.personSetActive(w, r, true)
}

func (s *Server) personInvite(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	p, err := s.people.Person(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	token, err := s.people.Invite(r.Context(), a, id, core.FormKey(r.PostFormValue("key")))
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.flash(r, "error", core.ErrorMessage(err))
			redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.showInviteLink(r, p.Name, token)
	redirect(w, r, "/people/"+strconv.FormatInt(id, 10))
}

// personResetPassword sends an active person a link to choose a new
// password, by email; without email the link waits in the outbox.
func (s *Server) personResetPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	back := "/people/" + strconv.FormatInt(id, 10)
	if id == a.UserID {
		s.flash(r, "error", "Change your own password on your account page.")
		redirect(w, r, "/account")
		return
	}
	p, err := s.people.AdminResetPassword(r.Context(), a, id, core.FormKey(r.PostFormValue("key")))
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			s.flash(r, "error", core.ErrorMessage(err))
			redirect(w, r, back)
			return
		}
		s.renderError(w, r, err)
		return
	}
	if s.outbox.Configured() {
		s.flash(r, "success", "We emailed "+p.Name+" a link to choose a new password. It works once, for one hour.")
	} else {
		s.flash(r, "warning", "A link for "+p.Name+" to choose a new password is in the outbox. "+people.ErrMailNotSent)
	}
	redirect(w, r, back)
}
