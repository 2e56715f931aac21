package e2e

import (
	"net/http"
	"strings"
	"testing"

	"rapport/internal/testapp"
)

// TestAdminConnectsIdentityProvider: an admin creates a SCIM token for
// their identity provider, sees it once, ready to copy, and finds it listed.
func TestAdminConnectsIdentityProvider(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	_, ceo := seedOrg(t, app.F)

	b := newTab(t, app.URL)
	b.signIn(ceo.Email)
	b.open("/admin")
	b.submit(`a[href="/admin/scim"]`)
	b.assertClean()
	if got := b.text("main"); !strings.Contains(got, "No tokens yet") || !strings.Contains(got, app.URL+"/scim/v2") && b.value("#scim-base") != app.URL+"/scim/v2" {
		t.Errorf("empty provisioning page: %q", got)
	}

	// Nothing typed: the error is next to the field.
	b.submitExpecting("main form button[type=submit]", http.StatusUnprocessableEntity)
	if fe := b.fieldError("name"); !fe.Invalid || !strings.Contains(fe.Error, "Name the token") {
		t.Errorf("empty name: %+v", fe)
	}
	b.typeInto("#f-name", "Okta")
	b.submit("main form button[type=submit]")
	b.assertClean()
	secret := b.value("#scim-secret")
	if !strings.HasPrefix(secret, "rapport_scim_") || len(secret) < 50 {
		t.Fatalf("the new token is not shown: %q", secret)
	}
	if got := b.text("table.data"); !strings.Contains(got, "Okta") || !strings.Contains(got, secret[:len("rapport_scim_")+4]) || !strings.Contains(got, "Never") {
		t.Errorf("token list: %q", got)
	}
	b.screenshots("admin-scim")
	b.assertNoSidewaysScrollOnPhone()

	// A reload does not show the token again.
	b.open("/admin/scim")
	if strings.Contains(b.eval(`document.documentElement.outerHTML`), secret) {
		t.Error("the token is shown a second time")
	}
}
