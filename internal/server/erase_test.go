package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// Erasing a person who has something in every table leaves their name,
// email and @handle nowhere in the database (every text and JSON column of
// every table, River's included), keeps the kept figures equal to their
// rebuilds, and audits it; a wrong typed name is a 422 that changes nothing.
func TestErasePersonLeavesNoTrace(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	ctx := t.Context()
	n := testfx.Next()
	org := f.Org(t, fmt.Sprintf("Erase Org %d", n))
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Mo Manager", Role: core.RoleManager})
	name := fmt.Sprintf("Erin Erasable%d", n)
	handle := fmt.Sprintf("erin.erasable%d", n)
	email := handle + "@example.com"
	erin := f.Person(t, org, testfx.PersonOpts{Name: name, Email: email, ManagerID: mgr.ID})
	report := f.Person(t, org, testfx.PersonOpts{Name: "Rae Report", ManagerID: erin.ID})
	other := f.Person(t, org, testfx.PersonOpts{Name: "Oli Other", ManagerID: mgr.ID})
	team := f.Team(t, org, fmt.Sprintf("Erasers %d", n), mgr.ID, erin.ID, other.ID)

	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := ta.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// 1:1s: theirs with their manager, with their talking points, private
	// note, an action and notes that name them.
	series := f.Series(t, org, mgr.ID, erin.ID, "2026-01-06")
	meeting := f.Meeting(t, org, series, "2026-01-06T10:00:00Z", "held")
	f.Meeting(t, org, series, "2026-01-13T10:00:00Z", "held")
	f.AgendaItem(t, org, meeting, erin.ID, "My workload")
	kept := f.AgendaItem(t, org, meeting, mgr.ID, "Ask "+name+" about the move")
	f.Action(t, org, meeting, erin.ID, "Mail "+email+" the plan", "2026-01-10", nil)
	f.Action(t, org, meeting, mgr.ID, "Book the room", "2026-01-10", "2026-01-09T10:00:00Z")
	exec("UPDATE meetings SET shared_notes = $2 WHERE id = $1", meeting, "We agreed "+name+" leads it")
	exec("INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, 'my own thoughts')", org, meeting, erin.ID)
	exec("INSERT INTO private_notes (org_id, meeting_id, author_id, body) VALUES ($1, $2, $3, $4)", org, meeting, mgr.ID, name+" seemed tired")
	exec("INSERT INTO agenda_templates (org_id, owner_id, name, items) VALUES ($1, $2, 'Mine', ARRAY['a','b'])", org, erin.ID)
	comp := f.Competency(t, "rapport")
	f.Observation(t, org, meeting, mgr.ID, erin.ID, comp, "Listened well", "2026-01-06T10:30:00Z")
	s2 := f.Series(t, org, erin.ID, report.ID, "2026-01-06")
	m2 := f.Meeting(t, org, s2, "2026-01-06T11:00:00Z", "held")
	f.Observation(t, org, m2, erin.ID, report.ID, comp, "Helped "+name+"'s team", "2026-01-06T11:30:00Z")

	// Kudos: given, received alone, received with someone, a comment and a reaction.
	f.Kudo(t, org, erin.ID, []int64{other.ID}, "org", nil)
	f.Kudo(t, org, other.ID, []int64{erin.ID}, "org", nil)
	shared := f.Kudo(t, org, other.ID, []int64{erin.ID, mgr.ID}, "org", nil)
	exec("UPDATE kudos SET did = $2 WHERE id = $1", shared, "@"+handle+" and Mo fixed the build")
	exec("INSERT INTO kudo_comments (org_id, kudo_id, author_id, body) VALUES ($1, $2, $3, 'Thanks!')", org, shared, erin.ID)
	exec("INSERT INTO kudo_comments (org_id, kudo_id, author_id, body) VALUES ($1, $2, $3, $4)", org, shared, other.ID, "Well done "+name)
	exec("INSERT INTO kudo_reactions (org_id, kudo_id, user_id, emoji) VALUES ($1, $2, $3, 'clap')", org, shared, erin.ID)

	// A named retro with their card and action, an anonymous one, health and
	// pulse answers (no author), a draft review and a review notice.
	retro, cols := f.Retro(t, org, team, testfx.RetroOpts{})
	f.RetroCard(t, org, retro, cols[0], erin.ID, "Start pairing")
	f.RetroCard(t, org, retro, cols[1], other.ID, "Stop interrupting "+name)
	f.RetroAction(t, org, retro, erin.ID, "Write the guide", "2026-02-01")
	exec("INSERT INTO retro_facilitators (org_id, team_id, user_id) VALUES ($1, $2, $3)", org, team, erin.ID)
	check := f.HealthCheck(t, org, team, testfx.HealthOpts{Answers: []int{4, 3, 5}})
	exec("INSERT INTO health_responders (check_id, user_id) VALUES ($1, $2)", check, erin.ID)
	pulse := f.Pulse(t, org, testfx.PulseOpts{CreatedBy: admin.ID})
	exec("INSERT INTO pulse_responders (pulse_id, round_no, user_id) VALUES ($1, 1, $2)", pulse, erin.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{CreatedBy: admin.ID}, erin.ID, other.ID)
	exec("UPDATE review_participants SET summary = $3 WHERE cycle_id = $1 AND person_id = $2", cycle, other.ID, "Mentored by "+name)
	exec("INSERT INTO review_notices (org_id, user_id, cycle_id, kind, due_on) VALUES ($1, $2, $3, 'self', '2026-07-10')", org, erin.ID, cycle)

	// Their account: a session, a token, a reset link, an invitation, a feed,
	// SSO and SCIM links, mail preferences, a rate limit, audit and live events.
	erinC := ta.Client(t)
	erinC.SignIn(email, testfx.Password)
	adminC := ta.Client(t)
	adminC.SignIn(admin.Email, testfx.Password)
	if r := adminC.Post(fmt.Sprintf("/people/%d/reset-password", erin.ID), url.Values{"key": {fmt.Sprint(testfx.Next())}}); r.Status != 303 {
		t.Fatalf("reset link: %d\n%s", r.Status, r.Body)
	}
	exec("INSERT INTO personal_tokens (org_id, user_id, name, prefix, token_hash, scope, expires_at) VALUES ($1, $2, 'script', 'rpt_x', $3, 'read', now() + interval '1 day')", org, erin.ID, []byte(fmt.Sprint("tok", n)))
	exec("INSERT INTO invitations (org_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')", org, erin.ID, []byte(fmt.Sprint("inv", n)))
	exec("INSERT INTO calendar_feeds (user_id, org_id, token_hash) VALUES ($1, $2, $3)", erin.ID, org, []byte(fmt.Sprint("cal", n)))
	exec("INSERT INTO sso_identities (org_id, user_id, issuer, subject) VALUES ($1, $2, 'https://idp.example', $3)", org, erin.ID, email)
	exec("INSERT INTO scim_users (org_id, user_id, external_id, given_name, family_name) VALUES ($1, $2, $3, 'Erin', $4)", org, erin.ID, email, fmt.Sprint("Erasable", n))
	exec("INSERT INTO mail_opt_outs (user_id, kind) VALUES ($1, 'kudos')", erin.ID)
	exec("INSERT INTO rate_limits (key, window_start, last_hit, blocked_until) VALUES ($1, now(), now(), now())", "acct:"+email)
	exec("INSERT INTO audit_log (org_id, actor_id, action, subject, detail) VALUES ($1, $2, 'person.update', $3, $4)",
		org, admin.ID, fmt.Sprintf("person:%d", erin.ID), fmt.Sprintf(`{"email": %q, "name": %q}`, email, name))
	exec("INSERT INTO live_events (topic, kind, data) VALUES ($1, 'card', $2)", fmt.Sprintf("retro:%d", retro), fmt.Sprintf(`{"author": %q}`, name))
	exec("INSERT INTO notifications (org_id, user_id, kind, title, path) VALUES ($1, $2, 'kudo_received', 'Someone gave you a kudo', '/kudos')", org, erin.ID)
	exec("INSERT INTO notifications (org_id, user_id, kind, title, path) VALUES ($1, $2, 'kudo_received', $3, '/kudos')", org, other.ID, name+" gave you a kudo")
	exec("INSERT INTO outbox (org_id, user_id, kind, to_name, to_addr, subject, text_body, html_body, private) VALUES ($1, $2, 'oneonone_tomorrow', 'Other', 'other@example.com', 'Your 1:1 tomorrow', 't', 'h', $3)",
		org, other.ID, []string{"Talk about " + name + "'s plan"})

	terms := []string{name, email, handle}
	found := func() []string {
		t.Helper()
		var hits []string
		rows, err := ta.Pool.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
			WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			tables = append(tables, s)
		}
		rows.Close()
		for _, table := range tables {
			for _, term := range terms {
				var k int
				if err := ta.Pool.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s t WHERE row_to_json(t)::text ILIKE '%%' || $1 || '%%'", table), term).Scan(&k); err != nil {
					t.Fatalf("%s: %v", table, err)
				}
				if k > 0 {
					hits = append(hits, fmt.Sprintf("%s: %d rows with %q", table, k, term))
				}
			}
		}
		return hits
	}
	before := found()
	for _, want := range []string{"users", "scim_users", "outbox", "audit_log", "live_events", "agenda_items", "kudos", "kudo_comments", "private_notes", "meetings", "observations", "retro_cards", "review_participants", "rate_limits", "sso_identities", "action_items", "notifications"} {
		if !strings.Contains(strings.Join(before, "\n"), "public."+want+":") {
			t.Errorf("the fixture put nothing naming them in %s:\n%s", want, strings.Join(before, "\n"))
		}
	}

	page := fmt.Sprintf("/people/%d/erase", erin.ID)
	if r := adminC.Get(page); r.Status != 200 || !strings.Contains(r.Body, "Type their name to confirm") {
		t.Fatalf("erase page: %d\n%s", r.Status, r.Body)
	}
	r := adminC.Post(page, url.Values{"name": {"Erin"}})
	if r.Status != 422 || !strings.Contains(r.Body, `value="Erin"`) || !strings.Contains(r.Body, "exactly as shown") {
		t.Fatalf("wrong name: %d\n%s", r.Status, r.Body)
	}
	if f.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND name = $2 AND active", erin.ID, name) != 1 {
		t.Fatal("a wrong name changed the person")
	}
	r = adminC.Post(page, url.Values{"name": {name}})
	if r.Status != 303 {
		t.Fatalf("erase: %d\n%s", r.Status, r.Body)
	}
	if hits := found(); len(hits) > 0 {
		t.Errorf("still in the database after erasure:\n%s", strings.Join(hits, "\n"))
	}
	// Again (a double submit) erases nothing more and says so.
	if r := adminC.Post(page, url.Values{"name": {name}}); r.Status != 303 {
		t.Errorf("second erase: %d\n%s", r.Status, r.Body)
	}

	var pseudonym, pw string
	var active bool
	ta.Pool.QueryRow(ctx, "SELECT name, password_hash, active FROM users WHERE id = $1", erin.ID).Scan(&pseudonym, &pw, &active)
	if !strings.HasPrefix(pseudonym, "Erased person #") || pw != "" || active {
		t.Errorf("person after erasure: %q, password %q, active %v", pseudonym, pw, active)
	}
	if r := erinC.Get("/"); r.Status == 200 {
		t.Error("their session still works")
	}
	for _, c := range []struct {
		what, sql string
		want      int
		args      []any
	}{
		{"their own rows", `SELECT (SELECT count(*) FROM private_notes WHERE author_id = $1) + (SELECT count(*) FROM agenda_items WHERE author_id = $1)
			+ (SELECT count(*) FROM kudos WHERE author_id = $1) + (SELECT count(*) FROM kudo_recipients WHERE user_id = $1)
			+ (SELECT count(*) FROM kudo_comments WHERE author_id = $1) + (SELECT count(*) FROM kudo_reactions WHERE user_id = $1)
			+ (SELECT count(*) FROM personal_tokens WHERE user_id = $1) + (SELECT count(*) FROM password_resets WHERE user_id = $1)
			+ (SELECT count(*) FROM invitations WHERE user_id = $1) + (SELECT count(*) FROM session_users WHERE user_id = $1)
			+ (SELECT count(*) FROM outbox WHERE user_id = $1) + (SELECT count(*) FROM observations WHERE subject_id = $1)
			+ (SELECT count(*) FROM review_participants WHERE person_id = $1) + (SELECT count(*) FROM agenda_templates WHERE owner_id = $1)
			+ (SELECT count(*) FROM team_members WHERE user_id = $1) + (SELECT count(*) FROM mail_opt_outs WHERE user_id = $1)`, 0, []any{erin.ID}},
		{"the shared kudo, without them", "SELECT count(*) FROM kudo_recipients WHERE kudo_id = $1", 1, []any{shared}},
		{"the manager's talking point, under the pseudonym", "SELECT count(*) FROM agenda_items WHERE id = $1 AND body = 'Ask ' || $2 || ' about the move'", 1, []any{kept, pseudonym}},
		{"their 1:1 actions, kept", "SELECT count(*) FROM action_items WHERE owner_id = $1", 1, []any{erin.ID}},
		{"the erasure audited", "SELECT count(*) FROM audit_log WHERE action = 'person.erase' AND actor_id = $1 AND subject = 'person:' || $2::bigint", 1, []any{admin.ID, erin.ID}},
		{"their report moved to their manager", "SELECT count(*) FROM users WHERE id = $1 AND manager_id = $2", 1, []any{report.ID, mgr.ID}},
	} {
		if got := f.Count(t, c.sql, c.args...); got != c.want {
			t.Errorf("%s: %d, want %d", c.what, got, c.want)
		}
	}
	// The kept figures are what their rebuilds would make.
	for _, rm := range []struct{ table, rebuild string }{
		{"kudo_tallies", "kudo_tallies_from_kudos()"},
		{"action_tallies", "action_tallies_from_actions()"},
		{"meeting_totals", "meeting_totals_from_meetings()"},
		{"reporting_lines", "reporting_lines_from_users()"},
	} {
		q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (SELECT * FROM %[2]s WHERE org_id = $1 EXCEPT ALL SELECT * FROM %[1]s WHERE org_id = $1) a)
			+ (SELECT count(*) FROM (SELECT * FROM %[1]s WHERE org_id = $1 EXCEPT ALL SELECT * FROM %[2]s WHERE org_id = $1) b)`, rm.table, rm.rebuild)
		if got := f.Count(t, q, org); got != 0 {
			t.Errorf("%s differs from %s in %d rows", rm.table, rm.rebuild, got)
		}
	}
	if f.Count(t, "SELECT count(*) FROM kudo_tallies WHERE org_id = $1", org) == 0 {
		t.Error("the other kudos' tallies went too")
	}
}

// Only admins erase, never themselves, and an erased person can't be
// reactivated.
func TestEraseRefusals(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	org := f.Org(t, "Erase Refusals")
	admin := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	p := f.Person(t, org, testfx.PersonOpts{Name: "Pat Person"})
	adminC := ta.Client(t)
	adminC.SignIn(admin.Email, testfx.Password)
	if r := adminC.Post(fmt.Sprintf("/people/%d/erase", admin.ID), url.Values{"name": {"Ada Admin"}}); r.Status != 303 {
		t.Fatalf("erase self: %d", r.Status)
	}
	if f.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND name = 'Ada Admin' AND active", admin.ID) != 1 {
		t.Fatal("an admin erased themselves")
	}
	if r := adminC.Post(fmt.Sprintf("/people/%d/erase", p.ID), url.Values{"name": {"Pat Person"}}); r.Status != 303 {
		t.Fatalf("erase: %d", r.Status)
	}
	if r := adminC.Post(fmt.Sprintf("/people/%d/reactivate", p.ID), nil); r.Status != 303 {
		t.Fatalf("reactivate: %d", r.Status)
	}
	if f.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND active", p.ID) != 0 {
		t.Error("an erased person was reactivated")
	}
}

// An identity provider cannot bring an erased person back over SCIM either.
func TestScimCannotReactivateAnErasedPerson(t *testing.T) {
	w := newScimWorld(t)
	ta := w.app
	p := ta.F.Person(t, w.orgA, testfx.PersonOpts{Name: "Sam Scimmed"})
	if r := w.adminA.Post(fmt.Sprintf("/people/%d/erase", p.ID), url.Values{"name": {"Sam Scimmed"}}); r.Status != 303 {
		t.Fatalf("erase: %d", r.Status)
	}
	idp := newScimClient(t, ta, w.tokenA)
	r := idp.do("PATCH", fmt.Sprintf("/scim/v2/Users/%d", p.ID), fmt.Sprintf(`{"schemas": [%q], "Operations": [{"op": "replace", "value": {"active": true}}]}`, patchSchema))
	if r.Status == 200 || ta.F.Count(t, "SELECT count(*) FROM users WHERE id = $1 AND active", p.ID) != 0 {
		t.Fatalf("SCIM reactivated an erased person: %d %s", r.Status, r.Body)
	}
}
