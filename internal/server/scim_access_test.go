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

// scimCreateUser provisions a person and returns their SCIM id.
func scimCreateUser(t *testing.T, idp *scimClient, email string, manager string) string {
	t.Helper()
	ext := ""
	if manager != "" {
		ext = fmt.Sprintf(`, %q: {"manager": {"value": %q}}`, enterpriseSchema, manager)
	}
	r := idp.do("POST", "/scim/v2/Users", fmt.Sprintf(`{"schemas": [%q], "userName": %q, "name": {"givenName": "G", "familyName": %q}%s}`,
		userSchema, email, strings.Split(email, "@")[0], ext)).want(t, 201, "")
	return str(r.JSON, "id")
}

// Every SCIM route, walked with each kind of credential: the
// organisation's token works, another organisation's token finds nothing of
// ours (404), and a revoked, unknown or missing token or a signed-in
// admin's cookies get the same 401.
func TestScimTokenMatrix(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	ta := w.app
	idpA := newScimClient(t, ta, w.tokenA)
	userA := scimCreateUser(t, idpA, "una@example.com", "")
	group := idpA.do("POST", "/scim/v2/Groups", `{"displayName": "Atlas"}`).want(t, 201, "")
	groupA := str(group.JSON, "id")

	revoked := createScimToken(t, w.adminA, "Old connector")
	var revokedID int64
	if err := ta.Pool.QueryRow(t.Context(), "SELECT id FROM scim_tokens WHERE org_id = $1 AND name = 'Old connector'", w.orgA).Scan(&revokedID); err != nil {
		t.Fatal(err)
	}
	if r := w.adminA.Post(fmt.Sprintf("/admin/scim/%d/revoke", revokedID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	// Revoking again (a double submit) changes nothing; another
	// organisation's admin can't revoke ours.
	if r := w.adminA.Post(fmt.Sprintf("/admin/scim/%d/revoke", revokedID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke again: %d", r.Status)
	}
	var liveID int64
	if err := ta.Pool.QueryRow(t.Context(), "SELECT id FROM scim_tokens WHERE org_id = $1 AND name = 'Okta'", w.orgA).Scan(&liveID); err != nil {
		t.Fatal(err)
	}
	if r := w.adminB.Post(fmt.Sprintf("/admin/scim/%d/revoke", liveID), nil); r.Status != http.StatusNotFound {
		t.Fatalf("org B revoking org A's token: %d", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'scim.token_revoke'", w.orgA); n != 1 {
		t.Errorf("token revocation audited %d times, want 1", n)
	}

	type row struct {
		method, path, body string
		ok                 int // with org A's token
		other              int // with org B's token
	}
	userBody := `{"userName": "new.%d@example.com", "name": {"givenName": "N", "familyName": "N"}}`
	patchTitle := fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}`, patchSchema)
	rows := []row{
		{"GET", "/scim/v2/ServiceProviderConfig", "", 200, 200},
		{"GET", "/scim/v2/ResourceTypes", "", 200, 200},
		{"GET", "/scim/v2/ResourceTypes/User", "", 200, 200},
		{"GET", "/scim/v2/Schemas", "", 200, 200},
		{"GET", "/scim/v2/Schemas/" + userSchema, "", 200, 200},
		{"GET", "/scim/v2/Users", "", 200, 200},
		{"POST", "/scim/v2/Users", userBody, 201, 201},
		{"GET", "/scim/v2/Users/" + userA, "", 200, 404},
		{"PUT", "/scim/v2/Users/" + userA, `{"userName": "una@example.com", "displayName": "Una"}`, 200, 404},
		{"PATCH", "/scim/v2/Users/" + userA, patchTitle, 200, 404},
		{"GET", "/scim/v2/Groups", "", 200, 200},
		{"POST", "/scim/v2/Groups", `{"displayName": "Team %d"}`, 201, 201},
		{"GET", "/scim/v2/Groups/" + groupA, "", 200, 404},
		{"PUT", "/scim/v2/Groups/" + groupA, `{"displayName": "Atlas"}`, 200, 404},
		{"PATCH", "/scim/v2/Groups/" + groupA, fmt.Sprintf(`{"Operations": [{"op": "add", "path": "members", "value": [{"value": %q}]}]}`, userA), 200, 404},
		{"DELETE", "/scim/v2/Groups/" + groupA, "", 204, 404},
		{"DELETE", "/scim/v2/Users/" + userA, "", 204, 404},
	}
	// The rows cover every SCIM route of the table.
	covered := map[string]bool{}
	for _, r := range rows {
		dir, last, _ := strings.Cut(r.path[len("/scim/v2/"):], "/")
		p := "/scim/v2/" + dir
		if last != "" {
			p += "/{id}"
		}
		covered[r.method+" "+p] = true
	}
	for _, k := range routeKeys(ta.Server.Router()) {
		if strings.Contains(k, " /scim/") && !covered[k] {
			t.Errorf("SCIM route %s is not in the token matrix", k)
		}
	}

	idpB := newScimClient(t, ta, w.tokenB)
	cookie := newScimClient(t, ta, "")
	cookie.c = w.adminA // a signed-in admin's session, no token
	var unauthorized string
	checks := 0
	for _, r := range rows {
		body := func() string {
			if strings.Contains(r.body, "%d") {
				return fmt.Sprintf(r.body, testfx.Next())
			}
			return r.body
		}
		for name, c := range map[string]*scimClient{
			"revoked token":    newScimClient(t, ta, revoked),
			"unknown token":    newScimClient(t, ta, "rapport_scim_"+strings.Repeat("A", 43)),
			"no token":         newScimClient(t, ta, ""),
			"a session cookie": cookie,
			"not a token":      newScimClient(t, ta, "hunter2"),
		} {
			res := c.do(r.method, r.path, body()).want(t, 401, "")
			checks++
			if unauthorized == "" {
				unauthorized = res.Body
			}
			if res.Body != unauthorized {
				t.Errorf("%s %s with %s: the 401 differs from the others, a hint: %s", r.method, r.path, name, res.Body)
			}
			if res.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s %s with %s: sets a cookie", r.method, r.path, name)
			}
		}
		// Org B before org A, while org A's resources still exist.
		res := idpB.do(r.method, r.path, body()).want(t, r.other, "")
		checks++
		if r.method == "GET" && strings.HasSuffix(r.path, "s") && (strings.Contains(res.Body, "una@example.com") || strings.Contains(res.Body, "Atlas")) {
			t.Errorf("org B's list shows org A's resources: %s", res.Body)
		}
		res = idpA.do(r.method, r.path, body()).want(t, r.ok, "")
		checks++
		if res.Header.Get("Set-Cookie") != "" {
			t.Errorf("%s %s: a SCIM answer sets a cookie", r.method, r.path)
		}
	}
	t.Logf("SCIM token matrix: %d routes, %d checks", len(rows), checks)
	if n := ta.F.Count(t, "SELECT count(*) FROM users WHERE org_id = $1 AND title = 'Lead'", w.orgA); n != 1 {
		t.Errorf("org A's token did not change org A's person")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM scim_tokens WHERE org_id = $1 AND last_used_at IS NOT NULL AND revoked_at IS NULL", w.orgA); n != 1 {
		t.Errorf("the used token's last use is not recorded")
	}
}

// Bad input gets 400 with a scimType, never a 500, and changes nothing.
func TestScimMalformedRequests(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	ana := scimCreateUser(t, idp, "ana@example.com", "")
	team := str(idp.do("POST", "/scim/v2/Groups", `{"displayName": "Atlas"}`).want(t, 201, "").JSON, "id")
	patch := func(ops string) string { return fmt.Sprintf(`{"schemas": [%q], "Operations": %s}`, patchSchema, ops) }
	cases := []struct {
		name, method, path, body string
		status                   int
		scimType                 string
	}{
		{"truncated JSON", "POST", "/scim/v2/Users", `{"userName": "x@example.com"`, 400, "invalidSyntax"},
		{"not an object", "POST", "/scim/v2/Users", `["userName"]`, 400, "invalidSyntax"},
		{"two objects", "POST", "/scim/v2/Users", `{} {}`, 400, "invalidSyntax"},
		{"empty body", "POST", "/scim/v2/Users", ``, 400, "invalidSyntax"},
		{"not JSON at all", "PATCH", "/scim/v2/Users/" + ana, `op=replace&active=false`, 400, "invalidSyntax"},
		{"no userName", "POST", "/scim/v2/Users", `{"name": {"givenName": "A", "familyName": "B"}}`, 400, "invalidValue"},
		{"userName not an email", "POST", "/scim/v2/Users", `{"userName": "ana", "displayName": "Ana"}`, 400, "invalidValue"},
		{"userName a number", "POST", "/scim/v2/Users", `{"userName": 12, "displayName": "Ana"}`, 400, "invalidValue"},
		{"no name", "POST", "/scim/v2/Users", `{"userName": "noname@example.com"}`, 400, "invalidValue"},
		{"bad time zone", "POST", "/scim/v2/Users", `{"userName": "tz@example.com", "displayName": "T", "timezone": "Mars/Olympus"}`, 400, "invalidValue"},
		{"active not a boolean", "POST", "/scim/v2/Users", `{"userName": "b@example.com", "displayName": "B", "active": "maybe"}`, 400, "invalidValue"},
		{"manager not a number", "POST", "/scim/v2/Users", fmt.Sprintf(`{"userName": "m@example.com", "displayName": "M", %q: {"manager": {"value": "boss"}}}`, enterpriseSchema), 400, "invalidValue"},
		{"manager unknown", "POST", "/scim/v2/Users", fmt.Sprintf(`{"userName": "m@example.com", "displayName": "M", %q: {"manager": {"value": "999999999"}}}`, enterpriseSchema), 400, "invalidValue"},
		{"title too long", "PUT", "/scim/v2/Users/" + ana, `{"userName": "ana@example.com", "displayName": "Ana", "title": "` + strings.Repeat("t", 201) + `"}`, 400, "invalidValue"},
		{"no Operations", "PATCH", "/scim/v2/Users/" + ana, `{"schemas": ["` + patchSchema + `"]}`, 400, "invalidSyntax"},
		{"wrong schema", "PATCH", "/scim/v2/Users/" + ana, `{"schemas": ["urn:x"], "Operations": [{"op": "replace", "path": "title", "value": "x"}]}`, 400, "invalidSyntax"},
		{"unknown op", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "merge", "path": "title", "value": "x"}]`), 400, "invalidSyntax"},
		{"op without value", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "replace", "path": "title"}]`), 400, "invalidSyntax"},
		{"unknown path", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "replace", "path": "favouriteColour", "value": "1"}]`), 400, "invalidPath"},
		{"remove without path", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "remove"}]`), 400, "noTarget"},
		{"title a number", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "replace", "path": "title", "value": 7}]`), 400, "invalidValue"},
		{"remove userName", "PATCH", "/scim/v2/Users/" + ana, patch(`[{"op": "remove", "path": "userName"}]`), 400, "invalidValue"},
		{"unsupported filter", "GET", "/scim/v2/Users?filter=" + url.QueryEscape(`userName co "a"`), "", 400, "invalidFilter"},
		{"filter on an unknown attribute", "GET", "/scim/v2/Users?filter=" + url.QueryEscape(`title eq "a"`), "", 400, "invalidFilter"},
		{"startIndex not a number", "GET", "/scim/v2/Users?startIndex=one", "", 400, "invalidValue"},
		{"count not a number", "GET", "/scim/v2/Groups?count=all", "", 400, "invalidValue"},
		{"group without a name", "POST", "/scim/v2/Groups", `{"members": []}`, 400, "invalidValue"},
		{"group member of another org", "PATCH", "/scim/v2/Groups/" + team, patch(`[{"op": "add", "path": "members", "value": [{"value": "999999999"}]}]`), 400, "invalidValue"},
		{"nested group", "PATCH", "/scim/v2/Groups/" + team, patch(`[{"op": "add", "path": "members", "value": [{"value": "` + team + `", "type": "Group"}]}]`), 400, "invalidValue"},
		{"members not a list", "PUT", "/scim/v2/Groups/" + team, `{"displayName": "Atlas", "members": "everyone"}`, 400, "invalidValue"},
		{"member filter", "PATCH", "/scim/v2/Groups/" + team, patch(`[{"op": "remove", "path": "members[display sw \"A\"]"}]`), 400, "invalidFilter"},
		{"same userName twice", "POST", "/scim/v2/Users", `{"userName": "ANA@example.com", "displayName": "Ana"}`, 409, "uniqueness"},
		{"same group name twice", "POST", "/scim/v2/Groups", `{"displayName": "atlas"}`, 409, "uniqueness"},
		{"unknown user", "GET", "/scim/v2/Users/999999999", "", 404, ""},
		{"user id not a number", "GET", "/scim/v2/Users/abc", "", 404, ""},
		{"unknown endpoint", "GET", "/scim/v2/Bulk", "", 404, ""},
		{"wrong method", "POST", "/scim/v2/Users/" + ana, `{}`, 405, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1", w.orgA)
			idp.do(c.method, c.path, c.body).want(t, c.status, c.scimType)
			if after := w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1", w.orgA); after != before {
				t.Errorf("a refused request changed something (%d audit entries)", after-before)
			}
		})
	}
	got := idp.do("GET", "/scim/v2/Users/"+ana, "").want(t, 200, "")
	if str(got.JSON, "title") != "" || got.JSON["active"] != true {
		t.Errorf("refused requests changed the person: %s", got.Body)
	}
	// A body over the limit is refused before it is read.
	big := `{"userName": "big@example.com", "displayName": "` + strings.Repeat("x", 3<<20) + `"}`
	idp.do("POST", "/scim/v2/Users", big).want(t, 413, "")
}

