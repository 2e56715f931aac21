package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"rapport/internal/core"
	"rapport/internal/kudos"
	"rapport/internal/oneonone"
	"rapport/internal/people"
	"rapport/web/views"
)

func kudoPath(id int64) string { return "/kudos/" + strconv.FormatInt(id, 10) }

// idemKey is a random key a form carries so its double submit stores once.
func idemKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func optID(v string) *int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	return &id
}

// feedFilter reads the feed's filters and cursor from the query string.
func (s *Server) feedFilter(r *http.Request) (kudos.Filter, views.FeedQuery) {
	q := r.URL.Query()
	fq := views.FeedQuery{Team: q.Get("team"), Person: q.Get("person"), Competency: q.Get("competency"), Days: q.Get("days")}
	if other, st := readPick(r, "other_team", s.teamNamer(r), false); other != nil && !st.Searched {
		fq.Team = strconv.FormatInt(*other, 10) // a team chosen with the picker
	}
	f := kudos.Filter{TeamID: optID(fq.Team), PersonID: optID(fq.Person), CompetencyID: optID(fq.Competency)}
	if d, err := strconv.Atoi(fq.Days); err == nil && d > 0 && d <= 3650 {
		f.Since = s.clock.Now().AddDate(0, 0, -d)
	}
	if at, id, ok := parseKudoCursor(q.Get("before")); ok {
		f.BeforeAt, f.BeforeID = at, id
	}
	return f, fq
}

// parseKudoCursor reads the feed's "before" cursor, "<unix nanoseconds>-<id>"
// (see feedProps); anything else is no cursor, the newest page.
func parseKudoCursor(v string) (time.Time, int64, bool) {
	at, id, ok := strings.Cut(v, "-")
	if !ok {
		return time.Time{}, 0, false
	}
	ns, err1 := strconv.ParseInt(at, 10, 64)
	kid, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || ns < 0 || kid <= 0 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, ns), kid, true
}

func (s *Server) kudosFeed(w http.ResponseWriter, r *http.Request) {
	f, fq := s.feedFilter(r)
	props, err := s.feedProps(r, f, fq)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.FeedPage(s.layout(r, "Kudos", "kudos"), props))
}

// feedProps reads a page of the feed for f and what the page shows beside
// it, all together: the kudos (then their details and the people they
// mention), the viewer's teams, the team and person filtered on, the
// competencies.
func (s *Server) feedProps(r *http.Request, f kudos.Filter, fq views.FeedQuery) (views.FeedProps, error) {
	a := actor(r)
	var (
		page        kudos.Page
		teams       []people.Team
		comps       []oneonone.Competency
		filtered    people.Pick
		hasFiltered bool
		personName  string
	)
	reads := []func(context.Context) error{
		func(ctx context.Context) (err error) { page, err = s.kudos.FeedPage(ctx, a, f); return err },
		// The filter lists the viewer's own teams, and the team filtered on;
		// the picker finds any other.
		func(ctx context.Context) (err error) { teams, err = s.people.TeamsOf(ctx, a, a.UserID); return err },
		func(ctx context.Context) (err error) { comps, err = s.meetings.Competencies(ctx, a); return err },
	}
	if id := optID(fq.Team); id != nil {
		reads = append(reads, func(ctx context.Context) error {
			filtered, hasFiltered = s.teamNamer(r.WithContext(ctx))(*id)
			return nil
		})
	}
	if id := optID(fq.Person); fq.Person != "" && id != nil {
		reads = append(reads, func(ctx context.Context) error {
			if person, err := s.people.InOrg(ctx, a, *id); err == nil {
				personName = person.Name
			}
			return nil
		})
	}
	if err := core.Together(r.Context(), reads...); err != nil {
		return views.FeedProps{}, err
	}
	if id := optID(fq.Team); id != nil && hasFiltered {
		mine := false
		for _, t := range teams {
			mine = mine || t.ID == *id
		}
		if !mine {
			teams = append(teams, people.Team{ID: filtered.ID, Name: filtered.Name})
		}
	}
	var other views.PickState
	if _, st := readPick(r, "other_team", s.teamNamer(r), false); st.Searched {
		other = st
		if err := s.searchStep(r, "teams", &other); err != nil {
			return views.FeedProps{}, err
		}
	}
	items, resolve := page.Items, page.Resolve
	p := views.FeedProps{Items: items, Query: fq, Me: a.UserID, Now: s.clock.Now(), Render: func(t string) string { return kudos.Render(t, resolve) },
		Teams: teams, OtherTeam: other, Competencies: comps, CanEquity: a.Is(core.RoleAdmin, core.RoleLeader, core.RoleManager), PersonName: personName}
	if page.More && len(items) > 0 {
		last := items[len(items)-1]
		p.Older = kudoCursor(last)
	}
	return p, nil
}

