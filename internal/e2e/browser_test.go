// Package e2e drives the real Rapport server with a real headless Chromium:
// sign in, add a person, see them on the org chart, and keep screenshots of
// the main pages at desktop and phone widths for people to look at.
//
// One browser serves the whole package. Every test gets its own browser
// context (its own cookies) and its own tab, so the tests run in parallel.
//
// The browser is $CHROME_PATH, else chromium, chromium-browser or
// google-chrome on PATH. Without one the package fails and says how to
// install it: a run must never pass without the browser.
package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// testTimeout bounds one test's browser work, so that a stuck page fails the
// test in seconds instead of hanging until go test's own timeout.
const testTimeout = 60 * time.Second

var (
	dsn string

	// browserCtx is the chromedp context of the shared browser; tests open
	// their tabs from it.
	browserCtx context.Context
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run is TestMain without os.Exit, so that its deferred clean-ups run.
func run(m *testing.M) int {
	d, cleanup, err := testdb.Setup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	defer cleanup()
	dsn = d

	chromium, err := findChromium(os.Getenv, exec.LookPath, "/etc/os-release")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: %v\n", err)
		return 1
	}
	stop, err := startBrowser(chromium)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: FAIL: start %s: %v\n", chromium, err)
		return 1
	}
	defer stop()
	return m.Run()
}

// startBrowser starts the one Chromium of the package. chromedp gives it a
// fresh user-data-dir of its own and removes it when the browser stops.
func startBrowser(chromium string) (stop func(), err error) {
	out := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		// Chromium's own output (dbus complaints and the like) is noise unless
		// it fails to start.
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
	}

	// The first Do ties the browser's life to ctx, so it must not carry a
	// deadline; a timer stops a start that hangs instead.
	timer := time.AfterFunc(30*time.Second, cancelBrowser)
	err = chromedp.Do(ctx)
	timer.Stop()
	if err != nil {
		stop()
		return nil, fmt.Errorf("%w\nbrowser output:\n%s", err, out.String())
	}
	browserCtx = ctx
	return stop, nil
}

// ---------------------------------------------------------------------------
// Tests

