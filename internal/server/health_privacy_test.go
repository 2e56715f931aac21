package server_test

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"rapport/internal/testapp"
	"rapport/internal/testdb"
	"rapport/internal/testfx"
)

// firstResponderID is an id no other row of the test database comes near, so
// that finding it anywhere means a responder was recorded.
const firstResponderID = 876543210

// A health check answered by four people leaves nothing that ties an answer
// to its author: the answers table has no column that could (its columns are
// checked by name), shares nothing with the "has answered" set but the
// check's id, and after the last answer every answer row and every "has
// answered" row carries the same transaction id; no other table, event, audit
// entry or access-log line names a responder next to an answer.
func TestHealthAnswersStoreNoAuthor(t *testing.T) {
	ta := testapp.Start(t, testdb.NewDatabase(t), testapp.Options{})
	f := ta.F
	ctx := t.Context()
	h := newHealthOrg(t, ta, "Quiet Health Org")
	// Four responders with ids nothing else has, on the team.
	if _, err := ta.Pool.Exec(ctx, "SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", firstResponderID-1); err != nil {
		t.Fatal(err)
	}
	var responders []testfx.Person
	for i, n := range []string{"Wren Quietly", "Rae Reticent", "Sol Silent", "Tam Tacit"} {
		p := f.Person(t, h.org, testfx.PersonOpts{Name: n, Email: fmt.Sprintf("responder%d.hush@example.com", i), ManagerID: h.manager.ID})
		if p.ID != int64(firstResponderID+i) {
			t.Fatalf("responder id %d", p.ID)
		}
		if _, err := ta.Pool.Exec(ctx, "INSERT INTO team_members (org_id, team_id, user_id) VALUES ($1, $2, $3)", h.org, h.team, p.ID); err != nil {
			t.Fatal(err)
		}
		responders = append(responders, p)
	}
	mgr := h.client(t, h.manager)
	id := h.open(t, mgr, "Quiet check")
	comments := []string{"Reviews wait too long", "", "Great onboarding week", "Too many meetings"}
	var xids []uint32
	for i, p := range responders {
		c := h.client(t, p)
		mustStatus(t, c.Get(fmt.Sprintf("/health/%d", id)), 200, "open the check")
		mustStatus(t, c.Post(fmt.Sprintf("/health/%d/answers", id), h.answer(i+1, 5-i, []string{"better", "same", "worse", "same"}[i], comments[i])), 303, "answer")
		mustStatus(t, c.Get(fmt.Sprintf("/health/%d", id)), 200, "see the thanks")
		var x uint32
		ta.Pool.QueryRow(ctx, "SELECT DISTINCT xmin::text::bigint FROM health_responders WHERE check_id = $1", id).Scan(&x)
		xids = append(xids, x)
	}
	mustStatus(t, mgr.Post(fmt.Sprintf("/health/%d/close", id), nil), 303, "close")

	// The answers and the "has answered" set: exactly these columns.
	columns := func(table string) []string {
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
		return out
	}
	if got := strings.Join(columns("health_responses"), ","); got != "check_id,comment,org_id,scores,trends" {
		t.Errorf("health_responses has columns %s: a new column must be shown to name nobody and be added here", got)
	}
	if got := strings.Join(columns("health_responders"), ","); got != "check_id,user_id" {
		t.Errorf("health_responders has columns %s: it must hold no time and nothing that points at an answer", got)
	}

	// Every column of every health table, the live events and the org's
	// audit log: responders' ids, names and emails appear only as the
	// user_id of health_responders.
	var tables []string
	rows, err := ta.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND (table_name LIKE 'health%' OR table_name IN ('live_events', 'audit_log')) ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 7 {
		t.Fatalf("found only these tables: %v", tables)
	}
	var traces []string
	for _, p := range responders {
		traces = append(traces, p.Name, p.Email, strconv.FormatInt(p.ID, 10))
	}
	var summary []string
	for _, table := range tables {
		cols := columns(table)
		rows, err := ta.Pool.Query(ctx, fmt.Sprintf(`SELECT row_to_json(t)::text FROM %q t`, table))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var js string
			rows.Scan(&js)
			n++
			if table == "health_responders" {
				continue // the "has answered" set: checked below
			}
			for _, tr := range traces {
				if strings.Contains(strings.ToLower(js), strings.ToLower(tr)) {
					t.Errorf("table %s holds %q: %s", table, tr, js)
				}
			}
			if table == "live_events" && strings.Contains(js, "health") {
				t.Errorf("an answer published a live event: %s", js)
			}
		}
		rows.Close()
		summary = append(summary, fmt.Sprintf("%s (%d rows: %s)", table, n, strings.Join(cols, ", ")))
	}
	var inSet []int64
	rs, _ := ta.Pool.Query(ctx, "SELECT user_id FROM health_responders WHERE check_id = $1", id)
	for rs.Next() {
		var u int64
		rs.Scan(&u)
		inSet = append(inSet, u)
	}
	rs.Close()
	slices.Sort(inSet)
	if len(inSet) != 4 || inSet[0] != firstResponderID || inSet[3] != firstResponderID+3 {
		t.Errorf("the has-answered set is %v", inSet)
	}

	// One transaction for every row of both tables: the last answer's.
	if n := f.Count(t, `SELECT count(DISTINCT xmin::text) FROM (
		SELECT xmin FROM health_responses WHERE check_id = $1 UNION ALL SELECT xmin FROM health_responders WHERE check_id = $1) x`, id); n != 1 {
		t.Errorf("the answers and the has-answered set carry %d transaction ids, want 1", n)
	}
	if last := f.Count(t, "SELECT DISTINCT xmin::text::bigint FROM health_responses WHERE check_id = $1", id); uint32(last) != xids[len(xids)-1] {
		t.Errorf("the answers carry transaction %d, not the last answer's %d", last, xids[len(xids)-1])
	}
	// The answers are all there, with their comments, and no audit entry
	// came with them.
	if n := f.Count(t, "SELECT count(*) FROM health_responses WHERE check_id = $1", id); n != 4 {
		t.Errorf("%d answers stored", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1", h.org); n != 0 {
		t.Errorf("%d audit entries for a health check", n)
	}

	// The access log has no line for an answer, nor for the check's page
	// while it was open.
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, fmt.Sprintf("/health/%d/answers", id)) || strings.Contains(line, fmt.Sprintf(`path=/health/%d `, id)) {
			t.Errorf("the access log records a request to the open check: %s", line)
		}
	}

	// Pages: the results show the comments and name nobody.
	lead := h.client(t, h.leader)
	for name, r := range map[string]testapp.Response{"manager's results": mgr.Get(fmt.Sprintf("/health/%d", id)),
		"leader's results": lead.Get(fmt.Sprintf("/health/%d", id)), "team page": mgr.Get(fmt.Sprintf("/teams/%d/health", h.team)),
		"roll-up": lead.Get("/health/rollup")} {
		mustStatus(t, r, 200, name)
		for _, tr := range traces {
			if strings.Contains(r.Body, tr) {
				t.Errorf("%s shows %q", name, tr)
			}
		}
	}
	if r := mgr.Get(fmt.Sprintf("/health/%d", id)); !strings.Contains(r.Body, "Great onboarding week") {
		t.Errorf("the results lack the comments")
	}
	sort.Strings(summary)
	t.Logf("read back every column: %s", strings.Join(summary, "; "))
}
