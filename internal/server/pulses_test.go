package server_test

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// schedulePulse schedules a pulse through the app and returns its id.
func schedulePulse(t *testing.T, c *testapp.Client, form url.Values) int64 {
	t.Helper()
	base := url.Values{"title": {"Fortnightly pulse"}, "scope": {"org"}, "statements": {"I get useful feedback.\nI feel recognised for my work."},
		"cadence": {"14"}, "open_days": {"3"}, "key": {core.NewFormKey()}}
	for k, v := range form {
		base[k] = v
	}
	r := c.Post("/pulses", base)
	mustStatus(t, r, 303, "schedule a pulse")
	var id int64
	fmt.Sscanf(r.Location(), "/pulses/%d", &id)
	return id
}

func pulseForm(s1, s2, enps, comment string) url.Values {
	return url.Values{"score_1": {s1}, "score_2": {s2}, "enps": {enps}, "comment": {comment}}
}

// closeRound moves a pulse's schedule back so that its first round closed a
// day ago (the next opens days later).
func closeRound(t *testing.T, ta *testapp.TestApp, id int64) {
	t.Helper()
	if _, err := ta.Pool.Exec(t.Context(), "UPDATE pulses SET starts_at = starts_at - interval '4 days' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
}

// Four people answer a pulse through the app. The answers table holds only
// the columns named here, the has-answered set only (pulse, round, person);
// no other pulse table, live event, audit entry or access-log line names a
// responder; every row of both tables carries the last answer's transaction;
// and no page, for the admin or the leader, shows a responder.
func TestPulseAnswersStoreNoAuthor(t *testing.T) {
	// Its own database: it moves the people id sequence, which the tests
	// sharing the package's database must not see.
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{})
	f, ctx := ta.F, t.Context()
	org := f.Org(t, "Quiet Pulse Org")
	adm := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	lead := f.Person(t, org, testfx.PersonOpts{Name: "Lia Leader", Role: core.RoleLeader})
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, ManagerID: lead.ID})
	if _, err := ta.Pool.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", firstResponderID+100-1); err != nil {
		t.Fatal(err)
	}
	var responders []testfx.Person
	ids := []int64{mgr.ID}
	for i, n := range []string{"Wren Quietly", "Rae Reticent", "Sol Silent", "Tam Tacit"} {
		p := f.Person(t, org, testfx.PersonOpts{Name: n, Email: fmt.Sprintf("pulse%d.hush@example.com", i), ManagerID: mgr.ID})
		if p.ID != int64(firstResponderID+100+i) {
			t.Fatalf("responder id %d", p.ID)
		}
		responders = append(responders, p)
		ids = append(ids, p.ID)
	}
	f.Team(t, org, "Quiet", ids...)
	admin := ta.Client(t)
	admin.SignIn(adm.Email, testfx.Password)
	id := schedulePulse(t, admin, url.Values{"scope": {"tree"}, "root": {strconv.FormatInt(lead.ID, 10)}})

	comments := []string{"Reviews wait too long", "", "Great onboarding week", "Too many meetings"}
	var lastXID int64
	for i, p := range responders {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		mustStatus(t, c.Get(fmt.Sprintf("/pulses/%d/answer", id)), 200, "open the pulse")
		mustStatus(t, c.Post(fmt.Sprintf("/pulses/%d/answer", id), pulseForm(strconv.Itoa(i+1), "4", strconv.Itoa(6+i), comments[i])), 303, "answer")
		if r := c.Get(fmt.Sprintf("/pulses/%d/answer", id)); !strings.Contains(r.Body, "your answer is in") {
			t.Fatalf("no thanks after answering:\n%s", r.Body)
		}
		lastXID = int64(f.Count(t, "SELECT DISTINCT xmin::text::bigint FROM pulse_responders WHERE pulse_id = $1", id))
	}

	columns := func(table string) string {
		rows, err := ta.Pool.Query(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`, table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			out = append(out, c)
		}
		return strings.Join(out, ",")
	}
	if got := columns("pulse_responses"); got != "comment,enps,manager_id,org_id,pulse_id,round_no,scores,team_id" {
		t.Errorf("pulse_responses has columns %s: a new column must be shown to name nobody and be added here", got)
	}
	if got := columns("pulse_responders"); got != "pulse_id,round_no,user_id" {
		t.Errorf("pulse_responders has columns %s: it must hold no time and nothing that points at an answer", got)
	}

	var tables []string
	rows, err := ta.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND (table_name LIKE 'pulse%' OR table_name IN ('live_events', 'audit_log')) ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) != 5 {
		t.Fatalf("found these tables: %v", tables)
	}
	var traces []string
	for _, p := range responders {
		traces = append(traces, p.Name, p.Email, strconv.FormatInt(p.ID, 10))
	}
	var summary []string
	for _, table := range tables {
		rows, err := ta.Pool.Query(ctx, fmt.Sprintf(`SELECT row_to_json(t)::text FROM %q t`, table))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var js string
			rows.Scan(&js)
			n++
			if table == "pulse_responders" {
				continue // the has-answered set: checked below
			}
			for _, tr := range traces {
				if strings.Contains(strings.ToLower(js), strings.ToLower(tr)) {
					t.Errorf("table %s holds %q: %s", table, tr, js)
				}
			}
			if table == "pulse_responses" && strings.Contains(js, "_at") {
				t.Errorf("an answer holds a time: %s", js)
			}
		}
		rows.Close()
		summary = append(summary, fmt.Sprintf("%s (%d rows: %s)", table, n, columns(table)))
	}
	var inSet []int64
	rs, _ := ta.Pool.Query(ctx, "SELECT user_id FROM pulse_responders WHERE pulse_id = $1", id)
	for rs.Next() {
		var u int64
		rs.Scan(&u)
		inSet = append(inSet, u)
	}
	rs.Close()
	slices.Sort(inSet)
	if len(inSet) != 4 || inSet[0] != firstResponderID+100 {
		t.Errorf("the has-answered set is %v", inSet)
	}
	if n := f.Count(t, `SELECT count(DISTINCT xmin::text) FROM (
		SELECT xmin FROM pulse_responses WHERE pulse_id = $1 UNION ALL SELECT xmin FROM pulse_responders WHERE pulse_id = $1) x`, id); n != 1 {
		t.Errorf("the answers and the has-answered set carry %d transaction ids, want 1", n)
	}
	if x := int64(f.Count(t, "SELECT DISTINCT xmin::text::bigint FROM pulse_responses WHERE pulse_id = $1", id)); x != lastXID {
		t.Errorf("the answers carry transaction %d, not the last answer's %d", x, lastXID)
	}
	// The manager's four reports are a group of four: kept with the
	// answers, as the team is; nothing finer.
	if n := f.Count(t, "SELECT count(*) FROM pulse_responses WHERE pulse_id = $1 AND manager_id = $2 AND team_id IS NOT NULL", id, mgr.ID); n != 4 {
		t.Errorf("%d answers kept with the manager and the team, want 4", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1", org); n != 0 {
		t.Errorf("%d audit entries", n)
	}
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, fmt.Sprintf("/pulses/%d/answer", id)) {
			t.Errorf("the access log records a request to answer: %s", line)
		}
	}

	closeRound(t, ta, id)
	leader := ta.Client(t)
	leader.SignIn(lead.Email, testfx.Password)
	for name, r := range map[string]testapp.Response{"admin's results": admin.Get(fmt.Sprintf("/pulses/%d", id)),
		"leader's results": leader.Get(fmt.Sprintf("/pulses/%d", id)), "admin's list": admin.Get("/pulses")} {
		mustStatus(t, r, 200, name)
		for _, tr := range traces {
			if strings.Contains(r.Body, tr) {
				t.Errorf("%s shows %q", name, tr)
			}
		}
	}
	r := leader.Get(fmt.Sprintf("/pulses/%d", id))
	for _, want := range []string{"Great onboarding week", "Reviews wait too long", "By team", "By manager", "Mika Manager"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the leader's results lack %q", want)
		}
	}
	sort.Strings(summary)
	t.Logf("read back every column: %s", strings.Join(summary, "; "))
}

// A second answer, a value off the scale, someone the pulse does not ask
// and a closed round are each refused with 422 and a message beside the
// field, keep what was typed, and store nothing.
func TestPulseAnswersAreRefusedBesideTheField(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Refusing Pulse Org")
	admin := h.client(t, h.admin)
	id := schedulePulse(t, admin, url.Values{"scope": {"team"}, "team": {strconv.FormatInt(h.team, 10)}})
	stored := func() int { return ta.F.Count(t, "SELECT count(*) FROM pulse_responses WHERE pulse_id = $1", id) }
	path := fmt.Sprintf("/pulses/%d/answer", id)

	ana := h.client(t, h.members[0])
	for _, tc := range []struct {
		form  url.Values
		field string
	}{
		{pulseForm("6", "3", "7", "kept text"), "score_1"},
		{pulseForm("3", "0", "7", "kept text"), "score_2"},
		{pulseForm("3", "3", "11", "kept text"), "enps"},
		{pulseForm("3", "3", "", "kept text"), "enps"},
	} {
		r := ana.Post(path, tc.form)
		mustStatus(t, r, 422, "off the scale")
		d := doc(t, r.Body)
		if d.Find("#f-"+tc.field+"-error").Length() != 1 {
			t.Errorf("%v: no message beside %s", tc.form, tc.field)
		}
		if !strings.Contains(r.Body, "kept text") {
			t.Errorf("%v: the comment typed was lost", tc.form)
		}
	}
	if n := stored(); n != 0 {
		t.Fatalf("%d answers stored from refused forms", n)
	}
	mustStatus(t, ana.Post(path, pulseForm("4", "5", "9", "")), 303, "answer")
	r := ana.Post(path, pulseForm("1", "1", "0", "again"))
	mustStatus(t, r, 422, "a second answer")
	if !strings.Contains(r.Body, "already answered") || doc(t, r.Body).Find("#f-answer-error").Length() != 1 {
		t.Errorf("a second answer is not refused beside the button:\n%s", r.Body)
	}
	// Olu is in no team the pulse asks; the admin only reads it.
	for _, p := range []testfx.Person{h.other, h.admin} {
		r := h.client(t, p).Post(path, pulseForm("4", "4", "8", ""))
		if p == h.other {
			mustStatus(t, r, 404, "someone who neither reads nor is asked")
			continue
		}
		mustStatus(t, r, 422, "a reader outside the audience")
		if !strings.Contains(r.Body, "not among the people this pulse asks") {
			t.Errorf("the reader's refusal does not say why:\n%s", r.Body)
		}
	}
	closeRound(t, ta, id)
	r = h.client(t, h.members[1]).Post(path, pulseForm("4", "4", "8", ""))
	mustStatus(t, r, 422, "a closed round")
	if !strings.Contains(r.Body, "No round of this pulse is open") {
		t.Errorf("the closed round's refusal does not say why")
	}
	if n := stored(); n != 1 {
		t.Fatalf("%d answers stored, want 1", n)
	}
}

// A round shows nothing before it closes or with fewer answers than the
// threshold; once shown, a breakdown hides a lone small group and the next
// smallest too, and people who are only asked see no breakdown at all.
func TestPulseResultsWaitForTheThresholdAndHideSmallGroups(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Counting Pulse Org")
	f := ta.F
	admin := h.client(t, h.admin)
	id := schedulePulse(t, admin, nil)
	for i := 0; i < 2; i++ {
		mustStatus(t, h.client(t, h.members[i]).Post(fmt.Sprintf("/pulses/%d/answer", id), pulseForm("5", "5", "10", "sunny")), 303, "answer")
	}
	path := fmt.Sprintf("/pulses/%d", id)
	if r := admin.Get(path); strings.Contains(r.Body, "sunny") || !strings.Contains(r.Body, "results after it closes") {
		t.Errorf("an open round shows results")
	}
	closeRound(t, ta, id)
	if r := admin.Get(path); strings.Contains(r.Body, "sunny") || !strings.Contains(r.Body, "Too few answers") {
		t.Errorf("two answers show results")
	}

	// A closed round of another pulse with 9 answers: 4 in the team
	// "Pulse", 3 in "Elsewhere", 2 kept with no team.
	other := f.Team(t, h.org, "Bigger")
	p2 := f.Pulse(t, h.org, testfx.PulseOpts{CreatedBy: h.admin.ID})
	closeRound(t, ta, p2)
	var as []testfx.PulseAnswer
	for i := 0; i < 4; i++ {
		as = append(as, testfx.PulseAnswer{Scores: []int{4, 4}, ENPS: 9, TeamID: h.team, ManagerID: h.manager.ID})
	}
	for i := 0; i < 3; i++ {
		as = append(as, testfx.PulseAnswer{Scores: []int{2, 2}, ENPS: 3, TeamID: h.otherTeam})
	}
	as = append(as, testfx.PulseAnswer{Scores: []int{1, 1}, ENPS: 0, TeamID: other}, testfx.PulseAnswer{Scores: []int{5, 5}, ENPS: 10, Comment: "quiet one"})
	f.PulseAnswers(t, h.org, p2, 1, as)
	r := admin.Get(fmt.Sprintf("/pulses/%d", p2))
	mustStatus(t, r, 200, "results")
	d := doc(t, r.Body)
	teamRows := d.Find("h3:contains('By team') + .table-wrap tbody tr")
	if teamRows.Length() != 1 || !strings.Contains(teamRows.Text(), "Pulse") {
		t.Errorf("by team shows %d rows: %q; want only Pulse (Bigger and “other” are too small, Elsewhere is hidden with them)", teamRows.Length(), teamRows.Text())
	}
	if !strings.Contains(r.Body, "5 answers together") {
		t.Errorf("the hidden groups' total is not said")
	}
	// 9 answers: (4×9 + 3×3 + 0 + 10) → promoters 5, detractors 4: eNPS +11.
	if !strings.Contains(r.Body, "+11") || !strings.Contains(r.Body, "quiet one") {
		t.Errorf("the round's eNPS or comment is missing")
	}
	emp := h.client(t, h.members[0])
	r = emp.Get(fmt.Sprintf("/pulses/%d", p2))
	mustStatus(t, r, 200, "an asked person's results")
	if strings.Contains(r.Body, "By team") || strings.Contains(r.Body, "By manager") || !strings.Contains(r.Body, "+11") {
		t.Errorf("the asked person sees breakdowns, or not the round")
	}
}

// When a round opens, everyone the pulse asks gets one reminder through the
// outbox, whether they have answered or not; running the job again writes
// none; the next round gets its own.
func TestPulseRoundRemindsItsAudienceOnce(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Reminding Pulse Org")
	f, ctx := ta.F, t.Context()
	id := f.Pulse(t, h.org, testfx.PulseOpts{Title: "Team pulse", Scope: "tree", RootID: h.leader.ID, CreatedBy: h.leader.ID})
	// A stopped pulse and one whose round has closed remind nobody.
	f.Pulse(t, h.org, testfx.PulseOpts{Title: "Closed round", StartsAt: time.Now().Add(-5 * 24 * time.Hour)})
	stopped := f.Pulse(t, h.org, testfx.PulseOpts{Title: "Stopped"})
	if _, err := ta.Pool.Exec(ctx, "UPDATE pulses SET stopped_at = now() WHERE id = $1", stopped); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, h.client(t, h.members[0]).Post(fmt.Sprintf("/pulses/%d/answer", id), pulseForm("4", "4", "9", "")), 303, "answer")
	// The job reminds every organisation (other tests' too): count this
	// one's reminders.
	remind := func(want int) {
		t.Helper()
		if _, err := ta.Pulses.RemindOpenRounds(ctx); err != nil {
			t.Fatal(err)
		}
		if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'pulse_open'", h.org); n != want {
			t.Fatalf("%d reminders in the outbox, want %d", n, want)
		}
	}
	remind(5) // the manager and the four members
	remind(5)
	if n := f.Count(t, "SELECT count(DISTINCT user_id) FROM outbox WHERE org_id = $1 AND kind = 'pulse_open' AND subject LIKE 'Team pulse%'", h.org); n != 5 {
		t.Errorf("%d people reminded, want 5", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM outbox WHERE org_id = $1 AND user_id = $2 AND text_body LIKE '%/pulses/' || $3 || '/answer%'", h.org, h.members[0].ID, strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("the member who had answered got %d reminders with the link, want 1 like everyone", n)
	}
	if _, err := ta.Pool.Exec(ctx, "UPDATE pulses SET starts_at = starts_at - interval '14 days' WHERE id = $1", id); err != nil {
		t.Fatal(err)
	}
	remind(10)
	remind(10)
}

// A leader's pulse asks their own reporting tree, whatever the form says;
// the same form sent twice schedules one pulse; bad values are refused
// beside their fields with 422 and nothing stored.
func TestPulseSchedulingByALeader(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Scheduling Pulse Org")
	lead := h.client(t, h.leader)
	count := func() int { return ta.F.Count(t, "SELECT count(*) FROM pulses WHERE org_id = $1", h.org) }
	r := lead.Post("/pulses", url.Values{"title": {""}, "statements": {""}, "cadence": {"10"}, "open_days": {"30"}, "key": {core.NewFormKey()}})
	mustStatus(t, r, 422, "a bad form")
	d := doc(t, r.Body)
	for _, field := range []string{"title", "statements", "cadence", "open_days"} {
		if d.Find("#f-"+field+"-error").Length() != 1 {
			t.Errorf("no message beside %s", field)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d pulses stored from a bad form", n)
	}
	form := url.Values{"title": {"Leader pulse"}, "scope": {"org"}, "statements": {"One\nTwo"}, "cadence": {"14"}, "open_days": {"3"}, "key": {core.NewFormKey()}}
	mustStatus(t, lead.Post("/pulses", form), 303, "schedule")
	mustStatus(t, lead.Post("/pulses", form), 303, "the same form again")
	if n := count(); n != 1 {
		t.Fatalf("%d pulses from one form sent twice", n)
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM pulses WHERE org_id = $1 AND scope = 'tree' AND root_id = $2", h.org, h.leader.ID); n != 1 {
		t.Errorf("the leader's pulse does not ask their own tree")
	}
}
