package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestManagerRunsAOneOnOne is a 1:1 from both sides, in two browsers with
// their own cookies: the manager sets up weekly 1:1s (getting the form wrong
// once), both add talking points, the manager keeps a private note the
// report never receives, agrees an action the report ticks off from home,
// marks the 1:1 held and finds it on the check-in patterns page.
func TestManagerRunsAOneOnOne(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour Analytics")
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Priya Raman", Title: "Data Engineering Manager",
		Email: fmt.Sprintf("priya.%d@harbour.test", org), Role: core.RoleManager})
	rep := f.Person(t, org, testfx.PersonOpts{Name: "Jonas Berg", Title: "Data Engineer",
		Email: fmt.Sprintf("jonas.%d@harbour.test", org), ManagerID: mgr.ID})
	other := f.Person(t, org, testfx.PersonOpts{Name: "Ama Mensah", Title: "Analytics Engineer",
		Email: fmt.Sprintf("ama.%d@harbour.test", org), ManagerID: mgr.ID})

	// The series runs in UTC on today's weekday at the start of the current
	// hour, so its first slot is today, already begun, and can be marked held
	// (and the check-in window, which ends at tomorrow 00:00 UTC, expects it).
	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	startTime := fmt.Sprintf("%02d:00", now.Hour())

	m := newTab(t, app.URL) // the manager
	r := newTab(t, app.URL) // the report

	// --- The manager is prompted to set up 1:1s with each report.
	m.signIn(mgr.Email)
	m.open("/oneonones")
	m.assertClean()
	prompt := fmt.Sprintf(`main .callout a[href="/oneonones/new?report_id=%d"]`, rep.ID)
	if got := m.text(prompt); got != "Set up with "+rep.Name {
		t.Errorf("1:1s page prompt reads %q, want %q", got, "Set up with "+rep.Name)
	}
	if got := m.text("main .callout"); !strings.Contains(got, "Set up with "+other.Name) {
		t.Errorf("1:1s page does not prompt to set up 1:1s with %s:\n%s", other.Name, got)
	}
	if status := m.submit(prompt); status != http.StatusOK {
		t.Fatalf("following the set-up prompt answered %d", status)
	}
	if got, want := m.path(), "/oneonones/new"; got != want {
		t.Fatalf("the set-up prompt led to %q, want %q", got, want)
	}
	if got := m.value("#f-report_id"); got != strconv.FormatInt(rep.ID, 10) {
		t.Errorf("the set-up form from the prompt has report %q chosen, want %d (%s)", got, rep.ID, rep.Name)
	}
	m.assertClean()

	// --- A bad form first: every 500 days.
	m.selectOption("#f-cadence", "days")
	m.clear("#f-interval_days")
	m.typeInto("#f-interval_days", "500")
	m.submitExpecting("main form.stack button[type=submit]", http.StatusUnprocessableEntity)
	if got, want := m.path(), "/oneonones"; got != want {
		t.Errorf("the invalid set-up form was re-shown at %q, want %q", got, want)
	}
	fe := m.fieldError("interval_days")
	switch {
	case !fe.Found:
		t.Fatalf("no interval_days field on the re-shown form")
	case !strings.Contains(fe.Error, "1 to 92"):
		t.Errorf("interval_days shows the error %q next to it, want one naming the range 1 to 92", fe.Error)
	case !fe.Invalid || !fe.DescribedByError || !fe.HasErrorClass:
		t.Errorf("interval_days error is not wired up: aria-invalid=%v, described-by=%v, has-error=%v",
			fe.Invalid, fe.DescribedByError, fe.HasErrorClass)
	}
	for _, field := range []string{"report_id", "cadence", "weekday", "start_time", "duration_minutes", "time_zone", "starts_on"} {
		if e := m.fieldError(field).Error; e != "" {
			t.Errorf("field %s shows %q although it was fine", field, e)
		}
	}
	for sel, want := range map[string]string{
		"#f-interval_days": "500",
		"#f-cadence":       "days",
		"#f-report_id":     strconv.FormatInt(rep.ID, 10),
	} {
		if got := m.value(sel); got != want {
			t.Errorf("the re-shown form lost a value: %s is %q, want %q", sel, got, want)
		}
	}
	if got := m.text(".error-summary"); !strings.Contains(got, "problem") {
		t.Errorf("error summary reads %q, want it to say there is a problem", got)
	}
	m.assertClean()
	m.screenshots("series-form-errors")

	// --- Now weekly, on today's weekday, from today.
	m.selectOption("#f-cadence", "weekly")
	m.clear("#f-interval_days")
	m.typeInto("#f-interval_days", "7")
	m.selectOption("#f-weekday", strconv.Itoa(int(now.Weekday())))
	m.selectOption("#f-time_zone", "UTC")
	setFormValue(m, "#f-start_time", startTime)
	setFormValue(m, "#f-starts_on", today)
	if status := m.submit("main form.stack button[type=submit]"); status != http.StatusOK {
		t.Fatalf("setting up 1:1s answered %d\n%s", status, m.text("main"))
	}
	meetingRE := regexp.MustCompile(`^/meetings/\d+$`)
	meeting := m.path()
	if !meetingRE.MatchString(meeting) {
		t.Fatalf("after setting up 1:1s the browser is at %q, want the meeting page /meetings/<id>\n%s", meeting, m.text("main"))
	}
	if got := m.text("main"); !strings.Contains(got, "1:1s are set up") {
		t.Errorf("meeting page lacks the set-up confirmation:\n%s", got)
	}
	wantWhen := now.Truncate(time.Hour).Format("Monday 2 January 2006, 15:04")
	if got := m.text("main .page-header p"); !strings.Contains(got, wantWhen) || !strings.Contains(got, "Scheduled") {
		t.Errorf("meeting header reads %q, want it scheduled for today's slot %s", got, wantWhen)
	}
	m.assertClean()

	// --- Talking points from both sides.
	addPoint := "#agenda form.inline-form button[type=submit]"
	mgrPoint := "Quarterly data-quality review"
	repPoint := "Conference budget for dbt Coalesce"
	m.typeInto("#f-body", mgrPoint)
	// The agenda's forms answer in place: the page stays, the agenda is redrawn.
	m.submitInPlace(addPoint, "#agenda")
	if m.path() != meeting {
		t.Fatalf("adding a talking point left the meeting for %s", m.path())
	}
	if got := m.eval(`document.activeElement ? document.activeElement.id : ""`); got != "f-body" {
		t.Errorf("after adding a point the focus is on %q, want the field for the next one", got)
	}
	if got := agendaOf(m); !slices.Equal(got, []string{mgrPoint}) {
		t.Errorf("manager's agenda is %q, want %q", got, []string{mgrPoint})
	}

	r.signIn(rep.Email)
	r.open("/oneonones")
	r.assertClean()
	if got := r.text("main table"); !strings.Contains(got, mgr.Name) || !strings.Contains(got, "your manager") {
		t.Errorf("the report's 1:1s list does not show the series with %s, their manager:\n%s", mgr.Name, got)
	}
	if n := r.evalInt(`document.querySelectorAll("main .callout").length`); n != 0 {
		t.Errorf("the report, who has no reports, is prompted to set up 1:1s")
	}
	if status := r.submit(`main table form[action$="/next"] button`); status != http.StatusOK {
		t.Fatalf("the report's Next 1:1 link answered %d", status)
	}
	if got := r.path(); got != meeting {
		t.Fatalf("the report's Next 1:1 opened %q, the manager's is %q", got, meeting)
	}
	if got := agendaOf(r); !slices.Equal(got, []string{mgrPoint}) {
		t.Errorf("the report sees the agenda %q, want the manager's point %q", got, mgrPoint)
	}
	r.typeInto("#f-body", repPoint)
	r.submitInPlace(addPoint, "#agenda")
	if got, want := agendaOf(r), []string{mgrPoint, repPoint}; !slices.Equal(got, want) {
		t.Errorf("after adding theirs the report sees the agenda %q, want %q", got, want)
	}
	r.assertClean()

	m.open(meeting)
	if got, want := agendaOf(m), []string{mgrPoint, repPoint}; !slices.Equal(got, want) {
		t.Fatalf("after a reload the manager sees the agenda %q, want %q", got, want)
	}
	m.submitInPlace(fmt.Sprintf(`#agenda button[aria-label=%q]`, "Move up: "+repPoint), "#agenda")
	if got, want := agendaOf(m), []string{repPoint, mgrPoint}; !slices.Equal(got, want) {
		t.Errorf("after moving %q up the agenda is %q, want %q", repPoint, got, want)
	}
	m.assertClean()

	// --- A private note reaches nobody but its author.
	secret := "Jonas seemed flat about the migration; ask about workload gently"
	m.typeInto("#f-private_note", secret)
	if status := m.submit("#private button[type=submit]"); status != http.StatusOK {
		t.Fatalf("saving the private note answered %d", status)
	}
	if got := m.value("#f-private_note"); got != secret {
		t.Errorf("after saving, the manager's private note reads %q, want %q", got, secret)
	}
	r.open(meeting)
	if html := r.eval(`document.documentElement.outerHTML`); strings.Contains(html, secret) ||
		strings.Contains(html, "seemed flat") {
		t.Errorf("the report's meeting page contains the manager's private note")
	}
	if got := r.value("#f-private_note"); got != "" {
		t.Errorf("the report's own private note box holds %q, want it empty", got)
	}
	r.assertClean()
	m.open(meeting)
	if html := m.eval(`document.documentElement.outerHTML`); !strings.Contains(html, secret) {
		t.Errorf("the manager's meeting page lost the private note after a reload")
	}

	// --- An action for the report, due in a week, ticked off from their home.
	action := "Draft the on-call handover doc"
	due := now.AddDate(0, 0, 7)
	m.typeInto("#f-action_body", action)
	m.selectOption("#f-owner_id", strconv.FormatInt(rep.ID, 10))
	setFormValue(m, "#f-due_on", due.Format("2006-01-02"))
	if status := m.submit("#actions form.stack button[type=submit]"); status != http.StatusOK {
		t.Fatalf("adding the action answered %d", status)
	}
	if got := m.text("#actions .actions-list"); !strings.Contains(got, action) || !strings.Contains(got, rep.Name) ||
		!strings.Contains(got, "due "+due.Format("Mon 2 Jan")) {
		t.Errorf("the meeting's actions read %q, want %q owned by %s due %s", got, action, rep.Name, due.Format("Mon 2 Jan"))
	}
	m.assertClean()
	m.screenshots("meeting")
	m.assertNoSidewaysScrollOnPhone()

	r.open("/")
	homeActions := `section[aria-labelledby="acts-h"]`
	if got := r.text(homeActions); !strings.Contains(got, "Open actions (1)") || !strings.Contains(got, action) ||
		!strings.Contains(got, "with "+mgr.Name) {
		t.Errorf("the report's home lists under open actions:\n%s\nwant %q from the 1:1 with %s", got, action, mgr.Name)
	}
	if got := r.text(`section[aria-labelledby="next-h"]`); !strings.Contains(got, mgr.Name) {
		t.Errorf("the report's home does not show the next 1:1 with %s:\n%s", mgr.Name, got)
	}
	r.assertClean()
	r.screenshots("home-with-1on1s")
	if status := r.submit(fmt.Sprintf(`%s button[aria-label=%q]`, homeActions, "Mark done: "+action)); status != http.StatusOK {
		t.Fatalf("ticking the action on the home page answered %d", status)
	}
	if got := r.path(); got != "/" {
		t.Errorf("after ticking the action the report is at %q, want back home", got)
	}
	if got := r.text(homeActions); strings.Contains(got, action) || !strings.Contains(got, "Open actions (0)") {
		t.Errorf("the ticked action is still open on the report's home:\n%s", got)
	}
	r.assertClean()

	// --- The manager marks the 1:1 held.
	m.open(meeting)
	if got := m.text("#actions .actions-list"); !strings.Contains(got, "done "+time.Now().UTC().Format("2 Jan")) {
		t.Errorf("the manager's meeting page does not show the action done today: %q", got)
	}
	markHeld := ".page-header form[action$='/status'] button[type=submit]"
	if got := m.text(markHeld); got != "Mark held" {
		t.Fatalf("the meeting header's button reads %q, want %q", got, "Mark held")
	}
	if status := m.submit(markHeld); status != http.StatusOK || m.path() != meeting {
		t.Fatalf("marking the 1:1 held answered %d at %s\n%s", status, m.path(), m.text("main"))
	}
	if got := m.text("main .page-header p .badge"); got != "Held" {
		t.Errorf("after marking it held the meeting's header badge reads %q, want %q", got, "Held")
	}
	if n := m.evalInt(`document.querySelectorAll(".page-header form[action$='/status']").length`); n != 0 {
		t.Errorf("the header still offers Mark held for a held 1:1")
	}
	m.assertClean()

	// --- Check-in patterns: the 1:1 counts, the report without 1:1s does not.
	m.open("/checkins")
	var row struct {
		Found     bool              `json:"found"`
		Cells     map[string]string `json:"cells"`
		Names     []string          `json:"names"`
		HeldCells int               `json:"heldCells"`
		HeatNames []string          `json:"heatNames"`
	}
	m.evalInto(&row, fmt.Sprintf(`(() => {
		const rows = [...document.querySelectorAll("main table.data tbody tr")];
		const names = rows.map((tr) => tr.querySelector("th a").textContent.trim());
		const heatRows = [...document.querySelectorAll(".hm-scroll svg g.hm-row")];
		const heatNames = heatRows.map((g) => [...g.querySelector("text.hm-name").childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim());
		const heat = heatRows.find((g) => g.querySelector("text.hm-name").textContent.includes(%[1]q));
		const heldCells = heat ? heat.querySelectorAll("g.hm-cell.hm-held rect.hm-held").length : 0;
		const tr = rows.find((tr) => tr.querySelector("th a").textContent.trim() === %[1]q);
		if (!tr) return {found: false, names, heldCells, heatNames};
		const cells = {};
		// Each child on its own: the count and its badge touch, with no space.
		for (const td of tr.querySelectorAll("td[data-label]")) {
			cells[td.dataset.label] = [...td.childNodes].map((n) => n.textContent.replace(/\s+/g, " ").trim()).filter(Boolean).join(" ");
		}
		return {found: true, cells, names, heldCells, heatNames};
	})()`, rep.Name))
	if !row.Found {
		t.Fatalf("check-ins table has no row for %s; rows: %q", rep.Name, row.Names)
	}
	if len(row.Names) != 1 {
		t.Errorf("check-ins table rows are %q, want only %s (%s has no 1:1s)", row.Names, rep.Name, other.Name)
	}
	for label, want := range map[string]string{
		"Last 1:1":     "today",
		"Cadence kept": "1/1 100 %",
		"Actions":      "0 open",
		// The action was done early: it is not due yet, and docs/metrics.md
		// counts only actions due before today, so there is no figure yet.
		"Follow-through": "—",
		"Their points":   "50 %",
	} {
		if got := row.Cells[label]; got != want {
			t.Errorf("check-ins %q for %s reads %q, want %q", label, rep.Name, got, want)
		}
	}
	if row.HeldCells != 1 {
		t.Errorf("the heatmap row of %s has %d held cells, want 1 (heatmap rows: %q)", rep.Name, row.HeldCells, row.HeatNames)
	}
	for _, n := range row.HeatNames {
		if n == other.Name {
			t.Errorf("the heatmap has a row for %s, who has no 1:1s", other.Name)
		}
	}
	if got := m.text("main .summary"); !strings.Contains(got, "100 %") || !strings.Contains(got, "1 of 1") {
		t.Errorf("check-ins summary reads %q, want cadence kept 1 of 1 (100 %%)", got)
	}
	m.assertClean()
	m.screenshots("checkins")
	m.assertNoSidewaysScrollOnPhone()

	m.open("/oneonones")
	if got := m.text("main .callout"); !strings.Contains(got, "Set up with "+other.Name) || strings.Contains(got, rep.Name) {
		t.Errorf("the 1:1s page should prompt for %s only, it reads:\n%s", other.Name, got)
	}
	m.assertClean()
}

// setFormValue sets a date or time input the way a picker does (typing into
// them depends on the browser's locale) and fires its change event.
func setFormValue(b *tab, sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
	b.eval(fmt.Sprintf(`(() => { document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true})); return "" })()`, sel))
	if got := b.value(sel); got != value {
		b.t.Fatalf("%s: value is %q after setting %q", sel, got, value)
	}
}

// agendaOf lists the talking points on the open meeting page, in order.
func agendaOf(b *tab) []string {
	b.t.Helper()
	var items []string
	b.evalInto(&items, `[...document.querySelectorAll("#agenda ol.agenda .agenda-body .text")].map((e) => e.textContent.trim())`)
	return items
}
