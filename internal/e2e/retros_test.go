package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestRetroThroughEveryPhase: a manager starts a retro from the form, reviews
// last retro's actions, writes a card, groups, votes, notes, agrees an action
// and closes it — with screenshots of each phase at both widths.
func TestRetroThroughEveryPhase(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Northwind Labs")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@northwind.test", handle, n), Role: role, ManagerID: mgr})
	}
	lead := mk("Priya Raman", "priya", core.RoleManager, 0)
	tom := mk("Tomás Ortega", "tomas", core.RoleEmployee, lead.ID)
	lin := mk("Lin Zhou", "lin", core.RoleEmployee, lead.ID)
	team := f.Team(t, org, "Payments", lead.ID, tom.ID, lin.ID)
	last, _ := f.Retro(t, org, team, testfx.RetroOpts{Title: "Sprint 22 retro", Phase: "done"})
	f.RetroAction(t, org, last, tom.ID, "Write the runbook for failed payouts", "2026-01-15")

	b := newTab(t, app.URL)
	b.signIn(lead.Email)
	b.open(fmt.Sprintf("/teams/%d/retros", team))
	b.assertClean()
	b.open(fmt.Sprintf("/teams/%d/retros/new", team))
	b.assertClean()
	// A bad form first: no name.
	b.clear("#f-title")
	b.submitExpecting("main form.stack button[type=submit]", http.StatusUnprocessableEntity)
	if fe := b.fieldError("title"); !fe.Found || fe.Error == "" {
		t.Error("no error next to the retro's name")
	}
	b.screenshots("retro-new-form-errors")
	b.assertNoSidewaysScrollOnPhone()
	b.typeInto("#f-title", "Sprint 23 retro")
	b.selectOption("#f-template", "msg")
	b.eval(`document.querySelector('#f-kudos').click(); "ok"`)
	if status := b.submit("main form.stack button[type=submit]"); status != http.StatusOK {
		t.Fatalf("start retro: %d\n%s", status, b.text("main"))
	}
	room := b.path()
	if !strings.Contains(b.text(".stepper [aria-current=step]"), "Open actions") {
		t.Errorf("the stepper does not show Open actions as the current phase: %q", b.text(".stepper"))
	}
	if !strings.Contains(b.text("#retro-board"), "Write the runbook for failed payouts") {
		t.Fatalf("last retro's open action is not reviewed first")
	}
	b.screenshots("retro-1-open-actions")
	b.assertNoSidewaysScrollOnPhone()
	b.submit(`#retro-board form button[type=submit]`) // Done
	next := func(phase string) {
		t.Helper()
		if status := b.submit(".phase-controls form:last-child button"); status != http.StatusOK {
			t.Fatalf("move to %s: %d", phase, status)
		}
		if got := b.text(".stepper [aria-current=step]"); !strings.Contains(got, phase) {
			t.Fatalf("after moving, the current phase is %q, want %s", got, phase)
		}
		b.assertClean()
	}
	next("Reflect")

	var cols []int64
	app.Pool.QueryRow(t.Context(), "SELECT array_agg(id ORDER BY position) FROM retro_columns WHERE retro_id = (SELECT max(id) FROM retros WHERE team_id = $1)", team).Scan(&cols)
	var id int64
	fmt.Sscanf(room, "/retros/%d", &id)
	f.RetroCard(t, org, id, cols[0], tom.ID, "Payout retries paged us three nights in a row")
	f.RetroCard(t, org, id, cols[0], lin.ID, "On-call alerts for retries are too noisy")
	f.RetroCard(t, org, id, cols[2], lin.ID, "The new ledger view made reconciliation a breeze")
	b.selectOption("#f-column_id", fmt.Sprint(cols[2]))
	b.typeInto("#f-body", "Pairing with Lin on the ledger migration taught me a lot")
	b.submit("form.retro-write button[type=submit]")
	board := b.text("#retro-board")
	if !strings.Contains(board, "Pairing with Lin") || strings.Contains(board, "Payout retries") || !strings.Contains(board, "4 cards so far") {
		t.Errorf("during Reflect the board should show only my card and the count:\n%s", board)
	}
	b.screenshots("retro-2-reflect")
	b.assertNoSidewaysScrollOnPhone()

	next("Group")
	var first int64
	app.Pool.QueryRow(t.Context(), "SELECT id FROM retro_cards WHERE retro_id = $1 AND body LIKE 'Payout%'", id).Scan(&first)
	b.typeInto(fmt.Sprintf("#gn-%d", first), "Noisy on-call")
	b.submit(fmt.Sprintf("#card-%d form.group-form button", first))
	var second int64
	app.Pool.QueryRow(t.Context(), "SELECT id FROM retro_cards WHERE retro_id = $1 AND body LIKE 'On-call%'", id).Scan(&second)
	var group int64
	app.Pool.QueryRow(t.Context(), "SELECT group_id FROM retro_cards WHERE id = $1", first).Scan(&group)
	if group == 0 {
		t.Fatal("the card was not grouped")
	}
	b.selectOption(fmt.Sprintf("#g-%d", second), fmt.Sprint(group))
	b.submit(fmt.Sprintf("#card-%d form.group-form button", second))
	if got := b.text(".retro-groups"); !strings.Contains(got, "Noisy on-call") || !strings.Contains(got, "2 cards") {
		t.Errorf("groups read %q", got)
	}
	b.screenshots("retro-3-group")
	b.assertNoSidewaysScrollOnPhone()

	next("Vote")
	b.submit(".retro-item form button") // a vote for the first topic
	if got := b.text("#retro-board"); !strings.Contains(got, "2 of 3 votes left") || !strings.Contains(got, "You: 1") {
		t.Errorf("after voting the board reads:\n%s", got)
	}
	b.screenshots("retro-4-vote")
	b.assertNoSidewaysScrollOnPhone()

	next("Discuss")
	b.typeInto(".retro-item textarea", "Tune the retry alert to page only after three failures")
	b.submit(".retro-item .note-form button")
	if !strings.Contains(b.text("#retro-board"), "Tune the retry alert") || !strings.Contains(b.text("#retro-board"), "1 vote") {
		t.Errorf("discussion shows no note or no totals:\n%s", b.text("#retro-board"))
	}
	b.screenshots("retro-5-discuss")
	b.assertNoSidewaysScrollOnPhone()

	next("Actions")
	b.typeInto("#f-action_body", "Raise the retry alert threshold")
	b.selectOption("#f-owner_id", fmt.Sprint(lin.ID))
	b.eval(`document.querySelector('#f-due_on').value = "2030-02-14"; "ok"`)
	b.submit("form.retro-write button[type=submit]")
	if !strings.Contains(b.text("#retro-board"), "Raise the retry alert threshold") {
		t.Errorf("the action is not listed")
	}
	b.screenshots("retro-6-actions")

	next("Done")
	b.screenshots("retro-7-done")
	b.assertNoSidewaysScrollOnPhone()
	b.open(fmt.Sprintf("/teams/%d/retros", team))
	if got := b.text("main"); !strings.Contains(got, "Sprint 23 retro") || !strings.Contains(got, "Raise the retry alert threshold") {
		t.Errorf("history lacks the retro or its open action:\n%s", got)
	}
	b.screenshots("retro-history")
	b.assertNoSidewaysScrollOnPhone()
	b.assertClean()

	// The action's owner finds it on their home page and in their next 1:1.
	series := f.Series(t, org, lead.ID, lin.ID, time.Now().UTC().Format("2006-01-02"))
	meeting := f.Meeting(t, org, series, time.Now().UTC().Add(24*time.Hour).Format(time.RFC3339), "scheduled")
	owner := newTab(t, app.URL)
	owner.signIn(lin.Email)
	if got := owner.text("main"); !strings.Contains(got, "From retros") || !strings.Contains(got, "Raise the retry alert threshold") {
		t.Errorf("the owner's home page lacks the retro action:\n%s", got)
	}
	owner.screenshots("retro-action-home")
	owner.open(fmt.Sprintf("/meetings/%d", meeting))
	if got := owner.text("#actions"); !strings.Contains(got, "From retros") || !strings.Contains(got, "Raise the retry alert threshold") {
		t.Errorf("the 1:1 page lacks the owner's retro action:\n%s", got)
	}
	owner.screenshots("retro-action-meeting")
	owner.assertClean()
}
