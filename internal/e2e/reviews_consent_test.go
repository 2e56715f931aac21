package e2e

import (
	"fmt"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestPersonReviewedConsentsToSharedNotesForThePeriod: the person reviewed
// lets their shared 1:1 notes of the whole period be evidence with one
// button, the manager reads them in the review, then the person takes them
// all back and the manager no longer sees them.
func TestPersonReviewedConsentsToSharedNotesForThePeriod(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Tidewater Consent")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@tidewater.test", handle, n), Role: role, ManagerID: mgr})
	}
	marco := mk("Marco Rossi", "marco", core.RoleManager, 0)
	zoe := mk("Zoë Park", "zoe", core.RoleEmployee, marco.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1"}, zoe.ID)
	series := f.Series(t, org, marco.ID, zoe.ID, "2026-01-06")
	for i, day := range []string{"2026-02-03", "2026-04-07"} {
		m := f.Meeting(t, org, series, day+"T10:00:00Z", "held")
		if _, err := app.Pool.Exec(t.Context(), "UPDATE meetings SET shared_notes = $1 WHERE id = $2", fmt.Sprintf("SHARED-NOTE-%d agreed next steps", i+1), m); err != nil {
			t.Fatal(err)
		}
	}
	page := fmt.Sprintf("/reviews/%d/people/%d", cycle, zoe.ID)
	grant := fmt.Sprintf(`form[action="/reviews/%d/evidence"] input[name=grant][value=%%s] ~ button`, cycle)

	mgr := newTab(t, app.URL)
	mgr.signIn(marco.Email)
	mgr.open(page)
	if strings.Contains(mgr.text("#notes-h + *"), "SHARED-NOTE") || strings.Contains(mgr.text("main"), "SHARED-NOTE") {
		t.Fatal("the manager reads shared notes before any consent")
	}

	emp := newTab(t, app.URL)
	emp.signIn(zoe.Email)
	emp.open(page)
	if !strings.Contains(emp.text("main"), "0 of 2 1:1s with shared notes in this period are evidence.") {
		t.Errorf("the period's consent is not offered: %s", emp.text("main"))
	}
	emp.submit(fmt.Sprintf(grant, "true"))
	if !strings.Contains(emp.text("main"), "The shared notes of all 2 1:1s of this period are evidence.") {
		t.Errorf("after consenting: %s", emp.text("main"))
	}
	emp.assertClean()

	mgr.open(page)
	if txt := mgr.text("main"); !strings.Contains(txt, "SHARED-NOTE-1") || !strings.Contains(txt, "SHARED-NOTE-2") {
		t.Errorf("the manager does not read both notes after consent")
	}

	emp.submit(fmt.Sprintf(grant, "false"))
	if !strings.Contains(emp.text("main"), "0 of 2 1:1s with shared notes in this period are evidence.") {
		t.Errorf("after revoking: %s", emp.text("main"))
	}
	mgr.open(page)
	if strings.Contains(mgr.text("main"), "SHARED-NOTE") {
		t.Error("the manager still reads the notes after they were taken back")
	}
	mgr.assertClean()
}
