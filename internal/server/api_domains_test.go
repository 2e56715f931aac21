package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// tokenFor signs p in and makes them a token of the scope.
func tokenFor(t *testing.T, ta *testapp.TestApp, p testfx.Person, scope string) apiCaller {
	t.Helper()
	c := ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	return newCaller(t, ta, createToken(t, c, fmt.Sprintf("Scripts %s %d", scope, testfx.Next()), scope))
}

type idOnly struct{ ID int64 }

// pagesOf follows next cursors from path (which has a query string) and
// returns every id, failing on an id seen twice.
func pagesOf(t *testing.T, api apiCaller, path string) (ids []int64, pages int) {
	t.Helper()
	seen := map[int64]bool{}
	next := ""
	for {
		p := path
		if next != "" {
			p += "&after=" + url.QueryEscape(next)
		}
		page := decode[apiPageOut[idOnly]](t, api.get(p), 200)
		pages++
		for _, x := range page.Data {
			if seen[x.ID] {
				t.Fatalf("%s: %d on two pages", path, x.ID)
			}
			seen[x.ID] = true
			ids = append(ids, x.ID)
		}
		if page.Next == nil {
			return ids, pages
		}
		if pages > 50 {
			t.Fatalf("%s: no last page", path)
		}
		next = *page.Next
	}
}

func TestAPITeams(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Teams API")
	orgB := ta.F.Org(t, "Teams elsewhere")
	emp := ta.F.Person(t, org, testfx.PersonOpts{Name: "Erin Employee"})
	mate := ta.F.Person(t, org, testfx.PersonOpts{Name: "Mo Mate", Title: "Designer"})
	var teams []int64
	for _, name := range []string{"Atlas", "Borealis", "Cygnus", "Draco", "Eridanus"} {
		teams = append(teams, ta.F.Team(t, org, name, emp.ID, mate.ID))
	}
	foreign := ta.F.Team(t, orgB, "Foreign", ta.F.Person(t, orgB, testfx.PersonOpts{}).ID)
	api := tokenFor(t, ta, emp, "read")

	// Every team of the organisation, in name order, two a page.
	got, pages := pagesOf(t, api, "/api/v1/teams?limit=2")
	if fmt.Sprint(got) != fmt.Sprint(teams) || pages != 3 {
		t.Errorf("teams over %d pages: %v, want %v", pages, got, teams)
	}
	type member struct {
		ID    int64
		Name  string
		Title string
	}
	detail := decode[struct {
		ID          int64
		Name        string
		MemberCount int `json:"member_count"`
		Members     []member
	}](t, api.get(fmt.Sprintf("/api/v1/teams/%d", teams[1])), 200)
	if detail.Name != "Borealis" || detail.MemberCount != 2 || len(detail.Members) != 2 {
		t.Errorf("a team: %+v", detail)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/teams/%d", foreign), "/api/v1/teams/x", "/api/v1/teams/99999999"} {
		decode[apiProblem](t, api.get(path), http.StatusNotFound)
	}
	for _, q := range []string{"limit=0", "limit=x", "after=0", "after=x"} {
		p := decode[apiProblem](t, api.get("/api/v1/teams?"+q), http.StatusUnprocessableEntity)
		if field, _, _ := strings.Cut(q, "="); len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("?%s: %+v", q, p)
		}
	}
}

// oneOnOneWorld: Lena (leader) ← Max (manager) ← {Rae, Rob}; Mia (manager)
// ← Ren; Ada (admin). Series: Max–Rae, Max–Rob, Lena–Max, Mia–Ren.
type oneOnOneWorld struct {
	ta                                 *testapp.TestApp
	org, orgB                          int64
	ada, lena, max, rae, rob, mia, ren testfx.Person
	maxRae, maxRob, lenaMax, miaRen    int64
	foreign                            int64 // a series of another organisation
}

