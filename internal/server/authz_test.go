package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// The subjects every route is checked for.
const (
	anon         = "anonymous"
	employee     = "employee"
	managerOwn   = "manager (own report)"
	managerOther = "manager (not own report)"
	leader       = "leader"
	admin        = "admin"
	otherAdmin   = "admin of another org"
)

var subjects = []string{anon, employee, managerOwn, managerOther, leader, admin, otherAdmin}

// world is the organisation the matrix runs against:
//
//	org A: admin; leader ← manager ← {report, report2}; outsider (no manager)
//	org B: its own admin
type world struct {
	t                                        *testing.T
	app                                      *testapp.TestApp
	orgA, orgB                               int64
	admin, leader, manager, report, outsider testfx.Person
	adminB                                   testfx.Person
	team                                     int64
	clients                                  map[string]*testapp.Client
}

func newWorld(t *testing.T) *world {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	w := &world{t: t, app: ta}
	w.orgA = f.Org(t, "Org A")
	w.orgB = f.Org(t, "Org B")
	w.admin = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.leader = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	w.manager = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: w.leader.ID})
	w.report = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Remy Report", ManagerID: w.manager.ID})
	f.Person(t, w.orgA, testfx.PersonOpts{Name: "Rita Report", ManagerID: w.manager.ID})
	w.outsider = f.Person(t, w.orgA, testfx.PersonOpts{Name: "Otto Outsider"})
	w.adminB = f.Person(t, w.orgB, testfx.PersonOpts{Name: "Bea B-Admin", Role: core.RoleAdmin})
	w.team = f.Team(t, w.orgA, "Atlas", w.manager.ID, w.report.ID)

	w.clients = map[string]*testapp.Client{anon: ta.Client(t)}
	for who, p := range map[string]testfx.Person{
		employee: w.report, managerOwn: w.manager, leader: w.leader, admin: w.admin, otherAdmin: w.adminB,
	} {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		w.clients[who] = c
	}
	w.clients[managerOther] = ta.Client(t)
	w.clients[managerOther].SignIn(w.manager.Email, testfx.Password)
	return w
}

// freshReport makes a new person under the manager, for routes that change
// their target.
func (w *world) freshReport() testfx.Person {
	return w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{ManagerID: w.manager.ID})
}

// personFor picks the person a subject's request is about: their own report
// for "own" subjects, someone outside their tree otherwise.
func (w *world) personFor(who string, fresh bool) int64 {
	if fresh {
		if who == managerOther || who == employee {
			return w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{}).ID
		}
		return w.freshReport().ID
	}
	switch who {
	case employee, managerOther:
		return w.outsider.ID
	}
	return w.report.ID
}

func (w *world) freshTeam() int64 {
	return w.app.F.Team(w.t, w.orgA, fmt.Sprintf("Team %d", testfx.Next()))
}

