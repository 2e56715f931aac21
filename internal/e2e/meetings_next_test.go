package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestMarkHeldThenPrepareTheNextOneOnOne is the moment after a 1:1: the
// manager marks it held, goes straight to the next one, finds the unticked
// point carried over with the day it was raised, and adds a point of their own.
func TestMarkHeldThenPrepareTheNextOneOnOne(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Fjord Freight")
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Lena Fischer", Email: fmt.Sprintf("lena.%d@fjord.test", org), Role: core.RoleManager})
	rep := f.Person(t, org, testfx.PersonOpts{Name: "Tomás Ortega", Email: fmt.Sprintf("tomas.%d@fjord.test", org), ManagerID: mgr.ID})
	// A daily series in UTC whose slot today began an hour ago.
	slot := time.Now().UTC().Add(-time.Hour).Truncate(time.Minute)
	series := f.Series(t, org, mgr.ID, rep.ID, slot.AddDate(0, 0, -7).Format("2006-01-02"))
	if _, err := app.Pool.Exec(t.Context(), `UPDATE oneonone_series SET cadence = 'days', interval_days = 1, start_time = $1,
		time_zone = 'UTC' WHERE id = $2`, slot.Format("15:04"), series); err != nil {
		t.Fatal(err)
	}
	held := f.Meeting(t, org, series, slot.Format(time.RFC3339), "scheduled")
	f.AgendaItem(t, org, held, rep.ID, "Conference budget")
	heldPath := fmt.Sprintf("/meetings/%d", held)

	m := newTab(t, app.URL)
	m.signIn(mgr.Email)
	m.open(heldPath)
	if status := m.submit(`main .page-header form[action$="/status"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("mark held answered %d", status)
	}
	next := fmt.Sprintf(`main .page-header form[action="/oneonones/%d/next"] button[type=submit]`, series)
	if status := m.submit(next); status != http.StatusOK {
		t.Fatalf("Next 1:1 answered %d", status)
	}
	if got := m.path(); got == heldPath || !strings.HasPrefix(got, "/meetings/") {
		t.Fatalf("Next 1:1 after mark held opened %q (the held one is %q)", got, heldPath)
	}
	nextPath := m.path()
	agenda := m.text("#agenda")
	if n := strings.Count(agenda, "Conference budget"); n != 1 {
		t.Fatalf("the next agenda lists the unticked point %d times:\n%s", n, agenda)
	}
	if want := "carried over from " + slot.Format("2 Jan"); !strings.Contains(agenda, want) {
		t.Errorf("the carried point does not say %q:\n%s", want, agenda)
	}
	// A refused point is refused in place, beside the field, once.
	m.expectStatus(app.URL+nextPath+"/agenda", http.StatusUnprocessableEntity)
	m.submitInPlace(`#agenda form.inline-form button[type=submit]`, "#agenda")
	if fe := m.fieldError("body"); fe.Error == "" || !fe.Invalid || !fe.DescribedByError {
		t.Errorf("an empty talking point added in place: %+v, want an error beside the field", fe)
	}
	if n := strings.Count(m.text("#agenda"), "Conference budget"); n != 1 {
		t.Errorf("after a refused point the agenda lists the carried point %d times", n)
	}
	m.typeInto("#f-body", "Hiring plan for Q1")
	m.submitInPlace(`#agenda form.inline-form button[type=submit]`, "#agenda")
	if got := m.path(); got != nextPath {
		t.Fatalf("adding a point left %q for %q", nextPath, got)
	}
	if agenda := m.text("#agenda"); !strings.Contains(agenda, "Hiring plan for Q1") || strings.Count(agenda, "Conference budget") != 1 {
		t.Fatalf("the next agenda after adding a point:\n%s", agenda)
	}
	m.assertClean()
	m.screenshots("meeting-next")

	// The report's home leads to the same next 1:1.
	r := newTab(t, app.URL)
	r.signIn(rep.Email)
	if status := r.submit(fmt.Sprintf(`main form[action="/oneonones/%d/next"] button[type=submit]`, series)); status != http.StatusOK {
		t.Fatalf("home's Next 1:1 answered %d", status)
	}
	if got := r.path(); got != nextPath {
		t.Errorf("the report's Next 1:1 opened %q, the manager's %q", got, nextPath)
	}
	r.assertClean()
}