// The enterprise manager sets the reporting line through the tree's cycle
// check: a loop is a SCIM 400, and the tree stays as it was.
func TestScimManagerCycleIsRefused(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	top := scimCreateUser(t, idp, "top@example.com", "")
	mid := scimCreateUser(t, idp, "mid@example.com", top)
	low := scimCreateUser(t, idp, "low@example.com", mid)
	setManager := func(id, manager string) scimResp {
		return idp.do("PATCH", "/scim/v2/Users/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "path": "%s:manager", "value": %q}]}`,
			patchSchema, enterpriseSchema, manager))
	}
	r := setManager(top, low).want(t, 400, "invalidValue")
	if !strings.Contains(str(r.JSON, "detail"), "reports to") {
		t.Errorf("the loop is not explained: %s", r.Body)
	}
	setManager(top, top).want(t, 400, "invalidValue")
	if got := idp.do("GET", "/scim/v2/Users/"+top, "").want(t, 200, ""); got.JSON[enterpriseSchema] != nil {
		t.Errorf("a refused loop changed the manager: %s", got.Body)
	}
	// Moving someone elsewhere in the tree works, and is audited as a move.
	r = setManager(low, top).want(t, 200, "")
	if str(r.JSON, enterpriseSchema, "manager", "value") != top {
		t.Errorf("after the move: %s", r.Body)
	}
	// Removing the manager makes them a root.
	r = idp.do("PATCH", "/scim/v2/Users/"+low, fmt.Sprintf(`{"Operations": [{"op": "remove", "path": "%s:manager"}]}`, enterpriseSchema)).want(t, 200, "")
	if r.JSON[enterpriseSchema] != nil {
		t.Errorf("after removing the manager: %s", r.Body)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'person.move'", w.orgA); n != 2 {
		t.Errorf("%d moves audited, want 2", n)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM (SELECT * FROM reporting_lines_from_users() WHERE org_id = $1 EXCEPT SELECT * FROM reporting_lines WHERE org_id = $1) x", w.orgA); n != 0 {
		t.Errorf("the kept reporting tree is out of step with the managers: %d rows missing", n)
	}
}

