package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// briefWorld is a manager and report with a weekly series: two held 1:1s
// (24 and 10 days ago), a cancelled one (3 days ago) and the next one in
// two days, whose page shows the brief.
type briefWorld struct {
	*pair
	next, held int64
	peer       testfx.Person
	team       int64
	kudo       map[string]int64
	cycleA     int64
}

func day(offset int) string { return time.Now().UTC().AddDate(0, 0, offset).Format("2006-01-02") }

func at(offset int) string {
	return time.Now().UTC().AddDate(0, 0, offset).Format(time.RFC3339)
}

func newBriefWorld(t *testing.T, opts testapp.Options) *briefWorld {
	t.Helper()
	ta := testapp.Start(t, dsn, opts)
	p := &pair{ta: ta}
	p.org = ta.F.Org(t, "Brief")
	p.mgr = ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Marco Manager", Role: core.RoleManager})
	p.rep = ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Ana Report", ManagerID: p.mgr.ID})
	p.series = ta.F.Series(t, p.org, p.mgr.ID, p.rep.ID, day(-60))
	w := &briefWorld{pair: p, kudo: map[string]int64{}}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := ta.Pool.Exec(t.Context(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	// The series began 60 days ago.
	exec(`UPDATE oneonone_series SET created_at = now() - interval '60 days' WHERE id = $1`, p.series)
	older := ta.F.Meeting(t, p.org, p.series, at(-24), "held")
	w.held = ta.F.Meeting(t, p.org, p.series, at(-10), "held")
	ta.F.Meeting(t, p.org, p.series, at(-3), "cancelled")
	w.next = ta.F.Meeting(t, p.org, p.series, at(2), "scheduled")
	p.meeting = w.next

	// Actions of the series: three open and due by the meeting day.
	ta.F.Action(t, p.org, older, p.rep.ID, "Oldest: write the onboarding doc", day(-20), nil)
	ta.F.Action(t, p.org, w.held, p.mgr.ID, "Overdue: book the conference", day(-5), nil)
	ta.F.Action(t, p.org, w.held, p.rep.ID, "Done already", day(-2), time.Now())
	ta.F.Action(t, p.org, w.held, p.rep.ID, "Due on the day: share the plan", day(2), nil)
	ta.F.Action(t, p.org, w.held, p.rep.ID, "Later: not yet due", day(9), nil)
	// An overdue action of another series of the manager is not this one's.
	other := ta.F.Person(t, p.org, testfx.PersonOpts{ManagerID: p.mgr.ID})
	os := ta.F.Series(t, p.org, p.mgr.ID, other.ID, day(-60))
	ta.F.Action(t, p.org, ta.F.Meeting(t, p.org, os, at(-7), "held"), other.ID, "Another series' action", day(-6), nil)

	// Kudos for the report. The peer shares a team with the report; the
	// manager is not in it.
	w.peer = ta.F.Person(t, p.org, testfx.PersonOpts{Name: "Pia Peer"})
	w.team = ta.F.Team(t, p.org, "Atlas", p.rep.ID, w.peer.ID)
	kudo := func(name string, author int64, to []int64, vis string, team *int64, daysAgo int) {
		id := ta.F.Kudo(t, p.org, author, to, vis, team)
		exec(`UPDATE kudos SET did = $2, created_at = now() - make_interval(days => $3) WHERE id = $1`, id, name, daysAgo)
		w.kudo[name] = id
	}
	kudo("Before the last 1:1", w.peer.ID, []int64{p.rep.ID}, "org", nil, 12)
	kudo("Org-wide praise", w.peer.ID, []int64{p.rep.ID}, "org", nil, 5)
	kudo("Recipients-only praise", w.peer.ID, []int64{p.rep.ID}, "recipients", nil, 4)
	kudo("Team-only praise", w.peer.ID, []int64{p.rep.ID}, "team", &w.team, 3)
	kudo("Someone else's praise", p.rep.ID, []int64{w.peer.ID}, "org", nil, 2)

	// Retro actions the report owns: two open, one done.
	retroID, _ := ta.F.Retro(t, p.org, w.team, testfx.RetroOpts{Title: "Sprint 14", Phase: "done"})
	ta.F.RetroAction(t, p.org, retroID, p.rep.ID, "Rotate the standup host", day(3))
	ta.F.RetroAction(t, p.org, retroID, p.rep.ID, "Write the runbook", day(-1))
	done := ta.F.RetroAction(t, p.org, retroID, p.rep.ID, "Finished retro action", day(-4))
	exec(`UPDATE retro_actions SET status = 'done', done_at = now() WHERE id = $1`, done)
	ta.F.RetroAction(t, p.org, retroID, w.peer.ID, "The peer's retro action", day(1))

	// Review cycles. Open, the report's, both steps within 14 days.
	w.cycleA = ta.F.Cycle(t, p.org, testfx.CycleOpts{Name: "Cycle A", SelfDue: day(5), ManagerDue: day(12)}, p.rep.ID)
	// The manager's own review, which the report may not see.
	ta.F.Cycle(t, p.org, testfx.CycleOpts{Name: "Cycle B", SelfDue: day(3), ManagerDue: day(30)}, p.mgr.ID)
	// Closed, too far, or already submitted: none counts.
	closed := ta.F.Cycle(t, p.org, testfx.CycleOpts{Name: "Cycle C", SelfDue: day(2), ManagerDue: day(2)}, p.rep.ID)
	exec(`UPDATE review_cycles SET state = 'closed' WHERE id = $1`, closed)
	ta.F.Cycle(t, p.org, testfx.CycleOpts{Name: "Cycle D", SelfDue: day(20), ManagerDue: day(25)}, p.rep.ID)
	sub := ta.F.Cycle(t, p.org, testfx.CycleOpts{Name: "Cycle E", SelfDue: day(4), ManagerDue: day(40)}, p.rep.ID)
	exec(`UPDATE review_participants SET self_submitted_at = now() WHERE cycle_id = $1`, sub)

	// Evidence in Cycle A's period (Jan–Jun 2026) for 5 of the framework's
	// 10 competencies as the report sees it: a kudo received (Rapport,
	// Trust), one given (Partnerships), an observation (Listening) and a
	// team kudo (Ethical networking) the manager may not see. An
	// observation after the period (Contact maintenance) is none.
	comp := ta.F.Competency
	ta.F.TagKudo(t, ta.F.Kudo(t, p.org, w.peer.ID, []int64{p.rep.ID}, "org", nil), "2026-03-01T09:00:00Z", comp(t, "rapport"), comp(t, "trust"))
	ta.F.TagKudo(t, ta.F.Kudo(t, p.org, p.rep.ID, []int64{w.peer.ID}, "org", nil), "2026-02-01T09:00:00Z", comp(t, "partnerships"))
	ta.F.TagKudo(t, ta.F.Kudo(t, p.org, w.peer.ID, []int64{p.rep.ID}, "team", &w.team), "2026-03-05T09:00:00Z", comp(t, "ethical-networking"))
	ta.F.Observation(t, p.org, w.held, p.mgr.ID, p.rep.ID, comp(t, "listening"), "Listened well", "2026-04-01T09:00:00Z")
	ta.F.Observation(t, p.org, w.held, p.mgr.ID, p.rep.ID, comp(t, "contact-maintenance"), "Too late", "2026-07-15T09:00:00Z")

	// Atlas's health checks, three answers each: all 3s 40 days ago; 13
	// days ago Trust and safety 1, 2, 3 (−1.0), Listening 4, 4, 4 (+1.0),
	// Feedback and follow-through 3, 3, 4 (+0.3), the rest 3. A later
	// check with two answers (under the threshold) and an open one count
	// for nothing.
	ta.F.HealthCheck(t, p.org, w.team, testfx.HealthOpts{Closed: true, DaysAgo: 40, Answers: []int{3, 3, 3}})
	ta.F.HealthCheck(t, p.org, w.team, testfx.HealthOpts{Closed: true, DaysAgo: 20,
		Ratings: [][]int{{1, 4, 3}, {2, 4, 3}, {3, 4, 4}}})
	ta.F.HealthCheck(t, p.org, w.team, testfx.HealthOpts{Closed: true, DaysAgo: 10, Answers: []int{1, 1}})
	ta.F.HealthCheck(t, p.org, w.team, testfx.HealthOpts{Answers: []int{5, 5, 5}})

	p.m, p.r = ta.Client(t), ta.Client(t)
	p.m.SignIn(p.mgr.Email, testfx.Password)
	p.r.SignIn(p.rep.Email, testfx.Password)
	return w
}

// briefLine returns the text of one line of the brief and its listed items.
func briefLine(t *testing.T, body, key string) (string, []string, *goquery.Selection) {
	t.Helper()
	doc := mustDoc(t, body)
	li := doc.Find(fmt.Sprintf(`#brief li.brief-line[data-line=%q]`, key))
	if li.Length() != 1 {
		t.Fatalf("brief line %q: %d found", key, li.Length())
	}
	var items []string
	li.Find(".brief-items li").Each(func(_ int, s *goquery.Selection) { items = append(items, strings.Join(strings.Fields(s.Text()), " ")) })
	return strings.Join(strings.Fields(li.Find(".brief-text").Text()), " "), items, li
}

func TestBriefCountsEachLineFromItsSource(t *testing.T) {
	w := newBriefWorld(t, testapp.Options{})
	for _, side := range []struct {
		name           string
		c              *testapp.Client
		kudos          string
		items          []string
		reviews        []string
		gaps, gapItems string
	}{
		{"manager", w.m, "2 kudos for Ana Report since the last 1:1 on", []string{"Recipients-only praise", "Org-wide praise"},
			[]string{"Cycle B · self review · Marco Manager", "Cycle A · self review · Ana Report", "Cycle A · manager review · Ana Report"},
			"6 competencies with no evidence for Ana Report in Cycle A", "Contact maintenance | Ethical networking | Internal dynamics"},
		{"report", w.r, "3 kudos for Ana Report since the last 1:1 on", []string{"Team-only praise", "Recipients-only praise", "Org-wide praise"},
			[]string{"Cycle A · self review · Ana Report", "Cycle A · manager review · Ana Report"},
			"5 competencies with no evidence for Ana Report in Cycle A", "Contact maintenance | Internal dynamics | Strategic networking"},
	} {
		r := side.c.Get(w.path(""))
		if r.Status != 200 {
			t.Fatalf("%s: GET meeting %d", side.name, r.Status)
		}
		text, items, _ := briefLine(t, r.Body, "actions")
		if !strings.HasPrefix(text, "3 open actions overdue or due by") || len(items) != 3 ||
			!strings.HasPrefix(items[0], "“Oldest: write the onboarding doc”") ||
			!strings.HasPrefix(items[1], "“Overdue: book the conference”") ||
			!strings.HasPrefix(items[2], "“Due on the day: share the plan”") {
			t.Errorf("%s: actions line %q %q", side.name, text, items)
		}
		text, items, _ = briefLine(t, r.Body, "kudos")
		if !strings.HasPrefix(text, side.kudos) || len(items) != len(side.items) {
			t.Errorf("%s: kudos line %q %q", side.name, text, items)
		} else {
			for i, want := range side.items {
				if !strings.Contains(items[i], want) {
					t.Errorf("%s: kudo %d is %q, want %q", side.name, i, items[i], want)
				}
			}
		}
		text, items, _ = briefLine(t, r.Body, "retro")
		if !strings.HasPrefix(text, "Ana Report owns 2 open retro actions") || len(items) != 2 {
			t.Errorf("%s: retro line %q %q", side.name, text, items)
		}
		text, items, _ = briefLine(t, r.Body, "reviews")
		if want := fmt.Sprintf("%d review deadlines in the next 14 days", len(side.reviews)); !strings.HasPrefix(text, want) || len(items) != len(side.reviews) {
			t.Errorf("%s: reviews line %q %q, want %q", side.name, text, items, want)
		} else {
			for i, want := range side.reviews {
				if !strings.HasPrefix(items[i], want) {
					t.Errorf("%s: deadline %d is %q, want %q", side.name, i, items[i], want)
				}
			}
		}
		text, items, li := briefLine(t, r.Body, "gaps")
		if !strings.HasPrefix(text, side.gaps) || strings.Join(items, " | ") != side.gapItems {
			t.Errorf("%s: gaps line %q %q", side.name, text, items)
		}
		if href, _ := li.Find(".brief-text a").Attr("href"); href != fmt.Sprintf("/reviews/%d/people/%d", w.cycleA, w.rep.ID) {
			t.Errorf("%s: gaps line links to %q", side.name, href)
		}
		text, items, li = briefLine(t, r.Body, "health")
		if !strings.HasPrefix(text, "3 dimensions moved in the latest health check of Ana Report's teams") || len(items) != 3 ||
			!strings.HasPrefix(items[0], "Atlas · Listening ↑ 1.0 · check ended") ||
			!strings.HasPrefix(items[1], "Atlas · Trust and safety ↓ 1.0 · check ended") ||
			!strings.HasPrefix(items[2], "Atlas · Feedback and follow-through ↑ 0.3 · check ended") {
			t.Errorf("%s: health line %q %q", side.name, text, items)
		}
		if point, _ := li.Find(`input[name=body]`).Attr("value"); !strings.HasPrefix(point, "Team health: Listening ↑ 1.0 in Atlas's latest check") ||
			!strings.HasSuffix(point, "(from the brief: team health checks you may read)") {
			t.Errorf("%s: health point %q", side.name, point)
		}
		text, _, li = briefLine(t, r.Body, "last")
		if !strings.HasPrefix(text, "10 days since the last 1:1 held") {
			t.Errorf("%s: last 1:1 line %q", side.name, text)
		}
		if href, _ := li.Find(".brief-text a").Attr("href"); href != fmt.Sprintf("/meetings/%d", w.held) {
			t.Errorf("%s: last 1:1 links to %q", side.name, href)
		}
	}
	// A held 1:1 has no brief.
	if r := w.m.Get(fmt.Sprintf("/meetings/%d", w.held)); r.Status != 200 || strings.Contains(r.Body, `id="brief"`) {
		t.Errorf("held meeting: %d, brief shown", r.Status)
	}
}

func TestBriefShowsNeitherSideWhatTheyMayNotSee(t *testing.T) {
	w := newBriefWorld(t, testapp.Options{})
	secret := "Private: thinking about a promotion case " + fmt.Sprint(testfx.Next())
	if r := w.m.Post(w.path("/private-note"), url.Values{"private_note": {secret}}); r.Status != http.StatusSeeOther {
		t.Fatalf("private note: %d", r.Status)
	}
	m := w.m.Get(w.path(""))
	doc := mustDoc(t, m.Body)
	brief := doc.Find("#brief").Text()
	if strings.Contains(brief, "Team-only praise") || strings.Contains(m.Body, fmt.Sprintf("/kudos/%d", w.kudo["Team-only praise"])) {
		t.Error("the manager's brief shows a team kudo the manager may not see")
	}
	r := w.r.Get(w.path(""))
	if strings.Contains(mustDoc(t, r.Body).Find("#brief").Text(), "Cycle B") {
		t.Error("the report's brief shows the manager's own review")
	}
	if strings.Contains(r.Body, secret) {
		t.Error("the report's page shows the manager's private note")
	}
	if !strings.Contains(mustDoc(t, r.Body).Find("#brief").Text(), "Team-only praise") {
		t.Error("the report's brief lacks a kudo they received")
	}
	// The kudos point names no kudo: the other side reads the agenda.
	_, _, li := briefLine(t, r.Body, "kudos")
	point, _ := li.Find(`input[name=body]`).Attr("value")
	if point == "" || strings.Contains(point, "praise") {
		t.Errorf("kudos point %q", point)
	}
}

func TestBriefAddsALineToTheAgendaOnce(t *testing.T) {
	w := newBriefWorld(t, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	r := w.r.Get(w.path(""))
	_, _, li := briefLine(t, r.Body, "actions")
	form := li.Find("form.brief-add")
	action, _ := form.Attr("action")
	point, _ := form.Find(`input[name=body]`).Attr("value")
	if action != w.path("/agenda") || !strings.Contains(point, "(from the brief: open actions of this 1:1 series)") ||
		!strings.Contains(point, "Oldest: write the onboarding doc") {
		t.Fatalf("add form %q %q", action, point)
	}
	// Without JavaScript: a plain post, then back to the agenda.
	if r := w.r.Post(action, url.Values{"body": {point}, "from": {"brief"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	// With htmx: the agenda alone comes back. Twice is still one point.
	req, _ := http.NewRequest("POST", w.ta.URL+action, strings.NewReader(url.Values{"body": {point}, "from": {"brief"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	if r := w.r.Do(req); r.Status != 200 || !strings.Contains(r.Body, `id="agenda"`) || strings.Contains(r.Body, `id="brief"`) {
		t.Fatalf("htmx add: %d", r.Status)
	}
	if n := w.ta.F.Count(t, `SELECT count(*) FROM agenda_items WHERE meeting_id = $1 AND body = $2`, w.next, point); n != 1 {
		t.Errorf("%d points after adding twice, want 1", n)
	}
	// Back on the page, the line says it is on the agenda.
	if _, _, li := briefLine(t, w.r.Get(w.path("")).Body, "actions"); li.Find("form").Length() != 0 || !strings.Contains(li.Text(), "On the agenda") {
		t.Error("the added line still offers to add it")
	}
	// The manager sees it on the agenda, saying where it came from.
	if m := w.m.Get(w.path("")); !strings.Contains(mustDoc(t, m.Body).Find("#agenda").Text(), "(from the brief: open actions of this 1:1 series)") {
		t.Error("the point is not on the manager's agenda")
	}
	// The brief costs one statement: a held 1:1's page (no brief) sends
	// one fewer than the next one's.
	q := func(path string) int {
		n, err := strconv.Atoi(w.r.Get(path).Header.Get("X-Queries"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if next, held := q(w.path("")), q(fmt.Sprintf("/meetings/%d", w.held)); next != held+1 {
		t.Errorf("the next 1:1's page sends %d statements, the held one's %d: the brief should cost one", next, held)
	}
}
