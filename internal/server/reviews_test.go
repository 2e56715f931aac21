package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/testfx"
)

// around returns a cycle's dates around today, so the world's meeting (an
// hour ago) is inside its period and its self-assessment is due in 3 days.
func around() testfx.CycleOpts {
	d := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format("2006-01-02") }
	return testfx.CycleOpts{PeriodStart: d(-30), PeriodEnd: d(30), SelfDue: d(3), ManagerDue: d(10)}
}

func (w *world) ratingsForm(v string, submit bool) url.Values {
	form := url.Values{"submit": {fmt.Sprint(submit)}}
	rows, err := w.app.Pool.Query(context.Background(), "SELECT id FROM competencies ORDER BY position")
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			w.t.Fatal(err)
		}
		form.Set(fmt.Sprintf("rating_%d", id), v)
		form.Set(fmt.Sprintf("comment_%d", id), "Keep me typed")
	}
	return form
}

func TestReviewFormsRefuseBadInputAndChangeNothing(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	o := around()
	o.CreatedBy = w.leader.ID
	cycle := f.Cycle(t, w.orgA, o, w.report.ID)
	review := fmt.Sprintf("/reviews/%d/people/%d", cycle, w.report.ID)
	ratings := func() int { return f.Count(t, "SELECT count(*) FROM review_ratings WHERE cycle_id = $1", cycle) }
	partners := f.Competency(t, "partnerships")

	// A rating outside the scale: 422, the message beside the field, the
	// comment kept, nothing stored.
	form := w.ratingsForm("2", false)
	form.Set(fmt.Sprintf("rating_%d", partners), "7")
	r := w.clients[employee].Post(review+"/self", form)
	if r.Status != 422 || !strings.Contains(r.Body, "Choose a rating from 1 to 4.") || !strings.Contains(r.Body, "Keep me typed") {
		t.Errorf("rating 7: status %d", r.Status)
	}
	if !strings.Contains(r.Body, fmt.Sprintf(`id="f-rating_%d-error"`, partners)) {
		t.Errorf("the message is not tied to the rating field")
	}
	if n := ratings(); n != 0 {
		t.Errorf("%d ratings stored after a refused save", n)
	}

	// Out of order: the manager submits before the self-assessment.
	r = w.clients[managerOwn].Post(review+"/manager", w.ratingsForm("3", true))
	if r.Status != 409 || !strings.Contains(r.Body, "The self-assessment has to be submitted before the manager review.") {
		t.Errorf("manager submit first: status %d", r.Status)
	}
	if n := ratings(); n != 0 {
		t.Errorf("%d ratings stored by an out-of-order submit", n)
	}

	// Acknowledging before there is anything to acknowledge.
	r = w.clients[employee].Post(review+"/acknowledge", url.Values{"ack_comment": {"ok"}})
	if r.Status != 409 || !strings.Contains(r.Body, "nothing to acknowledge") {
		t.Errorf("early acknowledgement: status %d", r.Status)
	}

	// The same person twice.
	people := func() int { return f.Count(t, "SELECT count(*) FROM review_participants WHERE cycle_id = $1", cycle) }
	r = w.clients[leader].Post(fmt.Sprintf("/reviews/%d/people", cycle), url.Values{"person_id": {itoa(w.report.ID)}})
	if r.Status != 409 || !strings.Contains(r.Body, "This person is already in the cycle.") {
		t.Errorf("adding the report twice: status %d", r.Status)
	}
	if n := people(); n != 1 {
		t.Errorf("%d participants after a second add", n)
	}

	// A cycle the viewer cannot see is not found, for a manager elsewhere
	// and for another organisation.
	other := f.Cycle(t, w.orgA, around(), w.outsider.ID)
	for _, who := range []string{managerOwn, otherAdmin, employee} {
		if r := w.clients[who].Get(fmt.Sprintf("/reviews/%d", other)); r.Status != 404 {
			t.Errorf("%s opening a cycle they cannot see: %d", who, r.Status)
		}
	}

	// A finalised review changes no more.
	if _, err := w.app.Pool.Exec(context.Background(), "UPDATE review_participants SET state = 'finalised' WHERE cycle_id = $1", cycle); err != nil {
		t.Fatal(err)
	}
	r = w.clients[managerOwn].Post(review+"/manager", w.ratingsForm("1", false))
	if r.Status != 409 || !strings.Contains(r.Body, "This review is finalised and can no longer be changed.") {
		t.Errorf("editing a finalised review: status %d", r.Status)
	}
	r = w.clients[employee].Post(review+"/self", w.ratingsForm("1", false))
	if r.Status != 409 {
		t.Errorf("employee editing a finalised review: status %d", r.Status)
	}
	if n := ratings(); n != 0 {
		t.Errorf("%d ratings stored on a finalised review", n)
	}
}