// startIndex and count page through users in a stable order.
func TestScimPagination(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	for i := range 3 {
		scimCreateUser(t, idp, fmt.Sprintf("p%d@example.com", i), "")
	}
	// Org A: the admin, the boss and the three.
	all := checkList(t, idp.do("GET", "/scim/v2/Users", ""), 5, 1)
	first := checkList(t, idp.do("GET", "/scim/v2/Users?startIndex=1&count=2", ""), 5, 1)
	second := checkList(t, idp.do("GET", "/scim/v2/Users?startIndex=3&count=2", ""), 5, 3)
	last := checkList(t, idp.do("GET", "/scim/v2/Users?startIndex=5&count=2", ""), 5, 5)
	past := checkList(t, idp.do("GET", "/scim/v2/Users?startIndex=9", ""), 5, 9)
	none := checkList(t, idp.do("GET", "/scim/v2/Users?count=0", ""), 5, 1)
	clamped := checkList(t, idp.do("GET", "/scim/v2/Users?startIndex=-4&count=-1", ""), 5, 1)
	if len(first) != 2 || len(second) != 2 || len(last) != 1 || len(past) != 0 || len(none) != 0 || len(clamped) != 0 {
		t.Fatalf("page sizes %d %d %d %d %d %d", len(first), len(second), len(last), len(past), len(none), len(clamped))
	}
	var ids []string
	for _, page := range [][]map[string]any{first, second, last} {
		for _, u := range page {
			ids = append(ids, str(u, "id"))
		}
	}
	for i, u := range all {
		if ids[i] != str(u, "id") {
			t.Fatalf("pages %v differ from the whole list at %d", ids, i)
		}
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q is not an id", s)
	}
	return n
}