// TestAdminAddsPersonAndSeesThemOnOrgChart is the main path of an admin:
// sign in, get the person form wrong once, then add a person under a manager
// and find them in the reporting tree.
func TestAdminAddsPersonAndSeesThemOnOrgChart(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	// Plain HTTP is enough: the session cookie is Secure and named __Host-,
	// and Chromium accepts Secure cookies from http://127.0.0.1 because
	// loopback counts as a secure context. signIn fails loudly if that ever
	// changes; then use the TLS server and chromedp.IgnoreCertErrors.
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Acme Robotics")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Grace Okoye", Title: "Head of People",
		Email: fmt.Sprintf("grace.%d@acme.test", org), Role: core.RoleAdmin})
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Marcus Lee", Title: "Engineering Manager",
		Email: fmt.Sprintf("marcus.%d@acme.test", org), Role: core.RoleManager, ManagerID: admin.ID})

	b := newTab(t, app.URL)

	// Sign in through the form, as a person would.
	b.signIn(admin.Email)
	if got, want := b.path(), "/"; got != want {
		t.Fatalf("after sign-in the browser is at %q, want the home page %q", got, want)
	}
	if h1 := b.text("main h1"); !strings.Contains(h1, "Grace") {
		t.Errorf("home page greets %q, want it to name Grace", h1)
	}
	b.assertClean()

	// The person form, submitted with no name and a bad email.
	b.open("/people/new")
	b.assertClean()
	b.assertSkipLinkFirst()
	b.open("/people/new") // a fresh page: the Tab check moved the focus.
	b.typeInto("#f-email", "not-an-email")
	b.submitExpecting("main form.stack .form-actions button[type=submit]", http.StatusUnprocessableEntity)
	if got, want := b.path(), "/people"; got != want {
		t.Errorf("the invalid form was re-shown at %q, want %q", got, want)
	}
	for _, field := range []string{"name", "email"} {
		fe := b.fieldError(field)
		if !fe.Found {
			t.Fatalf("no field %q on the re-shown form", field)
		}
		if fe.Error == "" {
			t.Errorf("field %q: no .field-error inside its .field after a bad submit", field)
			continue
		}
		if !fe.Invalid {
			t.Errorf("field %q: input is not aria-invalid=true although it shows %q", field, fe.Error)
		}
		if !fe.DescribedByError {
			t.Errorf("field %q: input's aria-describedby does not point at its error %q", field, fe.Error)
		}
		if !fe.HasErrorClass {
			t.Errorf("field %q: its .field has no has-error class", field)
		}
	}
	if got := b.value("#f-email"); got != "not-an-email" {
		t.Errorf("the form lost the typed email: #f-email is %q, want %q", got, "not-an-email")
	}
	if got := b.text(".error-summary"); !strings.Contains(got, "problem") {
		t.Errorf("error summary reads %q, want it to say there is a problem", got)
	}
	b.assertClean()
	b.screenshots("person-form-errors")

	// Now fill it in properly.
	b.typeInto("#f-name", "Rosa Parks")
	b.clear("#f-email")
	b.typeInto("#f-email", fmt.Sprintf("rosa.%d@acme.test", org))
	b.typeInto("#f-title", "Robotics Engineer")
	// The manager picker: type part of the name, choose by keyboard.
	b.typeInto("#f-manager_id", "marcus")
	b.waitFor(`#f-manager_id-list [role=option]`)
	b.do(chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	if got := b.value(`input[name=manager_id]`); got != fmt.Sprint(mgr.ID) {
		t.Fatalf("manager picker chose %q, want Marcus Lee (%d)", got, mgr.ID)
	}
	if status := b.submit("main form.stack .form-actions button[type=submit]"); status != http.StatusOK {
		t.Fatalf("adding Rosa answered %d, want 200 after the redirect\n%s", status, b.text("main"))
	}
	if !regexp.MustCompile(`^/people/\d+$`).MatchString(b.path()) {
		t.Fatalf("after adding Rosa the browser is at %q, want her page /people/<id>", b.path())
	}
	if h1 := b.text("main h1"); h1 != "Rosa Parks" {
		t.Errorf("person page heading is %q, want %q", h1, "Rosa Parks")
	}
	if got := b.text("main"); !strings.Contains(got, "Rosa Parks was added.") || !strings.Contains(got, "Marcus Lee") {
		t.Errorf("person page lacks the success message or the manager:\n%s", got)
	}
	b.assertClean()

	// The org chart puts Rosa inside Marcus's node, which is inside Grace's.
	b.open("/org")
	b.assertClean()
	var tree struct {
		Found        bool   `json:"found"`
		UnderManager bool   `json:"underManager"`
		DirectChild  bool   `json:"directChild"`
		UnderAdmin   bool   `json:"underAdmin"`
		Names        string `json:"names"`
	}
	b.evalInto(&tree, `(() => {
		const links = [...document.querySelectorAll("ul.tree a")];
		const find = (name) => links.find((a) => a.textContent.trim() === name);
		const rosa = find("Rosa Parks"), marcus = find("Marcus Lee"), grace = find("Grace Okoye");
		const names = links.map((a) => a.textContent.trim()).join(", ");
		if (!rosa || !marcus || !grace) return {found: false, names};
		const marcusLi = marcus.closest("li"), rosaLi = rosa.closest("li");
		return {
			found: true,
			names,
			underManager: marcusLi.contains(rosa),
			directChild: rosaLi.parentElement.closest("li") === marcusLi,
			underAdmin: grace.closest("li").contains(marcusLi),
		};
	})()`)
	switch {
	case !tree.Found:
		t.Fatalf("org chart lacks Rosa, Marcus or Grace; it shows: %s", tree.Names)
	case !tree.UnderManager || !tree.DirectChild:
		t.Errorf("Rosa Parks is not a direct report inside Marcus Lee's node (inside=%v, direct=%v)", tree.UnderManager, tree.DirectChild)
	case !tree.UnderAdmin:
		t.Errorf("Marcus Lee's node is not inside Grace Okoye's")
	}
}