func TestCycleFormKeepsWhatWasTypedAndCreatesOnce(t *testing.T) {
	w := newWorld(t)
	cycles := func() int { return w.app.F.Count(t, "SELECT count(*) FROM review_cycles WHERE org_id = $1", w.orgA) }
	bad := url.Values{"name": {"Autumn check"}, "period_start": {"2026-06-30"}, "period_end": {"2026-01-01"},
		"self_due": {"2026-07-10"}, "manager_due": {"2026-07-20"}, "scope": {"tree"}, "root_id": {itoa(w.leader.ID)}}
	r := w.clients[leader].Post("/reviews", bad)
	if r.Status != 422 || !strings.Contains(r.Body, "The period has to end on or after its first day.") || !strings.Contains(r.Body, `value="Autumn check"`) {
		t.Errorf("end before start: status %d", r.Status)
	}
	if n := cycles(); n != 0 {
		t.Fatalf("%d cycles after a refused form", n)
	}
	good := url.Values{"name": {"2026 H1"}, "period_start": {"2026-01-01"}, "period_end": {"2026-06-30"},
		"self_due": {"2026-07-10"}, "manager_due": {"2026-07-20"}, "scope": {"tree"}, "root_id": {itoa(w.leader.ID)}}
	if r := w.clients[leader].Post("/reviews", good); r.Status != 303 {
		t.Fatalf("create: %d", r.Status)
	}
	r = w.clients[leader].Post("/reviews", good) // a double submit
	if r.Status != 409 || !strings.Contains(r.Body, "A cycle with this name already exists.") {
		t.Errorf("double submit: status %d", r.Status)
	}
	if n := cycles(); n != 1 {
		t.Errorf("%d cycles after a double submit, want 1", n)
	}
	// The leader's tree: the manager and both reports, not the outsider.
	if n := w.app.F.Count(t, "SELECT count(*) FROM review_participants WHERE org_id = $1", w.orgA); n != 3 {
		t.Errorf("%d people in the leader's cycle, want 3", n)
	}
	// A leader may not take someone else's tree.
	outside := url.Values{"name": {"Other tree"}, "period_start": {"2026-01-01"}, "period_end": {"2026-06-30"},
		"self_due": {"2026-07-10"}, "manager_due": {"2026-07-20"}, "scope": {"tree"}, "root_id": {itoa(w.admin.ID)}}
	if r := w.clients[leader].Post("/reviews", outside); r.Status != 422 {
		t.Errorf("another's tree: %d", r.Status)
	}
}