func (s *Server) kudoFormProps(r *http.Request, in views.KudoForm) (views.KudoFormProps, error) {
	a := actor(r)
	teams, err := s.people.TeamsOf(r.Context(), a, a.UserID)
	if err != nil {
		return views.KudoFormProps{}, err
	}
	comps, err := s.meetings.Competencies(r.Context(), a)
	if err != nil {
		return views.KudoFormProps{}, err
	}
	return views.KudoFormProps{Form: in, Teams: teams, Competencies: comps}, nil
}

func (s *Server) kudoNew(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	in := views.KudoForm{Visibility: string(kudos.VisOrg), IdemKey: idemKey()}
	if id := optID(r.URL.Query().Get("to")); id != nil {
		if p, err := s.people.InOrg(r.Context(), a, *id); err == nil && p.Active {
			in.To = "@" + strings.SplitN(p.Email, "@", 2)[0]
		}
	}
	props, err := s.kudoFormProps(r, in)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.KudoFormPage(s.layout(r, "Give kudos", "kudos"), props))
}

// kudoTokens reads the recipients typed in "To" and, after the search step,
// the choice made for each name it asked about (kudoPickStep); a name left
// unchosen is read as typed again. f.To is rewritten to hold them all.
func kudoTokens(r *http.Request, f *views.KudoForm) []string {
	tokens := kudos.RecipientTokens(f.To)
	added := false
	for i := 0; i < 50; i++ {
		typed, ok := r.PostForm["to_typed_"+strconv.Itoa(i)]
		if !ok || len(typed) == 0 {
			break
		}
		t := strings.TrimSpace(typed[0])
		if pick := strings.TrimSpace(r.PostFormValue("to_pick_" + strconv.Itoa(i))); strings.HasPrefix(pick, "@") {
			t = pick
		}
		if t != "" {
			tokens = append(tokens, t)
			added = true
		}
	}
	if added {
		f.To = strings.Join(tokens, ", ")
	}
	return tokens
}

