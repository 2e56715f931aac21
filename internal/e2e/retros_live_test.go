package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/retro"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// waitUntil polls a JavaScript condition in the tab until it is true, and
// fails the test with what the tab shows if it never is.
func (b *tab) waitUntil(what, js string, timeout time.Duration) {
	b.t.Helper()
	// The page may be between documents (a reload): an error is a "not yet".
	check := `(() => { try { return String(!!(` + js + `)) } catch (e) { return "false" } })()`
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](check, chromedp.EvalAwaitPromise))
		if err == nil && ok == "true" {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %s (%v); the page shows:\n%s", what, timeout, err, b.text("main"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// countIs is a condition: the Reflect board says n cards were written.
func countIs(n int) string {
	return fmt.Sprintf(`/^\s*%d cards? so far/.test(document.querySelector("#retro-board .retro-count")?.textContent ?? "")`, n)
}

// markPage tags the current document; pageKept reports whether the tag is
// still there, i.e. the page was not reloaded since.
func (b *tab) markPage() { b.eval(`(() => { window.__kept = "yes"; return "" })()`) }

func (b *tab) pageKept() bool { return b.eval(`String(window.__kept || "")`) == "yes" }

// TestRetroRoomUpdatesLiveInAnotherBrowser: two people of one team, each in
// their own browser context, have the same retro open. A card written by one
// shows up as a count in the other's room without a reload; when the
// facilitator reveals the cards, the other room shows their text; and text
// typed on the board survives an update that arrives meanwhile.
func TestRetroRoomUpdatesLiveInAnotherBrowser(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour Labs")
	mia := f.Person(t, org, testfx.PersonOpts{Name: "Mia Moreau", Title: "Engineering Manager",
		Email: fmt.Sprintf("mia.%d@harbour.test", org), Role: core.RoleManager})
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", Title: "Engineer",
		Email: fmt.Sprintf("ana.%d@harbour.test", org), ManagerID: mia.ID})
	team := f.Team(t, org, "Harbour", mia.ID, ana.ID)
	retroID, _ := f.Retro(t, org, team, testfx.RetroOpts{Title: "Sprint 31 retro"})
	room := fmt.Sprintf("/retros/%d", retroID)

	// Mia facilitates (she manages a member); Ana takes part.
	m := newTab(t, app.URL)
	m.signIn(mia.Email)
	m.open(room)
	a := newTab(t, app.URL)
	a.signIn(ana.Email)
	a.open(room)
	for _, b := range []*tab{m, a} {
		b.assertClean()
		b.waitUntil("the room's stream is connected", `window.EventSource && document.querySelector("#retro-board")`, 15*time.Second)
	}
	// Let both streams open before anything happens.
	time.Sleep(300 * time.Millisecond)
	m.markPage()

	// Ana writes a card. Mia's room counts it, without a reload, and does
	// not show its text: cards stay private during Reflect.
	a.typeInto("#f-body", "Pairing on the release checklist caught two mistakes")
	if status := a.submit("form.retro-write button[type=submit]"); status != 200 {
		t.Fatalf("posting the card answered %d", status)
	}
	m.waitUntil("Mia's room counts Ana's card", countIs(1), 15*time.Second)
	if !m.pageKept() {
		t.Error("Mia's room was reloaded; it should update in place")
	}
	if strings.Contains(m.text("#retro-board"), "Pairing on the release checklist") {
		t.Error("Mia's room shows the text of Ana's card during Reflect")
	}
	m.assertClean()
	m.screenshots("retro-live-reflect")

	// Ana starts editing her card on the board (the edit box is inside the
	// live part) while Mia adds a card: Ana's board catches up without
	// losing what she typed or where she is typing.
	a.markPage()
	edit := `#retro-board details textarea`
	a.eval(`(() => {
		document.querySelector("#retro-board details").open = true;
		const box = document.querySelector("` + edit + `");
		box.focus();
		box.setSelectionRange(box.value.length, box.value.length);
		return "";
	})()`)
	a.typeInto(edit, " and one more")
	m.typeInto("#f-body", "Stand-ups ran past fifteen minutes twice")
	if status := m.submit("form.retro-write button[type=submit]"); status != 200 {
		t.Fatalf("Mia's card answered %d", status)
	}
	a.waitUntil("Ana's board counts Mia's card", countIs(2), 15*time.Second)
	if got := a.value(edit); !strings.HasSuffix(got, " and one more") {
		t.Errorf("the card Ana was editing reads %q after the update; her typing was lost", got)
	}
	if got := a.eval(`document.activeElement ? document.activeElement.matches("#retro-board details textarea") + "" : "false"`); got != "true" {
		t.Errorf("after the update the focus left the box Ana was typing in")
	}
	if !a.pageKept() {
		t.Error("Ana's room was reloaded; it should update in place")
	}
	a.assertClean()

	// Ana saves her edit. Mia moves the retro on to Group: a phase change
	// reworks the whole room, so Ana's page reloads by itself and shows the
	// new phase with both cards revealed.
	if status := a.submit(`#retro-board details form button[type=submit]`); status != 200 {
		t.Fatalf("saving the edit answered %d", status)
	}
	a.markPage()
	if status := m.submit(`form[action$="/phase"] button.btn-primary`); status != 200 {
		t.Fatalf("moving to Group answered %d", status)
	}
	a.waitUntil("Ana's room shows the Group phase with the revealed cards",
		`document.querySelector(".phase-now").textContent.includes("Now: Group") &&
		 ["caught two mistakes and one more", "Stand-ups ran past fifteen minutes"].every((s) => document.querySelector("#retro-board").textContent.includes(s))`,
		8*time.Second)
	a.assertClean()
	a.screenshots("retro-live-group")

	// Ana is naming a new group when Mia moves on to Vote: her page does not
	// reload under her; it keeps her text and offers the reload.
	a.markPage()
	group := `#retro-board input[name=group_name]`
	a.typeInto(group, "Release hygiene")
	if status := m.submit(`form[action$="/phase"] button.btn-primary`); status != 200 {
		t.Fatalf("moving to Vote answered %d", status)
	}
	a.waitUntil("Ana sees that the room moved on", `(() => { const p = document.querySelector(".live-status"); return p && !p.hidden && p.textContent.includes("moved on") })()`, 15*time.Second)
	if got := a.value(group); got != "Release hygiene" {
		t.Errorf("Ana's group name reads %q after the phase change", got)
	}
	if !a.pageKept() {
		t.Error("Ana's page reloaded over the text she was typing")
	}
	a.assertClean()
	a.screenshots("retro-live-moved-on")
	a.do(chromedp.Click(chromedp.CSS(".live-status button"), chromedp.NodeVisible))
	a.waitUntil("after her reload Ana's room is at Vote", `document.querySelector(".phase-now") && document.querySelector(".phase-now").textContent.includes("Now: Vote")`, 15*time.Second)
	a.assertClean()
}

