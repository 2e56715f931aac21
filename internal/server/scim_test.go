package server_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/auth"
	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	listSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
	patchSchema      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// scimClient talks to the SCIM endpoints as an identity provider does: a
// bearer token, JSON bodies, no cookies.
type scimClient struct {
	t     *testing.T
	c     *testapp.Client
	url   string
	token string
}

func newScimClient(t *testing.T, ta *testapp.TestApp, token string) *scimClient {
	return &scimClient{t: t, c: ta.Client(t), url: ta.URL, token: token}
}

// scimResp is an answer with its body decoded.
type scimResp struct {
	testapp.Response
	JSON map[string]any
}

func (s *scimClient) do(method, path, body string) scimResp {
	s.t.Helper()
	var req *http.Request
	if body == "" {
		req, _ = http.NewRequest(method, s.url+path, nil)
	} else {
		req, _ = http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	r := scimResp{Response: s.c.Do(req)}
	if r.Status == http.StatusNoContent {
		if r.Body != "" {
			s.t.Errorf("%s %s: 204 with a body %q", method, path, r.Body)
		}
		return r
	}
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/scim+json" || !strings.EqualFold(params["charset"], "utf-8") {
		s.t.Errorf("%s %s: Content-Type %q, want application/scim+json; charset=utf-8\n%s", method, path, r.Header.Get("Content-Type"), r.Body)
	}
	if err := json.Unmarshal([]byte(r.Body), &r.JSON); err != nil {
		s.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, r.Body)
	}
	return r
}

// want checks the status, and for errors the RFC 7644 §3.12 body.
func (r scimResp) want(t *testing.T, status int, scimType string) scimResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
	if status >= 400 {
		if !hasSchema(r.JSON, errorSchema) {
			t.Errorf("error body without the Error schema: %s", r.Body)
		}
		if r.JSON["status"] != fmt.Sprint(status) {
			t.Errorf("error body status %v, want the string %q", r.JSON["status"], fmt.Sprint(status))
		}
		if got, _ := r.JSON["scimType"].(string); got != scimType {
			t.Errorf("scimType %q, want %q: %s", got, scimType, r.Body)
		}
		if d, _ := r.JSON["detail"].(string); d == "" || strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, "SQLSTATE") {
			t.Errorf("error detail missing or leaking internals: %s", r.Body)
		}
	}
	return r
}

func hasSchema(m map[string]any, urn string) bool {
	list, _ := m["schemas"].([]any)
	return slices.Contains(list, any(urn))
}

func str(m map[string]any, path ...string) string {
	var v any = m
	for _, p := range path {
		mm, _ := v.(map[string]any)
		v = mm[p]
	}
	s, _ := v.(string)
	return s
}

// checkResource checks the common attributes of a returned resource
// (RFC 7643 §3.1): schemas, id, meta.resourceType and meta.location.
func (s *scimClient) checkResource(m map[string]any, resourceType, schema string) string {
	s.t.Helper()
	id := str(m, "id")
	if id == "" {
		s.t.Fatalf("resource without an id: %v", m)
	}
	if !hasSchema(m, schema) {
		s.t.Errorf("%s %s: schemas %v lack %s", resourceType, id, m["schemas"], schema)
	}
	if got := str(m, "meta", "resourceType"); got != resourceType {
		s.t.Errorf("%s %s: meta.resourceType %q", resourceType, id, got)
	}
	if got, want := str(m, "meta", "location"), s.url+"/scim/v2/"+resourceType+"s/"+id; got != want {
		s.t.Errorf("%s %s: meta.location %q, want %q", resourceType, id, got, want)
	}
	for _, k := range []string{"created", "lastModified"} {
		if _, err := time.Parse(time.RFC3339, str(m, "meta", k)); err != nil {
			s.t.Errorf("%s %s: meta.%s %q is not a date-time", resourceType, id, k, str(m, "meta", k))
		}
	}
	return id
}

// checkList checks a ListResponse (RFC 7644 §3.4.2) and returns its resources.
func checkList(t *testing.T, r scimResp, total, start int) []map[string]any {
	t.Helper()
	r.want(t, 200, "")
	if !hasSchema(r.JSON, listSchema) {
		t.Errorf("list without the ListResponse schema: %s", r.Body)
	}
	res, ok := r.JSON["Resources"].([]any)
	if !ok {
		t.Fatalf("list without a Resources array: %s", r.Body)
	}
	if got := r.JSON["totalResults"]; got != float64(total) {
		t.Errorf("totalResults %v, want %d", got, total)
	}
	if got := r.JSON["startIndex"]; got != float64(start) {
		t.Errorf("startIndex %v, want %d", got, start)
	}
	if got := r.JSON["itemsPerPage"]; got != float64(len(res)) {
		t.Errorf("itemsPerPage %v, want %d (the resources returned)", got, len(res))
	}
	out := make([]map[string]any, len(res))
	for i, x := range res {
		out[i], _ = x.(map[string]any)
	}
	return out
}

