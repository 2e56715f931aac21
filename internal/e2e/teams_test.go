package e2e

import (
	"fmt"
	"strings"
	"testing"

	"rapport/internal/testapp"
)

// TestTeamListPagesAndSearches: an organisation with more teams than fit on
// one screen gets them 50 at a time, a link to the next ones and a search box.
func TestTeamListPagesAndSearches(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org, ceo := seedOrg(t, app.F)
	for i := 1; i <= 57; i++ {
		app.F.Team(t, org, fmt.Sprintf("Delivery squad %02d", i))
	}

	b := newTab(t, app.URL)
	b.signIn(ceo.Email)
	b.open("/teams")
	b.assertClean()
	if n := b.evalInt(`document.querySelectorAll("table.data tbody tr").length`); n != 50 {
		t.Errorf("first screen has %d teams, want 50", n)
	}
	b.screenshots("teams-paged")
	b.assertNoSidewaysScrollOnPhone()

	b.submit(`a[rel="next"]`)
	if n := b.evalInt(`document.querySelectorAll("table.data tbody tr").length`); n != 7 {
		t.Errorf("second screen has %d teams, want 7", n)
	}
	if got := b.text("main"); !strings.Contains(got, "Delivery squad 57") || !strings.Contains(got, "First teams") {
		t.Errorf("second screen: %q", got)
	}
	b.assertClean()

	b.typeInto("#q", "squad 1")
	b.submit(`form[role="search"] button`)
	if n := b.evalInt(`document.querySelectorAll("table.data tbody tr").length`); n != 10 {
		t.Errorf("search for squad 1 shows %d teams, want 10", n)
	}
	if v := b.value("#q"); v != "squad 1" {
		t.Errorf("search box holds %q", v)
	}
	b.screenshots("teams-search")
}
