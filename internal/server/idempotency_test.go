package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/retro"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// idemWorld is one organisation with someone of every role:
//
//	admin; leader ← manager ← {ana, ben}; team Atlas = {manager, ana, ben};
//	the manager's 1:1s with Ana and this week's meeting; a kudo for Ana.
type idemWorld struct {
	app                              *testapp.TestApp
	org, team, meeting, kudo         int64
	admin, leader, manager, ana, ben testfx.Person
	c                                map[string]*testapp.Client
}

func newIdemWorld(t *testing.T) *idemWorld {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	w := &idemWorld{app: ta, c: map[string]*testapp.Client{}}
	w.org = f.Org(t, "Idem Org")
	w.admin = f.Person(t, w.org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.leader = f.Person(t, w.org, testfx.PersonOpts{Name: "Lea Leader", Role: core.RoleLeader})
	w.manager = f.Person(t, w.org, testfx.PersonOpts{Name: "Mia Manager", Role: core.RoleManager, ManagerID: w.leader.ID})
	w.ana = f.Person(t, w.org, testfx.PersonOpts{Name: "Ana Report", ManagerID: w.manager.ID})
	w.ben = f.Person(t, w.org, testfx.PersonOpts{Name: "Ben Report", ManagerID: w.manager.ID})
	w.team = f.Team(t, w.org, "Atlas", w.manager.ID, w.ana.ID, w.ben.ID)
	series := f.Series(t, w.org, w.manager.ID, w.ana.ID, time.Now().UTC().AddDate(0, 0, -30).Format("2006-01-02"))
	w.meeting = f.Meeting(t, w.org, series, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "scheduled")
	w.kudo = f.Kudo(t, w.org, w.ben.ID, []int64{w.ana.ID}, "org", nil)
	for name, p := range map[string]testfx.Person{"admin": w.admin, "leader": w.leader, "manager": w.manager, "ana": w.ana} {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		w.c[name] = c
	}
	return w
}

// idemRun is one create form: the page that renders it, what is typed into
// it, and how to count what it creates.
type idemRun struct {
	who    string
	page   string     // the page with the form
	action string     // the form's action
	pick   string     // when the page has several such forms: the one holding this value
	fields url.Values // typed into the form over what it rendered
	count  string     // counts the rows the form creates, with $1 = arg
	arg    any
	topic  string // the live topic the write announces on, if any
	audits int    // audit rows one submit writes, when more than one
}

// renderedForm reads the form posting to action (holding pick, if given) as
// a browser would submit it untouched: hidden inputs, text, the selected
// options.
func renderedForm(t *testing.T, body, action, pick string) url.Values {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var form *goquery.Selection
	doc.Find("form").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if a, _ := s.Attr("action"); a != action {
			return true
		}
		if pick != "" && s.Find(fmt.Sprintf(`[value=%q]`, pick)).Length() == 0 {
			return true
		}
		form = s
		return false
	})
	if form == nil {
		t.Fatalf("no form posting to %s (holding %q) on the page", action, pick)
	}
	v := url.Values{}
	form.Find("input, textarea, select").Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok || name == "" {
			return
		}
		switch goquery.NodeName(s) {
		case "textarea":
			v.Add(name, s.Text())
		case "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option").First()
			}
			val, _ := opt.Attr("value")
			v.Add(name, val)
		default:
			typ, _ := s.Attr("type")
			if (typ == "checkbox" || typ == "radio") && s.AttrOr("checked", "-") == "-" {
				return
			}
			if typ == "submit" || typ == "file" {
				return
			}
			v.Add(name, s.AttrOr("value", ""))
		}
	})
	// A form whose buttons each send their own value (a kudo's reactions):
	// the button holding pick is the one pressed.
	if b := form.Find(fmt.Sprintf(`button[name][value=%q]`, pick)); pick != "" && b.Length() > 0 {
		v.Add(b.AttrOr("name", ""), pick)
	}
	return v
}

