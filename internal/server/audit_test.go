package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

func TestRoleChangeIsWrittenToTheAuditLog(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Role Co")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	p := ta.F.Person(t, org, testfx.PersonOpts{Name: "Pia Promoted"})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)

	form := url.Values{"name": {p.Name}, "email": {p.Email}, "role": {"employee"}, "time_zone": {"UTC"}, "title": {"Engineer"}}
	if r := c.Post("/people/"+itoa(p.ID), form); r.Status != http.StatusSeeOther {
		t.Fatalf("title edit: %d", r.Status)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'person.role'"); n != 0 {
		t.Fatalf("an edit that kept the role wrote %d role entries", n)
	}
	form.Set("role", "manager")
	if r := c.Post("/people/"+itoa(p.ID), form); r.Status != http.StatusSeeOther {
		t.Fatalf("role change: %d", r.Status)
	}
	var actorID int64
	var subject, detail string
	err := ta.Pool.QueryRow(t.Context(), `SELECT actor_id, subject, detail::text FROM audit_log WHERE org_id = $1 AND action = 'person.role'`, org).
		Scan(&actorID, &subject, &detail)
	if err != nil {
		t.Fatalf("no person.role entry: %v", err)
	}
	if actorID != adm.ID || subject != fmt.Sprintf("person:%d", p.ID) || detail != `{"to": "manager", "from": "employee"}` {
		t.Fatalf("role entry: actor %d subject %q detail %s", actorID, subject, detail)
	}

	r := c.Get("/admin/audit?action=person.role")
	if r.Status != 200 {
		t.Fatalf("audit page: %d", r.Status)
	}
	doc := mustDoc(t, r.Body)
	rows := doc.Find("table.audit tbody tr")
	if rows.Length() != 1 {
		t.Fatalf("filtered to role changes: %d rows\n%s", rows.Length(), r.Body)
	}
	text := rows.Text()
	for _, want := range []string{"Ada Admin", "person.role", "Pia Promoted", "from: employee", "to: manager"} {
		if !strings.Contains(text, want) {
			t.Errorf("role change row lacks %q: %s", want, text)
		}
	}
}

func mustDoc(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// auditRows reads the entries of one audit page as "action subject" strings
// and the link to the next page.
func auditRows(t *testing.T, c *testapp.Client, path string) (rows []string, next string) {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d", path, r.Status)
	}
	doc := mustDoc(t, r.Body)
	doc.Find("table.audit tbody tr").Each(func(_ int, s *goquery.Selection) {
		rows = append(rows, s.Find("td code").Text()+" "+strings.TrimSpace(s.Find("td[data-label=About]").Text()))
	})
	next, _ = doc.Find(`nav.pagination a[rel=next]`).Attr("href")
	return rows, next
}

func TestAuditLogFiltersAndPagesThroughOlderEntries(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Audit Co")
	other := ta.F.Org(t, "Other Co")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	lead := ta.F.Person(t, org, testfx.PersonOpts{Name: "Lou Leader", Email: "lou.leader@example.com", Role: core.RoleLeader})
	otherAdm := ta.F.Person(t, other, testfx.PersonOpts{Name: "Oz Other", Role: core.RoleAdmin})

	// 130 exports by the leader one minute apart from 1 March 2026, 40
	// framework edits by the admin, and entries of another organisation.
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	_, err := ta.Pool.Exec(t.Context(), `
		INSERT INTO audit_log (org_id, actor_id, action, subject, detail, created_at)
		SELECT $1::bigint, $2::bigint, 'export.cycle', 'cycle:' || i, jsonb_build_object('format', 'csv', 'rows', i), $4::timestamptz + i * interval '1 minute'
		FROM generate_series(1, 130) i
		UNION ALL
		SELECT $1::bigint, $3::bigint, 'framework.edit', 'framework:' || i, '{}', $4::timestamptz + i * interval '1 minute' + interval '30 seconds'
		FROM generate_series(1, 40) i`, org, lead.ID, adm.ID, base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO audit_log (org_id, actor_id, action, subject) SELECT $1, $2, 'export.cycle', 'secret:' || i FROM generate_series(1, 5) i`, other, otherAdm.ID); err != nil {
		t.Fatal(err)
	}
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)

	// Every export, newest first, across pages, each once.
	var all []string
	path := "/admin/audit?action=export"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		rows, next := auditRows(t, c, path)
		all = append(all, rows...)
		path = next
	}
	if len(all) != 130 {
		t.Fatalf("exports over all pages: %d, want 130", len(all))
	}
	for i, row := range all {
		if want := fmt.Sprintf("export.cycle cycle:%d", 130-i); row != want {
			t.Fatalf("row %d = %q, want %q (newest first, no gaps or repeats)", i, row, want)
		}
	}

	// Person, action group and date range, together.
	rows, _ := auditRows(t, c, "/admin/audit?person=lou.leader&from=2026-03-01&to=2026-03-01&action=framework")
	if len(rows) != 0 {
		t.Fatalf("the leader made no framework edits, got %v", rows)
	}
	rows, next := auditRows(t, c, "/admin/audit?person=ada&action=framework")
	if len(rows) != 40 || next != "" {
		t.Fatalf("framework edits by Ada: %d rows, next %q", len(rows), next)
	}
	// 09:00 + i min is on 1 March for every i; move half of them to the 2nd.
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE audit_log SET created_at = created_at + interval '1 day' WHERE org_id = $1 AND action = 'export.cycle' AND subject IN (SELECT 'cycle:' || i FROM generate_series(1, 65) i)`, org); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path := "/admin/audit?action=export.cycle&from=2026-03-02&to=2026-03-02"; path != ""; {
		rows, next := auditRows(t, c, path)
		n += len(rows)
		path = next
	}
	if n != 65 {
		t.Fatalf("exports on 2 March: %d, want 65", n)
	}

	// Nothing of the other organisation, and it sees only its own.
	r := c.Get("/admin/audit")
	if strings.Contains(r.Body, "secret:") || strings.Contains(r.Body, "Oz Other") {
		t.Fatal("another organisation's entries are shown")
	}
	oc := ta.Client(t)
	oc.SignIn(otherAdm.Email, testfx.Password)
	rows, _ = auditRows(t, oc, "/admin/audit")
	if len(rows) != 5 {
		t.Fatalf("other organisation sees %d entries, want its 5", len(rows))
	}
}

func TestAuditFilterWithABadDateKeepsWhatWasTyped(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Typo Co")
	adm := ta.F.Person(t, org, testfx.PersonOpts{Role: core.RoleAdmin})
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)
	r := c.Get("/admin/audit?from=2026-13-45&person=Zed")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", r.Status)
	}
	doc := mustDoc(t, r.Body)
	if msg := doc.Find("#f-from-error").Text(); !strings.Contains(msg, "Enter a date like") {
		t.Errorf("no message next to the date field: %q", msg)
	}
	if v, _ := doc.Find(`input[name=from]`).Attr("value"); v != "2026-13-45" {
		t.Errorf("typed date not kept: %q", v)
	}
	if v, _ := doc.Find(`input[name=person]`).Attr("value"); v != "Zed" {
		t.Errorf("typed person not kept: %q", v)
	}
	r = c.Get("/admin/audit?from=2026-05-02&to=2026-05-01")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The end date is before the start date.") {
		t.Errorf("reversed range: %d", r.Status)
	}
}