// Groups are teams: replace, add and remove members, rename, delete.
func TestScimGroups(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	ta := w.app
	idp := newScimClient(t, ta, w.tokenA)
	a := scimCreateUser(t, idp, "a@example.com", "")
	b := scimCreateUser(t, idp, "b@example.com", "")
	c := scimCreateUser(t, idp, "c@example.com", "")
	members := func(r scimResp) string {
		var ids []string
		list, _ := r.JSON["members"].([]any)
		for _, m := range list {
			ids = append(ids, str(m.(map[string]any), "value"))
		}
		return strings.Join(ids, ",")
	}
	g := idp.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"displayName": "Atlas", "members": [{"value": %q}, {"value": %q}]}`, a, b)).want(t, 201, "")
	id := str(g.JSON, "id")
	if members(g) != a+","+b {
		t.Fatalf("created with members %s", members(g))
	}
	patch := func(ops string) scimResp {
		return idp.do("PATCH", "/scim/v2/Groups/"+id, fmt.Sprintf(`{"schemas": [%q], "Operations": %s}`, patchSchema, ops)).want(t, 200, "")
	}
	// Entra removes one member by filter; Okta sends the values.
	if r := patch(fmt.Sprintf(`[{"op": "Remove", "path": "members[value eq \"%s\"]"}]`, a)); members(r) != b {
		t.Errorf("after removing by filter: %s", members(r))
	}
	if r := patch(fmt.Sprintf(`[{"op": "add", "path": "members", "value": [{"value": %q}, {"value": %q}]}]`, a, c)); members(r) != a+","+b+","+c {
		t.Errorf("after adding two: %s", members(r))
	}
	if r := patch(fmt.Sprintf(`[{"op": "remove", "path": "members", "value": [{"value": %q}]}]`, b)); members(r) != a+","+c {
		t.Errorf("after removing by value: %s", members(r))
	}
	if r := patch(`[{"op": "replace", "value": {"displayName": "Atlas Core"}}]`); str(r.JSON, "displayName") != "Atlas Core" {
		t.Errorf("after rename: %s", r.Body)
	}
	r := idp.do("PUT", "/scim/v2/Groups/"+id, fmt.Sprintf(`{"schemas": [%q], "displayName": "Atlas", "members": [{"value": %q}]}`, groupSchema, b)).want(t, 200, "")
	if members(r) != b || str(r.JSON, "displayName") != "Atlas" {
		t.Errorf("after PUT: %s", r.Body)
	}
	// Excluding members (Entra's list) leaves them out.
	list := checkList(t, idp.do("GET", "/scim/v2/Groups?excludedAttributes=members", ""), 1, 1)
	if _, ok := list[0]["members"]; ok {
		t.Errorf("members not excluded: %v", list[0])
	}
	// The team page shows what SCIM did.
	page := w.adminA.Get("/teams/" + id)
	if page.Status != 200 || !strings.Contains(page.Body, "Atlas") {
		t.Errorf("team page: %d", page.Status)
	}
	// Deleting the group empties the team and keeps it, with its history,
	// for an admin to keep or delete.
	retro, _ := ta.F.Retro(t, w.orgA, mustInt(t, id), testfx.RetroOpts{})
	idp.do("DELETE", "/scim/v2/Groups/"+id, "").want(t, 204, "")
	idp.do("GET", "/scim/v2/Groups/"+id, "").want(t, 404, "")
	idp.do("DELETE", "/scim/v2/Groups/"+id, "").want(t, 404, "")
	idp.do("PATCH", "/scim/v2/Groups/"+id, `{"Operations": [{"op": "replace", "path": "displayName", "value": "X"}]}`).want(t, 404, "")
	checkList(t, idp.do("GET", "/scim/v2/Groups", ""), 0, 1)
	if n := ta.F.Count(t, "SELECT count(*) FROM retros WHERE id = $1", retro); n != 1 {
		t.Errorf("deleting the group deleted the team's retro")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM team_members WHERE team_id = $1", mustInt(t, id)); n != 0 {
		t.Errorf("the deleted group's team kept %d members", n)
	}
	// Created again, the team comes back with its history.
	again := idp.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"displayName": "ATLAS", "members": [{"value": %q}]}`, a)).want(t, 201, "")
	if str(again.JSON, "id") != id || str(again.JSON, "displayName") != "ATLAS" || members(again) != a {
		t.Errorf("created again: %s", again.Body)
	}
	var actions []string
	rows, err := ta.Pool.Query(t.Context(), `SELECT action FROM audit_log WHERE org_id = $1 AND action LIKE 'team.%' ORDER BY id`, w.orgA)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		rows.Scan(&a)
		actions = append(actions, a)
	}
	want := "team.create team.member_add team.member_add team.member_remove team.member_add team.member_add team.member_remove team.update team.update team.member_add team.member_remove team.member_remove " +
		"team.member_remove team.scim_delete team.update team.member_add"
	if strings.Join(actions, " ") != want {
		t.Errorf("audit:\n got %s\nwant %s", strings.Join(actions, " "), want)
	}
}