// TestMainPagesAtDesktopAndPhoneWidths signs in to an organisation that looks
// real (15 people, three levels) and keeps screenshots of the sign-in page,
// the people list and the org chart. Each page must be free of CSP
// violations and console errors, start with the skip link, and never scroll
// sideways as a whole at phone width.
func TestMainPagesAtDesktopAndPhoneWidths(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	org, ceo := seedOrg(t, app.F)

	// A walk of two dozen pages at two widths: more than one test's time.
	b := newTabFor(t, app.URL, 3*time.Minute)
	b.open("/login")
	b.assertClean()
	b.screenshots("sign-in")

	var members []int64
	var kenji int64
	rows, err := app.Pool.Query(t.Context(), "SELECT id, name FROM users WHERE org_id = $1 ORDER BY id", org)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		members = append(members, id)
		if name == "Kenji Watanabe" {
			kenji = id
		}
	}
	rows.Close()
	team := app.F.Team(t, org, "Platform · Atlas", members[1:7]...)
	circle := app.F.Team(t, org, "Mentoring circle", members[0], members[4], members[9])
	app.F.Team(t, org, "Launch squad")

	// Two events for the bell, so every page shows its count.
	if _, err := app.Pool.Exec(t.Context(), `INSERT INTO notifications (org_id, user_id, kind, title, path)
		VALUES ($1, $2, 'kudo_received', 'Daniel Kim gave you a kudo', '/kudos'), ($1, $2, 'actions_due', '2 actions from your 1:1s are due soon', '/actions')`, org, ceo.ID); err != nil {
		t.Fatal(err)
	}
	b.signIn(ceo.Email)
	b.assertClean()

	for _, pg := range []struct{ path, name, mustShow string }{
		{"/", "home", "Set up your organisation"},
		{"/people", "people-list", "Kenji Watanabe"},
		{"/org", "org-chart", "Kenji Watanabe"},
		{fmt.Sprintf("/people/%d", kenji), "person", "Site Reliability Engineer"},
		{"/teams", "teams", "Mentoring circle"},
		{fmt.Sprintf("/teams/%d", team), "team", "Add a member"},
		{"/invitations", "invitations", "Invite someone"},
		{"/people/import", "import", "What the file should look like"},
		{"/admin", "admin", "Question bank"},
		{"/admin/webhooks", "webhooks", "Set a team's webhook"},
		{"/questions", "questions", "What would make a good week for you?"},
		{"/calendar", "calendar", "Create feed address"},
		{"/definitions", "metrics", "Drifting"},
		{"/oneonones", "oneonones", "Set up with"},
		{"/oneonones/new", "series-form", "How often"},
		{"/oneonones/templates", "agenda-templates", "New template"},
		{"/checkins", "checkins-empty", "No 1:1s to show yet"},
		{"/checkins/managers", "rollup-empty", "No 1:1s in your part"},
		{fmt.Sprintf("/teams/%d/rituals/new", circle), "ritual-form", "A regular moment"},
		{fmt.Sprintf("/people/%d/kudos", kenji), "person-kudos", "0 received"},
		{"/notifications", "notifications", "Daniel Kim gave you a kudo"},
	} {
		b.open(pg.path)
		if got := b.text("main"); !strings.Contains(got, pg.mustShow) {
			t.Errorf("%s does not show %q", pg.path, pg.mustShow)
		}
		b.assertClean()
		b.assertNavOnOneLine()
		b.assertSkipLinkFirst()
		b.open(pg.path)
		b.screenshots(pg.name)
		b.assertNoSidewaysScrollOnPhone()
	}

	// The people list shows all 15 and the tree is three levels deep.
	b.open("/people")
	if n := b.evalInt(`document.querySelectorAll("table.data tbody tr").length`); n != 15 {
		t.Errorf("people list has %d rows, want 15 (org %d)", n, org)
	}
	b.open("/org")
	if depth := b.evalInt(`Math.max(...[...document.querySelectorAll("ul.tree li")].map((li) => { let d = 0; for (let e = li; e; e = e.parentElement.closest("li")) d++; return d }))`); depth != 3 {
		t.Errorf("org chart is %d levels deep, want 3", depth)
	}
}

// TestBrowserChecksCatchCSPViolations makes sure the clean-page checks above
// can fail: a page that runs an inline script must be reported.
func TestBrowserChecksCatchCSPViolations(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	// With no organisation at all, /login sends people to /setup.
	app.F.Org(t, "Checks Ltd")
	b := newTab(t, app.URL)
	b.open("/login")
	b.assertClean()

	// DevTools may add an inline script; the page's CSP must still refuse to run it.
	b.eval(`(() => { const s = document.createElement("script"); s.textContent = "window.__ran = true"; document.body.append(s); return "" })()`)
	problems := b.problems()
	if ran := b.eval(`String(window.__ran === true)`); ran != "false" {
		t.Errorf("an inline script ran despite the Content-Security-Policy")
	}
	var violation, consoleError bool
	for _, p := range problems {
		violation = violation || strings.HasPrefix(p, "CSP violation")
		consoleError = consoleError || strings.HasPrefix(p, "console")
	}
	if !violation {
		t.Errorf("the securitypolicyviolation hook saw nothing; problems: %q", problems)
	}
	if !consoleError {
		t.Logf("note: Chromium logged no console message for the violation; problems: %q", problems)
	}
	if !slicesContainPrefix(problems, "inline <script>") {
		t.Errorf("the DOM check missed the inline <script>; problems: %q", problems)
	}
	b.reset()
}

