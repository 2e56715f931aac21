package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// pair is a manager and report with a weekly series and this week's meeting.
type pair struct {
	ta              *testapp.TestApp
	org             int64
	mgr, rep        testfx.Person
	series, meeting int64
	m, r            *testapp.Client
}

func newPair(t *testing.T) *pair {
	ta := testapp.Start(t, dsn, testapp.Options{})
	p := &pair{ta: ta}
	p.org = ta.F.Org(t, "Pair")
	p.mgr = ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Marco Manager", Role: core.RoleManager})
	p.rep = ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Ana Report", ManagerID: p.mgr.ID})
	p.series = ta.F.Series(t, p.org, p.mgr.ID, p.rep.ID, time.Now().UTC().AddDate(0, 0, -30).Format("2006-01-02"))
	p.meeting = ta.F.Meeting(t, p.org, p.series, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "scheduled")
	p.m, p.r = ta.Client(t), ta.Client(t)
	p.m.SignIn(p.mgr.Email, testfx.Password)
	p.r.SignIn(p.rep.Email, testfx.Password)
	return p
}

// soon is a due date a week out.
func soon() string { return time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02") }

func (p *pair) path(suffix string) string { return fmt.Sprintf("/meetings/%d%s", p.meeting, suffix) }

func TestPrivateNotesAreReadByTheirAuthorAlone(t *testing.T) {
	p := newPair(t)
	secret := "Thinking about a promotion case for Ana " + fmt.Sprint(testfx.Next())
	if r := p.m.Post(p.path("/private-note"), url.Values{"private_note": {secret}}); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	shared := "Agreed to try pairing on Fridays " + fmt.Sprint(testfx.Next())
	p.m.Post(p.path("/notes"), url.Values{"shared_notes": {shared}})
	if r := p.m.Get(p.path("")); !strings.Contains(r.Body, secret) {
		t.Fatal("the author does not see their private note")
	}
	if r := p.r.Get(p.path("")); strings.Contains(r.Body, secret) || !strings.Contains(r.Body, shared) {
		t.Fatal("the other participant sees the private note, or not the shared one")
	}
	leader := p.ta.F.Person(t, p.org, testfx.PersonOpts{Role: core.RoleLeader})
	p.ta.Pool.Exec(t.Context(), "UPDATE users SET manager_id = $1 WHERE id = $2", leader.ID, p.mgr.ID)
	adm := p.ta.F.Person(t, p.org, testfx.PersonOpts{Role: core.RoleAdmin})
	for _, who := range []testfx.Person{leader, adm} {
		c := p.ta.Client(t)
		c.SignIn(who.Email, testfx.Password)
		// A direct request for the meeting, its notes form or the series is refused.
		if r := c.Get(p.path("")); r.Status != http.StatusNotFound || strings.Contains(r.Body, secret) {
			t.Errorf("%s opened the meeting: %d", who.Role, r.Status)
		}
		if r := c.Post(p.path("/private-note"), url.Values{"private_note": {"overwrite"}}); r.Status != http.StatusNotFound {
			t.Errorf("%s wrote a private note: %d", who.Role, r.Status)
		}
		// The dashboards show the 1:1 exists, never note text.
		r := c.Get(fmt.Sprintf("/checkins/managers/%d", p.mgr.ID))
		if r.Status != 200 || !strings.Contains(r.Body, "Ana Report") {
			t.Fatalf("%s dashboard: %d", who.Role, r.Status)
		}
		if strings.Contains(r.Body, secret) || strings.Contains(r.Body, shared) {
			t.Errorf("%s dashboard shows note text", who.Role)
		}
	}
	var body string
	p.ta.Pool.QueryRow(t.Context(), "SELECT body FROM private_notes WHERE meeting_id = $1", p.meeting).Scan(&body)
	if body != secret {
		t.Fatal("the overwrite attempts changed the note")
	}
}

func TestOneOnOneBadInputIsRefusedNextToTheField(t *testing.T) {
	p := newPair(t)
	rep2 := p.ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Ben Second", ManagerID: p.mgr.ID})
	good := url.Values{"report_id": {itoa(rep2.ID)}, "cadence": {"weekly"}, "interval_days": {"7"}, "weekday": {"2"},
		"start_time": {"10:00"}, "duration_minutes": {"30"}, "time_zone": {"Europe/Madrid"}, "starts_on": {"2026-03-02"}}
	for field, bad := range map[string]url.Values{
		"interval_days":    {"cadence": {"days"}, "interval_days": {"500"}},
		"time_zone":        {"time_zone": {"Mars/Olympus"}},
		"start_time":       {"start_time": {"25:99"}},
		"duration_minutes": {"duration_minutes": {"0"}},
		"starts_on":        {"starts_on": {"someday"}},
		"report_id":        {"report_id": {itoa(p.mgr.ID)}},
	} {
		f := url.Values{}
		for k, v := range good {
			f[k] = v
		}
		for k, v := range bad {
			f[k] = v
		}
		r := p.m.Post("/oneonones", f)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-`+field+`-error"`) {
			t.Errorf("bad %s: %d, no error next to the field", field, r.Status)
		}
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM oneonone_series WHERE report_id = $1", rep2.ID); n != 0 {
		t.Fatalf("bad input wrote %d series", n)
	}
	// Double submit: one series; the second is told it exists.
	p.m.Post("/oneonones", good)
	if r := p.m.Post("/oneonones", good); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already have 1:1s") {
		t.Fatalf("second series: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM oneonone_series WHERE report_id = $1", rep2.ID); n != 1 {
		t.Fatalf("%d series after a double submit", n)
	}

	// Meeting forms.
	long := strings.Repeat("x", 501)
	if r := p.r.Post(p.path("/agenda"), url.Values{"body": {long}}); r.Status != 422 || !strings.Contains(r.Body, `id="f-body-error"`) || !strings.Contains(r.Body, long) {
		t.Errorf("long agenda item: %d (error shown and text kept?)", r.Status)
	}
	yesterday := time.Now().UTC().AddDate(0, 0, -2).Format("2006-01-02")
	r := p.m.Post(p.path("/actions"), url.Values{"action_body": {"Ship it"}, "owner_id": {itoa(p.rep.ID)}, "due_on": {yesterday}})
	if r.Status != 422 || !strings.Contains(r.Body, `id="f-due_on-error"`) || !strings.Contains(r.Body, `value="Ship it"`) {
		t.Errorf("due before the meeting: %d", r.Status)
	}
	outsider := p.ta.F.Person(t, p.org, testfx.PersonOpts{})
	r = p.m.Post(p.path("/actions"), url.Values{"action_body": {"Ship it"}, "owner_id": {itoa(outsider.ID)}, "due_on": {"2030-01-01"}})
	if r.Status != 422 || !strings.Contains(r.Body, `id="f-owner_id-error"`) {
		t.Errorf("owner outside the 1:1: %d", r.Status)
	}
	if r := p.r.Post(p.path("/pulse"), url.Values{"pulse": {"9"}}); r.Status != 422 {
		t.Errorf("pulse 9: %d", r.Status)
	}
	if r := p.m.Post(p.path("/balance"), url.Values{"balance": {"140"}}); r.Status != 422 {
		t.Errorf("balance 140: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM action_items WHERE meeting_id = $1", p.meeting); n != 0 {
		t.Fatalf("bad actions written: %d", n)
	}
	// Double submits of points and actions store one row each.
	for i := 0; i < 2; i++ {
		p.r.Post(p.path("/agenda"), url.Values{"body": {"Conference budget"}})
		p.m.Post(p.path("/actions"), url.Values{"action_body": {"Book the venue"}, "owner_id": {itoa(p.mgr.ID)}, "due_on": {soon()}})
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM agenda_items WHERE meeting_id = $1", p.meeting); n != 1 {
		t.Errorf("%d agenda items after a double submit", n)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM action_items WHERE meeting_id = $1", p.meeting); n != 1 {
		t.Errorf("%d actions after a double submit", n)
	}
}

func TestUntickedPointsCarryOverToTheNextOneOnOne(t *testing.T) {
	p := newPair(t)
	open := p.ta.F.AgendaItem(t, p.org, p.meeting, p.rep.ID, "Career path")
	done := p.ta.F.AgendaItem(t, p.org, p.meeting, p.mgr.ID, "Offsite dates")
	if r := p.m.Post(p.path(fmt.Sprintf("/agenda/%d/toggle", done)), nil); r.Status != 303 {
		t.Fatalf("tick: %d", r.Status)
	}
	if r := p.m.Post(p.path("/status"), url.Values{"status": {"held"}}); r.Status != 303 {
		t.Fatalf("held: %d", r.Status)
	}
	r := p.r.Post(fmt.Sprintf("/oneonones/%d/next", p.series), nil)
	if r.Status != 303 {
		t.Fatalf("next: %d", r.Status)
	}
	next := r.Location()
	if next == p.path("") {
		t.Fatal("the held meeting is still 'next'")
	}
	page := p.r.Get(next)
	if !strings.Contains(page.Body, "Career path") || !strings.Contains(page.Body, "carried over") || strings.Contains(page.Body, "Offsite dates") {
		t.Fatal("the unticked point did not carry over alone")
	}
	var carried int
	p.ta.Pool.QueryRow(t.Context(), "SELECT carried FROM agenda_items WHERE copied_from = $1 AND meeting_id = $2",
		open, strings.TrimPrefix(next, "/meetings/")).Scan(&carried)
	if carried != 1 {
		t.Fatalf("the copy on the next 1:1 has carried = %d, want 1", carried)
	}
	// The held 1:1 keeps the point it had.
	if held := p.m.Get(p.path("")); !strings.Contains(held.Body, "Career path") {
		t.Fatal("the held 1:1 no longer lists the point that carried over")
	}
	// Opening "next" again changes nothing.
	if again := p.r.Post(fmt.Sprintf("/oneonones/%d/next", p.series), nil); again.Location() != next {
		t.Fatal("next moved on a second visit")
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM meetings WHERE series_id = $1", p.series); n != 2 {
		t.Fatalf("%d meetings", n)
	}
}

func TestReorderAndRescheduleKeepTheAgenda(t *testing.T) {
	p := newPair(t)
	a := p.ta.F.AgendaItem(t, p.org, p.meeting, p.rep.ID, "First point")
	p.ta.F.AgendaItem(t, p.org, p.meeting, p.mgr.ID, "Second point")
	b := p.ta.F.AgendaItem(t, p.org, p.meeting, p.rep.ID, "Third point")
	p.m.Post(p.path(fmt.Sprintf("/agenda/%d/move", b)), url.Values{"dir": {"up"}})
	p.m.Post(p.path(fmt.Sprintf("/agenda/%d/move", a)), url.Values{"dir": {"down"}})
	body := p.r.Get(p.path("")).Body
	// First, Second, Third → Third moved up → First, Third, Second → First
	// moved down → Third, First, Second.
	i1, i2, i3 := strings.Index(body, "Third point"), strings.Index(body, "First point"), strings.Index(body, "Second point")
	if !(i1 < i2 && i2 < i3) {
		t.Fatalf("order after moves: %d %d %d", i1, i2, i3)
	}
	when := time.Now().UTC().AddDate(0, 0, 2)
	r := p.m.Post(p.path("/reschedule"), url.Values{"new_date": {when.Format("2006-01-02")}, "new_time": {"15:30"}})
	if r.Status != 303 {
		t.Fatalf("reschedule: %d %s", r.Status, r.Body)
	}
	moved := p.r.Get(r.Location())
	if !strings.Contains(moved.Body, "First point") || !strings.Contains(moved.Body, "15:30") {
		t.Fatal("the moved meeting lost its agenda or time")
	}
	var status string
	p.ta.Pool.QueryRow(t.Context(), "SELECT status::text FROM meetings WHERE id = $1", p.meeting).Scan(&status)
	if status != "rescheduled" {
		t.Fatalf("old meeting status %q", status)
	}
}

func TestCalendarFeedIsPrivateAndRevocable(t *testing.T) {
	p := newPair(t)
	p.r.Post("/calendar/reset", nil)
	page := p.r.Get("/calendar")
	m := regexp.MustCompile(`/ics/([A-Za-z0-9_-]{40,})`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no feed address shown")
	}
	feed := p.ta.Client(t).Get("/ics/" + m[1])
	if feed.Status != 200 || !strings.HasPrefix(feed.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(feed.Body, "BEGIN:VEVENT") || !strings.Contains(feed.Body, "1:1 with Marco Manager") {
		t.Fatalf("feed: %d %s\n%s", feed.Status, feed.Header.Get("Content-Type"), feed.Body)
	}
	if !strings.Contains(feed.Body, "\r\n") {
		t.Fatal("feed lines do not end with CRLF")
	}
	p.r.Post("/calendar/reset", nil)
	if old := p.ta.Client(t).Get("/ics/" + m[1]); old.Status != http.StatusNotFound {
		t.Fatalf("old feed address still works: %d", old.Status)
	}
}

func TestHomeShowsNextOneOnOneAndOpenActions(t *testing.T) {
	p := newPair(t)
	p.ta.F.AgendaItem(t, p.org, p.meeting, p.rep.ID, "Ask about the mentoring programme")
	p.m.Post(p.path("/actions"), url.Values{"action_body": {"Send the onboarding doc"}, "owner_id": {itoa(p.rep.ID)}, "due_on": {soon()}})
	home := p.r.Get("/")
	for _, want := range []string{"Marco Manager", "Send the onboarding doc", "Ask about the mentoring programme"} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("report's home lacks %q", want)
		}
	}
	if mh := p.m.Get("/"); !strings.Contains(mh.Body, "Send the onboarding doc") {
		t.Error("the manager's home lacks the action they agreed")
	}
}

