package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rapport/internal/core"
	"rapport/internal/review"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// pick chooses a radio button as a person does: scrolled to the middle of
// the screen (clear of the sticky save bar), then clicked.
func pick(b *tab, sel string) {
	b.t.Helper()
	b.eval(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.scrollIntoView({block: "center"}); return "" })()`, sel))
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if got := b.eval(fmt.Sprintf(`String(document.querySelector(%q).checked)`, sel)); got != "true" {
		b.t.Fatalf("%s is not checked after clicking it", sel)
	}
}

// TestManagerWritesReviewWithEvidence: the manager opens a report's review,
// reads the evidence beside each competency, tries to submit with a
// competency unrated, then rates everything and submits; the employee reads
// and acknowledges it with a comment; the leader sees the cycle's dashboard
// and finalises the review.
func TestManagerWritesReviewWithEvidence(t *testing.T) {
	requireBrowser(t)
	t.Parallel()
	app := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true})
	f := app.F
	org := f.Org(t, "Harbour Reviews")
	n := testfx.Next()
	mk := func(name, handle string, role core.Role, mgr int64) testfx.Person {
		return f.Person(t, org, testfx.PersonOpts{Name: name, Email: fmt.Sprintf("%s%d@harbour-reviews.test", handle, n), Role: role, ManagerID: mgr})
	}
	lena := mk("Lena Okafor", "lena", core.RoleLeader, 0)
	marco := mk("Marco Rossi", "marco", core.RoleManager, lena.ID)
	zoe := mk("Zoë Łukasz-Ñúñez", "zoe", core.RoleEmployee, marco.ID)
	sam := mk("Sam Lee", "sam", core.RoleEmployee, marco.ID)
	ines := mk("Inés Park", "ines", core.RoleEmployee, lena.ID)
	f.Team(t, org, "Atlas", marco.ID, zoe.ID, sam.ID)
	f.Team(t, org, "Billing", ines.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1", CreatedBy: lena.ID}, zoe.ID, sam.ID)

	// The period's evidence: weekly 1:1s, an observation, tagged kudos from
	// inside and outside the team, and actions done on time and late.
	series := f.Series(t, org, marco.ID, zoe.ID, "2026-01-06")
	var meeting int64
	for i, day := range []string{"2026-01-06", "2026-01-13", "2026-02-03", "2026-03-10", "2026-04-07", "2026-05-05"} {
		m := f.Meeting(t, org, series, day+"T10:00:00Z", "held")
		f.AgendaItem(t, org, m, zoe.ID, fmt.Sprintf("Point %d", i))
		if i == 3 {
			meeting = m
		}
	}
	partnerships, trust := f.Competency(t, "partnerships"), f.Competency(t, "trust")
	f.Observation(t, org, meeting, marco.ID, zoe.ID, partnerships, "Mapped who owns billing on the partner side before the call.", "2026-03-10T10:30:00Z")
	k1 := f.Kudo(t, org, ines.ID, []int64{zoe.ID}, "org", nil)
	f.TagKudo(t, k1, "2026-04-02T09:00:00Z", partnerships)
	k2 := f.Kudo(t, org, zoe.ID, []int64{sam.ID}, "org", nil)
	f.TagKudo(t, k2, "2026-05-12T09:00:00Z", trust)
	f.Action(t, org, meeting, zoe.ID, "Send the billing map", "2026-03-14", "2026-03-13T12:00:00Z")
	f.Action(t, org, meeting, zoe.ID, "Book the partner review", "2026-03-20", "2026-03-25T12:00:00Z")

	// Zoë has submitted her self-assessment.
	svc := app.Reviews
	za, err := app.People.ActorFor(t.Context(), org, zoe.ID)
	if err != nil {
		t.Fatal(err)
	}
	fw, _, err := svc.Framework(t.Context(), za, 0)
	if err != nil {
		t.Fatal(err)
	}
	var self []review.RatingInput
	for _, e := range fw.Entries {
		self = append(self, review.RatingInput{CompetencyID: e.CompetencyID, Rating: "3", Comment: "I kept the partner team in the loop."})
	}
	if err := svc.SaveSelf(t.Context(), za, cycle, zoe.ID, review.ReviewInput{Ratings: self, Submit: true}); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/reviews/%d/people/%d", cycle, zoe.ID)

	// The manager, from the home page to the review.
	m := newTab(t, app.URL)
	m.signIn(marco.Email)
	m.open("/reviews")
	m.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`main a[href=%q]`, page)), chromedp.NodeVisible))
	m.do(chromedp.WaitVisible(chromedp.CSS("#cues-h")))
	m.assertClean()
	m.assertSkipLinkFirst()
	m.open(page)
	cov := m.text("ul.coverage")
	for _, want := range []string{"Partnerships: 2 items", "Trust: 1 item", "Rapport: 0 items"} {
		if !strings.Contains(cov, want) {
			t.Errorf("coverage reads %q, want %q", cov, want)
		}
	}
	cues := m.text("section.cues")
	for _, want := range []string{"6 of 26 (23 %)", "1 of 2 (50 %)", "6 talking points", "1 person outside"} {
		if !strings.Contains(cues, want) {
			t.Errorf("the coaching cues lack %q:\n%s", want, cues)
		}
	}
	ev := m.text(fmt.Sprintf("#c-%d .evidence", partnerships))
	for _, want := range []string{"Mapped who owns billing", "Paired on the flaky deploy pipeline", "Inés Park", "10 Mar 2026"} {
		if !strings.Contains(ev, want) {
			t.Errorf("the Partnerships evidence panel lacks %q:\n%s", want, ev)
		}
	}
	if got := m.text(fmt.Sprintf("#c-%d", partnerships)); !strings.Contains(got, "Self 3 · Strong") {
		t.Errorf("the manager does not see Zoë's self rating beside the competency:\n%s", got)
	}

	// Rate everything but Trust and submit: refused next to Trust.
	for _, e := range fw.Entries {
		if e.CompetencyID == trust {
			continue
		}
		pick(m, fmt.Sprintf(`input[name="rating_%d"][value="3"]`, e.CompetencyID))
	}
	pick(m, fmt.Sprintf(`input[name="rating_%d"][value="4"]`, partnerships))
	m.typeInto(fmt.Sprintf("#f-comment_%d", partnerships), "Brought the partner team in early; see the observation of 10 March.")
	m.typeInto("#f-summary", "A strong half with steady 1:1s and partner work that unblocked billing.")
	m.submitExpecting(`button[name="submit"][value="true"]`, http.StatusUnprocessableEntity)
	if got := m.text(fmt.Sprintf("#f-rating_%d-error", trust)); !strings.Contains(got, "Rate this competency before submitting.") {
		t.Errorf("the missing rating reads %q", got)
	}
	if got := m.value(fmt.Sprintf("#f-comment_%d", partnerships)); !strings.Contains(got, "partner team in early") {
		t.Errorf("the typed comment was lost: %q", got)
	}
	if checked := m.eval(fmt.Sprintf(`String(document.querySelector('input[name="rating_%d"][value="4"]').checked)`, partnerships)); checked != "true" {
		t.Errorf("the chosen rating was lost")
	}
	m.assertClean()
	m.assertNoSidewaysScrollOnPhone()
	m.screenshots("review-manager")

	pick(m, fmt.Sprintf(`input[name="rating_%d"][value="2"]`, trust))
	if status := m.submit(`button[name="submit"][value="true"]`); status != http.StatusOK {
		t.Fatalf("submit: %d\n%s\n%s", status, m.eval(`[...document.querySelectorAll(".field-error, .error-summary, .flash")].map(e => e.textContent).join(" / ")`), m.eval(`[...document.querySelectorAll("input[type=radio]:checked")].map(e => e.name + "=" + e.value).join(" ")`))
	}
	if got := m.text(".flash"); !strings.Contains(got, "Review submitted") {
		t.Errorf("after submitting the page says %q", got)
	}

	// The employee reads it and acknowledges with a comment.
	e := newTab(t, app.URL)
	e.signIn(zoe.Email)
	e.open("/")
	if got := e.text("main"); !strings.Contains(got, "Your review · 2026 H1") {
		t.Errorf("Zoë's home page does not list her review")
	}
	e.open(page)
	if got := e.text(fmt.Sprintf("#c-%d", partnerships)); !strings.Contains(got, "Manager 4 · Role model") || !strings.Contains(got, "partner team in early") {
		t.Errorf("Zoë does not see the manager's rating:\n%s", got)
	}
	e.typeInto("#f-ack_comment", "Thanks — agreed, and I want to grow Trust next half.")
	e.assertNoSidewaysScrollOnPhone()
	e.screenshots("review-employee")
	if status := e.submit(`form[action$="/acknowledge"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("acknowledge: %d", status)
	}
	if got := e.text("main"); !strings.Contains(got, "agreed, and I want to grow Trust") {
		t.Errorf("the acknowledgement comment is not shown")
	}
	e.assertClean()

	// The leader: dashboard, then finalise.
	l := newTab(t, app.URL)
	l.signIn(lena.Email)
	l.open(fmt.Sprintf("/reviews/%d?sort=gap", cycle))
	l.assertClean()
	l.assertSkipLinkFirst()
	l.assertNoSidewaysScrollOnPhone()
	dash := l.text("main")
	for _, want := range []string{"Marco Rossi", "Acknowledged", "Not started", "Manager ratings by competency"} {
		if !strings.Contains(dash, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if title := l.eval(`document.querySelector('svg.dist-svg title').textContent`); title != "Manager ratings by competency" {
		t.Errorf("the chart's title is %q", title)
	}
	if first := l.text("main table.stack-phone tbody tr:first-child td:first-child"); !strings.Contains(first, "Zoë") {
		t.Errorf("sorted by gap, the first row is %q, want Zoë (the only one with both sides)", first)
	}
	l.screenshots("review-cycle")
	l.open(page)
	if status := l.submit(`form[action$="/finalise"] button[type=submit]`); status != http.StatusOK {
		t.Fatalf("finalise: %d", status)
	}
	if got := l.text("main .page-header"); !strings.Contains(got, "Finalised") {
		t.Errorf("after finalising the header reads %q", got)
	}
	l.assertClean()
	l.screenshots("review-finalised")

	// The framework page, for everyone.
	e.open("/framework")
	e.assertClean()
	e.assertNoSidewaysScrollOnPhone()
	if got := e.text("main"); !strings.Contains(got, "Ethical networking") || !strings.Contains(got, "Role model") {
		t.Errorf("the framework page lacks the competencies or the scale")
	}
	e.screenshots("framework")

	// The leader's list of cycles and the new-cycle form.
	l.open("/reviews")
	l.assertClean()
	l.assertNoSidewaysScrollOnPhone()
	if got := l.text("main"); !strings.Contains(got, "2026 H1") {
		t.Errorf("the leader's review list lacks the cycle")
	}
	l.screenshots("reviews-list")
	l.open("/reviews/new")
	l.assertClean()
	l.assertNoSidewaysScrollOnPhone()
	l.screenshots("cycle-form")

	// The admin's framework editor.
	ada := mk("Ada Admin", "ada", core.RoleAdmin, 0)
	a := newTab(t, app.URL)
	a.signIn(ada.Email)
	a.open("/framework/edit")
	a.assertClean()
	a.assertNoSidewaysScrollOnPhone()
	if got := a.text("main"); !strings.Contains(got, "Partnerships") {
		t.Errorf("the framework editor lacks the competencies")
	}
	a.screenshots("framework-edit")
}
