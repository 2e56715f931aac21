package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestAdminShapesTheFrameworkAndKudosFollow: the admin adds a competency
// and moves it up, an employee tags a kudo with it, the admin retires it:
// the kudos form no longer offers it, and the kudo still shows it.
func TestAdminShapesTheFrameworkAndKudosFollow(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Juniper Labs")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@juniper.test", handle, n), Role: role})
	}
	ada := mk("Ada Brennan", "ada", core.RoleAdmin)
	kai := mk("Kai Tanaka", "kai", core.RoleEmployee)
	mk("Noor Haddad", "noor", core.RoleEmployee)

	admin := newTab(t, app.URL)
	admin.signIn(ada.Email)
	admin.open("/framework/edit")
	admin.typeInto("#f-new_name", "Mentoring")
	admin.typeInto("#f-new_behaviour", "Pairs with newer colleagues on real work every week")
	admin.typeInto("#f-new_result", "New people contribute sooner")
	admin.submit(`form[action="/framework/competencies"] button[type=submit]`)
	if !strings.Contains(admin.text(".flash"), "Added Mentoring") {
		t.Errorf("no confirmation after adding: %q", admin.text("main"))
	}
	leaders := func() []string {
		var names []string
		admin.evalInto(&names, `Array.from(document.querySelectorAll('ol[aria-labelledby="order-leader"] .framework-order-name')).map(e => e.textContent.trim())`)
		return names
	}
	if got := leaders(); len(got) != 7 || got[6] != "Mentoring" {
		t.Fatalf("the leader group after adding: %v", got)
	}
	admin.submit(`button[aria-label="Move up: Mentoring"]`)
	if got := leaders(); slices.Index(got, "Mentoring") != 5 || got[6] != "Strategic networking" {
		t.Errorf("the leader group after moving up: %v", got)
	}
	admin.assertClean()

	// Kai tags a kudo with it.
	emp := newTab(t, app.URL)
	emp.signIn(kai.Email)
	emp.open("/kudos/new")
	emp.typeInto("#f-to", fmt.Sprintf("@noor%d", n))
	emp.typeInto("#f-did", "Paired with me on my first release and explained every step")
	emp.typeInto("#f-impact", "I shipped on day three")
	emp.eval(`(() => { const l = Array.from(document.querySelectorAll("label.check")).find(l => l.textContent.trim() === "Mentoring"); l.querySelector("input").click(); return "" })()`)
	if status := emp.submit("main form.stack .form-actions button[type=submit]"); status != http.StatusOK {
		t.Fatalf("posting the kudo answered %d", status)
	}
	kudo := emp.path()
	if !strings.Contains(emp.text("main"), "Mentoring") {
		t.Fatalf("the kudo is not tagged Mentoring: %s", emp.text("main"))
	}

	// The admin retires it: gone from the form, kept on the kudo.
	admin.submit(`button[aria-label="Retire Mentoring"]`)
	if !strings.Contains(admin.text("#retired-h + ul"), "Mentoring") {
		t.Errorf("Mentoring is not listed as retired")
	}
	emp.open("/kudos/new")
	if strings.Contains(emp.text("main form"), "Mentoring") {
		t.Error("the kudos form still offers the retired competency")
	}
	emp.open(kudo)
	if !strings.Contains(emp.text("main .tags"), "Mentoring") {
		t.Error("the kudo lost its retired tag")
	}
	emp.assertClean()
}
