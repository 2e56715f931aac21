package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestBriefBeforeTheNextOneOnOneAddsALineToTheAgenda opens the next 1:1,
// reads "Before you meet" and adds its overdue actions to the agenda in
// place; a second click adds nothing more.
func TestBriefBeforeTheNextOneOnOneAddsALineToTheAgenda(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Brief Bakery")
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Lena Fischer", Email: fmt.Sprintf("lena.%d@brief.test", org), Role: core.RoleManager})
	rep := f.Person(t, org, testfx.PersonOpts{Name: "Tomás Ortega", Email: fmt.Sprintf("tomas.%d@brief.test", org), ManagerID: mgr.ID})
	now := time.Now().UTC()
	series := f.Series(t, org, mgr.ID, rep.ID, now.AddDate(0, 0, -30).Format("2006-01-02"))
	held := f.Meeting(t, org, series, now.AddDate(0, 0, -7).Format(time.RFC3339), "held")
	next := f.Meeting(t, org, series, now.AddDate(0, 0, 1).Format(time.RFC3339), "scheduled")
	f.Action(t, org, held, rep.ID, "Draft the onboarding doc", now.AddDate(0, 0, -2).Format("2006-01-02"), nil)
	f.Kudo(t, org, mgr.ID, []int64{rep.ID}, "org", nil)
	// An open review with one competency evidenced, and a team whose
	// health moved between its last two checks.
	f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1"}, rep.ID)
	f.Observation(t, org, held, mgr.ID, rep.ID, f.Competency(t, "listening"), "Summarised the customer call well", "2026-03-02T10:00:00Z")
	team := f.Team(t, org, "Ovens", rep.ID)
	f.HealthCheck(t, org, team, testfx.HealthOpts{Closed: true, DaysAgo: 40, Answers: []int{3, 3, 3}})
	f.HealthCheck(t, org, team, testfx.HealthOpts{Closed: true, DaysAgo: 20, Ratings: [][]int{{2, 4}, {2, 4}, {3, 4}}})

	m := newTab(t, app.URL)
	m.signIn(mgr.Email)
	m.open(fmt.Sprintf("/meetings/%d", next))
	brief := m.text("#brief")
	for _, want := range []string{"Before you meet", "1 open action overdue or due by", "Draft the onboarding doc",
		"1 kudo for Tomás Ortega since the last 1:1", "7 days since the last 1:1 held",
		"9 competencies with no evidence for Tomás Ortega in 2026 H1", "2 dimensions moved in the latest health check"} {
		if !strings.Contains(brief, want) {
			t.Errorf("the brief lacks %q:\n%s", want, brief)
		}
	}
	add := `#brief li[data-line="actions"] form.brief-add button[type=submit]`
	m.submitInPlace(add, "#agenda")
	m.submitInPlace(add, "#agenda")
	agenda := m.text("#agenda")
	if n := strings.Count(agenda, "(from the brief: open actions of this 1:1 series)"); n != 1 {
		t.Fatalf("the agenda lists the brief's point %d times:\n%s", n, agenda)
	}
	if !strings.Contains(agenda, "Draft the onboarding doc") {
		t.Errorf("the point does not say what it is about:\n%s", agenda)
	}
	m.assertClean()
	m.screenshots("meeting-brief")
}
