package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestTeamHealthCheckFromAnswersToRadar: a manager opens a health check,
// gets the answer form wrong once, answers it by clicking; two teammates
// answer; the manager closes it and sees the radar with last month's check
// as an outline; the leader sees the organisation roll-up. Screenshots of
// the form, the results, the team's trend and the roll-up at both widths.
func TestTeamHealthCheckFromAnswersToRadar(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour Analytics")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@harbour.test", handle, n), Role: role, ManagerID: mgr})
	}
	lead := mk("Nadia Haddad", "nadia", core.RoleLeader, 0)
	mgr := mk("Jonas Berg", "jonas", core.RoleManager, lead.ID)
	ada := mk("Ada Mensah", "ada", core.RoleEmployee, mgr.ID)
	kai := mk("Kai Tanaka", "kai", core.RoleEmployee, mgr.ID)
	team := f.Team(t, org, "Data Platform", mgr.ID, ada.ID, kai.ID)
	// Last month's check, and two other teams for the roll-up.
	f.HealthCheck(t, org, team, testfx.HealthOpts{Title: "Last month", Closed: true, DaysAgo: 35,
		Ratings: [][]int{{3, 3, 2, 3, 4, 3, 2}, {4, 3, 3, 3, 4, 4, 3}, {3, 4, 2, 2, 3, 4, 3}}})
	otherMgr := mk("Rosa Lind", "rosa", core.RoleManager, lead.ID)
	var others []int64
	for i := range 3 {
		others = append(others, mk(fmt.Sprintf("Analyst %d", i+1), fmt.Sprintf("analyst%d", i), core.RoleEmployee, otherMgr.ID).ID)
	}
	growth := f.Team(t, org, "Growth", append([]int64{otherMgr.ID}, others...)...)
	f.HealthCheck(t, org, growth, testfx.HealthOpts{Title: "October", Closed: true, DaysAgo: 40,
		Ratings: [][]int{{4, 4, 4, 4, 4, 4, 4}, {5, 4, 4, 5, 4, 4, 4}, {4, 4, 5, 4, 4, 5, 4}}})
	f.HealthCheck(t, org, growth, testfx.HealthOpts{Title: "November", Closed: true, DaysAgo: 10,
		Ratings: [][]int{{3, 3, 4, 2, 3, 3, 4}, {3, 4, 3, 3, 3, 4, 3}, {4, 3, 3, 3, 2, 3, 4}}})
	quiet := f.Team(t, org, "Support Desk", otherMgr.ID, others[0])
	f.HealthCheck(t, org, quiet, testfx.HealthOpts{Title: "November", Closed: true, DaysAgo: 10, Answers: []int{4, 4}})

	b := newTab(t, app.URL)
	b.signIn(mgr.Email)
	b.open(fmt.Sprintf("/teams/%d/health/new", team))
	b.assertClean()
	b.clear("#f-title")
	b.typeInto("#f-title", "December health check")
	if status := b.submit("main form.stack button[type=submit]"); status != http.StatusOK {
		t.Fatalf("open the check: %d\n%s", status, b.text("main"))
	}
	checkPath := b.path()
	if !strings.Contains(b.text("main h1"), "December health check") {
		t.Fatalf("not on the new check: %s", b.text("main h1"))
	}
	b.assertClean()
	b.screenshots("health-check-form")
	b.assertNoSidewaysScrollOnPhone()

	// Send it with one rating missing: refused next to the dimension,
	// keeping what was clicked.
	rate := func(tb *tab, scores []int, trend, comment string, skip int) {
		for pos, s := range scores {
			if pos+1 == skip {
				continue
			}
			tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="score_%d"][value="%d"]`, pos+1, s)), chromedp.NodeVisible))
			tb.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="trend_%d"][value="%s"]`, pos+1, trend)), chromedp.NodeVisible))
		}
		if comment != "" {
			tb.typeInto("#f-comment", comment)
		}
	}
	rate(b, []int{4, 4, 3, 5, 3, 4, 3}, "better", "Pairing on the pipeline rewrite helped a lot", 2)
	b.submitExpecting("main form.health-form button[type=submit]", http.StatusUnprocessableEntity)
	if msg := b.text("#f-score_2-error"); !strings.Contains(msg, "from 1 to 5") {
		t.Errorf("no error next to the missing rating: %q", msg)
	}
	if n := b.evalInt(`document.querySelectorAll("input[type=radio]:checked").length`); n != 12 {
		t.Errorf("the refused form did not keep the clicked ratings: %d checked", n)
	}
	if !strings.Contains(b.value("#f-comment"), "Pairing on the pipeline") {
		t.Errorf("the refused form did not keep the comment")
	}
	b.assertClean()
	b.screenshots("health-check-form-errors")
	b.do(chromedp.Click(chromedp.CSS(`input[name="score_2"][value="4"]`), chromedp.NodeVisible))
	b.do(chromedp.Click(chromedp.CSS(`input[name="trend_2"][value="better"]`), chromedp.NodeVisible))
	if status := b.submit("main form.health-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("answer: %d\n%s", status, b.text("main"))
	}
	if !strings.Contains(b.text("main"), "your answer is in") {
		t.Errorf("no thanks after answering: %s", b.text("main"))
	}

	for i, p := range []testfx.Person{ada, kai} {
		tb := newTab(t, app.URL)
		tb.signIn(p.Email)
		tb.open("/health")
		if !strings.Contains(tb.text("main"), "December health check") {
			t.Errorf("%s does not see the check waiting for their answer", p.Name)
		}
		if i == 0 {
			tb.assertClean()
			tb.screenshots("health-home")
			tb.assertNoSidewaysScrollOnPhone()
		}
		tb.open(checkPath)
		rate(tb, [][]int{{3, 4, 2, 4, 3, 4, 4}, {5, 3, 3, 4, 4, 5, 2}}[i], []string{"same", "better"}[i], []string{"", "Hand-offs to Growth still get lost"}[i], 0)
		if status := tb.submit("main form.health-form button[type=submit]"); status != http.StatusOK {
			t.Fatalf("%s answers: %d\n%s", p.Name, status, tb.text("main"))
		}
	}

	// Close: the radar appears, with the numbers in a table beside it.
	b.open(checkPath)
	if status := b.submit(".page-header form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("close: %d", status)
	}
	if b.evalInt(`document.querySelectorAll('svg.radar-svg polygon.radar-area').length`) != 1 ||
		b.evalInt(`document.querySelectorAll('svg.radar-svg polygon.radar-prev').length`) != 1 {
		t.Fatalf("no radar with last month's outline:\n%s", b.text("main"))
	}
	// Trust and safety: 4, 3, 5 → 4.0 (last month 3.3: +0.7).
	row := b.text("main table tbody tr:first-child")
	if !strings.Contains(row, "Trust and safety") || !strings.Contains(row, "4.0") || !strings.Contains(row, "+0.7") {
		t.Errorf("the first row of the results is %q", row)
	}
	if !strings.Contains(b.text(".health-comments"), "Hand-offs to Growth still get lost") {
		t.Errorf("the comments are missing")
	}
	b.assertClean()
	b.screenshots("health-results")
	b.assertNoSidewaysScrollOnPhone()
	b.open(fmt.Sprintf("/teams/%d/health", team))
	b.assertClean()
	b.screenshots("health-team")
	b.assertNoSidewaysScrollOnPhone()

	l := newTab(t, app.URL)
	l.signIn(lead.Email)
	l.open("/health/rollup")
	rows := l.eval(`[...document.querySelectorAll('table.health-heat tbody th a:first-child')].map(a => a.textContent).join(",")`)
	if rows != "Growth,Data Platform,Support Desk" {
		t.Errorf("roll-up rows %q, want the worst mover first and the team without enough answers last", rows)
	}
	if !strings.Contains(l.text("main"), "Not enough responses (2 of 3 needed)") {
		t.Errorf("the roll-up does not mark the team without enough answers")
	}
	l.assertClean()
	l.screenshots("health-rollup")
	l.assertNoSidewaysScrollOnPhone()

	// The admin's settings page.
	adm := newTab(t, app.URL)
	adm.signIn(mk("Ines Admin", "ines", core.RoleAdmin, 0).Email)
	adm.open("/admin/health")
	adm.assertClean()
	adm.screenshots("health-admin")
	adm.assertNoSidewaysScrollOnPhone()
}
