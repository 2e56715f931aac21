package e2e

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestSingleSignOnInTheBrowser sets up single sign-on as an admin would,
// against a real OpenID Connect provider (mockoidc, which signs people in
// without a login page of its own), and then follows the whole redirect flow
// in Chromium: work email, the organisation's page, the provider, and back
// signed in.
func TestSingleSignOnInTheBrowser(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatalf("start provider: %v", err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true,
		WebhookAllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	org := app.F.Org(t, "Northwind Labs")
	domain := fmt.Sprintf("northwind%d.test", org)
	admin := app.F.Person(t, org, testfx.PersonOpts{Name: "Grace Okoye", Email: "grace@" + domain, Role: core.RoleAdmin})
	app.F.Person(t, org, testfx.PersonOpts{Name: "Marcus Lee", Email: "marcus@" + domain, NoPass: true})

	// The admin sets the provider up, testing the connection first.
	b := newTab(t, app.URL)
	b.signIn(admin.Email)
	b.open("/admin/sso")
	b.assertClean()
	cfg := idp.Config()
	b.typeInto("#f-provider_name", "Northwind ID")
	b.typeInto("#f-issuer", "http://127.0.0.1:1")
	b.typeInto("#f-client_id", cfg.ClientID)
	b.typeInto("#f-client_secret", cfg.ClientSecret)
	b.typeInto("#f-domains", domain)
	b.submitExpecting("button[formaction='/admin/sso/test']", http.StatusUnprocessableEntity)
	if fc := b.fieldError("issuer"); !strings.Contains(fc.Error, "could not reach this issuer") || !fc.Invalid || !fc.DescribedByError {
		t.Errorf("unreachable issuer: error next to the field %+v", fc)
	}
	if got := b.value("#f-provider_name"); got != "Northwind ID" {
		t.Errorf("the form lost what was typed: provider name %q", got)
	}
	b.screenshots("sso-settings-error")
	b.clear("#f-issuer")
	b.typeInto("#f-issuer", cfg.Issuer)
	b.typeInto("#f-client_secret", cfg.ClientSecret)
	if status := b.submit("button[formaction='/admin/sso/test']"); status != http.StatusOK {
		t.Fatalf("test connection: status %d\n%s", status, b.text("main"))
	}
	if !strings.Contains(b.text("main"), "Connection works") {
		t.Errorf("the connection test does not say it worked")
	}
	b.screenshots("sso-settings-tested")
	b.typeInto("#f-client_secret", cfg.ClientSecret)
	if status := b.submit("main form button.btn-primary"); status != http.StatusOK || b.path() != "/admin/sso" {
		t.Fatalf("save: status %d at %s\n%s", status, b.path(), b.text("main"))
	}
	if main := b.text("main"); !strings.Contains(main, "settings saved") || strings.Contains(main, cfg.ClientSecret) {
		t.Errorf("after saving: no confirmation, or the secret is shown")
	}
	b.assertClean()
	b.screenshots("sso-settings")
	b.assertNoSidewaysScrollOnPhone()

	// Marcus finds his organisation by his work email and signs in there.
	m := newTab(t, app.URL)
	m.open("/login")
	m.assertClean()
	m.screenshots("sign-in-sso-lookup")
	m.typeInto("#f-sso_email", "marcus@"+domain)
	if status := m.submit(".sso-lookup button"); status != http.StatusOK || m.path() != fmt.Sprintf("/sso/%d", org) {
		t.Fatalf("lookup: status %d at %s", status, m.path())
	}
	if got := m.text("main a.btn-primary"); got != "Sign in with Northwind ID" {
		t.Errorf("the organisation's page offers %q", got)
	}
	m.assertClean()
	m.assertSkipLinkFirstIfAny()
	m.screenshots("sso-sign-in")
	m.assertNoSidewaysScrollOnPhone()
	idp.QueueUser(&mockoidc.MockUser{Subject: "marcus-at-idp", Email: "marcus@" + domain, EmailVerified: true})
	if status := m.submit("main a.btn-primary"); status != http.StatusOK {
		t.Fatalf("sign in with the provider: status %d at %s\n%s", status, m.where(), m.text("main"))
	}
	if m.path() != "/" || !strings.Contains(m.text("main h1"), "Marcus") {
		t.Fatalf("after the provider the browser is at %s, showing %q", m.path(), m.text("main h1"))
	}
	m.assertClean()
	if n := app.F.Count(t, "SELECT count(*) FROM sso_identities WHERE org_id = $1 AND subject = 'marcus-at-idp'", org); n != 1 {
		t.Errorf("the provider's subject was not linked")
	}
}

// assertSkipLinkFirstIfAny is assertSkipLinkFirst for pages that have a
// skip link (the narrow sign-in pages have none).
func (b *tab) assertSkipLinkFirstIfAny() {
	b.t.Helper()
	if b.evalInt(`document.querySelectorAll(".skip-link").length`) > 0 {
		b.assertSkipLinkFirst()
	}
}
