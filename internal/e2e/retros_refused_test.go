package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// posts counts the POSTs to path in the server's access log.
func posts(app *testapp.TestApp, path string) int {
	return strings.Count(app.Logs.String(), "method=POST path="+path+" ")
}

// TestRetroRefusedFormIsSentOnce: a room form the server refuses (an empty
// card, one vote too many) answers with the room and the message beside the
// field. That answer keeps listening to the room, but it never sends the
// form again by itself — not while the page is open, and not when the
// facilitator moves the retro on: the page then goes to the room's own
// address.
func TestRetroRefusedFormIsSentOnce(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Quayside")
	mia := f.Person(t, org, testfx.PersonOpts{Name: "Mia Moreau", Title: "Engineering Manager",
		Email: fmt.Sprintf("mia.%d@quayside.test", org), Role: core.RoleManager})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", Title: "Engineer",
		Email: fmt.Sprintf("ana.%d@quayside.test", org), ManagerID: mia.ID})
	team := f.Team(t, org, "Quayside", mia.ID, ana.ID)
	retroID, cols := f.Retro(t, org, team, testfx.RetroOpts{Title: "Sprint 9 retro", Phase: "open_actions"})
	f.RetroCard(t, org, retroID, cols[0], mia.ID, "Pair on releases")
	if _, err := app.Pool.Exec(t.Context(), `UPDATE retros SET max_votes_per_card = 1 WHERE id = $1`, retroID); err != nil {
		t.Fatal(err)
	}
	room := fmt.Sprintf("/retros/%d", retroID)
	miaC := app.Client(t)
	miaC.SignIn(mia.Email, testfx.Password)
	move := func(from, to string) {
		t.Helper()
		if r := miaC.Post(room+"/phase", url.Values{"from": {from}, "to": {to}}); r.Status != 303 {
			t.Fatalf("moving %s → %s: status %d", from, to, r.Status)
		}
	}
	// The room's stream has a phase change in its past.
	move("open_actions", "reflect")

	a := newTab(t, app.URL)
	a.signIn(ana.Email)
	a.open(room)
	a.submitExpecting("form.retro-write button[type=submit]", 422)
	if fc := a.fieldError("body"); fc.Error == "" || !fc.Invalid {
		t.Errorf("the empty card's message is not beside the field: %+v", fc)
	}
	time.Sleep(3 * time.Second)
	if n := posts(app, room+"/cards"); n != 1 {
		t.Fatalf("one refused card was sent %d times", n)
	}
	a.screenshots("retro-refused-card")

	// Ana starts writing after all; the facilitator moves on meanwhile. The
	// page keeps her text and offers the reload; nothing is sent again.
	a.markPage()
	a.typeInto("#f-body", "Write release notes as we go")
	move("reflect", "group")
	a.waitUntil("Ana sees that the room moved on", `(() => { const p = document.querySelector(".live-status"); return p && !p.hidden && p.textContent.includes("moved on") })()`, 15*time.Second)
	if got := a.value("#f-body"); got != "Write release notes as we go" {
		t.Errorf("Ana's card reads %q after the phase change", got)
	}
	if !a.pageKept() {
		t.Error("the page was left over the text Ana was typing")
	}
	a.reset()
	a.eval(`(() => { document.querySelector(".live-status button").click(); return "" })()`)
	a.waitUntil("the reload goes to the room at Group", `location.pathname === "`+room+`" && document.querySelector(".phase-now")?.textContent.includes("Now: Group")`, 15*time.Second)
	if n := posts(app, room+"/cards"); n != 1 {
		t.Fatalf("after the reload the refused card was sent %d times", n)
	}

	// Voting: the second vote on one topic is refused, once.
	move("group", "vote")
	a.waitUntil("Ana's room follows to Vote", `document.querySelector(".phase-now")?.textContent.includes("Now: Vote")`, 15*time.Second)
	if status := a.submit(`#retro-board form[action$="/votes"] button[type=submit]`); status != 200 {
		t.Fatalf("the first vote answered %d", status)
	}
	a.submitExpecting(`#retro-board form[action$="/votes"]:not(:has(input[name=remove])) button[type=submit]`, 422)
	if msg := a.text(".error-summary"); !strings.Contains(msg, "At most 1 vote can go to one topic.") {
		t.Errorf("the refused vote says %q", msg)
	}
	time.Sleep(3 * time.Second)
	a.screenshots("retro-refused-vote")
	if n := posts(app, room+"/votes"); n != 2 {
		t.Fatalf("two votes, the second refused, were sent %d times", n)
	}
	// Voting ends: the refused vote's page goes to the room, not back to the vote.
	move("vote", "discuss")
	a.waitUntil("Ana's room follows to Discuss", `location.pathname === "`+room+`" && document.querySelector(".phase-now")?.textContent.includes("Now: Discuss")`, 15*time.Second)
	time.Sleep(time.Second)
	if n := posts(app, room+"/votes"); n != 2 {
		t.Fatalf("after the phase change the votes were sent %d times", n)
	}
	a.assertClean()
}