// orList joins names as "A, B or C".
func orList(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// readKudoForm parses the form and resolves the recipients typed in "To"
// (handles or names, people.Service.Resolve) to people.
func (s *Server) readKudoForm(r *http.Request) (views.KudoForm, kudos.Input, map[string]string, error) {
	f, in, errs, _, err := s.readKudoFormResolved(r)
	return f, in, errs, err
}

// readKudoFormResolved is readKudoForm with what each typed recipient
// resolved to, for the search step.
func (s *Server) readKudoFormResolved(r *http.Request) (views.KudoForm, kudos.Input, map[string]string, []people.Resolved, error) {
	a := actor(r)
	f := views.KudoForm{To: r.PostFormValue("to"), Did: r.PostFormValue("did"), Impact: r.PostFormValue("impact"),
		Visibility: r.PostFormValue("visibility"), TeamID: r.PostFormValue("team_id"), IdemKey: r.PostFormValue("idem"),
		Competencies: map[int64]bool{}}
	in := kudos.Input{Did: f.Did, Impact: f.Impact, Visibility: kudos.Visibility(f.Visibility), TeamID: optID(f.TeamID), IdemKey: f.IdemKey}
	for _, c := range r.PostForm["competencies"] {
		if id := optID(c); id != nil {
			in.CompetencyIDs = append(in.CompetencyIDs, *id)
			f.Competencies[*id] = true
		} else {
			in.CompetencyIDs = append(in.CompetencyIDs, -1)
		}
	}
	res, err := s.people.Resolve(r.Context(), a, kudoTokens(r, &f))
	if err != nil {
		return f, in, nil, nil, err
	}
	errs := map[string]string{}
	var problems []string
	seen := map[int64]bool{}
	for _, t := range res {
		switch {
		case t.Person != nil:
			if !seen[t.Person.ID] {
				seen[t.Person.ID] = true
				in.RecipientIDs = append(in.RecipientIDs, t.Person.ID)
			}
		case len(t.Matches) == 0:
			problems = append(problems, "no active colleague matches “"+t.Typed+"”")
		default:
			var names []string
			for _, m := range t.Matches {
				names = append(names, m.Name+" (@"+m.Handle+")")
			}
			problems = append(problems, "“"+t.Typed+"” could be "+orList(names))
		}
	}
	if len(problems) > 0 {
		msg := []rune(strings.Join(problems, "; "))
		msg[0] = unicode.ToUpper(msg[0])
		errs["recipients"] = string(msg) + ". Write their @handle, or use Find to choose."
	}
	return f, in, errs, res, nil
}

// kudoPickStep answers the "To" picker's Find button without JavaScript:
// the form comes back as typed, with each recipient it could settle
// written as an @handle, and a choice of people for every other name.
// Nothing is saved.
func (s *Server) kudoPickStep(w http.ResponseWriter, r *http.Request, title string, id int64) bool {
	if r.PostFormValue("pick") != "to" {
		return false
	}
	if id != 0 {
		// Only the author edits a kudo (kudos.Service.Edit); others learn nothing.
		k, _, err := s.kudos.Kudo(r.Context(), actor(r), id)
		if err == nil && k.AuthorID != actor(r).UserID {
			err = core.Forbidden()
		}
		if err != nil {
			s.renderError(w, r, err)
			return true
		}
	}
	f, _, _, res, err := s.readKudoFormResolved(r)
	if err != nil {
		s.renderError(w, r, err)
		return true
	}
	props, err := s.kudoFormProps(r, f)
	if err != nil {
		s.renderError(w, r, err)
		return true
	}
	var settled []string
	for _, t := range res {
		if t.Person != nil {
			settled = append(settled, "@"+t.Person.Handle)
		} else {
			props.ToGroups = append(props.ToGroups, views.PickGroup{Typed: t.Typed, Matches: t.Matches})
		}
	}
	props.Form.To = strings.Join(settled, ", ")
	if len(settled) > 0 {
		props.Form.To += ", "
	}
	props.ID = id
	props.Errors = map[string]string{}
	s.render(w, r, http.StatusOK, views.KudoFormPage(s.layout(r, title, "kudos"), props))
	return true
}

func (s *Server) renderKudoFormError(w http.ResponseWriter, r *http.Request, title string, id int64, f views.KudoForm, err error, extra map[string]string) {
	if err != nil && core.ErrorCode(err) != core.EINVALID {
		s.renderError(w, r, err)
		return
	}
	props, perr := s.kudoFormProps(r, f)
	if perr != nil {
		s.renderError(w, r, perr)
		return
	}
	props.ID = id
	props.Errors = map[string]string{}
	for k, v := range core.FieldErrors(err) {
		props.Errors[k] = v
	}
	for k, v := range extra {
		props.Errors[k] = v // the more specific message about "To" wins
	}
	props.Message = "Please correct the highlighted fields."
	if err != nil && len(core.FieldErrors(err)) == 0 {
		props.Message = core.ErrorMessage(err)
	}
	s.render(w, r, http.StatusUnprocessableEntity, views.KudoFormPage(s.layout(r, title, "kudos"), props))
}

func (s *Server) kudoCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) || s.kudoPickStep(w, r, "Give kudos", 0) {
		return
	}
	f, in, extra, err := s.readKudoForm(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(extra) > 0 {
		in.RecipientIDs = nil
		s.renderKudoFormError(w, r, "Give kudos", 0, f, (&core.Validator{Fields: extra}).Err(), extra)
		return
	}
	id, err := s.kudos.Post(r.Context(), actor(r), in)
	if err != nil {
		s.renderKudoFormError(w, r, "Give kudos", 0, f, err, nil)
		return
	}
	s.flash(r, "success", "Kudos posted. Specific thanks like this is what people remember.")
	redirect(w, r, kudoPath(id))
}

func (s *Server) kudoShow(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	s.renderKudo(w, r, id, http.StatusOK, "", "")
}

func (s *Server) renderKudo(w http.ResponseWriter, r *http.Request, id int64, status int, commentErr, comment string) {
	a := actor(r)
	k, comments, err := s.kudos.Kudo(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	resolve, err := s.kudos.Resolver(r.Context(), a.OrgID, k.Did, k.Impact)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, views.KudoPage(s.layout(r, "Kudos from "+k.AuthorName, "kudos"), views.KudoProps{
		Kudo: k, Comments: comments, Me: a.UserID, Now: s.clock.Now(), Render: func(t string) string { return kudos.Render(t, resolve) },
		CommentError: commentErr, Comment: comment}))
}