// ---------------------------------------------------------------------------
// Fixtures

// seedOrg makes a three-level organisation of 15 people and returns its id
// and the chief executive (an admin).
func seedOrg(t *testing.T, f testfx.Factory) (int64, testfx.Person) {
	t.Helper()
	org := f.Org(t, "Northwind Labs")
	n := 0
	add := func(name, title string, role core.Role, manager int64) testfx.Person {
		n++
		first := strings.ToLower(strings.Fields(name)[0])
		return f.Person(t, org, testfx.PersonOpts{Name: name, Title: title, Role: role, ManagerID: manager,
			Email: fmt.Sprintf("%s.%d.%d@northwind.test", first, n, org)})
	}
	ceo := add("Amara Okafor", "Chief Executive", core.RoleAdmin, 0)
	eng := add("Daniel Kim", "VP Engineering", core.RoleLeader, ceo.ID)
	sales := add("Elena García", "Head of Sales", core.RoleManager, ceo.ID)
	ops := add("Femi Adeyemi", "Operations Lead", core.RoleManager, ceo.ID)
	for _, p := range []struct{ name, title string }{
		{"Lucas Meyer", "Senior Software Engineer"},
		{"Sofia Rossi", "Software Engineer"},
		{"Kenji Watanabe", "Site Reliability Engineer"},
		{"Marta Nowak", "Staff Engineer, Platform and Developer Experience"},
		{"Aisha Rahman", "Product Designer"},
	} {
		add(p.name, p.title, core.RoleEmployee, eng.ID)
	}
	for _, p := range []struct{ name, title string }{
		{"Tom Becker", "Account Executive"},
		{"Isabel Duarte", "Account Executive"},
		{"Noah Williams", "Sales Development Representative"},
	} {
		add(p.name, p.title, core.RoleEmployee, sales.ID)
	}
	add("Chloé Martin", "Office Manager", core.RoleEmployee, ops.ID)
	add("Ravi Patel", "Finance Analyst", core.RoleEmployee, ops.ID)
	add("Hannah Schmidt", "", core.RoleEmployee, ops.ID) // no title: a common real case
	return org, ceo
}

// ---------------------------------------------------------------------------
// The browser tab of one test

// cspHook runs in every document before the page's own scripts (DevTools
// injects it, so the page's CSP does not apply to it) and records violations.
const cspHook = `(() => {
	const seen = [];
	Object.defineProperty(window, "__cspViolations", {value: seen});
	document.addEventListener("securitypolicyviolation", (e) => {
		seen.push(e.violatedDirective + " blocked " + (e.blockedURI || "?") + " at " + e.sourceFile + ":" + e.lineNumber);
	});
})()`

// pageProblems lists what a clean page must not have: CSP violations so far
// and markup that a strict CSP refuses (inline scripts, styles, handlers).
const pageProblems = `(() => {
	const out = (window.__cspViolations || []).map((v) => "CSP violation: " + v);
	const n = (sel) => document.querySelectorAll(sel).length;
	if (n("script:not([src])")) out.push("inline <script> elements: " + n("script:not([src])"));
	if (n("style")) out.push("inline <style> elements: " + n("style"));
	if (n("[style]")) out.push("style attributes: " + n("[style]"));
	for (const el of document.querySelectorAll("*")) {
		for (const a of el.attributes) {
			if (a.name.startsWith("on")) out.push("inline handler " + a.name + " on <" + el.tagName.toLowerCase() + ">");
		}
	}
	if (!window.__cspViolations) out.push("CSP hook missing: the page was not loaded through the test tab");
	return out;
})()`

type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	console  []consoleEntry // errors, exceptions and error log entries not yet checked
	expected map[string]int // document URL -> an error status the test asked for
}

// consoleEntry is one error the browser reported.
type consoleEntry struct {
	msg    string
	source cdplog.EntrySource // for log entries: "network", "security", ...
	url    string
}