// warmUp opens n connections to the app and keeps them, so that n submits
// released together reach the handlers together instead of one connection
// set-up apart.
func warmUp(t *testing.T, c *testapp.Client, base string, n int) {
	t.Helper()
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok && tr.MaxIdleConnsPerHost < n {
		tr.MaxIdleConnsPerHost = n
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.HTTP.Get(base + "/healthz")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
}

// Every create form submitted ten times at once (a double click, a flaky
// network retrying) stores one row, announces one live event, writes at most
// one audit row, and answers every submit with the same redirect.
func TestConcurrentIdenticalSubmitsCreateOnce(t *testing.T) {
	w := newIdemWorld(t)
	f := w.app.F
	due := time.Now().UTC().AddDate(0, 0, 7).Format("2006-01-02")
	comp := f.Competency(t, "partnerships")
	retroIn := func(phase string) (int64, int64) {
		id, cols := f.Retro(t, w.org, w.team, testfx.RetroOpts{Phase: phase})
		card := f.RetroCard(t, w.org, id, cols[0], w.ana.ID, fmt.Sprint("Card ", testfx.Next()))
		return id, card
	}
	cases := map[string]func() idemRun{
		"kudo comment": func() idemRun {
			return idemRun{who: "ana", page: fmt.Sprintf("/kudos/%d", w.kudo), action: fmt.Sprintf("/kudos/%d/comments", w.kudo),
				fields: url.Values{"comment": {"Thank you, Ben!"}}, count: "SELECT count(*) FROM kudo_comments WHERE kudo_id = $1", arg: w.kudo}
		},
		"1:1 observation": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/meetings/%d", w.meeting), action: fmt.Sprintf("/meetings/%d/observations", w.meeting),
				fields: url.Values{"competency_id": {itoa(comp)}, "note": {"Mapped who owns billing on the partner side"}},
				count:  "SELECT count(*) FROM observations WHERE meeting_id = $1", arg: w.meeting}
		},
		"kudo reaction": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/kudos/%d", w.kudo), action: fmt.Sprintf("/kudos/%d/react", w.kudo), pick: "rocket:true",
				count: "SELECT count(*) FROM kudo_reactions WHERE kudo_id = $1 AND emoji = 'rocket'", arg: w.kudo}
		},
		"retro phase move": func() idemRun {
			id, _ := retroIn("reflect")
			return idemRun{who: "manager", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/phase", id), pick: "group",
				count: "SELECT count(*) FROM retros WHERE id = $1 AND phase = 'group'", arg: id, topic: retro.Topic(id)}
		},
		"retro vote": func() idemRun {
			id, card := retroIn("vote")
			return idemRun{who: "ana", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/votes", id), pick: fmt.Sprintf("c%d", card),
				count: "SELECT count(*) FROM retro_votes WHERE retro_id = $1", arg: id, topic: retro.Topic(id)}
		},
		"retro discussion note": func() idemRun {
			id, card := retroIn("discuss")
			return idemRun{who: "ana", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/notes", id), pick: fmt.Sprintf("c%d", card),
				fields: url.Values{"note": {"Pair on reviews"}}, count: "SELECT count(*) FROM retro_notes WHERE retro_id = $1", arg: id, topic: retro.Topic(id)}
		},
		"retro action": func() idemRun {
			id, _ := retroIn("actions")
			return idemRun{who: "ana", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/actions", id),
				fields: url.Values{"action_body": {"Book the review rota"}, "owner_id": {itoa(w.ben.ID)}, "due_on": {due}},
				count:  "SELECT count(*) FROM retro_actions WHERE retro_id = $1", arg: id, topic: retro.Topic(id)}
		},
		"retro new group": func() idemRun {
			id, card := retroIn("group")
			return idemRun{who: "ana", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/group", id), pick: itoa(card),
				fields: url.Values{"group_name": {"Reviews"}}, count: "SELECT count(*) FROM retro_groups WHERE retro_id = $1", arg: id, topic: retro.Topic(id)}
		},
		"retro": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/teams/%d/retros/new", w.team), action: fmt.Sprintf("/teams/%d/retros", w.team),
				fields: url.Values{"title": {"Sprint 40"}}, count: "SELECT count(*) FROM retros WHERE team_id = $1 AND title = 'Sprint 40'", arg: w.team}
		},
		"kudo": func() idemRun {
			return idemRun{who: "manager", page: "/kudos/new", action: "/kudos",
				fields: url.Values{"to": {handle(w.ben)}, "did": {"Ran the incident review calmly"}, "impact": {"We fixed the root cause"}},
				count:  "SELECT count(*) FROM kudos WHERE author_id = $1", arg: w.manager.ID}
		},
		"talking point": func() idemRun {
			return idemRun{who: "ana", page: fmt.Sprintf("/meetings/%d", w.meeting), action: fmt.Sprintf("/meetings/%d/agenda", w.meeting), pick: "",
				fields: url.Values{"body": {"Conference budget"}}, count: "SELECT count(*) FROM agenda_items WHERE meeting_id = $1", arg: w.meeting}
		},
		"1:1 action": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/meetings/%d", w.meeting), action: fmt.Sprintf("/meetings/%d/actions", w.meeting),
				fields: url.Values{"action_body": {"Book the venue"}, "owner_id": {itoa(w.manager.ID)}, "due_on": {due}},
				count:  "SELECT count(*) FROM action_items WHERE meeting_id = $1", arg: w.meeting}
		},
		"1:1 series": func() idemRun {
			return idemRun{who: "manager", page: "/oneonones/new", action: "/oneonones",
				fields: url.Values{"report_id": {itoa(w.ben.ID)}, "starts_on": {due}},
				count:  "SELECT count(*) FROM oneonone_series WHERE report_id = $1", arg: w.ben.ID}
		},
		"team": func() idemRun {
			return idemRun{who: "admin", page: "/teams/new", action: "/teams",
				fields: url.Values{"name": {"Borealis"}}, count: "SELECT count(*) FROM teams WHERE org_id = $1 AND name = 'Borealis'", arg: w.org}
		},
		"team member": func() idemRun {
			return idemRun{who: "admin", page: fmt.Sprintf("/teams/%d", w.team), action: fmt.Sprintf("/teams/%d/members", w.team),
				fields: url.Values{"person_id": {itoa(w.leader.ID)}}, count: "SELECT count(*) FROM team_members WHERE user_id = $1", arg: w.leader.ID}
		},
		"person": func() idemRun {
			return idemRun{who: "admin", page: "/people/new", action: "/people",
				fields: url.Values{"name": {"Val Id"}, "email": {"val.id@idem.example"}},
				count:  "SELECT count(*) FROM users WHERE email = $1", arg: "val.id@idem.example", audits: 2} // the person and their invitation
		},
		"invitation": func() idemRun {
			return idemRun{who: "admin", page: "/invitations", action: "/invitations",
				fields: url.Values{"name": {"Ivy Invite"}, "email": {"ivy@idem.example"}},
				count:  "SELECT count(*) FROM invitations i JOIN users u ON u.id = i.user_id WHERE u.email = $1", arg: "ivy@idem.example", audits: 2}
		},
		"invitation link again": func() idemRun {
			p := f.Person(t, w.org, testfx.PersonOpts{Name: "Nia New", NoPass: true})
			return idemRun{who: "admin", page: fmt.Sprintf("/people/%d", p.ID), action: fmt.Sprintf("/people/%d/invite", p.ID),
				count: "SELECT count(*) FROM invitations WHERE user_id = $1", arg: p.ID}
		},
		"ritual": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/teams/%d/rituals/new", w.team), action: fmt.Sprintf("/teams/%d/rituals", w.team),
				fields: url.Values{"name": {"Friday wins"}}, count: "SELECT count(*) FROM rituals WHERE team_id = $1", arg: w.team}
		},
		"review cycle": func() idemRun {
			return idemRun{who: "leader", page: "/reviews/new", action: "/reviews",
				fields: url.Values{"name": {"H1 2026"}, "period_start": {"2026-01-01"}, "period_end": {"2026-06-30"}, "self_due": {"2026-07-10"}, "manager_due": {"2026-07-24"}},
				count:  "SELECT count(*) FROM review_cycles WHERE org_id = $1", arg: w.org}
		},
		"framework version": func() idemRun {
			return idemRun{who: "admin", page: "/framework/edit", action: "/framework",
				fields: url.Values{"note": {"Clearer wording"}}, count: "SELECT count(*) FROM framework_versions WHERE org_id = $1 AND note = 'Clearer wording'", arg: w.org}
		},
		"webhook": func() idemRun {
			return idemRun{who: "admin", page: "/admin/webhooks", action: "/admin/webhooks",
				fields: url.Values{"team_id": {itoa(w.team)}, "url": {"https://hooks.example.com/atlas"}},
				count:  "SELECT count(*) FROM team_webhooks WHERE team_id = $1", arg: w.team}
		},
		"health check": func() idemRun {
			return idemRun{who: "manager", page: fmt.Sprintf("/teams/%d/health/new", w.team), action: fmt.Sprintf("/teams/%d/health", w.team),
				count: "SELECT count(*) FROM health_checks WHERE team_id = $1", arg: w.team}
		},
		"health dimension": func() idemRun {
			return idemRun{who: "admin", page: "/admin/health", action: "/admin/health/dimensions",
				fields: url.Values{"name": {"Meetings"}, "description": {"Our meetings are worth the time."}},
				count:  "SELECT count(*) FROM health_dimensions WHERE org_id = $1 AND name = 'Meetings'", arg: w.org}
		},
		"check-in question": func() idemRun {
			return idemRun{who: "admin", page: "/questions", action: "/questions",
				fields: url.Values{"body": {"What would make next week easier?"}}, count: "SELECT count(*) FROM questions WHERE org_id = $1 AND body = 'What would make next week easier?'", arg: w.org}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) { submitTogether(t, w, mk()) })
	}
}

