package e2e

import (
	"fmt"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestAdminFindsTheOrganisationExport follows the admin page to the
// organisation export, which says what the archive holds and leaves out and
// offers the download.
func TestAdminFindsTheOrganisationExport(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org := app.F.Org(t, "Archive Atelier")
	admin := app.F.Person(t, org, testfx.PersonOpts{Name: "Aino Virtanen", Email: fmt.Sprintf("aino.%d@archive.test", org), Role: core.RoleAdmin})

	b := newTab(t, app.URL)
	b.signIn(admin.Email)
	b.open("/admin")
	if !strings.Contains(b.text("main"), "Export the organisation") {
		t.Fatal("the admin page does not offer the organisation export")
	}
	b.open("/admin/export")
	page := b.text("main")
	for _, want := range []string{"Download the archive", "private notes", "audit log"} {
		if !strings.Contains(page, want) {
			t.Errorf("the export page lacks %q:\n%s", want, page)
		}
	}
	b.assertClean()
	b.screenshots("org-export")
}