// requireBrowser fails the test when the package has no browser (TestMain
// fails the package first, so this only guards a test run on its own).
func requireBrowser(t *testing.T) {
	t.Helper()
	if browserCtx == nil {
		t.Fatal("no browser: TestMain did not start one")
	}
}

// newTab opens a tab in a new browser context (its own cookies) of the shared
// browser.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	return newTabFor(t, base, testTimeout)
}

// newTabFor is newTab for a test that may run longer than testTimeout in
// all (a crawl of many pages).
func newTabFor(t *testing.T, base string, timeout time.Duration) *tab {
	t.Helper()
	requireBrowser(t)
	b := &tab{t: t, base: base}
	ctx, cancel := chromedp.NewContext(browserCtx,
		chromedp.WithNewBrowserContext(),
		// A listener from the start sees every message, in order.
		chromedp.WithListener(b.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, with no deadline
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelT)
	b.ctx = ctx

	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspHook}); err != nil {
		t.Fatalf("add CSP hook: %v", err)
	}
	// Tabs of a headless browser that run side by side all behave as focused,
	// so :focus and the Tab key work in each.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled,
		emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	b.do(desktop.emulate())
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		if p := b.takeConsole(); len(p) > 0 {
			t.Errorf("the browser console reported problems during the test:\n  %s", strings.Join(p, "\n  "))
		}
	})
	return b
}

// listen runs in the tab's event loop: it only records.
func (b *tab) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if a.Description != "" {
				parts = append(parts, a.Description)
			} else {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			}
		}
		msg = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		msg = fmt.Sprintf("console exception: %s at %s:%d", text, d.URL, d.LineNumber+1)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level != cdplog.EntryLevelError {
			return
		}
		b.record(consoleEntry{
			msg:    fmt.Sprintf("console %s error: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL),
			source: ev.Entry.Source, url: ev.Entry.URL,
		})
		return
	default:
		return
	}
	b.record(consoleEntry{msg: msg})
}

func (b *tab) record(e consoleEntry) {
	b.mu.Lock()
	b.console = append(b.console, e)
	b.mu.Unlock()
}

// takeConsole returns, and forgets, the console errors so far. Chromium logs
// "Failed to load resource: ... status of 422" for a document that answered
// with an error status; when the test asked for exactly that status (a form
// re-shown with its errors) it is not a problem.
func (b *tab) takeConsole() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, e := range b.console {
		if st, ok := b.expected[e.url]; ok && e.source == cdplog.EntrySourceNetwork &&
			strings.Contains(e.msg, fmt.Sprintf("status of %d ", st)) {
			continue
		}
		out = append(out, e.msg)
	}
	b.console = nil
	return out
}

// expectStatus marks an error status of a document as wanted by the test.
func (b *tab) expectStatus(url string, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.expected == nil {
		b.expected = map[string]int{}
	}
	b.expected[url] = status
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("browser at %s: %v", b.where(), err)
	}
}

// where is the current URL for messages; it never fails the test.
func (b *tab) where() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown page)"
	}
	return loc
}

// open loads path and fails unless it answers 200.
func (b *tab) open(path string) {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status != http.StatusOK {
		b.t.Fatalf("open %s: status %d (now at %s)", path, resp.Status, resp.URL)
	}
}

// submit clicks a submit button, waits for the page that answers, and
// returns its status.
func (b *tab) submit(sel string) int {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("submit with %s at %s: %v", sel, b.where(), err)
	}
	return int(resp.Status)
}

// submitExpecting submits and fails the test unless the answer has status
// want; an error status asked for here is not reported as a console error.
func (b *tab) submitExpecting(sel string, want int) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("submit with %s at %s: %v", sel, b.where(), err)
	}
	if int(resp.Status) != want {
		b.t.Fatalf("submit with %s answered %d at %s, want %d\n%s", sel, resp.Status, resp.URL, want, b.text("main"))
	}
	b.expectStatus(resp.URL, want)
}

func (b *tab) signIn(email string) {
	b.t.Helper()
	b.open("/login")
	b.typeInto("#f-email", email)
	b.typeInto("#f-password", testfx.Password)
	if status := b.submit("main form button[type=submit]"); status != http.StatusOK {
		b.t.Fatalf("sign in as %s: status %d at %s\n%s", email, status, b.where(), b.text("main"))
	}
	if b.path() == "/login" {
		b.t.Fatalf("sign in as %s: still on the sign-in page (was the Secure session cookie refused?)\n%s", email, b.text("main"))
	}
}