// A provider's request from anywhere, with any Origin, goes through on its
// token alone; cross-origin protection still guards the cookie routes.
func TestScimIgnoresOriginAndCookies(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	req, _ := http.NewRequest("POST", w.app.URL+"/scim/v2/Users", strings.NewReader(`{"userName": "x@example.com", "displayName": "X"}`))
	req.Header.Set("Authorization", "Bearer "+w.tokenA)
	req.Header.Set("Content-Type", "application/scim+json")
	req.Header.Set("Origin", "https://idp.example.net")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := w.adminA.Do(req); r.Status != 201 || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("cross-origin SCIM create: %d %q\n%s", r.Status, r.Header.Get("Set-Cookie"), r.Body)
	}
	req, _ = http.NewRequest("POST", w.app.URL+"/admin/scim", strings.NewReader("name=Sneaky"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example.net")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := w.adminA.Do(req); r.Status != http.StatusForbidden {
		t.Fatalf("cross-site token form: %d", r.Status)
	}
}

// The token page: bad input is refused next to the field and keeps what was
// typed; a double submit makes one token.
func TestScimTokenForm(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	r := w.adminA.Post("/admin/scim", url.Values{"name": {"  "}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Name the token") {
		t.Fatalf("empty name: %d", r.Status)
	}
	long := strings.Repeat("n", 101)
	r = w.adminA.Post("/admin/scim", url.Values{"name": {long}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="`+long+`"`) {
		t.Fatalf("long name: %d", r.Status)
	}
	// "Okta" exists (newScimWorld): the same form again makes nothing.
	r = w.adminA.Post("/admin/scim", url.Values{"name": {"okta"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already in use") {
		t.Fatalf("second Okta token: %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM scim_tokens WHERE org_id = $1", w.orgA); n != 1 {
		t.Errorf("%d tokens, want 1", n)
	}
	page := w.adminA.Get("/admin/scim")
	if !strings.Contains(page.Body, "rapport_scim_") || !strings.Contains(page.Body, "Never") && !strings.Contains(page.Body, "ago") {
		t.Errorf("token list lacks the prefix or last use")
	}
	if strings.Contains(w.adminB.Get("/admin/scim").Body, w.tokenA[:len("rapport_scim_")+4]) {
		t.Errorf("org B's admin sees org A's token")
	}
}

// Deactivation by an admin also revokes outstanding password-reset links.
func TestDeactivationRevokesResetLinks(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Org")
	admin := ta.F.Person(t, org, testfx.PersonOpts{Role: "admin"})
	p := ta.F.Person(t, org, testfx.PersonOpts{})
	c := ta.Client(t)
	c.SignIn(admin.Email, testfx.Password)
	if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO password_resets (org_id, user_id, token_hash, expires_at) VALUES ($1, $2, 'h1', now() + interval '1 hour')`, org, p.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.Post(fmt.Sprintf("/people/%d/deactivate", p.ID), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM password_resets WHERE user_id = $1 AND revoked_at IS NULL", p.ID); n != 0 {
		t.Errorf("%d reset links outlived deactivation", n)
	}
}

// Nasty values in every SCIM query parameter, id and attribute: never a 5xx,
// never internals.
func TestScimNastyInputNeverGets5xx(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	ana := scimCreateUser(t, idp, "ana@example.com", "")
	team := str(idp.do("POST", "/scim/v2/Groups", `{"displayName": "Atlas"}`).want(t, 201, "").JSON, "id")
	n := 0
	check := func(what string, r scimResp) {
		t.Helper()
		n++
		if r.Status >= 500 || strings.Contains(r.Body, "goroutine ") || strings.Contains(r.Body, "SQLSTATE") {
			t.Errorf("%s: %d %s", what, r.Status, r.Body)
		}
	}
	raw := func(method, path, body string) scimResp {
		req, _ := http.NewRequest(method, w.app.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+w.tokenA)
		return scimResp{Response: idp.c.Do(req)}
	}
	for _, v := range nastyValues {
		js, _ := json.Marshal(v)
		for _, list := range []string{"/scim/v2/Users", "/scim/v2/Groups"} {
			for _, p := range []string{"startIndex", "count", "excludedAttributes", "attributes"} {
				check("GET "+list+"?"+p, raw("GET", list+"?"+p+"="+url.QueryEscape(v), ""))
			}
			for _, attr := range []string{"userName", "externalId", "displayName", "emails.value"} {
				check("filter "+attr, raw("GET", list+"?filter="+url.QueryEscape(attr+" eq "+string(js)), ""))
			}
			check("filter raw", raw("GET", list+"?filter="+url.QueryEscape(v), ""))
			check("id", raw("GET", list+"/"+url.PathEscape(v), ""))
		}
		for _, body := range []string{
			fmt.Sprintf(`{"userName": %s, "displayName": %s, "title": %s, "externalId": %s, "timezone": %s}`, js, js, js, js, js),
			fmt.Sprintf(`{"userName": "nasty%d@example.com", "displayName": %s, "title": %s, "externalId": %s}`, testfx.Next(), js, js, js),
			fmt.Sprintf(`{"userName": "n%d@example.com", "name": {"givenName": %s, "familyName": %s}, %q: {"manager": {"value": %s}}}`, testfx.Next(), js, js, enterpriseSchema, js),
		} {
			check("POST /Users "+body[:20], raw("POST", "/scim/v2/Users", body))
		}
		for _, op := range []string{"replace", "remove"} {
			for _, path := range []string{"title", "displayName", "externalId", "timezone", "active", "userName", "name.givenName",
				enterpriseSchema + ":manager", string(js[1 : len(js)-1])} {
				body := fmt.Sprintf(`{"Operations": [{"op": %q, "path": %q, "value": %s}]}`, op, path, js)
				check("PATCH user "+op+" "+path, raw("PATCH", "/scim/v2/Users/"+ana, body))
			}
		}
		for _, op := range []string{"add", "remove"} {
			for _, path := range []string{"displayName", "externalId", "members", "members[value eq " + string(js) + "]"} {
				body := fmt.Sprintf(`{"Operations": [{"op": %q, "path": %q, "value": [{"value": %s}]}]}`, op, path, js)
				check("PATCH group "+op+" "+path, raw("PATCH", "/scim/v2/Groups/"+team, body))
				body = fmt.Sprintf(`{"Operations": [{"op": %q, "path": %q, "value": %s}]}`, op, path, js)
				check("PATCH group "+op+" "+path, raw("PATCH", "/scim/v2/Groups/"+team, body))
			}
		}
		check("PUT group", raw("PUT", "/scim/v2/Groups/"+team, fmt.Sprintf(`{"displayName": %s, "externalId": %s}`, js, js)))
		check("POST group", raw("POST", "/scim/v2/Groups", fmt.Sprintf(`{"displayName": %s, "members": [{"value": %s}]}`, js, js)))
	}
	t.Logf("%d nasty SCIM requests checked", n)
}

// A provider that deletes a person and later creates them again gets the
// same person back, history intact, rather than a uniqueness error.
func TestScimCreateAfterDeleteTakesThePersonBack(t *testing.T) {
	t.Parallel()
	w := newScimWorld(t)
	idp := newScimClient(t, w.app, w.tokenA)
	id := scimCreateUser(t, idp, "leaver@example.com", "")
	team := str(idp.do("POST", "/scim/v2/Groups", fmt.Sprintf(`{"displayName": "Atlas", "members": [{"value": %q}]}`, id)).want(t, 201, "").JSON, "id")
	idp.do("DELETE", "/scim/v2/Users/"+id, "").want(t, 204, "")
	idp.do("DELETE", "/scim/v2/Users/"+id, "").want(t, 404, "")
	idp.do("PATCH", "/scim/v2/Users/"+id, `{"Operations": [{"op": "replace", "path": "active", "value": true}]}`).want(t, 404, "")
	if g := idp.do("GET", "/scim/v2/Groups/"+team, "").want(t, 200, ""); !strings.Contains(g.Body, id) {
		t.Errorf("the deleted person left the team: %s", g.Body)
	}
	back := idp.do("POST", "/scim/v2/Users", `{"userName": "Leaver@example.com", "name": {"givenName": "Lee", "familyName": "Ver"}, "title": "Returner"}`).want(t, 201, "")
	if str(back.JSON, "id") != id || back.JSON["active"] != true || str(back.JSON, "title") != "Returner" {
		t.Errorf("created again: %s", back.Body)
	}
	idp.do("GET", "/scim/v2/Users/"+id, "").want(t, 200, "")
}

// A token gets one person's share of the server: with its requests already
// in flight, another is turned away with 503 and Retry-After, and other
// tokens are served meanwhile.
func TestScimTokenGetsAShareOfTheServer(t *testing.T) {
	t.Parallel()
	ta := testapp.Start(t, dsn, testapp.Options{Config: func(c *server.Config) { c.PerPersonRequests = 1 }})
	orgA, orgB := ta.F.Org(t, "Org A"), ta.F.Org(t, "Org B")
	var tokens []string
	for _, org := range []int64{orgA, orgB} {
		admin := ta.Client(t)
		admin.SignIn(ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin}).Email, testfx.Password)
		tokens = append(tokens, createScimToken(t, admin, "Entra"))
	}
	// Hold the organisation's tree lock, so that a create waits in flight.
	tx, err := ta.Pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	if _, err := tx.Exec(t.Context(), "SELECT id FROM orgs WHERE id = $1 FOR UPDATE", orgA); err != nil {
		t.Fatal(err)
	}
	first := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", ta.URL+"/scim/v2/Users", strings.NewReader(`{"userName": "slow@example.com", "displayName": "Slow"}`))
		req.Header.Set("Authorization", "Bearer "+tokens[0])
		resp, err := ta.Client(t).HTTP.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	for i := 0; ; i++ {
		if ta.F.Count(t, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%OrgLockTree%'`) > 0 {
			break
		}
		if i > 200 {
			t.Fatal("the first request never waited for the lock")
		}
		time.Sleep(25 * time.Millisecond)
	}
	r := newScimClient(t, ta, tokens[0]).do("GET", "/scim/v2/Users", "").want(t, 503, "")
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	newScimClient(t, ta, tokens[1]).do("GET", "/scim/v2/Users", "").want(t, 200, "")
	tx.Rollback(t.Context())
	if got := <-first; got != 201 {
		t.Fatalf("the waiting create: %d", got)
	}
	newScimClient(t, ta, tokens[0]).do("GET", "/scim/v2/Users", "").want(t, 200, "")
}
