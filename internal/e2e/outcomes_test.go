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

// TestOutcomesShowsWhoLeftAgainstWhoStayed opens the outcomes page as the
// leader of two managers, one of whom lost three of four people after
// their 1:1s stopped.
func TestOutcomesShowsWhoLeftAgainstWhoStayed(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Outcome Orchards")
	lead := f.Person(t, org, testfx.PersonOpts{Name: "Ines Leader", Email: fmt.Sprintf("ines.%d@outcomes.test", org), Role: core.RoleLeader})
	now := time.Now().UTC()
	day := func(d int) string { return now.AddDate(0, 0, d).Format("2006-01-02") }
	for _, m := range []struct {
		name  string
		held  int // weekly 1:1s held in the last 12 weeks
		leave int // how many of the four reports left
	}{{"Dario Drift", 2, 3}, {"Sofia Steady", 12, 0}, {"Kai Keeps", 10, 1}} {
		mgr := f.Person(t, org, testfx.PersonOpts{Name: m.name, Role: core.RoleManager, ManagerID: lead.ID})
		var ids []int64
		for i := range 4 {
			p := f.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("%s report %d", strings.Fields(m.name)[0], i+1), ManagerID: mgr.ID})
			ids = append(ids, p.ID)
			s := f.Series(t, org, mgr.ID, p.ID, day(-90))
			for w := range m.held {
				f.Meeting(t, org, s, now.AddDate(0, 0, -84+7*w).Format(time.RFC3339), "held")
			}
		}
		f.Team(t, org, strings.Fields(m.name)[1]+" team", ids...)
		for i := range m.leave {
			if _, err := app.Pool.Exec(t.Context(), `UPDATE users SET active = false, deactivated_at = now() - interval '5 days',
				left_reason = 'resigned' WHERE id = $1`, ids[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := newTab(t, app.URL)
	b.signIn(lead.Email)
	b.open("/outcomes")
	text := b.text("main")
	for _, want := range []string{"Correlation, not cause", "4 of 15 people who were here in the period", "Dario Drift", "3 of 4"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q:\n%s", want, text)
		}
	}
	b.assertClean()
	b.screenshots("outcomes")
}