// submitTogether submits run's form ten times at once and checks that that
// made one row (or one change), at most one live event and the audit rows of
// one submit, and that every submit got the same redirect.
func submitTogether(t *testing.T, w *idemWorld, run idemRun) {
	t.Helper()
	f := w.app.F
	c := w.c[run.who]
	page := c.Get(run.page)
	if page.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", run.page, page.Status)
	}
	form := renderedForm(t, page.Body, run.action, run.pick)
	for k, v := range run.fields {
		form[k] = v
	}
	events := func() int {
		return f.Count(t, "SELECT count(*) FROM live_events WHERE topic = $1", run.topic)
	}
	audits := func() int { return f.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1", w.org) }
	rows0, events0, audits0 := f.Count(t, run.count, run.arg), events(), audits()

	const n = 10
	warmUp(t, c, w.app.URL, n)
	statuses, locations := make([]int, n), make([]string, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			req, _ := http.NewRequest("POST", w.app.URL+run.action, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			start.Wait()
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i], locations[i] = resp.StatusCode, resp.Header.Get("Location")
		}()
	}
	start.Done()
	done.Wait()

	for i := range n {
		if statuses[i] != http.StatusSeeOther || locations[i] != locations[0] {
			t.Errorf("submit %d: %d → %q; the first: %d → %q", i, statuses[i], locations[i], statuses[0], locations[0])
		}
	}
	if got := f.Count(t, run.count, run.arg) - rows0; got != 1 {
		t.Errorf("%d rows from %d identical submits, want 1", got, n)
	}
	if run.topic != "" {
		if got := events() - events0; got != 1 {
			t.Errorf("%d live events from %d identical submits, want 1", got, n)
		}
	}
	if got := audits() - audits0; got > max(run.audits, 1) {
		t.Errorf("%d audit rows from %d identical submits, want at most %d", got, n, max(run.audits, 1))
	}
}