// createScimToken makes a token through the admin page, as an admin would,
// and reads it off the page it is shown on (once).
func createScimToken(t *testing.T, admin *testapp.Client, name string) string {
	t.Helper()
	r := admin.Post("/admin/scim", url.Values{"name": {name}})
	if r.Status != http.StatusSeeOther || r.Location() != "/admin/scim" {
		t.Fatalf("create token: %d %s\n%s", r.Status, r.Location(), r.Body)
	}
	page := admin.Get("/admin/scim")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page.Body))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := doc.Find("#scim-secret").Attr("value")
	if !strings.HasPrefix(secret, "rapport_scim_") {
		t.Fatalf("the new token is not shown: %q", secret)
	}
	if again := admin.Get("/admin/scim"); strings.Contains(again.Body, secret) {
		t.Fatal("the token is shown a second time")
	}
	return secret
}

type scimWorld struct {
	app            *testapp.TestApp
	orgA, orgB     int64
	adminA, adminB *testapp.Client
	boss           testfx.Person
	tokenA, tokenB string
}

func newScimWorld(t *testing.T) *scimWorld {
	ta := testapp.Start(t, dsn, testapp.Options{})
	w := &scimWorld{app: ta}
	w.orgA = ta.F.Org(t, "Org A")
	w.orgB = ta.F.Org(t, "Org B")
	a := ta.F.Person(t, w.orgA, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	b := ta.F.Person(t, w.orgB, testfx.PersonOpts{Name: "Bea B-Admin", Role: core.RoleAdmin})
	w.boss = ta.F.Person(t, w.orgA, testfx.PersonOpts{Name: "Bo Boss", Role: core.RoleManager})
	w.adminA, w.adminB = ta.Client(t), ta.Client(t)
	w.adminA.SignIn(a.Email, testfx.Password)
	w.adminB.SignIn(b.Email, testfx.Password)
	w.tokenA = createScimToken(t, w.adminA, "Okta")
	w.tokenB = createScimToken(t, w.adminB, "Entra")
	return w
}

// The sequence an identity provider such as Okta or Entra ID sends to
// provision, change and deprovision a person, each answer checked against
// RFC 7644.
func TestScimProvisioningSequence(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	ta := w.app
	idp := newScimClient(t, ta, w.tokenA)

	spc := idp.do("GET", "/scim/v2/ServiceProviderConfig", "").want(t, 200, "")
	if !hasSchema(spc.JSON, "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig") || spc.JSON["patch"].(map[string]any)["supported"] != true {
		t.Errorf("ServiceProviderConfig: %s", spc.Body)
	}
	for p, n := range map[string]int{"/scim/v2/ResourceTypes": 2, "/scim/v2/Schemas": 3} {
		for _, res := range checkList(t, idp.do("GET", p, ""), n, 1) {
			one := idp.do("GET", p+"/"+url.PathEscape(str(res, "id")), "").want(t, 200, "")
			if str(one.JSON, "id") != str(res, "id") || str(one.JSON, "meta", "location") == "" {
				t.Errorf("%s/%s: %s", p, str(res, "id"), one.Body)
			}
		}
	}

	// Does the person exist? (Okta asks before creating.)
	checkList(t, idp.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ana.ruiz@example.com"`)+"&startIndex=1&count=100", ""), 0, 1)

	created := idp.do("POST", "/scim/v2/Users", fmt.Sprintf(`{
		"schemas": [%q, %q],
		"userName": "ana.ruiz@example.com",
		"externalId": "00u1abcd",
		"name": {"givenName": "Ana", "familyName": "Ruiz"},
		"emails": [{"primary": true, "value": "ana.ruiz@example.com", "type": "work"}],
		"title": "Engineer",
		"active": true,
		%q: {"manager": {"value": "%d"}}
	}`, userSchema, enterpriseSchema, enterpriseSchema, w.boss.ID)).want(t, 201, "")
	id := idp.checkResource(created.JSON, "User", userSchema)
	if loc := created.Header.Get("Location"); loc != str(created.JSON, "meta", "location") {
		t.Errorf("Location header %q, meta.location %q", loc, str(created.JSON, "meta", "location"))
	}
	if str(created.JSON, "userName") != "ana.ruiz@example.com" || str(created.JSON, "displayName") != "Ana Ruiz" ||
		str(created.JSON, "externalId") != "00u1abcd" || created.JSON["active"] != true || str(created.JSON, "title") != "Engineer" {
		t.Errorf("created user: %s", created.Body)
	}
	if got := str(created.JSON, enterpriseSchema, "manager", "value"); got != fmt.Sprint(w.boss.ID) || !hasSchema(created.JSON, enterpriseSchema) {
		t.Errorf("manager.value %q, want %d: %s", got, w.boss.ID, created.Body)
	}
	var personID int64
	fmt.Sscan(id, &personID)
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE org_id = $1 AND id = $2 AND manager_id = $3 AND role = 'employee'", w.orgA, personID, w.boss.ID); n != 1 {
		t.Fatalf("the person is not in Rapport under their manager")
	}
	// The same person again is a conflict, not a second person.
	idp.do("POST", "/scim/v2/Users", `{"userName": "Ana.Ruiz@example.com", "name": {"givenName": "Ana", "familyName": "Ruiz"}}`).want(t, 409, "uniqueness")

	got := idp.do("GET", "/scim/v2/Users/"+id, "").want(t, 200, "")
	idp.checkResource(got.JSON, "User", userSchema)
	if str(got.JSON, "name", "givenName") != "Ana" || str(got.JSON, "name", "familyName") != "Ruiz" {
		t.Errorf("name parts lost: %s", got.Body)
	}

	// Filter by userName, any case (userName is case-insensitive).
	found := checkList(t, idp.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ANA.RUIZ@example.com"`), ""), 1, 1)
	if str(found[0], "id") != id {
		t.Fatalf("filter found %v", found[0])
	}
	idp.checkResource(found[0], "User", userSchema)

	// Title: Okta replaces with a value object, Entra with a path.
	p := idp.do("PATCH", "/scim/v2/Users/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "value": {"title": "Senior Engineer"}}]}`, patchSchema)).want(t, 200, "")
	if str(p.JSON, "title") != "Senior Engineer" {
		t.Errorf("title after patch: %s", p.Body)
	}
	p = idp.do("PATCH", "/scim/v2/Users/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "Replace", "path": "title", "value": "Staff Engineer"}]}`, patchSchema)).want(t, 200, "")
	if str(p.JSON, "title") != "Staff Engineer" {
		t.Errorf("title after path patch: %s", p.Body)
	}

	// A group (a team) with the person in it.
	g := idp.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"schemas": [%q], "displayName": "Platform", "externalId": "grp-9", "members": []}`, groupSchema)).want(t, 201, "")
	gid := idp.checkResource(g.JSON, "Group", groupSchema)
	if g.Header.Get("Location") != str(g.JSON, "meta", "location") {
		t.Errorf("group Location %q", g.Header.Get("Location"))
	}
	g = idp.do("PATCH", "/scim/v2/Groups/"+gid, fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "add", "path": "members", "value": [{"value": %q}]}]}`, patchSchema, id)).want(t, 200, "")
	if members, _ := g.JSON["members"].([]any); len(members) != 1 || str(members[0].(map[string]any), "value") != id {
		t.Errorf("members after add: %s", g.Body)
	}
	groups := checkList(t, idp.do("GET", "/scim/v2/Groups?filter="+url.QueryEscape(`displayName eq "Platform"`), ""), 1, 1)
	idp.checkResource(groups[0], "Group", groupSchema)

	// The person is signed in in a browser; and subscribed to their calendar.
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = $1) WHERE id = $2", w.boss.ID, personID); err != nil {
		t.Fatal(err)
	}
	browser := ta.Client(t)
	browser.SignIn("ana.ruiz@example.com", testfx.Password)
	if r := browser.Get("/"); r.Status != 200 {
		t.Fatalf("signed-in home: %d", r.Status)
	}
	feed := "ana-feed-token"
	if _, err := ta.Pool.Exec(t.Context(), "INSERT INTO calendar_feeds (user_id, org_id, token_hash) VALUES ($1, $2, $3)", personID, w.orgA, auth.HashToken(feed)); err != nil {
		t.Fatal(err)
	}
	if r := ta.Client(t).Get("/ics/" + feed); r.Status != 200 {
		t.Fatalf("calendar feed before deactivation: %d", r.Status)
	}

	// Deactivate: the session ends within the deactivating request.
	start := time.Now()
	p = idp.do("PATCH", "/scim/v2/Users/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "value": {"active": false}}]}`, patchSchema)).want(t, 200, "")
	deactivated := time.Since(start)
	if p.JSON["active"] != false {
		t.Errorf("active after deactivation: %s", p.Body)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM session_users WHERE user_id = $1", personID); n != 0 {
		t.Fatalf("the person's sessions outlived the deactivating request: %d", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM sessions WHERE token = $1", browser.SessionCookie().Value); n != 0 {
		t.Fatalf("the browser's session row outlived the deactivating request")
	}
	start = time.Now()
	r := browser.Get("/")
	refused := time.Since(start)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
		t.Fatalf("the deactivated person's next request: %d %s", r.Status, r.Location())
	}
	t.Logf("SCIM deactivation took %v; the person's very next request was refused (%d → %s) in %v", deactivated, r.Status, r.Location(), refused)
	if r := ta.Client(t).Get("/ics/" + feed); r.Status != 404 {
		t.Errorf("calendar feed after deactivation: %d", r.Status)
	}

	// Reactivate, Entra style (a string boolean).
	// Entra sends attributes Rapport does not keep alongside: they are
	// accepted and dropped.
	p = idp.do("PATCH", "/scim/v2/Users/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": [
		{"op": "Replace", "path": "active", "value": "True"},
		{"op": "Add", "path": "addresses[type eq \"work\"].formatted", "value": "1 Main St"},
		{"op": "Add", "path": "%s:department", "value": "Engineering"},
		{"op": "Replace", "path": "name.givenName", "value": "Ana María"}]}`, patchSchema, enterpriseSchema)).want(t, 200, "")
	if p.JSON["active"] != true || str(p.JSON, "name", "givenName") != "Ana María" {
		t.Errorf("after reactivation: %s", p.Body)
	}
	if r := browser.Get("/"); r.Status != http.StatusSeeOther {
		t.Errorf("an old session came back with reactivation: %d", r.Status)
	}

	// Delete: deactivated, data kept, gone from SCIM.
	idp.do("DELETE", "/scim/v2/Users/"+id, "").want(t, 204, "")
	idp.do("GET", "/scim/v2/Users/"+id, "").want(t, 404, "")
	checkList(t, idp.do("GET", "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "ana.ruiz@example.com"`), ""), 0, 1)
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND NOT active", personID); n != 1 {
		t.Errorf("the deleted person is not kept, deactivated")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM team_members WHERE user_id = $1", personID); n != 1 {
		t.Errorf("the deleted person's team membership was not kept")
	}

	// Every change is in the audit log, attributed to the token.
	var actions []string
	rows, err := ta.Pool.Query(t.Context(), `SELECT action FROM audit_log WHERE org_id = $1 AND detail->>'via' = 'scim' AND detail->>'token' = 'Okta' ORDER BY id`, w.orgA)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	want := []string{"person.create", "person.title", "person.title", "team.create", "team.member_add", "person.deactivate", "person.reactivate", "person.deactivate", "person.scim_delete"}
	if !slices.Equal(actions, want) {
		t.Errorf("audit log:\n got %v\nwant %v", actions, want)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'scim.token_create'", w.orgA); n != 1 {
		t.Errorf("token creation audited %d times", n)
	}
	if page := w.adminA.Get("/admin/audit?action=person"); page.Status != 200 || !strings.Contains(page.Body, "via: scim") || !strings.Contains(page.Body, "token: Okta") {
		t.Errorf("the audit page does not show the provider's changes: %d", page.Status)
	}
}