func (w *world) freshInvitation() int64 {
	p := w.app.F.Person(w.t, w.orgA, testfx.PersonOpts{NoPass: true})
	var id int64
	err := w.app.Pool.QueryRow(w.t.Context(), `INSERT INTO invitations (org_id, user_id, token_hash, expires_at)
		VALUES ($1, $2, $3, now() + interval '1 day') RETURNING id`, w.orgA, p.ID, []byte(fmt.Sprint(testfx.Next()))).Scan(&id)
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// expectation is one route's row in the matrix.
type expectation struct {
	path func(w *world, who string) string // nil: the pattern itself
	form url.Values
	want map[string]int // subject → status
}

// Shorthands for the common shapes of a row.
func statuses(an, emp, mOwn, mOther, lead, adm, other int) map[string]int {
	return map[string]int{anon: an, employee: emp, managerOwn: mOwn, managerOther: mOther, leader: lead, admin: adm, otherAdmin: other}
}

// everyone: the same status for every subject.
func everyone(code int) map[string]int { return statuses(code, code, code, code, code, code, code) }

// getPage: a page for everyone signed in.
var getPage = statuses(303, 200, 200, 200, 200, 200, 200)

// adminGet: an admin page without an id.
var adminGet = statuses(303, 403, 403, 403, 403, 200, 200)

func adminPost(okStatus int) map[string]int {
	return statuses(401, 403, 403, 403, 403, okStatus, okStatus)
}

// adminPostID: an admin action on an org A object; org B's admin gets 404.
func adminPostID(okStatus int) map[string]int {
	return statuses(401, 403, 403, 403, 403, okStatus, 404)
}

var adminGetID = statuses(303, 403, 403, 403, 403, 200, 404)

func personPath(suffix string, fresh bool) func(*world, string) string {
	return func(w *world, who string) string {
		return fmt.Sprintf("/people/%d%s", w.personFor(who, fresh), suffix)
	}
}

func teamPath(suffix string, fresh bool) func(*world, string) string {
	return func(w *world, who string) string {
		id := w.team
		if fresh {
			id = w.freshTeam()
		}
		return fmt.Sprintf("/teams/%d%s", id, suffix)
	}
}

// matrix lists every route with who may use it. A route missing from here
// fails TestEveryRouteHasAnExpectation.
var matrix = map[string]expectation{
	"GET /healthz":                  {want: everyone(200)},
	"GET /readyz":                   {want: everyone(200)},
	"GET /static/*":                 {path: func(*world, string) string { return "/static/app.css" }, want: everyone(200)},
	"GET /setup":                    {want: everyone(404)}, // only on an empty install
	"POST /setup":                   {want: everyone(404)},
	"GET /login":                    {want: statuses(200, 303, 303, 303, 303, 303, 303)},
	"POST /login":                   {form: url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}, want: everyone(401)},
	"POST /logout":                  {want: statuses(401, 303, 303, 303, 303, 303, 303)},
	"GET /invite/{token}":           {path: func(*world, string) string { return "/invite/not-a-real-token" }, want: everyone(404)},
	"POST /invite/{token}":          {path: func(*world, string) string { return "/invite/not-a-real-token" }, want: everyone(404)},
	"GET /password/forgot":          {want: everyone(200)},
	"POST /password/forgot":         {form: url.Values{"email": {"nobody@example.com"}}, want: everyone(200)},
	"GET /password/reset/{token}":   {path: func(*world, string) string { return "/password/reset/not-a-real-token" }, want: everyone(404)},
	"POST /password/reset/{token}":  {path: func(*world, string) string { return "/password/reset/not-a-real-token" }, want: everyone(404)},
	"GET /":                         {want: getPage},
	"GET /org":                      {want: getPage},
	"GET /people":                   {want: statuses(303, 403, 200, 200, 200, 200, 200)},
	"GET /people/new":               {want: adminGet},
	"POST /people":                  {want: adminPost(422)},
	"GET /people/import":            {want: adminGet},
	"POST /people/import":           {want: adminPost(422)},
	"POST /people/import/confirm":   {want: adminPost(422)},
	"GET /people/{id}":              {path: personPath("", false), want: statuses(303, 403, 200, 403, 200, 200, 404)},
	"GET /people/{id}/edit":         {path: personPath("/edit", false), want: adminGetID},
	"POST /people/{id}":             {path: personPath("", false), want: adminPostID(422)},
	"POST /people/{id}/deactivate":  {path: personPath("/deactivate", true), want: adminPostID(303)},
	"POST /people/{id}/reactivate":  {path: personPath("/reactivate", true), want: adminPostID(303)},
	"POST /people/{id}/invite":      {path: personPath("/invite", true), want: adminPostID(303)},
	"GET /teams":                    {want: getPage},
	"GET /teams/new":                {want: adminGet},
	"POST /teams":                   {want: adminPost(422)},
	"GET /teams/{id}":               {path: teamPath("", false), want: statuses(303, 200, 200, 200, 200, 200, 404)},
	"GET /teams/{id}/edit":          {path: teamPath("/edit", false), want: adminGetID},
	"POST /teams/{id}":              {path: teamPath("", false), want: adminPostID(422)},
	"POST /teams/{id}/delete":       {path: teamPath("/delete", true), want: adminPostID(303)},
	"POST /teams/{id}/members":      {path: teamPath("/members", false), want: adminPostID(422)},
	"POST /invitations":             {want: adminPost(422)},
	"GET /invitations":              {want: adminGet},
	"POST /invitations/{id}/revoke": {path: func(w *world, _ string) string { return fmt.Sprintf("/invitations/%d/revoke", w.freshInvitation()) }, want: adminPostID(303)},
	"POST /teams/{id}/members/{personID}/remove": {
		path: func(w *world, who string) string {
			return fmt.Sprintf("/teams/%d/members/%d/remove", w.team, w.freshReport().ID)
		},
		want: adminPostID(303),
	},
}