// Opening the next 1:1 makes a meeting, so it is a form post: a GET (a link
// prefetcher, a crawler, a preview) makes nothing, and every page offers
// the button rather than a link.
func TestOpeningTheNextOneOnOneIsAPostAndAGetMakesNothing(t *testing.T) {
	p := newPair(t)
	next := fmt.Sprintf("/oneonones/%d/next", p.series)
	meetings := func() int { return p.ta.F.Count(t, "SELECT count(*) FROM meetings WHERE series_id = $1", p.series) }
	start := meetings()
	if r := p.m.Post(p.path("/status"), url.Values{"status": {"held"}}); r.Status != 303 {
		t.Fatalf("held: %d", r.Status)
	}
	before := meetings()
	for _, c := range []*testapp.Client{p.m, p.r} {
		req, _ := http.NewRequest("GET", p.ta.URL+next, nil)
		req.Header.Set("Sec-Purpose", "prefetch")
		if r := c.Do(req); r.Status < 400 {
			t.Errorf("GET %s: %d, want a refusal", next, r.Status)
		}
		if r := c.Get(next); r.Status < 400 {
			t.Errorf("GET %s: %d, want a refusal", next, r.Status)
		}
	}
	if after := meetings(); after != before {
		t.Fatalf("GET %s made %d meetings", next, after-before)
	}
	for _, page := range []string{"/", "/oneonones", fmt.Sprintf("/oneonones/%d", p.series)} {
		body := p.m.Get(page).Body
		if strings.Contains(body, `href="`+next+`"`) {
			t.Errorf("%s links to %s instead of posting to it", page, next)
		}
		if !strings.Contains(body, `action="`+next+`" method="post"`) && !strings.Contains(body, `method="post" action="`+next+`"`) {
			t.Errorf("%s has no form that opens the next 1:1", page)
		}
	}
	r := p.r.Post(next, nil)
	if r.Status != 303 || !strings.HasPrefix(r.Location(), "/meetings/") || r.Location() == p.path("") {
		t.Fatalf("POST %s: %d to %s", next, r.Status, r.Location())
	}
	if again := p.m.Post(next, nil); again.Location() != r.Location() {
		t.Errorf("a second post opened %s, the first %s", again.Location(), r.Location())
	}
	// Marking it held readied the next one; the posts open that one.
	if after := meetings(); after != start+1 {
		t.Errorf("mark held and two posts made %d meetings, want 1", after-start)
	}
}