func TestSharedNotesAreEvidenceOnlyWithTheReportsConsent(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	cycle := f.Cycle(t, w.orgA, around(), w.report.ID)
	ctx := context.Background()
	if _, err := w.app.Pool.Exec(ctx, "UPDATE meetings SET status = 'held', shared_notes = 'SHARED-NOTE-TEXT agreed the launch plan' WHERE id = $1", w.meeting); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.Pool.Exec(ctx, "INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, 'PRIVATE-NOTE-TEXT')", w.orgA, w.meeting, w.manager.ID); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/reviews/%d/people/%d", cycle, w.report.ID)
	evidence := fmt.Sprintf("/meetings/%d/evidence", w.meeting)
	shows := func(who string) bool {
		t.Helper()
		r := w.clients[who].Get(page)
		if r.Status != 200 {
			t.Fatalf("%s: review page %d", who, r.Status)
		}
		if strings.Contains(r.Body, "PRIVATE-NOTE-TEXT") {
			t.Errorf("%s sees a private note on the review page", who)
		}
		return strings.Contains(r.Body, "SHARED-NOTE-TEXT")
	}
	if shows(managerOwn) {
		t.Error("shared notes are evidence before consent")
	}
	// The manager cannot grant it on the report's behalf.
	if r := w.clients[managerOwn].Post(evidence, url.Values{"grant": {"true"}}); r.Status != 403 {
		t.Errorf("manager granting: %d", r.Status)
	}
	if shows(managerOwn) {
		t.Error("the manager's attempt made the notes evidence")
	}
	// The meeting page offers the report the choice.
	if r := w.clients[employee].Get(fmt.Sprintf("/meetings/%d", w.meeting)); !strings.Contains(r.Body, "Use as evidence in my reviews") {
		t.Error("the report is not offered the consent button")
	}
	if r := w.clients[employee].Post(evidence, url.Values{"grant": {"true"}}); r.Status != 303 {
		t.Fatalf("report granting: %d", r.Status)
	}
	if !shows(managerOwn) || !shows(leader) {
		t.Error("granted notes are not evidence")
	}
	if r := w.clients[employee].Post(evidence, url.Values{"grant": {"false"}}); r.Status != 303 {
		t.Fatalf("report revoking: %d", r.Status)
	}
	if shows(managerOwn) {
		t.Error("revoked notes are still evidence")
	}
}

func TestHomeShowsWhatIsDueUntilItIsDone(t *testing.T) {
	w := newWorld(t)
	o := around()
	o.Name = "2026 H2"
	w.app.F.Cycle(t, w.orgA, o, w.report.ID)
	if _, err := w.app.Reviews.RecordReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := w.clients[employee].Get("/")
	if !strings.Contains(r.Body, "Your self-assessment for 2026 H2 is due") {
		t.Errorf("no notice on the report's home page")
	}
	r = w.clients[managerOwn].Get("/")
	if strings.Contains(r.Body, "Your self-assessment for 2026 H2") {
		t.Errorf("the manager sees the report's notice")
	}
}

func TestFrameworkFormRefusesBadInputAndKeepsWhatWasTyped(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	versions := func() int { return f.Count(t, "SELECT count(*) FROM framework_versions WHERE org_id = $1", w.orgA) }
	before := versions()

	// The edit page holds every field; post it back with one name emptied
	// and one text too long.
	form := url.Values{"note": {"Warmer wording, kept when refused"}}
	rows, err := w.app.Pool.Query(context.Background(), `SELECT e.competency_id, e.name, e.description, e.behaviour, e.result, e.leader_check, e.micro_action
		FROM framework_entries e JOIN framework_versions v ON v.id = e.version_id
		WHERE v.org_id = $1 AND v.number = (SELECT max(number) FROM framework_versions WHERE org_id = $1)`, w.orgA)
	if err != nil {
		t.Fatal(err)
	}
	var first int64
	for rows.Next() {
		var id int64
		var name, desc, beh, res, check, micro string
		if err := rows.Scan(&id, &name, &desc, &beh, &res, &check, &micro); err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = id
		}
		k := fmt.Sprint(id)
		form.Set("name_"+k, name)
		form.Set("description_"+k, desc)
		form.Set("behaviour_"+k, beh)
		form.Set("result_"+k, res)
		form.Set("leader_check_"+k, check)
		form.Set("micro_action_"+k, micro)
	}
	rows.Close()
	for _, l := range []string{"1", "2", "3", "4"} {
		form.Set("level_"+l, "Level "+l)
		form.Set("level_"+l+"_description", "What level "+l+" looks like")
	}
	k := fmt.Sprint(first)
	form.Set("name_"+k, "")
	form.Set("result_"+k, strings.Repeat("x", 1001))

	r := w.clients[admin].Post("/framework", form)
	if r.Status != 422 {
		t.Fatalf("status %d, want 422", r.Status)
	}
	for _, want := range []string{"Give the competency a name.", fmt.Sprintf(`id="f-name_%s-error"`, k), "Keep this under 1,000 characters.", "Warmer wording, kept when refused"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if n := versions(); n != before {
		t.Errorf("a refused edit made a version: %d → %d", before, n)
	}

	// Put the name back and shorten the text: saved as a new version.
	form.Set("name_"+k, "Rapport")
	form.Set("result_"+k, "Less social friction")
	if r := w.clients[admin].Post("/framework", form); r.Status != 303 {
		t.Fatalf("a good edit: status %d", r.Status)
	}
	if n := versions(); n != before+1 {
		t.Errorf("versions %d → %d, want one more", before, n)
	}
}

