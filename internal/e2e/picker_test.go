package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestPickerFindsElodieByKeyboard: typing "elod" in the kudos "To" box
// lists Élodie first (accents folded), ArrowDown and Enter write her
// @handle, and the kudo goes to her. The box behaves as a WAI-ARIA
// combobox throughout.
func TestPickerFindsElodieByKeyboard(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Atelier Nord")
	n := testfx.Next()
	mk := func(name, local string) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Title: "Designer", Email: fmt.Sprintf("%s%d@atelier.test", local, n), Role: core.RoleEmployee})
	}
	author := mk("Jonas Berg", "jonas")
	elodie := mk("Élodie Marchand", "elodie")
	mk("Mélodie Roux", "melodie")
	mk("Łukasz Wróbel", "lukasz")
	studio := f.Team(t, org, "Studio", elodie.ID)

	b := newTab(t, app.URL)
	b.signIn(author.Email)
	b.open("/kudos/new")
	b.assertClean()
	if got := b.eval(`document.querySelector("#f-to").getAttribute("role") || ""`); got != "combobox" {
		t.Fatalf("the To box has role %q, want combobox", got)
	}
	b.do(chromedp.Click(chromedp.CSS("#f-to"), chromedp.NodeVisible))
	b.typeInto("#f-to", "elod")
	// Each letter may search on its own when typing is slow; wait for "elod".
	b.waitFor(`#f-to-list [role=option]:nth-child(2)`)
	var state struct {
		Expanded, Controls, Status string
		Options                    []string
	}
	b.evalInto(&state, `({
		Expanded: document.querySelector("#f-to").getAttribute("aria-expanded"),
		Controls: document.querySelector("#f-to").getAttribute("aria-controls"),
		Status: document.querySelector("[data-picker-status]").textContent,
		Options: [...document.querySelectorAll("#f-to-list [role=option] .picker-name")].map(o => o.textContent)})`)
	if state.Expanded != "true" || state.Controls != "f-to-list" {
		t.Errorf("combobox state %+v", state)
	}
	if len(state.Options) != 2 || state.Options[0] != "Élodie Marchand" || state.Options[1] != "Mélodie Roux" {
		t.Errorf("options for elod: %q, want Élodie Marchand then Mélodie Roux", state.Options)
	}
	if !strings.HasPrefix(state.Status, "2 matches") {
		t.Errorf("live region says %q", state.Status)
	}

	b.do(chromedp.KeyEvent(kb.ArrowDown))
	active := b.eval(`document.querySelector("#f-to").getAttribute("aria-activedescendant") || ""`)
	if active == "" || b.eval(fmt.Sprintf(`document.getElementById(%q).getAttribute("aria-selected")`, active)) != "true" ||
		!strings.Contains(b.text("#"+active), "Élodie Marchand") {
		t.Fatalf("ArrowDown made %q active", active)
	}
	b.do(chromedp.KeyEvent(kb.Enter))
	if got, want := b.value("#f-to"), fmt.Sprintf("@elodie%d, ", n); got != want {
		t.Fatalf("after Enter the To box holds %q, want %q", got, want)
	}
	if b.path() != "/kudos/new" || b.eval(`document.querySelector("#f-to").getAttribute("aria-expanded")`) != "false" {
		t.Fatalf("Enter on an option submitted the form or left the list open: %s %s", b.path(), b.eval(`document.querySelector("#f-to").getAttribute("aria-expanded")`))
	}
	b.typeInto("#f-did", "Redrew the onboarding flow with three real customers in the room")
	b.typeInto("#f-impact", "Sign-ups finish in half the time")
	if status := b.submit("main form.stack .form-actions button[type=submit]"); status != http.StatusOK {
		t.Fatalf("posting answered %d", status)
	}
	if !strings.HasPrefix(b.path(), "/kudos/") || !strings.Contains(b.text("main h1"), "Élodie Marchand") {
		t.Fatalf("after posting: %s %q", b.path(), b.text("main h1"))
	}
	b.assertClean()

	// For people to look at: the list open, the first match active.
	b.open("/kudos/new")
	b.do(chromedp.Click(chromedp.CSS("#f-to"), chromedp.NodeVisible))
	b.typeInto("#f-to", "elod")
	b.waitFor(`#f-to-list [role=option]`)
	b.do(chromedp.KeyEvent(kb.ArrowDown))
	b.screenshots("picker-open")

	// The feed's team filter: own teams in the list, the picker for the
	// rest; choosing a team filters at once.
	b.open("/kudos")
	b.do(chromedp.Click(chromedp.CSS("#f-other_team"), chromedp.NodeVisible))
	b.typeInto("#f-other_team", "stu")
	b.waitFor(`#f-other_team-list [role=option]`)
	b.do(chromedp.KeyEvent(kb.ArrowDown))
	b.screenshots("kudos-team-picker")
	if _, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatalf("choosing a team: %v", err)
	}
	if got := b.eval(`new URLSearchParams(location.search).get("other_team") || ""`); got != fmt.Sprint(studio) {
		t.Errorf("choosing Studio filtered on %q, want %d", got, studio)
	}
	if !strings.Contains(b.text("main"), "Redrew the onboarding flow") {
		t.Error("the Studio filter hides Élodie's kudo")
	}
	b.assertClean()
}