// Deactivation revokes the calendar feed: reactivating the person does not
// bring the old address back, they make a new one.
func TestDeactivationRevokesTheCalendarFeedForGood(t *testing.T) {
	p := newPair(t)
	adm := p.ta.F.Person(t, p.org, testfx.PersonOpts{Role: core.RoleAdmin})
	a := p.ta.Client(t)
	a.SignIn(adm.Email, testfx.Password)
	feedRe := regexp.MustCompile(`/ics/([A-Za-z0-9_-]{40,})`)
	p.r.Post("/calendar/reset", nil)
	m := feedRe.FindStringSubmatch(p.r.Get("/calendar").Body)
	if m == nil {
		t.Fatal("no feed address shown")
	}
	old := "/ics/" + m[1]
	if r := p.ta.Client(t).Get(old); r.Status != 200 {
		t.Fatalf("feed before deactivation: %d", r.Status)
	}
	if r := a.Post(fmt.Sprintf("/people/%d/deactivate", p.rep.ID), nil); r.Status != 303 {
		t.Fatalf("deactivate: %d", r.Status)
	}
	if r := p.ta.Client(t).Get(old); r.Status != http.StatusNotFound {
		t.Errorf("feed of a deactivated person: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM calendar_feeds WHERE user_id = $1", p.rep.ID); n != 0 {
		t.Errorf("a deactivated person keeps %d calendar feed tokens", n)
	}
	if r := a.Post(fmt.Sprintf("/people/%d/reactivate", p.rep.ID), nil); r.Status != 303 {
		t.Fatalf("reactivate: %d", r.Status)
	}
	if r := p.ta.Client(t).Get(old); r.Status != http.StatusNotFound {
		t.Errorf("the old feed address works again after reactivation: %d", r.Status)
	}
	c := p.ta.Client(t)
	c.SignIn(p.rep.Email, testfx.Password)
	c.Post("/calendar/reset", nil)
	m = feedRe.FindStringSubmatch(c.Get("/calendar").Body)
	if m == nil || "/ics/"+m[1] == old {
		t.Fatal("no new feed address after reactivation")
	}
	if r := p.ta.Client(t).Get("/ics/" + m[1]); r.Status != 200 {
		t.Errorf("the new feed address: %d", r.Status)
	}
}

// dailyPairAt is a pair whose daily series has a slot at the given time,
// with no meeting yet.
func dailyPairAt(t *testing.T, slot time.Time) *pair {
	p := newPair(t)
	p.ta.Pool.Exec(t.Context(), "DELETE FROM meetings WHERE id = $1", p.meeting)
	p.ta.Pool.Exec(t.Context(), "UPDATE oneonone_series SET cadence = 'days', interval_days = 1, start_time = $1 WHERE id = $2",
		slot.UTC().Format("15:04"), p.series)
	return p
}

func TestNextOneOnOneAfterMarkHeldIsTheFollowingMeeting(t *testing.T) {
	p := dailyPairAt(t, time.Now().Add(-time.Hour))
	next := fmt.Sprintf("/oneonones/%d/next", p.series)
	first := p.m.Post(next, nil).Location()
	if !strings.HasPrefix(first, "/meetings/") {
		t.Fatalf("next: %q", first)
	}
	if r := p.m.Post(first+"/status", url.Values{"status": {"held"}}); r.Status != 303 {
		t.Fatalf("held: %d", r.Status)
	}
	// The list page's "Next 1:1" posts to next; it must open another meeting, still to come.
	if body := p.m.Get("/oneonones").Body; !strings.Contains(body, `action="`+next+`"`) {
		t.Fatal("the 1:1 list has no Next 1:1")
	}
	r := p.m.Post(next, nil)
	if r.Status != 303 || r.Location() == first || !strings.HasPrefix(r.Location(), "/meetings/") {
		t.Fatalf("after mark held, Next 1:1 opens %q (the held one is %q)", r.Location(), first)
	}
	var at time.Time
	var status string
	p.ta.Pool.QueryRow(t.Context(), "SELECT scheduled_at, status FROM meetings WHERE id = $1",
		strings.TrimPrefix(r.Location(), "/meetings/")).Scan(&at, &status)
	if !at.After(time.Now()) || status != "scheduled" {
		t.Fatalf("next meeting is %s at %s, want a scheduled one to come", status, at)
	}
	if again := p.r.Post(next, nil); again.Location() != r.Location() {
		t.Fatalf("a second Next 1:1 opened %q, the first %q", again.Location(), r.Location())
	}
}