// The person reviewed consents once for the whole period: every held 1:1
// of theirs with shared notes in it becomes evidence, and revoking takes
// them all back. Nobody else can consent for them.
func TestSharedNotesConsentForAWholePeriod(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	cycle := f.Cycle(t, w.orgA, around(), w.report.ID)
	ctx := context.Background()
	var series int64
	if err := w.app.Pool.QueryRow(ctx, "SELECT series_id FROM meetings WHERE id = $1", w.meeting).Scan(&series); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.Pool.Exec(ctx, "UPDATE meetings SET status = 'held', shared_notes = 'NOTE-ONE' WHERE id = $1", w.meeting); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if err := w.app.Pool.QueryRow(ctx, "SELECT scheduled_at FROM meetings WHERE id = $1", w.meeting).Scan(&at); err != nil {
		t.Fatal(err)
	}
	for i, note := range []string{"NOTE-TWO", "NOTE-THREE"} {
		m := f.Meeting(t, w.orgA, series, at.Add(-time.Duration(i+1)*7*24*time.Hour).Format(time.RFC3339), "held")
		if _, err := w.app.Pool.Exec(ctx, "UPDATE meetings SET shared_notes = $1 WHERE id = $2", note, m); err != nil {
			t.Fatal(err)
		}
	}
	page := fmt.Sprintf("/reviews/%d/people/%d", cycle, w.report.ID)
	consent := fmt.Sprintf("/reviews/%d/evidence", cycle)
	notes := func(who string) int {
		t.Helper()
		r := w.clients[who].Get(page)
		if r.Status != 200 {
			t.Fatalf("%s: review page %d", who, r.Status)
		}
		return strings.Count(r.Body, "NOTE-")
	}
	if n := notes(managerOwn); n != 0 {
		t.Fatalf("%d notes are evidence before consent", n)
	}
	if r := w.clients[managerOwn].Post(consent, url.Values{"grant": {"true"}}); r.Status != 404 {
		t.Errorf("the manager consenting for the period: %d, want 404", r.Status)
	}
	if r := w.clients[employee].Get(page); !strings.Contains(r.Body, "Use the shared notes of all my 1:1s in this period") ||
		!strings.Contains(r.Body, "0 of 3 1:1s with shared notes in this period are evidence.") {
		t.Error("the person reviewed is not offered consent for the period")
	}
	r := w.clients[employee].Post(consent, url.Values{"grant": {"true"}})
	if r.Status != 303 {
		t.Fatalf("consent for the period: %d", r.Status)
	}
	if n := notes(managerOwn); n != 3 {
		t.Errorf("the manager sees %d notes after consent for the period, want 3", n)
	}
	// One meeting taken back on its own page, then all of them at once.
	if r := w.clients[employee].Post(fmt.Sprintf("/meetings/%d/evidence", w.meeting), url.Values{"grant": {"false"}}); r.Status != 303 {
		t.Fatalf("revoke one: %d", r.Status)
	}
	if n := notes(managerOwn); n != 2 {
		t.Errorf("%d notes after revoking one, want 2", n)
	}
	if r := w.clients[employee].Post(consent, url.Values{"grant": {"false"}}); r.Status != 303 {
		t.Fatalf("revoke for the period: %d", r.Status)
	}
	if n := notes(managerOwn); n != 0 {
		t.Errorf("%d notes are still evidence after revoking the period", n)
	}
}
