package e2e

import (
	"github.com/chromedp/chromedp"

	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestKudosFromPostToPresentMode: a kudo to two people with a competency,
// a reaction with htmx, a comment, the team's ritual board and present mode.
func TestKudosFromPostToPresentMode(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Lumen Health")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@lumen.test", handle, n), Role: role, ManagerID: mgr})
	}
	lead := mk("Sofia Marin", "sofia", core.RoleManager, 0)
	kai := mk("Kai Tanaka", "kai", core.RoleEmployee, lead.ID)
	noor := mk("Noor Haddad", "noor", core.RoleEmployee, lead.ID)
	team := f.Team(t, org, "Care Platform", lead.ID, kai.ID, noor.ID)
	ritual := f.Ritual(t, org, team, "Friday shout-outs")

	b := newTab(t, app.URL)
	b.signIn(lead.Email)
	b.open("/kudos")
	if !strings.Contains(b.text("main"), "No kudos yet") {
		t.Error("the empty feed does not teach")
	}
	b.screenshots("kudos-empty")
	b.open("/kudos/new")
	b.assertClean()
	// A bad form first: no recipients, a too-short message.
	b.typeInto("#f-did", "Thanks")
	b.submitExpecting("main form.stack .form-actions button[type=submit]", http.StatusUnprocessableEntity)
	if fe := b.fieldError("to"); !fe.Found {
		t.Error("no error next to the recipients")
	}
	if got := b.value("#f-did"); got != "Thanks" {
		t.Errorf("typed text not kept: %q", got)
	}
	b.screenshots("kudo-form-errors")
	b.clear("#f-did")
	b.typeInto("#f-to", fmt.Sprintf("@kai%d, @noor%d", n, n))
	b.typeInto("#f-did", "Rebuilt the appointment reminders so they respect each clinic's time zone")
	b.typeInto("#f-impact", "No-shows dropped by a third in the first week")
	b.eval(`document.querySelector('input[name="competencies"]').click(); "ok"`)
	if status := b.submit("main form.stack .form-actions button[type=submit]"); status != http.StatusOK {
		t.Fatalf("posting answered %d", status)
	}
	if !strings.HasPrefix(b.path(), "/kudos/") {
		t.Fatalf("after posting: %s", b.path())
	}
	text := b.text("main")
	for _, want := range []string{"Kai Tanaka", "Noor Haddad", "No-shows dropped"} {
		if !strings.Contains(text, want) {
			t.Errorf("the kudo page lacks %q", want)
		}
	}
	b.assertClean()

	// React with htmx: the bar updates in place, no navigation.
	before := b.path()
	b.eval(`document.querySelector('.reactions button').click(); "ok"`)
	b.waitFor(`.reactions button[aria-pressed="true"]`)
	if b.path() != before {
		t.Errorf("reacting navigated to %s", b.path())
	}
	if got := b.text(".reactions button[aria-pressed=true] .n"); got != "1" {
		t.Errorf("reaction count %q, want 1", got)
	}
	// Comment (plain form post).
	b.typeInto("#f-comment", "This made Monday calmer for everyone.")
	b.submit("#comments form button[type=submit]")
	if !strings.Contains(b.text("#comments"), "This made Monday calmer") {
		t.Error("the comment is not shown")
	}
	b.screenshots("kudo")

	// The feed and the ritual board.
	b.open("/kudos")
	if got := b.evalInt(`document.querySelectorAll("article.kudo").length`); got != 1 {
		t.Errorf("the feed shows %d kudos, want 1", got)
	}
	b.screenshots("kudos-feed")
	b.assertNoSidewaysScrollOnPhone()
	b.open(fmt.Sprintf("/rituals/%d", ritual))
	if !strings.Contains(b.text("main"), "No-shows dropped") {
		t.Error("the kudo is not on the team's ritual board")
	}
	b.screenshots("ritual-board")
	b.open(fmt.Sprintf("/rituals/%d/present", ritual))
	if got := b.text(".slide h1"); got != "Kai Tanaka and Noor Haddad" {
		t.Errorf("present mode slide title %q", got)
	}
	b.assertClean()
	b.screenshots("present")
	// The Escape key leaves present mode for the board.
	b.eval(`document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"})); "ok"`)
	b.waitFor(".board-nav")
	if !strings.HasSuffix(b.path(), fmt.Sprintf("/rituals/%d", ritual)) {
		t.Errorf("Escape led to %s", b.path())
	}
	b.open("/recognition/equity")
	b.assertClean()
	b.screenshots("equity")
}

// waitFor waits up to five seconds for a selector to match.
func (b *tab) waitFor(sel string) {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b.evalInt(fmt.Sprintf("document.querySelectorAll(%q).length", sel)) > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s did not appear at %s", sel, b.where())
}

// submitInPlace clicks a submit button of a form that answers in place
// (htmx) and waits until the section sel is redrawn, failing if the page
// navigated instead.
func (b *tab) submitInPlace(button, sel string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(() => { window.__inPlace = true; document.querySelector(%q).dataset.old = "1"; return "" })()`, sel))
	b.do(chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	b.waitFor(sel + ":not([data-old])")
	if b.eval(`String(window.__inPlace === true)`) != "true" {
		b.t.Fatalf("submitting %s loaded a new page (%s) instead of redrawing %s", button, b.where(), sel)
	}
}
