package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestPulseAnsweredThenResultsAfterTheThreshold: an employee finds the open
// pulse on the home page, sends it without eNPS (refused next to it, the
// clicked ratings kept), answers; two colleagues had answered; once the
// round closes the employee sees the round's figures, and the leader sees
// them with the breakdowns. Screenshots of the answer and results pages at
// both widths.
func TestPulseAnsweredThenResultsAfterTheThreshold(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Lantern Works")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@lantern.test", handle, n), Role: role, ManagerID: mgr})
	}
	lead := mk("Iris Okafor", "iris", core.RoleLeader, 0)
	mgr := mk("Tomas Reyes", "tomas", core.RoleManager, lead.ID)
	emp := mk("Lina Park", "lina", core.RoleEmployee, mgr.ID)
	var ids []int64
	for i := range 3 {
		ids = append(ids, mk(fmt.Sprintf("Engineer %d", i+1), fmt.Sprintf("eng%d", i), core.RoleEmployee, mgr.ID).ID)
	}
	team := f.Team(t, org, "Lighthouse", append([]int64{mgr.ID, emp.ID}, ids...)...)
	// Round 1 closed two weeks ago with three answers; round 2 is open.
	id := f.Pulse(t, org, testfx.PulseOpts{Title: "Fortnightly pulse", Scope: "tree", RootID: lead.ID, CreatedBy: lead.ID,
		Statements: []string{"I have a good working relationship with my manager.", "I get useful feedback on my work.", "I feel recognised for my work."},
		StartsAt:   time.Now().Add(-14*24*time.Hour - time.Hour)})
	f.PulseAnswers(t, org, id, 1, []testfx.PulseAnswer{
		{Scores: []int{3, 3, 3}, ENPS: 7, TeamID: team, ManagerID: mgr.ID},
		{Scores: []int{4, 2, 3}, ENPS: 5, TeamID: team, ManagerID: mgr.ID},
		{Scores: []int{4, 3, 4}, ENPS: 9, TeamID: team, ManagerID: mgr.ID},
	})
	f.PulseAnswers(t, org, id, 2, []testfx.PulseAnswer{
		{Scores: []int{4, 3, 4}, ENPS: 9, Comment: "Demos every Friday keep us close", TeamID: team, ManagerID: mgr.ID},
		{Scores: []int{5, 4, 3}, ENPS: 6, TeamID: team, ManagerID: mgr.ID},
	})

	b := newTab(t, app.URL)
	b.signIn(emp.Email)
	if !strings.Contains(b.text("main"), "Fortnightly pulse") {
		t.Fatalf("the home page does not offer the open pulse:\n%s", b.text("main"))
	}
	b.open(fmt.Sprintf("/pulses/%d/answer", id))
	b.assertClean()
	for pos, s := range []int{4, 2, 5} {
		b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="score_%d"][value="%d"]`, pos+1, s)), chromedp.NodeVisible))
	}
	b.typeInto("#f-comment", "More feedback between reviews would help")
	b.submitExpecting("main form.health-form button[type=submit]", http.StatusUnprocessableEntity)
	if msg := b.text("#f-enps-error"); !strings.Contains(msg, "0 (not at all likely) to 10") {
		t.Errorf("no error next to eNPS: %q", msg)
	}
	if n := b.evalInt(`document.querySelectorAll("input[type=radio]:checked").length`); n != 3 {
		t.Errorf("the refused form kept %d of the 3 clicked ratings", n)
	}
	b.assertClean()
	b.screenshots("pulse-answer")
	b.assertNoSidewaysScrollOnPhone()
	b.do(chromedp.Click(chromedp.CSS(`input[name="enps"][value="8"]`), chromedp.NodeVisible))
	if status := b.submit("main form.health-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("answer: %d\n%s", status, b.text("main"))
	}
	if !strings.Contains(b.text("main"), "your answer is in") {
		t.Fatalf("no thanks after answering: %s", b.text("main"))
	}

	// The round closes.
	if _, err := app.Pool.Exec(t.Context(), "UPDATE pulses SET starts_at = starts_at - interval '4 days' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	b.open(fmt.Sprintf("/pulses/%d", id))
	// Round 2, S1: 4, 5, 4 → 4.3; eNPS: 9, 6, 8 → 1 promoter, 1 detractor of 3: 0.
	row := b.text("main section[aria-labelledby=round-h] table tbody tr:first-child")
	if !strings.Contains(row, "good working relationship") || !strings.Contains(row, "4.3") {
		t.Errorf("the first statement's row is %q", row)
	}
	if !strings.Contains(b.text("main"), "More feedback between reviews would help") || strings.Contains(b.text("main"), "By team") {
		t.Errorf("the employee's results lack the comment or show breakdowns")
	}
	l := newTab(t, app.URL)
	l.signIn(lead.Email)
	l.open(fmt.Sprintf("/pulses/%d", id))
	if l.evalInt(`document.querySelectorAll('svg polyline.trend-avg').length`) != 1 {
		t.Errorf("no trend line over the two rounds")
	}
	if !strings.Contains(l.text("main"), "By manager") || !strings.Contains(l.text("main"), "Tomas Reyes") {
		t.Errorf("the leader's results lack the breakdown by manager:\n%s", l.text("main"))
	}
	l.assertClean()
	l.screenshots("pulse-results")
	l.assertNoSidewaysScrollOnPhone()
}