// TestRetroRoomSaysWhenItReconnects: when the connection to the server drops,
// the room says it is reconnecting; the browser reconnects by itself, and
// what happened meanwhile shows up without a reload.
func TestRetroRoomSaysWhenItReconnects(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Tideway")
	ana := f.Person(t, org, testfx.PersonOpts{Name: "Ana Ruiz", Email: fmt.Sprintf("ana.%d@tideway.test", org)})
	ben := f.Person(t, org, testfx.PersonOpts{Name: "Ben Okafor", Email: fmt.Sprintf("ben.%d@tideway.test", org)})
	team := f.Team(t, org, "Tideway", ana.ID, ben.ID)
	retroID, cols := f.Retro(t, org, team, testfx.RetroOpts{Title: "Sprint 8 retro"})
	room := fmt.Sprintf("/retros/%d", retroID)
	benC := app.Client(t)
	benC.SignIn(ben.Email, testfx.Password)
	postCard := func(body string) {
		t.Helper()
		r := benC.Post(room+"/cards", url.Values{"column_id": {fmt.Sprint(cols[0])}, "body": {body}})
		if r.Status != 303 {
			t.Fatalf("Ben's card: status %d", r.Status)
		}
	}

	a := newTab(t, app.URL)
	a.signIn(ana.Email)
	a.open(room)
	a.markPage()
	deadline := time.Now().Add(5 * time.Second)
	for app.Live.Subscribers(retro.Topic(retroID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Ana's room never opened its event stream")
		}
		time.Sleep(20 * time.Millisecond)
	}
	postCard("Release notes were late")
	a.waitUntil("Ana's room counts Ben's first card", countIs(1), 15*time.Second)

	// The connection drops (a proxy restarts, the laptop changes network),
	// and Ben writes another card while Ana's room is away.
	app.HTTP.CloseClientConnections()
	a.waitUntil("Ana's room says it is reconnecting", `(() => { const p = document.querySelector(".live-status"); return p && !p.hidden && p.textContent.includes("Reconnecting") })()`, 15*time.Second)
	postCard("On-call handover went smoothly")
	a.waitUntil("Ana's room is back and counts the card written while it was away",
		countIs(2)+` && document.querySelector(".live-status").hidden`, 15*time.Second)
	if !a.pageKept() {
		t.Error("Ana's room was reloaded; it should catch up in place")
	}
	// The browser reports the cut stream itself; nothing else may be wrong.
	for _, p := range a.takeConsole() {
		if !strings.Contains(p, room+"/events") {
			t.Errorf("console: %s", p)
		}
	}
	a.assertClean()
}