// A change submitted ten times at once (pause, cancel, move, deactivate,
// revoke, remove) is made once: one audit row, and every submit gets the
// same redirect.
func TestConcurrentIdenticalChangesApplyOnce(t *testing.T) {
	w := newIdemWorld(t)
	f := w.app.F
	ctx := t.Context()
	pair := func() (series, meeting int64) {
		rep := f.Person(t, w.org, testfx.PersonOpts{ManagerID: w.manager.ID})
		series = f.Series(t, w.org, w.manager.ID, rep.ID, time.Now().UTC().AddDate(0, 0, -30).Format("2006-01-02"))
		meeting = f.Meeting(t, w.org, series, time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), "scheduled")
		return series, meeting
	}
	cases := map[string]func() idemRun{
		"pause a series": func() idemRun {
			series, _ := pair()
			return idemRun{who: "manager", page: fmt.Sprintf("/oneonones/%d", series), action: fmt.Sprintf("/oneonones/%d/pause", series),
				count: "SELECT count(*) FROM oneonone_pauses WHERE series_id = $1", arg: series}
		},
		"mark a meeting held": func() idemRun {
			_, m := pair()
			return idemRun{who: "manager", page: fmt.Sprintf("/meetings/%d", m), action: fmt.Sprintf("/meetings/%d/status", m), pick: "held",
				count: "SELECT count(*) FROM meetings WHERE id = $1 AND status = 'held'", arg: m}
		},
		"move a meeting": func() idemRun {
			series, m := pair()
			return idemRun{who: "manager", page: fmt.Sprintf("/meetings/%d", m), action: fmt.Sprintf("/meetings/%d/reschedule", m),
				fields: url.Values{"new_date": {time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02")}, "new_time": {"10:00"}},
				count:  "SELECT count(*) FROM meetings WHERE series_id = $1", arg: series}
		},
		"deactivate a person": func() idemRun {
			p := f.Person(t, w.org, testfx.PersonOpts{})
			return idemRun{who: "admin", page: fmt.Sprintf("/people/%d", p.ID), action: fmt.Sprintf("/people/%d/deactivate", p.ID),
				count: "SELECT count(*) FROM users WHERE id = $1 AND NOT active", arg: p.ID}
		},
		"revoke an invitation": func() idemRun {
			p := f.Person(t, w.org, testfx.PersonOpts{NoPass: true})
			var id int64
			if err := w.app.Pool.QueryRow(ctx, `INSERT INTO invitations (org_id, user_id, token_hash, expires_at)
				VALUES ($1, $2, $3, now() + interval '1 day') RETURNING id`, w.org, p.ID, []byte(fmt.Sprint("token-", p.ID))).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return idemRun{who: "admin", page: "/invitations", action: fmt.Sprintf("/invitations/%d/revoke", id),
				count: "SELECT count(*) FROM invitations WHERE id = $1 AND revoked_at IS NOT NULL", arg: id}
		},
		"review an earlier retro's action": func() idemRun {
			earlier, _ := f.Retro(t, w.org, w.team, testfx.RetroOpts{Phase: "done"})
			action := f.RetroAction(t, w.org, earlier, w.ben.ID, "Rotate the host", time.Now().UTC().Format("2006-01-02"))
			id, _ := f.Retro(t, w.org, w.team, testfx.RetroOpts{Phase: "open_actions"})
			return idemRun{who: "manager", page: fmt.Sprintf("/retros/%d", id), action: fmt.Sprintf("/retros/%d/review", id), pick: "done",
				count: "SELECT count(*) FROM retro_actions WHERE id = $1 AND status = 'done'", arg: action, topic: retro.Topic(id)}
		},
		"remove a team member": func() idemRun {
			team := f.Team(t, w.org, fmt.Sprint("Team ", testfx.Next()), w.ben.ID)
			return idemRun{who: "admin", page: fmt.Sprintf("/teams/%d", team), action: fmt.Sprintf("/teams/%d/members/%d/remove", team, w.ben.ID),
				count: "SELECT count(*) FROM teams t WHERE t.id = $1 AND NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id)", arg: team}
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) { submitTogether(t, w, mk()) })
	}
}
