package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// pickers is a small organisation with namesakes and accents.
type pickers struct {
	ta                          *testapp.TestApp
	org                         int64
	admin, elodie, camL, camM   testfx.Person
	ben, gone, stranger, lukasz testfx.Person
	c                           map[string]*testapp.Client
}

func newPickers(t *testing.T) *pickers {
	ta := testapp.Start(t, dsn, testapp.Options{})
	p := &pickers{ta: ta, c: map[string]*testapp.Client{}}
	p.org = ta.F.Org(t, "Pickers")
	other := ta.F.Org(t, "Elsewhere")
	n := testfx.Next()
	mk := func(org int64, name, local string, role core.Role, inactive bool) testfx.Person {
		return ta.F.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s@pk%d.example", local, n), Role: role, Inactive: inactive})
	}
	p.admin = mk(p.org, "Ada Admin", "ada", core.RoleAdmin, false)
	p.elodie = mk(p.org, "Élodie Marchand", "elodie.marchand", core.RoleEmployee, false)
	p.camL = mk(p.org, "Camille Lefebvre", "camille", core.RoleEmployee, false)
	p.camM = mk(p.org, "Camille Martin", "cmartin", core.RoleEmployee, false)
	p.ben = mk(p.org, "Ben Lee", "ben.lee", core.RoleEmployee, false)
	p.lukasz = mk(p.org, "Łukasz Wróbel", "lwrobel", core.RoleManager, false)
	p.gone = mk(p.org, "Élodie Partie", "elodie.partie", core.RoleEmployee, true)
	p.stranger = mk(other, "Élodie Ailleurs", "elodie.ailleurs", core.RoleAdmin, false)
	ta.F.Team(t, p.org, "Équipe Paiements", p.elodie.ID)
	ta.F.Team(t, other, "Équipe Secrète", p.stranger.ID)
	for name, who := range map[string]testfx.Person{"admin": p.admin, "ben": p.ben, "stranger": p.stranger} {
		c := ta.Client(t)
		c.SignIn(who.Email, testfx.Password)
		p.c[name] = c
	}
	return p
}

type pickResult struct {
	Results []struct {
		ID     int64
		Name   string
		Handle string
		Detail string
	}
}

func (p *pickers) pick(t *testing.T, who, path string) pickResult {
	t.Helper()
	req, _ := http.NewRequest("GET", p.ta.URL+path, nil)
	req.Header.Set("Accept", "application/json")
	r := p.c[who].Do(req)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%s: %d %s", path, r.Status, r.Header.Get("Content-Type"))
	}
	var out pickResult
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

func (r pickResult) names() string {
	var ns []string
	for _, m := range r.Results {
		ns = append(ns, m.Name)
	}
	return strings.Join(ns, "|")
}

// Everyone signed in finds the people and teams of their own organisation,
// accents and case folded; deactivated people only when an admin asks.
func TestPickEndpointsFindWithinTheOrganisation(t *testing.T) {
	p := newPickers(t)
	for _, tc := range []struct{ who, path, want string }{
		{"ben", "/pick/people?q=elod", "Élodie Marchand"},
		{"ben", "/pick/people?q=ELOD&inactive=1", "Élodie Marchand"},
		{"admin", "/pick/people?q=elod&inactive=1", "Élodie Marchand|Élodie Partie"},
		{"stranger", "/pick/people?q=elod", "Élodie Ailleurs"},
		{"ben", "/pick/people?q=lukasz", "Łukasz Wróbel"},
		{"ben", "/pick/people?q=", ""},
		{"ben", "/pick/teams?q=equipe", "Équipe Paiements"},
		{"stranger", "/pick/teams?q=equipe", "Équipe Secrète"},
	} {
		if got := p.pick(t, tc.who, tc.path).names(); got != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.who, tc.path, got, tc.want)
		}
	}
	m := p.pick(t, "ben", "/pick/people?q=marchand").Results[0]
	if m.Handle != "elodie.marchand" || m.Detail != "@elodie.marchand · Équipe Paiements" {
		t.Errorf("match %+v shows more or less than the public profile", m)
	}
	if r := p.pick(t, "ben", "/pick/people?q=pk"); strings.Contains(r.names(), "Ailleurs") {
		t.Error("another organisation's person was found by email domain")
	}
	// Without the script: a page that lists the matches with their handles.
	page := p.c["ben"].Get("/pick/people?q=camille")
	if page.Status != 200 || !strings.Contains(page.Body, "@camille") || !strings.Contains(page.Body, "@cmartin") {
		t.Errorf("lookup page: %d", page.Status)
	}
}

