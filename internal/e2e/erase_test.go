package e2e

import (
	"fmt"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestEraseAPersonFromTheirPage follows "Erase …" from a person's page as
// an admin: a wrong name is shown next to the field and keeps what was
// typed; the right one erases them, and their page shows the pseudonym.
func TestEraseAPersonFromTheirPage(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Erase Works")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Lindqvist", Email: fmt.Sprintf("ada.%d@erase.test", org), Role: core.RoleAdmin})
	p := f.Person(t, org, testfx.PersonOpts{Name: "Noor Haddad", Email: fmt.Sprintf("noor.%d@erase.test", org)})

	b := newTab(t, app.URL)
	b.signIn(admin.Email)
	b.open(fmt.Sprintf("/people/%d", p.ID))
	b.submit(fmt.Sprintf(`a[href="/people/%d/erase"]`, p.ID))
	if got := b.path(); got != fmt.Sprintf("/people/%d/erase", p.ID) {
		t.Fatalf("the link led to %s", got)
	}
	b.typeInto("#f-name", "Noor")
	b.submitExpecting("main form button[type=submit]", 422)
	if fe := b.fieldError("name"); fe.Error == "" || !fe.Invalid {
		t.Errorf("no error next to the name: %+v", fe)
	}
	if got := b.value("#f-name"); got != "Noor" {
		t.Errorf("the form lost what was typed: %q", got)
	}
	b.assertClean()
	b.screenshots("person-erase")
	b.clear("#f-name")
	b.typeInto("#f-name", "Noor Haddad")
	if status := b.submit("main form button[type=submit]"); status != 200 {
		t.Fatalf("erase: %d", status)
	}
	if h1 := b.text("h1"); !strings.HasPrefix(h1, "Erased person #") {
		t.Errorf("their page after erasure is headed %q", h1)
	}
	b.assertClean()
}
