package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
)

func uploadCSV(t *testing.T, c *testapp.Client, ta *testapp.TestApp, csv string) testapp.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte(csv))
	mw.Close()
	req, _ := http.NewRequest("POST", ta.URL+"/people/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

func TestCSVImportWithErrorsShowsRowsAndWritesNothing(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	users := w.app.F.Count(t, "SELECT count(*) FROM users")
	teams := w.app.F.Count(t, "SELECT count(*) FROM teams")
	csv := "name,email,title,manager email,team,role\n" +
		"Good Person,good.person@example.com,Engineer," + w.manager.Email + ",Atlas,employee\n" +
		",no-name@example.com,,,,\n" +
		"Bad Email,not-an-email,,,,\n" +
		"Taken Email," + w.report.Email + ",,,,\n" +
		"Bad Role,bad.role@example.com,,,,wizard\n" +
		"Loop One,loop1@example.com,,loop2@example.com,New Team,\n" +
		"Loop Two,loop2@example.com,,loop1@example.com,,\n"
	r := uploadCSV(t, c, w.app, csv)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	if got := strings.Count(r.Body, `class="row-error"`); got != 6 {
		t.Errorf("%d rows marked as errors, want 6", got)
	}
	for _, want := range []string{"6 of 7 rows have problems", "Nothing was imported", "loops back"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "/people/import/confirm") {
		t.Error("an invalid file offers the import button")
	}
	// Forcing the confirm step with the bad file is refused too.
	form := url.Values{"payload": {b64(csv)}}
	if r := c.Post("/people/import/confirm", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("confirming a bad file: %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users"); n != users {
		t.Errorf("users %d → %d", users, n)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM teams"); n != teams {
		t.Errorf("teams %d → %d", teams, n)
	}
}

func TestCSVImportCreatesEveryoneWithInvitationsOnce(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	csv := "Name,Email,Manager Email,Team,Role\r\n" +
		"Zoe Lead,zoe.lead@example.com," + w.leader.Email + ",Orbit,manager\r\n" +
		"Yan Dev,yan.dev@example.com,zoe.lead@example.com,Orbit,\r\n"
	r := uploadCSV(t, c, w.app, csv)
	if r.Status != 200 || !strings.Contains(r.Body, "Import 2 people") {
		t.Fatalf("preview: %d\n%s", r.Status, r.Body)
	}
	payload := regexp.MustCompile(`name="payload" value="([^"]+)"`).FindStringSubmatch(r.Body)
	if payload == nil {
		t.Fatal("no payload in preview")
	}
	form := url.Values{"payload": {payload[1]}}
	r = c.Post("/people/import/confirm", form)
	if r.Status != 200 || strings.Count(r.Body, "/invite/") != 2 {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	if n := w.app.F.Count(t, `SELECT count(*) FROM users u JOIN users m ON m.id = u.manager_id
		WHERE u.email = 'yan.dev@example.com' AND m.email = 'zoe.lead@example.com'`); n != 1 {
		t.Fatal("manager link from the file not set")
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.name = 'Orbit'"); n != 2 {
		t.Fatalf("Orbit has %d members", n)
	}
	// A double submit creates nobody twice.
	if r := c.Post("/people/import/confirm", form); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("second confirm: %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE email IN ('zoe.lead@example.com','yan.dev@example.com')"); n != 2 {
		t.Fatalf("%d imported rows after a double submit", n)
	}
	// Each imported person's invitation is in the outbox, once.
	if n := w.app.F.Count(t, `SELECT count(*) FROM outbox WHERE kind = 'invitation' AND link LIKE '%/invite/%'
		AND to_addr IN ('zoe.lead@example.com','yan.dev@example.com')`); n != 2 {
		t.Fatalf("%d invitation messages for 2 imported people", n)
	}
}

func TestManagerCannotBecomeTheirOwnAncestor(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	// The leader's manager may not be the report (leader ← manager ← report).
	form := url.Values{"name": {w.leader.Name}, "email": {w.leader.Email}, "role": {"leader"},
		"time_zone": {"UTC"}, "manager_id": {itoa(w.report.ID)}}
	r := c.Post("/people/"+itoa(w.leader.ID), form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "reports to this person") {
		t.Fatalf("loop accepted: %d\n%s", r.Status, r.Body)
	}
	// Nor may anyone be their own manager.
	form.Set("manager_id", itoa(w.leader.ID))
	if r := c.Post("/people/"+itoa(w.leader.ID), form); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("self-manager accepted: %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND manager_id IS NULL", w.leader.ID); n != 1 {
		t.Fatal("the leader's manager changed")
	}
	// A legal move works.
	form.Set("manager_id", itoa(w.admin.ID))
	if r := c.Post("/people/"+itoa(w.leader.ID), form); r.Status != http.StatusSeeOther {
		t.Fatalf("legal move refused: %d", r.Status)
	}
}

func TestPersonFormKeepsInputAndShowsErrorsNextToFields(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	before := w.app.F.Count(t, "SELECT count(*) FROM users")
	form := url.Values{"name": {""}, "email": {"not-an-email"}, "title": {"Typed title"}, "role": {"wizard"},
		"time_zone": {"Mars/Olympus"}, "manager_id": {"abc"}}
	r := c.Post("/people", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{`id="f-name-error"`, `id="f-email-error"`, `value="not-an-email"`, `value="Typed title"`, `aria-invalid="true"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	// Each bad value in turn, the others good.
	good := url.Values{"name": {"Val Id"}, "email": {"val.id@example.com"}, "role": {"employee"}, "time_zone": {"Europe/Madrid"}}
	for field, bad := range map[string]string{"role": "wizard", "time_zone": "Mars/Olympus", "manager_id": "999999999", "email": w.report.Email} {
		f := url.Values{}
		for k, v := range good {
			f[k] = v
		}
		f.Set(field, bad)
		r := c.Post("/people", f)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-`+field+`-error"`) {
			t.Errorf("%s=%q: status %d, no error next to the field", field, bad, r.Status)
		}
	}
	if after := w.app.F.Count(t, "SELECT count(*) FROM users"); after != before {
		t.Fatalf("bad input wrote people: %d → %d", before, after)
	}
	// Double submit of a good form: one person.
	for i := 0; i < 2; i++ {
		c.Post("/people", good)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM users WHERE email = 'val.id@example.com'"); n != 1 {
		t.Fatalf("%d people after a double submit", n)
	}
}

func TestInvitationLinkSetsPasswordOnce(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	r := c.Post("/invitations", url.Values{"name": {"Nia New"}, "email": {"nia.new@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	r = c.Get("/invitations")
	m := regexp.MustCompile(`/invite/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatal("the invitation link is not shown to the admin")
	}
	if r := c.Get("/invitations"); strings.Contains(r.Body, m[1]) {
		t.Error("the link is shown more than once")
	}
	nia := w.app.Client(t)
	if r := nia.Get("/invite/" + m[1]); r.Status != 200 || !strings.Contains(r.Body, "nia.new@example.com") {
		t.Fatalf("invite page: %d", r.Status)
	}
	if r := nia.Post("/invite/"+m[1], url.Values{"password": {"short"}, "confirm": {"short"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short password accepted: %d", r.Status)
	}
	if r := nia.Post("/invite/"+m[1], url.Values{"password": {"a long enough password"}, "confirm": {"a long enough password"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	if r := nia.Get("/"); r.Status != 200 || !strings.Contains(r.Body, "Nia") {
		t.Fatalf("not signed in after accepting: %d", r.Status)
	}
	if r := w.app.Client(t).Get("/invite/" + m[1]); r.Status != http.StatusNotFound {
		t.Fatalf("used link still works: %d", r.Status)
	}
	fresh := w.app.Client(t)
	fresh.SignIn("nia.new@example.com", "a long enough password")
}

func TestFirstRunSetupCreatesOrganisationOnce(t *testing.T) {
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{})
	c := ta.Client(t)
	if r := c.Get("/login"); r.Status != http.StatusSeeOther || r.Location() != "/setup" {
		t.Fatalf("empty install: /login → %d %s", r.Status, r.Location())
	}
	bad := url.Values{"org_name": {""}, "name": {"Fay First"}, "email": {"fay@example.com"}, "password": {"short"}, "time_zone": {"UTC"}}
	r := c.Post("/setup", bad)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-org_name-error"`) || !strings.Contains(r.Body, `value="Fay First"`) {
		t.Fatalf("bad setup: %d", r.Status)
	}
	good := url.Values{"org_name": {"Fay Co"}, "name": {"Fay First"}, "email": {"fay@example.com"}, "password": {"a long enough password"}, "time_zone": {"Europe/Lisbon"}}
	if r := c.Post("/setup", good); r.Status != http.StatusSeeOther {
		t.Fatalf("setup: %d %s", r.Status, r.Body)
	}
	if r := c.Get("/people"); r.Status != 200 || !strings.Contains(r.Body, "Fay First") {
		t.Fatalf("admin not signed in after setup: %d", r.Status)
	}
	if r := ta.Client(t).Post("/setup", good); r.Status != http.StatusNotFound {
		t.Fatalf("second setup: %d", r.Status)
	}
	var role string
	ta.Pool.QueryRow(context.Background(), "SELECT role::text FROM users WHERE email = 'fay@example.com'").Scan(&role)
	if role != string(core.RoleAdmin) || ta.F.Count(t, "SELECT count(*) FROM orgs") != 1 {
		t.Fatalf("setup made role %q and %d orgs", role, ta.F.Count(t, "SELECT count(*) FROM orgs"))
	}
}

func TestOrgChartDrillsDownFromAPerson(t *testing.T) {
	w := newWorld(t)
	c := w.clients[employee]
	r := c.Get("/org?root=" + itoa(w.manager.ID))
	if r.Status != 200 || !strings.Contains(r.Body, w.report.Name) || strings.Contains(r.Body, w.outsider.Name) {
		t.Fatalf("subtree: %d", r.Status)
	}
	if !strings.Contains(r.Body, `href="/org?root=`+itoa(w.leader.ID)+`"`) {
		t.Error("no breadcrumb to the manager's own manager")
	}
	for _, bad := range []string{"abc", "-1", itoa(w.adminB.ID), "999999999"} {
		if r := c.Get("/org?root=" + bad); r.Status != http.StatusNotFound {
			t.Errorf("root=%s: %d, want 404", bad, r.Status)
		}
	}
}

func TestCSVImportRefusesEmptyAndOversizedFiles(t *testing.T) {
	w := newWorld(t)
	c := w.clients[admin]
	for name, tc := range map[string]struct{ csv, want string }{
		"empty":     {"", "The file is empty."},
		"oversized": {"name,email\n" + strings.Repeat("Big Row,big@example.com\n", 50000), "larger than 1 MB"},
	} {
		r := uploadCSV(t, c, w.app, tc.csv)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `id="f-file-error"`) {
			t.Errorf("%s file: %d, want 422 with %q next to the field", name, r.Status, tc.want)
		}
	}
}