func doc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func kudoForm(to string) url.Values {
	return url.Values{"to": {to}, "did": {"Rewrote the onboarding checklist"}, "impact": {"New starters were productive in a week"},
		"visibility": {"org"}, "idem": {fmt.Sprint("pk", testfx.Next())}}
}

// "To" takes names as well as @handles; a name that fits several people is
// refused next to the field, naming them, with what was typed kept.
func TestKudosResolveNamesAndSayWhichAreAmbiguous(t *testing.T) {
	p := newPickers(t)
	recipients := func(loc string) string {
		var id int64
		fmt.Sscanf(loc, "/kudos/%d", &id)
		rows, err := p.ta.Pool.Query(t.Context(), "SELECT user_id FROM kudo_recipients WHERE kudo_id = $1 ORDER BY user_id", id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []string
		for rows.Next() {
			var u int64
			_ = rows.Scan(&u)
			ids = append(ids, fmt.Sprint(u))
		}
		return strings.Join(ids, ",")
	}
	r := p.c["ben"].Post("/kudos", kudoForm("Camille Lefebvre, elodie marchand"))
	if r.Status != 303 || recipients(r.Location()) != fmt.Sprintf("%d,%d", p.elodie.ID, p.camL.ID) {
		t.Fatalf("names: %d %s", r.Status, r.Location())
	}
	r = p.c["ben"].Post("/kudos", kudoForm("@camille"))
	if r.Status != 303 || recipients(r.Location()) != fmt.Sprint(p.camL.ID) {
		t.Fatalf("@camille: %d", r.Status)
	}

	before := p.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", p.org)
	r = p.c["ben"].Post("/kudos", kudoForm("Camille, @nobody.here"))
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("ambiguous: status %d", r.Status)
	}
	d := doc(t, r.Body)
	msg := d.Find("#f-to-error").Text()
	for _, want := range []string{"“Camille” could be Camille Lefebvre (@camille) or Camille Martin (@cmartin)", "no active colleague matches “@nobody.here”"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if v, _ := d.Find("#f-to").Attr("value"); v != "Camille, @nobody.here" {
		t.Errorf("typed recipients not kept: %q", v)
	}
	if got := d.Find("#f-did").Text(); got != "Rewrote the onboarding checklist" {
		t.Errorf("message not kept: %q", got)
	}
	if after := p.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", p.org); after != before {
		t.Fatal("an ambiguous recipient wrote a kudo")
	}
}

