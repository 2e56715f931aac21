package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// createToken makes a personal access token through the account page and
// returns the secret the page shows once.
func createToken(t *testing.T, c *testapp.Client, name, scope string) string {
	t.Helper()
	if r := c.Post("/account/tokens", url.Values{"name": {name}, "scope": {scope}, "days": {"30"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create token %q: %d\n%s", name, r.Status, r.Body)
	}
	secret, _ := doc(t, c.Get("/account").Body).Find("#pat-secret").Attr("value")
	if !strings.HasPrefix(secret, "rapport_pat_") {
		t.Fatalf("the account page does not show the new token %q", name)
	}
	return secret
}

// apiCaller calls the API with a token through a contract-checked client.
type apiCaller struct {
	t     *testing.T
	ta    *testapp.TestApp
	c     *testapp.Client
	token string
}

func newCaller(t *testing.T, ta *testapp.TestApp, token string) apiCaller {
	return apiCaller{t: t, ta: ta, c: checkedByContract(t, ta, ta.Client(t)), token: token}
}

func (a apiCaller) do(method, path, body string, header ...string) testapp.Response {
	a.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, a.ta.URL+path, rd)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return a.c.Do(req)
}

func (a apiCaller) get(path string) testapp.Response { a.t.Helper(); return a.do("GET", path, "") }

// decode fails the test unless r has the status, and decodes its body.
func decode[T any](t *testing.T, r testapp.Response, status int) T {
	t.Helper()
	var v T
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("body: %v\n%s", err, r.Body)
	}
	return v
}

type apiProblem struct {
	Type, Title, Detail string
	Status              int
	Errors              []struct{ Field, Detail string }
}

func (p apiProblem) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

type apiPersonOut struct {
	ID       int64
	Name     string
	View     string
	Email    string
	TimeZone string `json:"time_zone"`
	Token    struct{ Name, Scope string }
}

type apiPageOut[T any] struct {
	Data []T
	Next *string
}