func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible))
}

func (b *tab) clear(sel string) {
	b.t.Helper()
	b.do(chromedp.Clear(chromedp.CSS(sel)))
}

// selectOption chooses an option of a <select> by value, as a person picking
// from the list does (the change event fires).
func (b *tab) selectOption(sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
	b.eval(fmt.Sprintf(`(() => { document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true})); return "" })()`, sel))
	if got := b.value(sel); got != value {
		b.t.Fatalf("select %s: value is %q after choosing %q", sel, got, value)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeReady))
	if err != nil {
		b.t.Fatalf("text of %s at %s: %v", sel, b.where(), err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) value(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel), chromedp.NodeReady))
	if err != nil {
		b.t.Fatalf("value of %s at %s: %v", sel, b.where(), err)
	}
	return s
}

func (b *tab) path() string {
	b.t.Helper()
	return b.eval(`location.pathname`)
}

// eval runs a JavaScript expression that returns a string.
func (b *tab) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate at %s: %v\n%s", b.where(), err, js)
	}
	return s
}

func (b *tab) evalInt(js string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate at %s: %v\n%s", b.where(), err, js)
	}
	return n
}

// evalInto decodes the JSON result of js into v (a pointer).
func (b *tab) evalInto(v any, js string) {
	b.t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate at %s: %v\n%s", b.where(), err, js)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		b.t.Fatalf("decode %s: %v", raw, err)
	}
}

// problems returns, and forgets, everything the clean-page checks object to.
func (b *tab) problems() []string {
	b.t.Helper()
	var fromPage []string
	b.evalInto(&fromPage, pageProblems)
	return append(fromPage, b.takeConsole()...)
}

// assertClean fails the test if the current page broke its CSP, carries
// markup a strict CSP refuses, or made the console report an error.
func (b *tab) assertClean() {
	b.t.Helper()
	if p := b.problems(); len(p) > 0 {
		b.t.Errorf("%s is not clean:\n  %s", b.where(), strings.Join(p, "\n  "))
	}
}

// reset forgets recorded problems (for the test that causes them on purpose).
func (b *tab) reset() { b.takeConsole() }

// fieldCheck is what a form field shows about its error.
type fieldCheck struct {
	Found            bool   `json:"found"`
	Error            string `json:"error"`
	Invalid          bool   `json:"invalid"`
	DescribedByError bool   `json:"describedByError"`
	HasErrorClass    bool   `json:"hasErrorClass"`
}

// fieldError reads the error shown next to the control of form field name.
func (b *tab) fieldError(name string) fieldCheck {
	b.t.Helper()
	var fc fieldCheck
	b.evalInto(&fc, fmt.Sprintf(`(() => {
		const input = document.getElementById(%q);
		if (!input) return {found: false};
		const field = input.closest(".field");
		const err = field && field.querySelector(".field-error");
		const described = (input.getAttribute("aria-describedby") || "").split(/\s+/);
		return {
			found: true,
			error: err ? err.textContent.trim() : "",
			invalid: input.getAttribute("aria-invalid") === "true",
			describedByError: !!err && err.id !== "" && described.includes(err.id),
			hasErrorClass: !!field && field.classList.contains("has-error"),
		};
	})()`, "f-"+name))
	return fc
}

// assertNavOnOneLine checks, at desktop width, that the main navigation
// fits on one line: an entry pushed to a second line means the bar holds
// more than a 1280 px screen can show.
func (b *tab) assertNavOnOneLine() {
	b.t.Helper()
	if n := b.evalInt(`new Set([...document.querySelectorAll(".site-nav a")].map(a => Math.round(a.getBoundingClientRect().top))).size`); n > 1 {
		b.t.Errorf("%s: the main navigation takes %d lines at desktop width", b.path(), n)
	}
}

