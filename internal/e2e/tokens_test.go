package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// A person makes a personal access token on their account page, sees it
// once, and the API answers to it.
func TestPersonalTokenMadeOnTheAccountPageCallsTheAPI(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org := app.F.Org(t, "Token org")
	ana := app.F.Person(t, org, testfx.PersonOpts{Name: "Ana Script"})

	b := newTab(t, app.URL)
	b.signIn(ana.Email)
	b.open("/account")
	b.typeInto("#f-name", "Weekly report script")
	b.selectOption("#f-scope", "read_write")
	b.selectOption("#f-days", "90")
	if status := b.submit("form[action='/account/tokens'] button[type=submit]"); status != http.StatusOK {
		t.Fatalf("create token: %d", status)
	}
	secret := b.value("#pat-secret")
	if !strings.HasPrefix(secret, "rapport_pat_") {
		t.Fatalf("the page does not show the new token: %q", secret)
	}
	b.assertClean()
	b.screenshots("account-tokens")
	b.assertNoSidewaysScrollOnPhone()

	req, _ := http.NewRequest("GET", app.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"name":"Ana Script"`) {
		t.Fatalf("/api/v1/me with the new token: %d %s", resp.StatusCode, body)
	}
	// Shown once: the page after a reload lists the token, not its secret.
	b.open("/account")
	if got := b.text("main"); strings.Contains(got, secret) || !strings.Contains(got, "Weekly report script") {
		t.Errorf("after a reload the account page shows the secret, or not the token:\n%s", got)
	}
}