func TestPersonalTokensOnTheAccountPage(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Tokens")
	ana := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ana Token"})
	other := ta.F.Person(t, org, testfx.PersonOpts{Name: "Otto Other"})
	c := ta.Client(t)
	c.SignIn(ana.Email, testfx.Password)

	// Bad input: each field says what is wrong, what was typed stays,
	// nothing is stored.
	long := strings.Repeat("n", 101)
	r := c.Post("/account/tokens", url.Values{"name": {long}, "scope": {"admin"}, "days": {"7"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad token form: %d", r.Status)
	}
	d := doc(t, r.Body)
	if v, _ := d.Find("#f-name").Attr("value"); v != long {
		t.Errorf("the typed name is not kept: %q", v)
	}
	for _, msg := range []string{"Keep the name under 100 characters.", "Choose read only, or read and write.", "Choose when the token expires"} {
		if !strings.Contains(r.Body, msg) {
			t.Errorf("the form does not say %q", msg)
		}
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM personal_tokens WHERE user_id = $1", ana.ID); n != 0 {
		t.Fatalf("bad input stored %d tokens", n)
	}

	secret := createToken(t, c, "My scripts", "read")
	// Shown once: a reload does not show it again, and only its hash is kept.
	if strings.Contains(c.Get("/account").Body, secret) {
		t.Error("the token is shown again after a reload")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM personal_tokens WHERE user_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))", ana.ID, secret); n != 1 {
		t.Errorf("the token's hash is stored %d times, want 1", n)
	}
	// A double submit of the same form stores no second token.
	if r := c.Post("/account/tokens", url.Values{"name": {"My scripts"}, "scope": {"read"}, "days": {"30"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("the same token again: %d, want 422", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM personal_tokens WHERE user_id = $1", ana.ID); n != 1 {
		t.Errorf("%d tokens after a double submit, want 1", n)
	}

	if !strings.Contains(c.Get("/account").Body, "last used Never") {
		t.Error("an unused token does not say it was never used")
	}
	api := newCaller(t, ta, secret)
	me := decode[apiPersonOut](t, api.get("/api/v1/me"), 200)
	if me.ID != ana.ID || me.View != "full" || me.Email != ana.Email || me.Token.Name != "My scripts" || me.Token.Scope != "read" {
		t.Errorf("/me: %+v", me)
	}
	if strings.Contains(c.Get("/account").Body, "last used Never") {
		t.Error("a used token still says it was never used")
	}
	// The signed-in browser's session cookie does not authenticate the API.
	cookieOnly := checkedByContract(t, ta, c)
	if r := cookieOnly.Get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Errorf("the API with only a session cookie: %d, want 401", r.Status)
	}

	var id int64
	if err := ta.Pool.QueryRow(t.Context(), "SELECT id FROM personal_tokens WHERE user_id = $1", ana.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// Someone else can't revoke it.
	oc := ta.Client(t)
	oc.SignIn(other.Email, testfx.Password)
	if r := oc.Post(fmt.Sprintf("/account/tokens/%d/revoke", id), nil); r.Status != http.StatusNotFound {
		t.Errorf("another person revoking the token: %d, want 404", r.Status)
	}
	if r := api.get("/api/v1/me"); r.Status != 200 {
		t.Fatalf("the token stopped after someone else's revoke: %d", r.Status)
	}
	for range 2 { // revoking twice (a double submit) is the same answer
		if r := c.Post(fmt.Sprintf("/account/tokens/%d/revoke", id), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
	}
	if r := api.get("/api/v1/me"); r.Status != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401", r.Status)
	}
	for action, want := range map[string]int{"token.create": 1, "token.revoke": 1} {
		if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND actor_id = $2 AND action = $3", org, ana.ID, action); n != want {
			t.Errorf("%s audited %d times, want %d", action, n, want)
		}
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE detail::text LIKE '%' || $1 || '%'", secret[len("rapport_pat_"):]); n != 0 {
		t.Error("the audit log holds the token")
	}
}

// Every token that does not work gets the same 401: nothing tells whether
// it existed, expired, was revoked or its person left.
func TestAPIRefusesDeadTokensAlike(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Dead tokens")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	leaver := ta.F.Person(t, org, testfx.PersonOpts{})
	expiring := ta.F.Person(t, org, testfx.PersonOpts{})
	tokenOf := func(p testfx.Person) string {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		return createToken(t, c, "Scripts", "read_write")
	}
	leaverToken, expiringToken := tokenOf(leaver), tokenOf(expiring)
	for _, tok := range []string{leaverToken, expiringToken} {
		if r := newCaller(t, ta, tok).get("/api/v1/me"); r.Status != 200 {
			t.Fatalf("a live token: %d", r.Status)
		}
	}
	ac := ta.Client(t)
	ac.SignIn(adm.Email, testfx.Password)
	if r := ac.Post(fmt.Sprintf("/people/%d/deactivate", leaver.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE personal_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", expiring.ID); err != nil {
		t.Fatal(err)
	}
	unknown := "rapport_pat_" + strings.Repeat("A", 43)
	var first string
	for name, tok := range map[string]string{"deactivated person's": leaverToken, "expired": expiringToken, "unknown": unknown,
		"malformed": "not-a-token", "missing": ""} {
		r := newCaller(t, ta, tok).get("/api/v1/me")
		if r.Status != http.StatusUnauthorized || r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s token: %d %s", name, r.Status, r.Header.Get("Content-Type"))
		}
		if first == "" {
			first = r.Body
		} else if r.Body != first {
			t.Errorf("%s token's 401 differs:\n%s\n%s", name, r.Body, first)
		}
	}
}

func TestAPIScopesAndKudos(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Kudos API")
	ana := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ana Giver"})
	ben := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ben Getter"})
	cy := ta.F.Person(t, org, testfx.PersonOpts{Name: "Cy Private"})
	dee := ta.F.Person(t, org, testfx.PersonOpts{Name: "Dee Private"})
	c := ta.Client(t)
	c.SignIn(ana.Email, testfx.Password)
	read, write := newCaller(t, ta, createToken(t, c, "Reader", "read")), newCaller(t, ta, createToken(t, c, "Writer", "read_write"))

	body := fmt.Sprintf(`{"recipient_ids":[%d],"did":"Mapped who owns billing.","impact":"The migration unblocked in a day."}`, ben.ID)
	p := decode[apiProblem](t, read.do("POST", "/api/v1/kudos", body), http.StatusForbidden)
	if !strings.Contains(p.Detail, "read only") {
		t.Errorf("a read token's write: %+v", p)
	}
	// The same Idempotency-Key twice stores one kudo.
	k1 := decode[struct{ ID int64 }](t, write.do("POST", "/api/v1/kudos", body, "Idempotency-Key", "k-1"), http.StatusCreated)
	k2 := decode[struct{ ID int64 }](t, write.do("POST", "/api/v1/kudos", body, "Idempotency-Key", "k-1"), http.StatusCreated)
	if k1.ID != k2.ID || ta.F.Count(t, "SELECT count(*) FROM kudos WHERE author_id = $1", ana.ID) != 1 {
		t.Errorf("a repeated Idempotency-Key made another kudo: %d, %d", k1.ID, k2.ID)
	}
	// The form's validation, with the API's field names; nothing stored.
	p = decode[apiProblem](t, write.do("POST", "/api/v1/kudos", fmt.Sprintf(`{"recipient_ids":[%d],"did":"short","impact":""}`, ana.ID)), http.StatusUnprocessableEntity)
	if got := strings.Join(p.fields(), ","); got != "did,impact,recipient_ids" {
		t.Errorf("invalid kudo's fields: %q (%+v)", got, p)
	}
	for _, bad := range []string{`not json`, `{"recipient_ids":"x"}`, `{"did":"x","password":"y"}`} {
		decode[apiProblem](t, write.do("POST", "/api/v1/kudos", bad), http.StatusBadRequest)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM kudos WHERE author_id = $1", ana.ID); n != 1 {
		t.Errorf("bad input stored kudos: %d", n)
	}

	// The feed is what the caller may see (kudo_visible), newest first, in
	// pages of 50.
	hidden := ta.F.Kudo(t, org, cy.ID, []int64{dee.ID}, "recipients", nil)
	for range 50 {
		ta.F.Kudo(t, org, ben.ID, []int64{ana.ID}, "org", nil)
	}
	seen := map[int64]bool{}
	page := decode[apiPageOut[struct{ ID int64 }]](t, read.get("/api/v1/kudos"), 200)
	if len(page.Data) != 50 || page.Next == nil {
		t.Fatalf("first page: %d kudos, next %v", len(page.Data), page.Next)
	}
	for _, k := range page.Data {
		seen[k.ID] = true
	}
	page2 := decode[apiPageOut[struct{ ID int64 }]](t, read.get("/api/v1/kudos?after="+url.QueryEscape(*page.Next)), 200)
	for _, k := range page2.Data {
		if seen[k.ID] {
			t.Errorf("kudo %d on both pages", k.ID)
		}
		seen[k.ID] = true
	}
	if page2.Next != nil || len(seen) != 51 || !seen[k1.ID] || seen[hidden] {
		t.Errorf("the pages hold %d kudos (want 51, with %d, without the hidden %d), next %v", len(seen), k1.ID, hidden, page2.Next)
	}
	p = decode[apiProblem](t, read.get("/api/v1/kudos?after=yesterday"), http.StatusUnprocessableEntity)
	if got := strings.Join(p.fields(), ","); got != "after" {
		t.Errorf("a bad cursor's fields: %q", got)
	}
}

func TestAPIPeopleAndActions(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "People API")
	orgB := ta.F.Org(t, "Elsewhere")
	mgr := ta.F.Person(t, org, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager})
	var reports []testfx.Person
	for i := range 3 {
		reports = append(reports, ta.F.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Report %d", i), ManagerID: mgr.ID}))
	}
	outsider := ta.F.Person(t, org, testfx.PersonOpts{Name: "Otto Outsider"})
	stranger := ta.F.Person(t, orgB, testfx.PersonOpts{Name: "Sam Stranger"})
	token := func(p testfx.Person, scope string) apiCaller {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		return newCaller(t, ta, createToken(t, c, "Scripts "+scope, scope))
	}
	m, emp := token(mgr, "read_write"), token(reports[0], "read_write")

	// The manager's list is their reporting tree, as /people shows it, in
	// keyset pages.
	var got []int64
	page := decode[apiPageOut[apiPersonOut]](t, m.get("/api/v1/people?limit=2"), 200)
	if len(page.Data) != 2 || page.Next == nil {
		t.Fatalf("first page: %+v", page)
	}
	for _, p := range page.Data {
		got = append(got, p.ID)
	}
	page = decode[apiPageOut[apiPersonOut]](t, m.get("/api/v1/people?limit=2&after="+*page.Next), 200)
	for _, p := range page.Data {
		got = append(got, p.ID)
	}
	if page.Next != nil || fmt.Sprint(got) != fmt.Sprint([]int64{reports[0].ID, reports[1].ID, reports[2].ID}) {
		t.Errorf("the manager's people: %v, next %v", got, page.Next)
	}
	decode[apiProblem](t, emp.get("/api/v1/people"), http.StatusForbidden)
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "after=-1", "after=x"} {
		p := decode[apiProblem](t, m.get("/api/v1/people?"+q), http.StatusUnprocessableEntity)
		if field, _, _ := strings.Cut(q, "="); len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("?%s: %+v", q, p)
		}
	}
	// A person as their page shows them: fuller for the manager chain, the
	// public profile for others; other organisations' ids are not found.
	if p := decode[apiPersonOut](t, m.get(fmt.Sprintf("/api/v1/people/%d", reports[1].ID)), 200); p.View != "full" || p.Email != reports[1].Email {
		t.Errorf("the manager sees their report as %+v", p)
	}
	if p := decode[apiPersonOut](t, emp.get(fmt.Sprintf("/api/v1/people/%d", outsider.ID)), 200); p.View != "public" || p.Email != "" || p.TimeZone != "" {
		t.Errorf("an employee sees a colleague as %+v", p)
	}
	for _, path := range []string{fmt.Sprintf("/api/v1/people/%d", stranger.ID), "/api/v1/people/x", "/api/v1/people/99999999"} {
		decode[apiProblem](t, emp.get(path), http.StatusNotFound)
	}

	// Open actions, and completing one (twice is the same answer).
	series := ta.F.Series(t, org, mgr.ID, reports[0].ID, time.Now().UTC().Format(time.DateOnly))
	meeting := ta.F.Meeting(t, org, series, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "held")
	act := ta.F.Action(t, org, meeting, reports[0].ID, "Draft the onboarding doc", "2030-01-01", nil)
	acts := decode[apiPageOut[struct{ ID int64 }]](t, emp.get("/api/v1/actions"), 200)
	if len(acts.Data) != 1 || acts.Data[0].ID != act {
		t.Fatalf("open actions: %+v", acts)
	}
	out := token(outsider, "read_write")
	decode[apiProblem](t, out.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", act), ""), http.StatusNotFound)
	readOnly := token(reports[0], "read")
	decode[apiProblem](t, readOnly.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", act), ""), http.StatusForbidden)
	for range 2 {
		done := decode[struct{ Done bool }](t, emp.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", act), ""), 200)
		if !done.Done {
			t.Error("not done")
		}
	}
	if acts := decode[apiPageOut[struct{ ID int64 }]](t, emp.get("/api/v1/actions"), 200); len(acts.Data) != 0 {
		t.Errorf("a completed action is still open: %+v", acts)
	}
	// Undocumented addresses under /api/v1 answer in problem details too.
	r := ta.Client(t).Get("/api/v1/nothing-here")
	if r.Status != http.StatusNotFound || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("an unknown API address: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	// The document itself is public.
	if r := newCaller(t, ta, "").get("/api/v1/openapi.json"); r.Status != 200 || !strings.Contains(r.Body, `"openapi": "3.1.0"`) {
		t.Errorf("openapi.json: %d", r.Status)
	}
}

// Each token has its own rate limit; past it, 429 with Retry-After.
func TestAPIRateLimitPerToken(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) { c.APIRequestsPerMinute = 3 }})
	org := ta.F.Org(t, "Limits")
	ana := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(ana.Email, testfx.Password)
	one, two := newCaller(t, ta, createToken(t, c, "One", "read")), newCaller(t, ta, createToken(t, c, "Two", "read"))
	for range 3 {
		decode[apiPersonOut](t, one.get("/api/v1/me"), 200)
	}
	r := one.get("/api/v1/me")
	decode[apiProblem](t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	decode[apiPersonOut](t, two.get("/api/v1/me"), 200)
}