// TestPickerWorksWithoutJavaScript: with scripts off, Find sends the kudos
// form to its search step, which keeps what was typed and asks which
// Camille is meant; the kudo then goes to the one chosen.
func TestPickerWorksWithoutJavaScript(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Sans Script")
	n := testfx.Next()
	mk := func(name, local string) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Title: "Engineer", Email: fmt.Sprintf("%s%d@noscript.test", local, n), Role: core.RoleEmployee})
	}
	author := mk("Ines Costa", "ines")
	mk("Camille Lefebvre", "camille.lefebvre")
	mk("Camille Martin", "camille.martin")
	mk("Łukasz Wróbel", "lukasz")

	b := newTab(t, app.URL)
	b.signIn(author.Email)
	scripts(b, false)
	b.open("/kudos/new")
	b.typeInto("#f-to", "lukasz, Camille")
	b.typeInto("#f-did", "Paired on the flaky deploy all afternoon")
	if status := b.submit(`button[name=pick][value=to]`); status != http.StatusOK {
		t.Fatalf("find: %d", status)
	}
	if got := b.value("#f-to"); got != fmt.Sprintf("@lukasz%d, ", n) {
		t.Errorf("settled recipients %q", got)
	}
	if got := b.value("#f-did"); got != "Paired on the flaky deploy all afternoon" {
		t.Errorf("message not kept: %q", got)
	}
	if got := b.text(".picker-results legend"); got != "Who is “Camille”?" {
		t.Errorf("asks %q", got)
	}
	// Screenshots wait for a frame with a script of their own; the page's
	// scripts do not run again when they are back on.
	scripts(b, true)
	b.screenshots("picker-no-js-step")
	scripts(b, false)
	b.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=to_pick_0][value="@camille.martin%d"]`, n)), chromedp.NodeVisible))
	b.typeInto("#f-impact", "The release went out on time")
	if status := b.submit("main form.stack .form-actions button[type=submit]"); status != http.StatusOK {
		t.Fatalf("post: %d", status)
	}
	if h1 := b.text("main h1"); !strings.Contains(h1, "Camille Martin") || !strings.Contains(h1, "Łukasz Wróbel") {
		t.Errorf("kudo for %q, want Camille Martin and Łukasz Wróbel", h1)
	}

	// Anyone can look up a colleague's handle.
	scripts(b, true)
	b.open("/pick/people?q=camille")
	b.assertClean()
	if got := b.text(".lookup-results"); !strings.Contains(got, fmt.Sprintf("@camille.martin%d", n)) {
		t.Errorf("lookup lists %q", got)
	}
	b.screenshots("picker-lookup")
}

// scripts turns the tab's JavaScript on or off.
func scripts(b *tab, on bool) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		b.t.Fatalf("scripts on=%v: %v", on, err)
	}
}
