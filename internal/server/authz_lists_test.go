package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/testfx"
)

// refused is a list row's expectation for a subject the page turns away:
// the status, negated.
func refused(status int) int { return -status }

// listRows is one list page with the rows each subject should see.
type listRows struct {
	path  string
	rows  string         // CSS selector of one row
	wants map[string]int // subject → rows, or refused(status)
}

// A list page that answers 200 with one row too many leaks as surely as a
// page that should have said 404. Each subject sees exactly the rows the
// world gives them (see world, plus the kudos, retros and cycle below).
func TestListPagesShowEachSubjectExactlyTheirRows(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	team := w.team
	// Kudos: one for everyone, one for the team Atlas, and two for their
	// recipients (whose direct managers see them too).
	f.Kudo(t, w.orgA, w.report.ID, []int64{w.outsider.ID}, "org", nil)
	f.Kudo(t, w.orgA, w.manager.ID, []int64{w.report.ID}, "team", &team)
	f.Kudo(t, w.orgA, w.leader2.ID, []int64{w.loner.ID}, "recipients", nil)
	f.Kudo(t, w.orgA, w.admin.ID, []int64{w.report.ID}, "recipients", nil)
	// Two retros of Atlas: its members and the leader above its manager.
	f.Retro(t, w.orgA, w.team, testfx.RetroOpts{Title: "Sprint 1"})
	f.Retro(t, w.orgA, w.team, testfx.RetroOpts{Title: "Sprint 2", Phase: "done"})
	// A review cycle of the report: theirs, their manager's, the leader's
	// above, and the admin's.
	f.Cycle(t, w.orgA, testfx.CycleOpts{CreatedBy: w.admin.ID}, w.report.ID)
	// Two health checks of Atlas, one closed with enough answers.
	f.HealthCheck(t, w.orgA, w.team, testfx.HealthOpts{Title: "March"})
	f.HealthCheck(t, w.orgA, w.team, testfx.HealthOpts{Title: "February", Closed: true, Answers: []int{3, 4, 5}})

	// Subjects in order: anon, employee, managerOwn, managerOther, leader,
	// admin, otherAdmin, leaderOut, teamMember, nonMember, deactivated.
	counts := func(v ...int) map[string]int {
		m := map[string]int{}
		for i, who := range subjects {
			m[who] = v[i]
		}
		return m
	}
	signIn := refused(303)
	lists := []listRows{
		// Active people below the viewer (the manager: report, Rita; the
		// leader: also the manager); admins everyone active in their org.
		{"/people", "main table tbody tr", counts(signIn, refused(403), 2, 2, 3, 9, 1, 0, refused(403), refused(403), signIn)},
		// Teams of the viewer's organisation: Atlas.
		{"/teams", "main table tbody tr", counts(signIn, 1, 1, 1, 1, 1, 0, 1, 1, 1, signIn)},
		// org: all of org A; team: Atlas's members; recipients: author,
		// recipients and the recipients' managers.
		{"/kudos", "article.kudo", counts(signIn, 3, 3, 3, 1, 2, 0, 2, 2, 2, signIn)},
		// The series the viewer takes part in.
		{"/oneonones", "main table tbody tr", counts(signIn, 1, 1, 1, 0, 1, 0, 0, 0, 0, signIn)},
		// The series the viewer runs as a manager.
		{"/checkins", "table.checkins tbody tr", counts(signIn, refused(403), 1, 1, 0, 1, 0, 0, refused(403), refused(403), signIn)},
		// Managers running 1:1s below the leader (all of them for admins).
		{"/checkins/managers", "main table tbody tr", counts(signIn, refused(403), refused(403), refused(403), 1, 2, 0, 0,
			refused(403), refused(403), signIn)},
		{"/reviews", `table[aria-labelledby="cycles-h"] tbody tr`, counts(signIn, 1, 1, 1, 1, 1, 0, 0, 0, 0, signIn)},
		{fmt.Sprintf("/teams/%d/retros", w.team), "ul.retro-list > li", counts(signIn, 2, 2, 2, 2, refused(404), refused(404),
			refused(404), 2, refused(404), signIn)},
		// Teams whose health the viewer reads: Atlas for its members, the
		// leader above its manager and the admin.
		{"/health", "ul.health-teams > li", counts(signIn, 1, 1, 1, 1, 1, 0, 0, 1, 0, signIn)},
		{"/health/rollup", "table.health-heat tbody tr", counts(signIn, refused(403), refused(403), refused(403), 1, 1, 0, 0,
			refused(403), refused(403), signIn)},
		{fmt.Sprintf("/teams/%d/health", w.team), "table.health-checks tbody tr", counts(signIn, 2, 2, 2, 2, 2, refused(404),
			refused(404), 2, refused(404), signIn)},
		// Org A's log: the deactivation of Dee and the personal access
		// token each of its eight people made for the API routes (the two
		// manager subjects are one person); org B's: Bea's token.
		{"/admin/audit", "table.audit tbody tr", counts(signIn, refused(403), refused(403), refused(403), refused(403), 9, 1,
			refused(403), refused(403), refused(403), signIn)},
	}
	checks := 0
	for _, l := range lists {
		for _, who := range subjects {
			want := l.wants[who]
			r := w.clients[who].Get(l.path)
			checks++
			if want < 0 {
				if r.Status != -want {
					t.Errorf("%s as %s: status %d, want %d", l.path, who, r.Status, -want)
				}
				continue
			}
			if r.Status != 200 {
				t.Errorf("%s as %s: status %d, want 200 with %d rows", l.path, who, r.Status, want)
				continue
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Find(l.rows).Length(); got != want {
				t.Errorf("%s as %s: %d rows, want %d:\n%s", l.path, who, got, want, doc.Find(l.rows).Text())
			}
		}
	}
	t.Logf("list pages: %d pages × %d subjects = %d row counts", len(lists), len(subjects), checks)
}