// Without JavaScript, Find sends the form to a search step that keeps every
// field, writes the names it settles as @handles and asks about the rest;
// the choice made there is posted with the kudo.
func TestKudosFindStepKeepsTheFormAndCarriesTheChoice(t *testing.T) {
	p := newPickers(t)
	f := kudoForm("Ben, camille, élodie m")
	f.Set("pick", "to")
	f.Set("visibility", "recipients")
	before := p.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", p.org)
	r := p.c["admin"].Post("/kudos", f)
	if r.Status != 200 {
		t.Fatalf("find step: status %d", r.Status)
	}
	d := doc(t, r.Body)
	if v, _ := d.Find("#f-to").Attr("value"); v != "@ben.lee, @elodie.marchand, " {
		t.Errorf("settled names = %q", v)
	}
	if got := d.Find("#f-did").Text(); got != "Rewrote the onboarding checklist" {
		t.Errorf("message not kept: %q", got)
	}
	if _, ok := d.Find(`input[name=visibility][value=recipients]`).Attr("checked"); !ok {
		t.Error("visibility not kept")
	}
	if typed, _ := d.Find(`input[name=to_typed_0]`).Attr("value"); typed != "camille" {
		t.Errorf("asked about %q", typed)
	}
	if n := d.Find(`input[type=radio][name=to_pick_0]`).Length(); n != 2 {
		t.Errorf("%d choices for camille, want 2", n)
	}
	if after := p.ta.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", p.org); after != before {
		t.Fatal("the find step wrote a kudo")
	}
	// Posting without a choice asks again; with one, the kudo goes to all three.
	next := kudoForm("@ben.lee, @elodie.marchand, ")
	next.Set("to_typed_0", "camille")
	if r := p.c["admin"].Post("/kudos", next); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no choice made: status %d", r.Status)
	}
	next.Set("to_pick_0", "@cmartin")
	r = p.c["admin"].Post("/kudos", next)
	if r.Status != 303 {
		t.Fatalf("with the choice: status %d", r.Status)
	}
	var n int
	if err := p.ta.Pool.QueryRow(t.Context(), `SELECT count(*) FROM kudo_recipients WHERE kudo_id = $1 AND user_id = ANY($2)`,
		strings.TrimPrefix(r.Location(), "/kudos/"), []int64{p.ben.ID, p.elodie.ID, p.camM.ID}).Scan(&n); err != nil || n != 3 {
		t.Fatalf("recipients: %d %v", n, err)
	}
}