// routeKeys walks a router and returns "METHOD pattern" for every route.
func routeKeys(r chi.Routes) []string {
	var keys []string
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		keys = append(keys, method+" "+route)
		return nil
	})
	sort.Strings(keys)
	return keys
}

// missingExpectations lists routes without a row, and rows without a route.
func missingExpectations(keys []string, m map[string]expectation) (missing, stale []string) {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
		if _, ok := m[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range m {
		if !seen[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	return missing, stale
}

func TestEveryRouteHasAnExpectation(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	missing, stale := missingExpectations(routeKeys(ta.Server.Router()), matrix)
	if len(missing) > 0 {
		t.Errorf("routes without an authorization expectation (add them to matrix): %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("matrix rows for routes that no longer exist: %v", stale)
	}
}

func TestMissingExpectationIsCaught(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	r := chi.NewRouter()
	r.Mount("/", ta.Server.Router())
	r.Get("/brand-new-page", func(http.ResponseWriter, *http.Request) {})
	missing, _ := missingExpectations(routeKeys(r), matrix)
	if len(missing) != 1 || missing[0] != "GET /brand-new-page" {
		t.Fatalf("a route added without an expectation was not reported: %v", missing)
	}
}

func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	keys := routeKeys(w.app.Server.Router())
	checks := 0
	for _, key := range keys {
		exp, ok := matrix[key]
		if !ok {
			continue // reported by TestEveryRouteHasAnExpectation
		}
		method, pattern, _ := strings.Cut(key, " ")
		for _, who := range subjects {
			want, ok := exp.want[who]
			if !ok {
				t.Fatalf("%s: no expectation for %s", key, who)
			}
			path := pattern
			if exp.path != nil {
				path = exp.path(w, who)
			}
			c := w.clients[who]
			var r testapp.Response
			if method == "GET" {
				r = c.Get(path)
			} else {
				r = c.Post(path, exp.form)
			}
			checks++
			if r.Status != want {
				t.Errorf("%s %s as %s: status %d, want %d", method, path, who, r.Status, want)
				continue
			}
			if r.Status == 303 && who == anon && method == "GET" && !strings.HasPrefix(r.Location(), "/login") {
				t.Errorf("%s %s as %s: redirected to %s, want /login", method, path, who, r.Location())
			}
			if r.Status >= 400 && strings.Contains(r.Body, "goroutine ") {
				t.Errorf("%s %s as %s: response shows a stack trace", method, path, who)
			}
		}
		// Sign-out ends the session: sign back in for the next routes.
		if key == "POST /logout" {
			w.resignIn()
		}
	}
	t.Logf("authorization matrix: %d routes × %d subjects = %d checks", len(keys), len(subjects), checks)
}

func (w *world) resignIn() {
	for who, p := range map[string]testfx.Person{
		employee: w.report, managerOwn: w.manager, leader: w.leader, admin: w.admin, otherAdmin: w.adminB,
	} {
		w.clients[who].SignIn(p.Email, testfx.Password)
	}
	w.clients[managerOther].SignIn(w.manager.Email, testfx.Password)
}

// Lists show only the viewer's organisation.
func TestOtherOrganisationSeesNothingOfOurs(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{"/", "/org", "/people", "/people?q=a", "/teams", "/invitations"} {
		r := w.clients[otherAdmin].Get(path)
		if r.Status != 200 {
			t.Fatalf("%s: %d", path, r.Status)
		}
		for _, name := range []string{w.admin.Name, w.leader.Name, w.manager.Name, w.report.Name, "Atlas"} {
			if strings.Contains(r.Body, name) {
				t.Errorf("%s for org B's admin shows org A's %q", path, name)
			}
		}
	}
	// And a manager's list is their reporting tree only.
	r := w.clients[managerOwn].Get("/people")
	if !strings.Contains(r.Body, w.report.Name) || strings.Contains(r.Body, w.outsider.Name) || strings.Contains(r.Body, w.admin.Name) {
		t.Errorf("manager's people list is not their reporting tree:\n%s", r.Body)
	}
	r = w.clients[leader].Get("/people")
	if !strings.Contains(r.Body, w.report.Name) || !strings.Contains(r.Body, w.manager.Name) || strings.Contains(r.Body, w.outsider.Name) {
		t.Errorf("leader's people list is not their part of the org")
	}
}
