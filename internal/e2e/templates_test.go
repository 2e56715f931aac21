package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestManagerSavesAnAgendaTemplateAndAddsItToA1on1: a manager saves a
// template of talking points, then adds its points to a 1:1's agenda in
// place.
func TestManagerSavesAnAgendaTemplateAndAddsItToA1on1(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Kestrel Templates")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@kestrel.test", handle, n), Role: role, ManagerID: mgr})
	}
	marco := mk("Marco Rossi", "marco", core.RoleManager, 0)
	zoe := mk("Zoë Park", "zoe", core.RoleEmployee, marco.ID)
	series := f.Series(t, org, marco.ID, zoe.ID, time.Now().UTC().Format("2006-01-02"))
	meeting := f.Meeting(t, org, series, time.Now().UTC().Add(24*time.Hour).Format(time.RFC3339), "scheduled")

	b := newTab(t, app.URL)
	b.signIn(marco.Email)
	b.open("/oneonones/templates")
	b.typeInto("#f-name", "Quarterly goals check")
	b.typeInto("#f-items", "How are the goals going?\nWhat is in your way?\nWhat should we drop?")
	b.submit(`form[action="/oneonones/templates"] button[type=submit]`)
	b.assertClean()

	b.open(fmt.Sprintf("/meetings/%d", meeting))
	var id string
	b.evalInto(&id, `[...document.querySelectorAll('select[name=template_id] option')].find((o) => o.textContent.startsWith('Quarterly goals check')).value`)
	b.selectOption("select[name=template_id]", id)
	b.submitInPlace("#agenda form.from-template button[type=submit]", "#agenda")
	want := []string{"How are the goals going?", "What is in your way?", "What should we drop?"}
	if got := agendaOf(b); !slices.Equal(got, want) {
		t.Errorf("the agenda after adding the template is %q, want %q", got, want)
	}
	b.open(fmt.Sprintf("/meetings/%d", meeting))
	if got := agendaOf(b); !slices.Equal(got, want) {
		t.Errorf("after a reload the agenda is %q, want %q", got, want)
	}
	b.assertClean()
}