func (s *Server) kudoEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	k, _, err := s.kudos.Kudo(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if k.AuthorID != a.UserID {
		s.renderStatus(w, r, http.StatusForbidden)
		return
	}
	if !k.Editable(a.UserID, s.clock.Now()) {
		s.flash(r, "warning", "Kudos can be edited for 15 minutes after posting.")
		redirect(w, r, kudoPath(id))
		return
	}
	f := views.KudoForm{Did: k.Did, Impact: k.Impact, Visibility: string(k.Visibility), Competencies: map[int64]bool{}, IdemKey: "edit"}
	if k.TeamID != nil {
		f.TeamID = strconv.FormatInt(*k.TeamID, 10)
	}
	handles, err := s.handlesOf(r, k.Recipients)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f.To = handles
	for _, c := range k.Competencies {
		f.Competencies[c.ID] = true
	}
	props, err := s.kudoFormProps(r, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	props.ID = id
	s.render(w, r, http.StatusOK, views.KudoFormPage(s.layout(r, "Edit kudos", "kudos"), props))
}

// handlesOf writes recipients back as @handles for the edit form, in one query.
func (s *Server) handlesOf(r *http.Request, people []kudos.Named) (string, error) {
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	handles, err := s.kudos.Handles(r.Context(), actor(r), ids)
	if err != nil {
		return "", err
	}
	out := make([]string, 0, len(people))
	for _, p := range people {
		if h, ok := handles[p.ID]; ok {
			out = append(out, "@"+h)
		}
	}
	return strings.Join(out, ", "), nil
}

func (s *Server) kudoUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) || s.kudoPickStep(w, r, "Edit kudos", id) {
		return
	}
	f, in, extra, err := s.readKudoForm(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if len(extra) > 0 {
		s.renderKudoFormError(w, r, "Edit kudos", id, f, (&core.Validator{Fields: extra}).Err(), extra)
		return
	}
	if err := s.kudos.Edit(r.Context(), actor(r), id, in); err != nil {
		if core.ErrorCode(err) == core.EINVALID && len(core.FieldErrors(err)) == 0 {
			s.flash(r, "warning", core.ErrorMessage(err))
			redirect(w, r, kudoPath(id))
			return
		}
		s.renderKudoFormError(w, r, "Edit kudos", id, f, err, nil)
		return
	}
	s.flash(r, "success", "Saved.")
	redirect(w, r, kudoPath(id))
}

func (s *Server) kudoDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.kudos.Delete(r.Context(), actor(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "success", "The kudo was deleted.")
	redirect(w, r, "/kudos")
}

// kudoReact toggles a reaction. With htmx it answers the reaction bar
// alone; without JavaScript it goes back to the page.
func (s *Server) kudoReact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	a := actor(r)
	// The bar's buttons send "emoji:true" (add mine) or "emoji:false"
	// (take mine back); a form of its own may send emoji and on.
	emoji, onText := r.PostFormValue("emoji"), r.PostFormValue("on")
	if v := r.PostFormValue("reaction"); v != "" {
		emoji, onText, _ = strings.Cut(v, ":")
	}
	var on *bool
	switch onText {
	case "true", "false":
		v := onText == "true"
		on = &v
	}
	if err := s.kudos.React(r.Context(), a, id, emoji, on); err != nil {
		s.renderError(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") == "true" {
		k, _, err := s.kudos.Kudo(r.Context(), a, id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Reactions(k))
		return
	}
	redirect(w, r, backTo(r, kudoPath(id))+"#kudo-"+strconv.FormatInt(id, 10))
}

// backTo returns the form's "back" path when it is one of ours.
func backTo(r *http.Request, def string) string {
	b := r.PostFormValue("back")
	if u, err := url.Parse(b); err == nil && b != "" && u.Host == "" && u.Scheme == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(b, "//") {
		return u.RequestURI()
	}
	return def
}

func (s *Server) kudoComment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	body := r.PostFormValue("comment")
	err := s.kudos.Comment(r.Context(), actor(r), id, body, r.PostFormValue("key"))
	s.formDone(w, r, err, func(status int) { s.renderKudo(w, r, id, status, core.FieldErrors(err)["comment"], body) },
		"", kudoPath(id)+"#comments")
}

func (s *Server) personKudos(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		s.notFound(w, r)
		return
	}
	a := actor(r)
	p, err := s.people.InOrg(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	sum, err := s.kudos.Person(r.Context(), a, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pid := id
	feed, err := s.feedProps(r, kudos.Filter{PersonID: &pid}, views.FeedQuery{Person: strconv.FormatInt(id, 10)})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.PersonKudosPage(s.layout(r, "Recognition · "+p.Name, "kudos"), views.PersonKudosProps{
		Person: p, Summary: sum, Feed: feed}))
}

func (s *Server) equityPage(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.URL.Query().Get("days"))
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	v, err := s.kudos.Equity(r.Context(), actor(r), days, page)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.EquityPage(s.layout(r, "Recognition equity", "kudos"),
		views.EquityProps{Equity: v.Equity, Scope: v.Scope, Days: v.Days, Members: v.Members,
			People: v.People, Page: v.Page, Pages: v.Pages}))
}