// The manager picker without JavaScript: typing a name and sending the
// form shows the matches with everything else as typed and saves nothing;
// the chosen radio button is then saved. Emptying the box removes the
// manager. The page no longer lists every person of the organisation.
func TestManagerPickerSearchStepKeepsTheFormAndSaves(t *testing.T) {
	p := newPickers(t)
	edit := fmt.Sprintf("/people/%d", p.ben.ID)
	page := p.c["admin"].Get(edit + "/edit")
	if page.Status != 200 || strings.Contains(page.Body, "Camille Martin") || strings.Contains(page.Body, "<option value=\""+fmt.Sprint(p.camM.ID)) {
		t.Fatalf("edit page: %d, lists people it need not", page.Status)
	}
	form := url.Values{"name": {"Ben Lee-Renamed"}, "email": {p.ben.Email}, "title": {"Analyst"}, "role": {"employee"},
		"time_zone": {"Europe/Paris"}, "manager_id": {""}, "manager_id_q": {"lukasz"}, "key": {"k"}}
	r := p.c["admin"].Post(edit, form)
	if r.Status != 200 {
		t.Fatalf("search step: %d", r.Status)
	}
	d := doc(t, r.Body)
	if v, _ := d.Find("#f-name").Attr("value"); v != "Ben Lee-Renamed" {
		t.Errorf("name not kept: %q", v)
	}
	if v, _ := d.Find("#f-manager_id").Attr("value"); v != "lukasz" {
		t.Errorf("search text not kept: %q", v)
	}
	radios := d.Find(`input[type=radio][name=manager_id]`)
	if got, _ := radios.First().Attr("value"); got != fmt.Sprint(p.lukasz.ID) || radios.Length() != 2 { // Łukasz, "No manager"
		t.Errorf("choices: first %q of %d", got, radios.Length())
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND name = 'Ben Lee-Renamed'", p.ben.ID); n != 0 {
		t.Fatal("the search step saved the person")
	}
	if v, _ := d.Find(`input[name=manager_id_searched]`).Attr("value"); v != "lukasz" {
		t.Errorf("the step does not say what it searched for: %q", v)
	}
	// Choosing the match and sending the form back saves it.
	form.Set("manager_id", fmt.Sprint(p.lukasz.ID))
	form.Set("manager_id_searched", "lukasz")
	if r := p.c["admin"].Post(edit, form); r.Status != 303 {
		t.Fatalf("save: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND manager_id = $2", p.ben.ID, p.lukasz.ID); n != 1 {
		t.Fatal("manager not saved")
	}
	// The edit page shows the manager by name; the box unchanged saves as is.
	d = doc(t, p.c["admin"].Get(edit+"/edit").Body)
	if v, _ := d.Find("#f-manager_id").Attr("value"); v != "Łukasz Wróbel" {
		t.Errorf("edit page shows manager %q", v)
	}
	form.Del("manager_id_searched")
	form.Set("manager_id_q", "Łukasz Wróbel")
	if r := p.c["admin"].Post(edit, form); r.Status != 303 {
		t.Fatalf("save unchanged: %d", r.Status)
	}
	form.Set("manager_id_q", "")
	if r := p.c["admin"].Post(edit, form); r.Status != 303 {
		t.Fatalf("clear manager: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND manager_id IS NULL", p.ben.ID); n != 1 {
		t.Fatal("emptying the box kept the manager")
	}
}

// Adding someone to a review cycle: the search step offers the matches not
// yet in the cycle, and the chosen one is added.
func TestAddToCyclePickerOffersOnlyPeopleNotInTheCycle(t *testing.T) {
	p := newPickers(t)
	cycle := p.ta.F.Cycle(t, p.org, around(), p.camL.ID)
	path := fmt.Sprintf("/reviews/%d/people", cycle)
	if page := p.c["admin"].Get(fmt.Sprintf("/reviews/%d", cycle)); strings.Contains(page.Body, "Camille Martin") {
		t.Error("the cycle page lists everyone who could be added")
	}
	r := p.c["admin"].Post(path, url.Values{"person_id": {""}, "person_id_q": {"camille"}})
	if r.Status != 200 {
		t.Fatalf("search step: %d", r.Status)
	}
	d := doc(t, r.Body)
	var offered []string
	d.Find(`input[type=radio][name=person_id]`).Each(func(_ int, s *goquery.Selection) { v, _ := s.Attr("value"); offered = append(offered, v) })
	if fmt.Sprint(offered) != fmt.Sprintf("[%d]", p.camM.ID) {
		t.Errorf("offered %v, want only Camille Martin (%d)", offered, p.camM.ID)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM review_participants WHERE cycle_id = $1", cycle); n != 1 {
		t.Fatal("the search step added someone")
	}
	if r := p.c["admin"].Post(path, url.Values{"person_id": {fmt.Sprint(p.camM.ID)}, "person_id_q": {"camille"}, "person_id_searched": {"camille"}}); r.Status != 303 {
		t.Fatalf("add: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM review_participants WHERE cycle_id = $1 AND person_id = $2", cycle, p.camM.ID); n != 1 {
		t.Fatal("not added")
	}
	// Someone who may not run the cycle learns nothing from the step.
	if r := p.c["ben"].Post(path, url.Values{"person_id_q": {"camille"}}); r.Status != 403 {
		t.Errorf("employee's search step: %d", r.Status)
	}
}

// The kudos feed's team filter lists the viewer's own teams; any other team
// is found with the picker, with or without JavaScript.
func TestKudosTeamFilterListsOwnTeamsAndFindsOthers(t *testing.T) {
	p := newPickers(t)
	p.ta.F.Team(t, p.org, "Backend Guild", p.ben.ID)
	other := p.ta.F.Team(t, p.org, "Atlas Design", p.camL.ID)
	p.ta.F.Kudo(t, p.org, p.elodie.ID, []int64{p.camL.ID}, "org", nil)
	options := func(body string) []string {
		var out []string
		doc(t, body).Find(`select[name=team] option`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}
	feed := p.c["ben"].Get("/kudos")
	if got := fmt.Sprint(options(feed.Body)); got != "[All teams Backend Guild]" {
		t.Errorf("team filter lists %s, want only Ben's own team", got)
	}
	// Without JavaScript: the typed name, then the matching teams to choose.
	step := p.c["ben"].Get("/kudos?team=&other_team=&other_team_q=atlas")
	d := doc(t, step.Body)
	if v, _ := d.Find(`input[type=radio][name=other_team]`).Attr("value"); step.Status != 200 || v != fmt.Sprint(other) {
		t.Fatalf("search step: %d, offers %q", step.Status, v)
	}
	chosen := p.c["ben"].Get(fmt.Sprintf("/kudos?team=&other_team=%d&other_team_q=atlas&other_team_searched=atlas", other))
	d = doc(t, chosen.Body)
	if v, _ := d.Find(`select[name=team] option[selected]`).Attr("value"); v != fmt.Sprint(other) {
		t.Errorf("the chosen team is not the filter: %q", v)
	}
	if !strings.Contains(d.Find("main").Text(), "Camille Lefebvre") {
		t.Error("the feed filtered on the other team shows nothing")
	}
}

// Adding a team member: the search step offers people not yet in the team.
func TestTeamMemberPickerOffersOnlyNonMembers(t *testing.T) {
	p := newPickers(t)
	team := p.ta.F.Team(t, p.org, "Gardeners", p.camL.ID)
	path := fmt.Sprintf("/teams/%d/members", team)
	if page := p.c["admin"].Get(fmt.Sprintf("/teams/%d", team)); strings.Contains(page.Body, "Camille Martin") {
		t.Error("the team page lists everyone who could be added")
	}
	r := p.c["admin"].Post(path, url.Values{"person_id": {""}, "person_id_q": {"camille"}})
	var offered []string
	doc(t, r.Body).Find(`input[type=radio][name=person_id]`).Each(func(_ int, s *goquery.Selection) { v, _ := s.Attr("value"); offered = append(offered, v) })
	if r.Status != 200 || fmt.Sprint(offered) != fmt.Sprintf("[%d]", p.camM.ID) {
		t.Fatalf("search step: %d offers %v, want only Camille Martin", r.Status, offered)
	}
	if r := p.c["admin"].Post(path, url.Values{"person_id": {fmt.Sprint(p.camM.ID)}, "person_id_q": {"camille"}, "person_id_searched": {"camille"}}); r.Status != 303 {
		t.Fatalf("add: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM team_members WHERE team_id = $1", team); n != 2 {
		t.Fatalf("%d members", n)
	}
}

// A new review cycle's team is found by name: the search step keeps the
// form and creates nothing; the chosen team then scopes the cycle.
func TestCycleFormFindsTheTeamByName(t *testing.T) {
	p := newPickers(t)
	form := url.Values{"name": {"2026 H2 Paiements"}, "period_start": {"2026-07-01"}, "period_end": {"2026-12-31"},
		"self_due": {"2026-12-10"}, "manager_due": {"2026-12-20"}, "scope": {"team"},
		"root_id": {fmt.Sprint(p.admin.ID)}, "root_id_q": {p.admin.Name}, "team_id": {""}, "team_id_q": {"paiem"}, "key": {"cycle-k"}}
	count := func() int { return p.ta.F.Count(t, "SELECT count(*) FROM review_cycles WHERE org_id = $1", p.org) }
	before := count()
	r := p.c["admin"].Post("/reviews", form)
	if r.Status != 200 {
		t.Fatalf("search step: %d", r.Status)
	}
	d := doc(t, r.Body)
	team, _ := d.Find(`input[type=radio][name=team_id]`).Attr("value")
	if v, _ := d.Find("#f-name").Attr("value"); v != "2026 H2 Paiements" || team == "" {
		t.Fatalf("step kept name %q, offers team %q", v, team)
	}
	if v, _ := d.Find(`input[name=root_id]`).Attr("value"); v != fmt.Sprint(p.admin.ID) {
		t.Errorf("the other picker lost its choice: %q", v)
	}
	if count() != before {
		t.Fatal("the search step created a cycle")
	}
	form.Set("team_id", team)
	form.Set("team_id_searched", "paiem")
	if r := p.c["admin"].Post("/reviews", form); r.Status != 303 {
		t.Fatalf("create: %d\n%s", r.Status, doc(t, r.Body).Find(".error-summary, .field-error").Text())
	}
	if count() != before+1 {
		t.Fatal("no cycle created")
	}
}

// The export page's team list is the viewer's own teams; any other team is
// found with the picker and then scopes the export.
func TestExportTeamPickerScopesTheExport(t *testing.T) {
	p := newPickers(t)
	cycle := p.ta.F.Cycle(t, p.org, around(), p.elodie.ID, p.camL.ID)
	base := fmt.Sprintf("/exports/cycles/%d", cycle)
	page := p.c["admin"].Get(base)
	if n := doc(t, page.Body).Find(`select[name=team] option`).Length(); page.Status != 200 || n != 1 {
		t.Fatalf("export page: %d, %d team options, want only everyone (the admin is in no team)", page.Status, n)
	}
	step := doc(t, p.c["admin"].Get(base+"?team=&other_team=&other_team_q=paiem").Body)
	team, _ := step.Find(`input[type=radio][name=other_team]`).Attr("value")
	if team == "" {
		t.Fatal("the search step offers no team")
	}
	d := doc(t, p.c["admin"].Get(base+"?team=&other_team="+team+"&other_team_q=paiem&other_team_searched=paiem").Body)
	if v, _ := d.Find(`select[name=team] option[selected]`).Attr("value"); v != team {
		t.Errorf("the export is not scoped to the chosen team: %q", v)
	}
	if href, _ := d.Find(`a[href*="/csv"]`).Attr("href"); !strings.HasSuffix(href, "?team="+team) {
		t.Errorf("CSV link %q", href)
	}
}

// The cycle page's team filter lists the viewer's own teams; the picker
// shows any other team's ratings.
func TestCycleTeamFilterListsOwnTeamsAndFindsOthers(t *testing.T) {
	p := newPickers(t)
	cycle := p.ta.F.Cycle(t, p.org, around(), p.elodie.ID, p.camL.ID)
	page := fmt.Sprintf("/reviews/%d", cycle)
	d := doc(t, p.c["admin"].Get(page).Body)
	if n := d.Find(`select[name=team] option`).Length(); n != 1 {
		t.Errorf("%d team options, want only everyone in the cycle", n)
	}
	var team int64
	if err := p.ta.Pool.QueryRow(t.Context(), "SELECT id FROM teams WHERE org_id = $1 AND name = 'Équipe Paiements'", p.org).Scan(&team); err != nil {
		t.Fatal(err)
	}
	d = doc(t, p.c["admin"].Get(fmt.Sprintf("%s?team=&other_team=%d&other_team_q=paiem&other_team_searched=paiem", page, team)).Body)
	if v, _ := d.Find(`select[name=team] option[selected]`).Attr("value"); v != "Équipe Paiements" {
		t.Errorf("the chosen team is not shown: %q", v)
	}
}

// The webhook form's team is found by name; the search step keeps the
// typed address and saves nothing.
func TestWebhookTeamPickerSearchStep(t *testing.T) {
	p := newPickers(t)
	r := p.c["admin"].Post("/admin/webhooks", url.Values{"team_id": {""}, "team_id_q": {"equipe"}, "url": {"https://hooks.example.com/services/T/B/x"}})
	d := doc(t, r.Body)
	team, _ := d.Find(`input[type=radio][name=team_id]`).Attr("value")
	if v, _ := d.Find("#f-url").Attr("value"); r.Status != 200 || team == "" || v != "https://hooks.example.com/services/T/B/x" {
		t.Fatalf("search step: %d, team %q, address %q", r.Status, team, v)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM team_webhooks WHERE org_id = $1", p.org); n != 0 {
		t.Fatal("the search step saved a webhook")
	}
}