func newOneOnOneWorld(t *testing.T) *oneOnOneWorld {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	w := &oneOnOneWorld{ta: ta}
	w.org, w.orgB = f.Org(t, "1:1 API"), f.Org(t, "1:1 elsewhere")
	w.ada = f.Person(t, w.org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.lena = f.Person(t, w.org, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	w.max = f.Person(t, w.org, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: w.lena.ID})
	w.rae = f.Person(t, w.org, testfx.PersonOpts{Name: "Rae Report", ManagerID: w.max.ID})
	w.rob = f.Person(t, w.org, testfx.PersonOpts{Name: "Rob Report", ManagerID: w.max.ID})
	w.mia = f.Person(t, w.org, testfx.PersonOpts{Name: "Mia Manager", Role: core.RoleManager, ManagerID: w.lena.ID})
	w.ren = f.Person(t, w.org, testfx.PersonOpts{Name: "Ren Report", ManagerID: w.mia.ID})
	today := time.Now().UTC().Format(time.DateOnly)
	w.maxRae = f.Series(t, w.org, w.max.ID, w.rae.ID, today)
	w.maxRob = f.Series(t, w.org, w.max.ID, w.rob.ID, today)
	w.lenaMax = f.Series(t, w.org, w.lena.ID, w.max.ID, today)
	w.miaRen = f.Series(t, w.org, w.mia.ID, w.ren.ID, today)
	bm := f.Person(t, w.orgB, testfx.PersonOpts{Role: core.RoleManager})
	w.foreign = f.Series(t, w.orgB, bm.ID, f.Person(t, w.orgB, testfx.PersonOpts{ManagerID: bm.ID}).ID, today)
	return w
}

// Each token lists the series its person takes part in, as /oneonones
// does: a manager their reports' (and their own with their manager), never
// another manager's; the leader and the admin above are not participants.
func TestAPIOneOnOnesAreTheParticipantsOwn(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	for _, c := range []struct {
		who  testfx.Person
		want []int64
	}{
		{w.max, []int64{w.maxRae, w.maxRob, w.lenaMax}},
		{w.rae, []int64{w.maxRae}},
		{w.mia, []int64{w.miaRen}},
		{w.lena, []int64{w.lenaMax}},
		{w.ada, nil},
	} {
		api := tokenFor(t, w.ta, c.who, "read")
		list := decode[apiPageOut[idOnly]](t, api.get("/api/v1/one-on-ones"), 200)
		var got []int64
		for _, s := range list.Data {
			got = append(got, s.ID)
		}
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if fmt.Sprint(got) != fmt.Sprint(want) || list.Next != nil {
			t.Errorf("%s's series: %v, want %v", c.who.Name, got, want)
		}
		// Any other series' meetings are not found, as its page is.
		for _, other := range []int64{w.maxRae, w.maxRob, w.lenaMax, w.miaRen, w.foreign} {
			if slices.Contains(c.want, other) {
				continue
			}
			decode[apiProblem](t, api.get(fmt.Sprintf("/api/v1/one-on-ones/%d/meetings", other)), http.StatusNotFound)
		}
	}
}

// A series' meetings come newest first in keyset pages with their shared
// agendas; no private note (nor the shared notes) is in any answer.
func TestAPIMeetingsShowTheSharedAgendaOnly(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	f := w.ta.F
	var meetings []int64 // oldest first
	start := time.Now().UTC().Add(-5 * 7 * 24 * time.Hour)
	for i := range 5 {
		m := f.Meeting(t, w.org, w.maxRae, start.Add(time.Duration(i)*7*24*time.Hour).Format(time.RFC3339), "held")
		f.AgendaItem(t, w.org, m, w.rae.ID, fmt.Sprintf("Point %d from Rae", i))
		meetings = append(meetings, m)
	}
	// Private notes (each participant's own) and shared notes, written
	// through the meeting page.
	secrets := map[int64]string{}
	for _, p := range []testfx.Person{w.max, w.rae} {
		c := w.ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		for _, m := range meetings {
			secret := fmt.Sprintf("private-%d-%d-%s", m, p.ID, strings.Repeat("z", 8))
			if r := c.Post(fmt.Sprintf("/meetings/%d/private-note", m), url.Values{"private_note": {secret}}); r.Status != http.StatusSeeOther {
				t.Fatalf("private note: %d", r.Status)
			}
			secrets[m*1000+p.ID] = secret
		}
		if p.ID == w.max.ID {
			if r := c.Post(fmt.Sprintf("/meetings/%d/notes", meetings[0]), url.Values{"shared_notes": {"shared-notes-not-in-the-api"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("shared notes: %d", r.Status)
			}
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM private_notes WHERE meeting_id = ANY($1)", meetings); n != 10 {
		t.Fatalf("%d private notes stored, want 10", n)
	}
	var bodies []string
	for _, p := range []testfx.Person{w.max, w.rae} {
		api := tokenFor(t, w.ta, p, "read")
		var got []int64
		next := ""
		for pages := 0; ; pages++ {
			path := fmt.Sprintf("/api/v1/one-on-ones/%d/meetings?limit=2", w.maxRae)
			if next != "" {
				path += "&after=" + url.QueryEscape(next)
			}
			r := api.get(path)
			bodies = append(bodies, r.Body)
			page := decode[apiPageOut[struct {
				ID     int64
				Agenda []struct{ Body string }
			}]](t, r, 200)
			for _, m := range page.Data {
				got = append(got, m.ID)
				if len(m.Agenda) != 1 || !strings.HasSuffix(m.Agenda[0].Body, "from Rae") {
					t.Errorf("meeting %d's agenda: %+v", m.ID, m.Agenda)
				}
			}
			if page.Next == nil {
				if pages != 2 {
					t.Errorf("%d pages, want 3", pages+1)
				}
				break
			}
			next = *page.Next
		}
		want := slices.Clone(meetings)
		slices.Reverse(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s's meetings: %v, want newest first %v", p.Name, got, want)
		}
		p := decode[apiProblem](t, api.get(fmt.Sprintf("/api/v1/one-on-ones/%d/meetings?after=soon", w.maxRae)), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Field != "after" {
			t.Errorf("a bad cursor: %+v", p)
		}
	}
	all := strings.Join(bodies, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatalf("a private note is in an API answer: %s", s)
		}
	}
	if strings.Contains(all, "private-") || strings.Contains(all, "shared-notes-not-in-the-api") {
		t.Error("notes are in an API answer")
	}
}

// POST /meetings/{id}/agenda adds a point as the meeting's form does; its
// body is held to the document, each bad field named, nothing stored.
func TestAPIAgendaItem(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	m := w.ta.F.Meeting(t, w.org, w.maxRae, time.Now().UTC().Add(24*time.Hour).Format(time.RFC3339), "scheduled")
	rae, raeRead := tokenFor(t, w.ta, w.rae, "read_write"), tokenFor(t, w.ta, w.rae, "read")
	path := fmt.Sprintf("/api/v1/meetings/%d/agenda", m)
	count := func() int { return w.ta.F.Count(t, "SELECT count(*) FROM agenda_items WHERE meeting_id = $1", m) }

	for _, c := range []struct {
		body   string
		status int
		fields string
	}{
		{`not json`, 400, "body"},
		{`[]`, 400, "body"},
		{`"Talk about goals"`, 400, "body"},
		{`{"body": 42}`, 400, "body"},
		{`{"body": "Talk about goals", "private": true}`, 400, "private"},
		{`{"text": "Talk about goals"}`, 400, "body,text"},
		{`{}`, 422, "body"},
		{`{"body": "  "}`, 422, "body"},
		{`{"body": "` + strings.Repeat("x", 600) + `"}`, 422, "body"},
	} {
		p := decode[apiProblem](t, rae.do("POST", path, c.body), c.status)
		if got := strings.Join(p.fields(), ","); got != c.fields {
			t.Errorf("%.40s: fields %q, want %q (%+v)", c.body, got, c.fields, p)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("bad bodies stored %d points", n)
	}
	decode[apiProblem](t, raeRead.do("POST", path, `{"body":"Talk about goals"}`), http.StatusForbidden)
	ren := tokenFor(t, w.ta, w.ren, "read_write")
	decode[apiProblem](t, ren.do("POST", path, `{"body":"Talk about goals"}`), http.StatusNotFound)
	// Twice (a retry) is one point.
	for range 2 {
		out := decode[struct {
			MeetingID int64 `json:"meeting_id"`
			Agenda    []struct {
				Body   string
				Author struct{ ID int64 }
			}
		}](t, rae.do("POST", path, `{"body":"Talk about goals"}`), http.StatusCreated)
		if out.MeetingID != m || len(out.Agenda) != 1 || out.Agenda[0].Body != "Talk about goals" || out.Agenda[0].Author.ID != w.rae.ID {
			t.Errorf("the agenda after adding: %+v", out)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("%d points after a retry, want 1", n)
	}
}

// The kudos body is held to the document as well: each bad field named.
func TestAPIKudoBodyFieldsAreNamed(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Kudo bodies")
	ana := ta.F.Person(t, org, testfx.PersonOpts{})
	ben := ta.F.Person(t, org, testfx.PersonOpts{})
	api := tokenFor(t, ta, ana, "read_write")
	ok := fmt.Sprintf(`"recipient_ids":[%d],"did":"Mapped who owns billing.","impact":"The migration unblocked in a day."`, ben.ID)
	for _, c := range []struct {
		body   string
		status int
		fields string
	}{
		{`{` + ok + `,"password":"x"}`, 400, "password"},
		{`{"recipient_ids":"x","did":"Mapped who owns billing.","impact":"The migration unblocked in a day."}`, 400, "recipient_ids"},
		{`{"recipient_ids":["x"],"did":"Mapped who owns billing.","impact":"The migration unblocked in a day."}`, 400, "recipient_ids.0"},
		{`{` + ok + `,"team_id":"atlas"}`, 400, "team_id"},
		{`{` + ok + `,"visibility":"everyone"}`, 422, "visibility"},
		{`{"did":"Mapped who owns billing."}`, 422, "impact,recipient_ids"},
		// Text PostgreSQL cannot store, and a second object after the
		// first, were a 500 and a kudo.
		{`{"recipient_ids":[` + fmt.Sprint(ben.ID) + `],"did":"Mapped who owns\u0000 billing.","impact":"The migration unblocked in a day."}`, 400, "did"},
		{`{` + ok + `}{"did":"x"}`, 400, "body"},
	} {
		p := decode[apiProblem](t, api.do("POST", "/api/v1/kudos", c.body), c.status)
		if got := strings.Join(p.fields(), ","); got != c.fields {
			t.Errorf("%.60s: fields %q, want %q (%+v)", c.body, got, c.fields, p)
		}
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM kudos WHERE author_id = $1", ana.ID); n != 0 {
		t.Errorf("bad bodies stored %d kudos", n)
	}
}

// A retro's actions are read as its room is: the team's members and the
// managers above them; anyone else, and other organisations, get 404.
func TestAPIRetroActions(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	f := w.ta.F
	team := f.Team(t, w.org, "Atlas", w.max.ID, w.rae.ID)
	retro, _ := f.Retro(t, w.org, team, testfx.RetroOpts{Phase: "discuss"})
	act := f.RetroAction(t, w.org, retro, w.rae.ID, "Write the runbook", "2030-01-01")
	early, _ := f.Retro(t, w.org, team, testfx.RetroOpts{})
	bTeam := f.Team(t, w.orgB, "Foreign", f.Person(t, w.orgB, testfx.PersonOpts{}).ID)
	foreign, _ := f.Retro(t, w.orgB, bTeam, testfx.RetroOpts{Phase: "discuss"})
	path := fmt.Sprintf("/api/v1/retros/%d/actions", retro)
	for _, p := range []testfx.Person{w.rae, w.max, w.lena} {
		api := tokenFor(t, w.ta, p, "read")
		list := decode[apiPageOut[struct {
			ID     int64
			Status string
			Owner  struct{ ID int64 }
		}]](t, api.get(path), 200)
		if len(list.Data) != 1 || list.Data[0].ID != act || list.Data[0].Status != "open" || list.Data[0].Owner.ID != w.rae.ID {
			t.Errorf("%s reads the retro's actions as %+v", p.Name, list)
		}
		// Before Discuss a retro has no actions to show.
		if list := decode[apiPageOut[idOnly]](t, api.get(fmt.Sprintf("/api/v1/retros/%d/actions", early)), 200); len(list.Data) != 0 {
			t.Errorf("a retro in Reflect shows actions: %+v", list)
		}
	}
	for _, p := range []testfx.Person{w.ren, w.mia, w.ada} {
		api := tokenFor(t, w.ta, p, "read")
		decode[apiProblem](t, api.get(path), http.StatusNotFound)
		decode[apiProblem](t, api.get(fmt.Sprintf("/api/v1/retros/%d/actions", foreign)), http.StatusNotFound)
	}
	// Each person's own open retro actions.
	mine := decode[apiPageOut[idOnly]](t, tokenFor(t, w.ta, w.rae, "read").get("/api/v1/retro-actions"), 200)
	if len(mine.Data) != 1 || mine.Data[0].ID != act {
		t.Errorf("Rae's open retro actions: %+v", mine)
	}
	if theirs := decode[apiPageOut[idOnly]](t, tokenFor(t, w.ta, w.max, "read").get("/api/v1/retro-actions"), 200); len(theirs.Data) != 0 {
		t.Errorf("Max's open retro actions: %+v", theirs)
	}
}

// A cycle's reviews through the API follow the cycle page: each viewer
// gets the reviews they may see, and no answer changes with a draft its
// reader may not see (rated 1, 4 or not at all).
func TestAPIReviewsHideDraftsAsThePagesDo(t *testing.T) {
	w := newDraftWorld(t)
	apis := map[int64]apiCaller{}
	for _, p := range []testfx.Person{w.ada, w.lena, w.max, w.eva, w.eli} {
		apis[p.ID] = newCaller(t, w.ta, createToken(t, w.clients[p.ID], "Reviews", "read"))
	}
	reviews := fmt.Sprintf("/api/v1/review-cycles/%d/reviews", w.cycle)
	snapshot := func(viewer testfx.Person) string {
		var out []string
		for _, path := range []string{"/api/v1/review-cycles", reviews, reviews + "?limit=1", reviews + fmt.Sprintf("?after=%d", w.eva.ID)} {
			r := apis[viewer.ID].get(path)
			out = append(out, fmt.Sprintf("%s %d %s", path, r.Status, r.Body))
		}
		return strings.Join(out, "\n")
	}
	for _, c := range []struct {
		viewer testfx.Person
		sees   []testfx.Person
		hidden []draft
	}{
		{w.max, []testfx.Person{w.max, w.eva, w.eli, w.ivy}, []draft{{w.max, "manager"}, {w.eli, "self"}}},
		{w.eva, []testfx.Person{w.eva}, []draft{{w.eva, "manager"}}},
		{w.eli, []testfx.Person{w.eli}, []draft{{w.eli, "manager"}}},
		{w.lena, []testfx.Person{w.max, w.eva, w.eli, w.ivy}, []draft{{w.eva, "manager"}, {w.eli, "manager"}, {w.eli, "self"}}},
		{w.ada, []testfx.Person{w.max, w.eva, w.eli, w.ivy}, w.allDrafts()},
	} {
		var want []int64
		for _, p := range c.sees {
			want = append(want, p.ID)
		}
		slices.Sort(want)
		// One a page, in person id order, to the last.
		var ids []int64
		path := reviews + "?limit=1"
		for range 10 {
			page := decode[apiPageOut[struct{ Person struct{ ID int64 } }]](t, apis[c.viewer.ID].get(path), 200)
			for _, r := range page.Data {
				ids = append(ids, r.Person.ID)
			}
			if page.Next == nil {
				break
			}
			path = reviews + "?limit=1&after=" + *page.Next
		}
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("%s sees the reviews of %v, want %v", c.viewer.Name, ids, want)
		}
		w.setDrafts(t, c.hidden, 1)
		ones := snapshot(c.viewer)
		for _, v := range []int{4, 0} {
			w.setDrafts(t, c.hidden, v)
			if other := snapshot(c.viewer); other != ones {
				t.Errorf("%s's API answers change with drafts they may not see (1 vs %d): %s", c.viewer.Name, v, firstDiff(ones, other))
			}
		}
		w.setDrafts(t, c.hidden, 2)
	}
	// Max reads his own draft of Eva's review (2) and her submitted
	// self-assessment (3), as his pages do; Lena reads only the latter.
	type rating struct {
		Self, Manager *int
	}
	type rev struct {
		Person  struct{ ID int64 }
		Ratings []rating
	}
	find := func(viewer testfx.Person) rev {
		for _, r := range decode[apiPageOut[rev]](t, apis[viewer.ID].get(reviews), 200).Data {
			if r.Person.ID == w.eva.ID {
				return r
			}
		}
		t.Fatalf("%s does not see Eva's review", viewer.Name)
		return rev{}
	}
	if r := find(w.max); len(r.Ratings) == 0 || r.Ratings[0].Self == nil || *r.Ratings[0].Self != 3 || r.Ratings[0].Manager == nil || *r.Ratings[0].Manager != 2 {
		t.Errorf("Max reads Eva's review as %+v", r)
	}
	if r := find(w.lena); len(r.Ratings) == 0 || r.Ratings[0].Manager != nil || *r.Ratings[0].Self != 3 {
		t.Errorf("Lena reads Max's draft of Eva's review: %+v", r)
	}
	// An admin outside the team: not found, as the room.
	orgB := w.ta.F.Org(t, "Reviews elsewhere")
	bAdmin := w.ta.F.Person(t, orgB, testfx.PersonOpts{Role: core.RoleAdmin})
	decode[apiProblem](t, tokenFor(t, w.ta, bAdmin, "read").get(reviews), http.StatusNotFound)
	if list := decode[apiPageOut[idOnly]](t, tokenFor(t, w.ta, bAdmin, "read").get("/api/v1/review-cycles"), 200); len(list.Data) != 0 {
		t.Errorf("another organisation's admin lists cycles: %+v", list)
	}
}

// Odd query strings and bodies get a 4xx, never a 500.
func TestAPIOddInputNeverGets5xx(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	m := w.ta.F.Meeting(t, w.org, w.maxRae, time.Now().UTC().Format(time.RFC3339), "scheduled")
	api := tokenFor(t, w.ta, w.max, "read_write")
	cycle := w.ta.F.Cycle(t, w.org, testfx.CycleOpts{CreatedBy: w.max.ID}, w.rae.ID)
	for _, path := range []string{"/api/v1/teams", fmt.Sprintf("/api/v1/one-on-ones/%d/meetings", w.maxRae), fmt.Sprintf("/api/v1/review-cycles/%d/reviews", cycle)} {
		for _, q := range []string{"after=99999999999999999999", "after=-1", "after=1-2-3", "after=9223372036854775807-1", "after=%E2%80%AE", "limit=-1",
			"limit=99999999999999999999", "limit=1e3", "after=&limit="} {
			if r := api.get(path + "?" + q); r.Status >= 500 {
				t.Errorf("GET %s?%s: %d", path, q, r.Status)
			}
		}
	}
	for _, path := range []string{"/api/v1/teams/99999999999999999999", "/api/v1/one-on-ones/0/meetings", "/api/v1/retros/-1/actions", "/api/v1/review-cycles/%20/reviews"} {
		if r := api.get(path); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.Status)
		}
	}
	for _, body := range []string{`null`, `true`, `{"body": null}`, `{"body": ["a"]}`, `{"body": {"body": "x"}}`, strings.Repeat(`[`, 5000) + strings.Repeat(`]`, 5000),
		`{"body": "\u0000"}`, `{"body": "x"}{"body": "y"}`, `{"body": 1e400}`, `{"body": "` + strings.Repeat("é", 3000) + `"}`} {
		if r := api.do("POST", fmt.Sprintf("/api/v1/meetings/%d/agenda", m), body); r.Status >= 500 || r.Status < 400 {
			t.Errorf("POST %.30s: %d", body, r.Status)
		}
	}
	if n := w.ta.F.Count(t, "SELECT count(*) FROM agenda_items WHERE meeting_id = $1", m); n != 0 {
		t.Errorf("odd bodies stored %d points", n)
	}
}

// An earlier retro's action is settled through the API as in the room: by
// the team's facilitators, while the new retro reviews open actions; done
// twice is the same answer, and it then shows done.
func TestAPIRetroActionCompleteFollowsTheRoom(t *testing.T) {
	t.Parallel()
	w := newOneOnOneWorld(t)
	f := w.ta.F
	team := f.Team(t, w.org, "Atlas", w.max.ID, w.rae.ID)
	earlier, _ := f.Retro(t, w.org, team, testfx.RetroOpts{Phase: "done"})
	act := f.RetroAction(t, w.org, earlier, w.rae.ID, "Write the runbook", "2030-01-01")
	now, _ := f.Retro(t, w.org, team, testfx.RetroOpts{Phase: "open_actions"})
	later, _ := f.Retro(t, w.org, team, testfx.RetroOpts{Phase: "discuss"})
	path := func(retro int64) string { return fmt.Sprintf("/api/v1/retros/%d/actions/%d/complete", retro, act) }

	// The owner is a member, not a facilitator; a read-only token writes nothing.
	decode[apiProblem](t, tokenFor(t, w.ta, w.rae, "read_write").do("POST", path(now), ""), http.StatusForbidden)
	decode[apiProblem](t, tokenFor(t, w.ta, w.max, "read").do("POST", path(now), ""), http.StatusForbidden)
	// Outside the open-actions phase the room refuses it too: 409.
	decode[apiProblem](t, tokenFor(t, w.ta, w.max, "read_write").do("POST", path(later), ""), http.StatusConflict)
	if n := f.Count(t, "SELECT count(*) FROM retro_actions WHERE id = $1 AND status = 'open'", act); n != 1 {
		t.Fatalf("a refused request changed the action")
	}
	maxAPI := tokenFor(t, w.ta, w.max, "read_write")
	for range 2 {
		done := decode[struct {
			ID      int64
			RetroID int64 `json:"retro_id"`
			Status  string
		}](t, maxAPI.do("POST", path(now), ""), 200)
		if done.ID != act || done.RetroID != now || done.Status != "done" {
			t.Errorf("completing answered %+v", done)
		}
	}
	list := decode[apiPageOut[struct {
		ID     int64
		Status string
	}]](t, maxAPI.get(fmt.Sprintf("/api/v1/retros/%d/actions", earlier)), 200)
	if len(list.Data) != 1 || list.Data[0].Status != "done" {
		t.Errorf("the earlier retro's actions read %+v", list)
	}
	// An admin outside the team: not found, as the room.
	decode[apiProblem](t, tokenFor(t, w.ta, w.ada, "read_write").do("POST", path(now), ""), http.StatusNotFound)
}