// assertSkipLinkFirst presses Tab on the freshly loaded page: the first stop
// must be the "Skip to content" link, visible while focused, and Enter on it
// must move the focus to the main content.
func (b *tab) assertSkipLinkFirst() {
	b.t.Helper()
	b.do(chromedp.KeyEvent(kb.Tab))
	var got struct {
		Text    string `json:"text"`
		Href    string `json:"href"`
		Visible bool   `json:"visible"`
	}
	b.evalInto(&got, `(() => {
		const a = document.activeElement;
		if (!a || a === document.body) return {text: "(nothing focused)", href: "", visible: false};
		const r = a.getBoundingClientRect();
		return {
			text: a.textContent.trim() || a.tagName,
			href: a.getAttribute("href") || "",
			visible: r.width > 1 && r.height > 1 && r.top >= 0 && r.left >= 0 &&
				r.bottom <= innerHeight && r.right <= innerWidth,
		};
	})()`)
	if got.Text != "Skip to content" || got.Href != "#main" {
		b.t.Errorf("%s: first Tab focuses %q (href %q), want the \"Skip to content\" link to #main", b.where(), got.Text, got.Href)
		return
	}
	if !got.Visible {
		b.t.Errorf("%s: the skip link is focused but not visible on screen", b.where())
	}
	b.do(chromedp.KeyEvent(kb.Enter))
	if id := b.eval(`document.activeElement ? document.activeElement.id : ""`); id != "main" {
		b.t.Errorf("%s: Enter on the skip link focuses #%s, want #main", b.where(), id)
	}
}

// assertNoSidewaysScrollOnPhone checks that, at phone width, nothing makes
// the whole page wider than the screen (wide tables must scroll in their box).
func (b *tab) assertNoSidewaysScrollOnPhone() {
	b.t.Helper()
	b.do(phone.emulate())
	defer b.do(desktop.emulate())
	var got struct {
		Page     int    `json:"page"`
		Viewport int    `json:"viewport"`
		Culprits string `json:"culprits"`
	}
	b.evalInto(&got, `(() => {
		const vw = document.documentElement.clientWidth;
		const wide = [...document.querySelectorAll("body *")].filter((el) => {
			const r = el.getBoundingClientRect();
			if (r.right <= vw + 1) return false;
			// Inside a box that scrolls sideways is fine.
			for (let p = el.parentElement; p; p = p.parentElement) {
				const ox = getComputedStyle(p).overflowX;
				if ((ox === "auto" || ox === "scroll" || ox === "hidden") && p.getBoundingClientRect().right <= vw + 1) return false;
			}
			return true;
		}).slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
		return {page: document.documentElement.scrollWidth, viewport: vw, culprits: wide.join(", ")};
	})()`)
	if got.Page > got.Viewport {
		b.t.Errorf("%s at phone width: the page is %dpx wide on a %dpx screen and scrolls sideways; too wide: %s",
			b.where(), got.Page, got.Viewport, got.Culprits)
	}
}

// ---------------------------------------------------------------------------
// Screenshots

type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktop = viewport{"desktop", 1280, 900, false}
	phone   = viewport{"phone", 390, 844, true}
)

func (v viewport) emulate() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: v.width, Height: v.height, DeviceScaleFactor: 1, Mobile: v.mobile,
		})
		return err
	})
}

// settle waits until the browser has laid out and painted the current state.
var settle = chromedp.Evaluate[chromedp.Void](
	`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())))`,
	chromedp.EvalAwaitPromise)

// screenshots saves full-page PNGs of the current page at desktop and phone
// widths as screenshots/<name>-desktop.png and screenshots/<name>-phone.png,
// and leaves the tab at desktop width.
func (b *tab) screenshots(name string) {
	b.t.Helper()
	dir := screenshotDir(b.t)
	for _, v := range []viewport{desktop, phone} {
		b.do(v.emulate(), settle)
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s at %s width: %v", name, v.name, err)
		}
		file := filepath.Join(dir, name+"-"+v.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatalf("save screenshot: %v", err)
		}
		b.t.Logf("screenshot: %s", file)
	}
	b.do(desktop.emulate(), settle)
}

var (
	screenshotOnce sync.Once
	screenshotPath string
	screenshotErr  error
)

// screenshotDir is <repository root>/screenshots, made on first use.
func screenshotDir(t *testing.T) string {
	t.Helper()
	screenshotOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			screenshotErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				screenshotErr = errors.New("no go.mod above the test's directory")
				return
			}
			dir = parent
		}
		screenshotPath = filepath.Join(dir, "screenshots")
		screenshotErr = os.MkdirAll(screenshotPath, 0o755)
	})
	if screenshotErr != nil {
		t.Fatalf("screenshot directory: %v", screenshotErr)
	}
	return screenshotPath
}

// ---------------------------------------------------------------------------
// Small helpers

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func slicesContainPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