// An identity provider cannot deactivate an organisation's last active
// admin (nor can anyone else): someone must always be able to sign in and
// put things right. Another admin can be deactivated.
func TestScimCannotDeactivateTheLastAdmin(t *testing.T) {
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	var ada int64
	if err := w.app.Pool.QueryRow(t.Context(), "SELECT id FROM users WHERE org_id = $1 AND role = 'admin'", w.orgA).Scan(&ada); err != nil {
		t.Fatal(err)
	}
	off := fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "value": {"active": false}}]}`, patchSchema)
	r := idp.do("PATCH", fmt.Sprintf("/scim/v2/Users/%d", ada), off)
	if r.Status != 400 || str(r.JSON, "scimType") != "invalidValue" || !strings.Contains(str(r.JSON, "detail"), "last active admin") {
		t.Fatalf("deactivating the last admin: %d %v", r.Status, r.JSON)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND active", ada); n != 1 {
		t.Fatal("the last admin was deactivated")
	}
	if page := w.adminA.Get("/admin"); page.Status != 200 {
		t.Fatalf("the last admin's session ended: %d", page.Status)
	}
	if del := idp.do("DELETE", fmt.Sprintf("/scim/v2/Users/%d", ada), ""); del.Status != 400 {
		t.Errorf("deleting the last admin: %d", del.Status)
	}
	// With a second admin, the first can go.
	second := w.app.F.Person(t, w.orgA, testfx.PersonOpts{Name: "Ada Second", Role: core.RoleAdmin})
	if r := idp.do("PATCH", fmt.Sprintf("/scim/v2/Users/%d", ada), off); r.Status != 200 {
		t.Fatalf("deactivating an admin while another remains: %d %v", r.Status, r.JSON)
	}
	if r := idp.do("PATCH", fmt.Sprintf("/scim/v2/Users/%d", second.ID), off); r.Status != 400 {
		t.Errorf("deactivating the admin who is now the last: %d", r.Status)
	}
}
