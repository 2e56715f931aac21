package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/testapp"
)

// Forms not covered elsewhere: bad input gets its message next to the
// field, the typed value back, and writes nothing.
func TestSmallFormsRefuseBadInputNextToTheField(t *testing.T) {
	w := newWorld(t)
	p := newPair(t)
	adm := w.clients[admin]
	inA := func(sql string, args ...any) func() int { return func() int { return w.app.F.Count(t, sql, args...) } }
	inPair := func(sql string, args ...any) func() int { return func() int { return p.ta.F.Count(t, sql, args...) } }
	longName := strings.Repeat("t", 101)
	cases := []struct {
		name  string
		c     *testapp.Client
		path  string
		form  url.Values
		field string
		keep  string
		count func() int
	}{
		{"team name too long", adm, "/teams", url.Values{"name": {longName}}, "name", longName,
			inA("SELECT count(*) FROM teams WHERE org_id = $1", w.orgA)},
		{"team member not a person", adm, "/teams/" + itoa(w.team) + "/members", url.Values{"person_id": {"999999999"}}, "person_id", "",
			inA("SELECT count(*) FROM team_members WHERE team_id = $1", w.team)},
		{"invitation without a name", adm, "/invitations", url.Values{"name": {""}, "email": {"someone.new@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}},
			"name", "someone.new@example.com", inA("SELECT count(*) FROM users WHERE org_id = $1", w.orgA)},
		{"empty question", adm, "/questions", url.Values{"body": {"   "}}, "body", "",
			inA("SELECT count(*) FROM questions WHERE org_id = $1", w.orgA)},
		{"observation without a competency", p.m, p.path("/observations"), url.Values{"competency_id": {"999"}, "note": {"Mapped the billing owners"}},
			"competency_id", "Mapped the billing owners", inPair("SELECT count(*) FROM observations WHERE meeting_id = $1", p.meeting)},
		{"reschedule to nonsense", p.m, p.path("/reschedule"), url.Values{"new_date": {"someday"}, "new_time": {"10:00"}}, "new_date", "someday",
			inPair("SELECT count(*) FROM meetings WHERE series_id = $1", p.series)},
	}
	for _, tc := range cases {
		before := tc.count()
		r := tc.c.Post(tc.path, tc.form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="f-`+tc.field+`-error"`) {
			t.Errorf("%s: status %d, no error next to %s", tc.name, r.Status, tc.field)
		}
		if tc.keep != "" && !strings.Contains(r.Body, tc.keep) {
			t.Errorf("%s: the typed value was not kept", tc.name)
		}
		if after := tc.count(); after != before {
			t.Errorf("%s: wrote %d rows", tc.name, after-before)
		}
	}
}
