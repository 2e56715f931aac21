package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/testapp"
)

// nastyValues are inputs a careless or hostile client sends: control bytes,
// broken encodings, numbers past every integer type, signs, overlong text,
// stray escapes and right-to-left overrides.
var nastyValues = []string{
	"\x00", "a\x00b", "\xff\xfe", "\xc3", // NUL, invalid UTF-8, a cut rune
	"9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999",
	"-1", "0", "1e9", "0x10",
	strings.Repeat("x", 5000), "%", "%zz", "\u202egnp.exe", "\u200f\u200e", "' OR 1=1 --",
	"2026-02-30", "25:61", "Mars/Olympus", "1-2-3", "   ", `\`, `a\`, "_",
}

// queryParams are the query parameters each GET page reads; every other GET
// route gets the common ones, which it ignores.
var queryParams = map[string][]string{
	"GET /login":                    {"next"},
	"GET /org":                      {"root"},
	"GET /people":                   {"q", "page", "inactive"},
	"GET /people/new":               {"manager_id"},
	"GET /teams":                    {"q", "after"},
	"GET /kudos":                    {"team", "person", "competency", "days", "before", "other_team", "other_team_q", "other_team_searched"},
	"GET /pick/people":              {"q", "inactive"},
	"GET /pick/teams":               {"q"},
	"GET /kudos/new":                {"to"},
	"GET /recognition/equity":       {"days", "page"},
	"GET /oneonones/new":            {"report_id"},
	"GET /framework":                {"version"},
	"GET /reviews/{id}":             {"competency", "sort", "team"},
	"GET /rituals/{id}":             {"at"},
	"GET /rituals/{id}/present":     {"at", "i"},
	"GET /admin/audit":              {"action", "person", "from", "to", "after"},
	"GET /checkins":                 {"days"},
	"GET /checkins/managers":        {"days", "sort", "page"},
	"GET /checkins/managers/{id}":   {"days"},
	"GET /exports/cycles/{id}":      {"team"},
	"GET /exports/cycles/{id}/csv":  {"team"},
	"GET /exports/cycles/{id}/xlsx": {"team"},
	"GET /people/{id}/kudos":        {"before"},
	"GET /exports/cycles/{id}/people/{personID}/packet": {"team"},
}

// Every GET route with nasty values in the query parameters it reads, and
// every field of the main forms, as a signed-in admin (and the manager where
// only a participant gets past the access check): no answer is a 5xx.
func TestNastyInputNeverGets5xx(t *testing.T) {
	w := newWorld(t)
	start := time.Now()
	n := 0
	check := func(what string, r testapp.Response) {
		t.Helper()
		n++
		if r.Status >= 500 {
			t.Errorf("%s: status %d", what, r.Status)
		}
		if strings.Contains(r.Body, "goroutine ") || strings.Contains(r.Body, "SQLSTATE") {
			t.Errorf("%s: the page shows internals", what)
		}
	}

	for _, key := range routeKeys(w.app.Server.Router()) {
		method, pattern, _ := strings.Cut(key, " ")
		exp := matrix[key]
		if method != "GET" || exp.stream {
			continue // the event stream reads no query parameters
		}
		// The subject that gets past the access check, if any does.
		who, path := admin, pattern
		for _, cand := range []string{admin, managerOwn, employee} {
			p := pattern
			if exp.path != nil {
				p = exp.path(w, cand)
			}
			if exp.want[cand] == 200 {
				who, path = cand, p
				break
			}
		}
		params := queryParams[key]
		if params == nil {
			params = []string{"q", "page"}
		}
		for _, p := range params {
			for _, v := range nastyValues {
				u := path + "?" + p + "=" + url.QueryEscape(v)
				check(fmt.Sprintf("GET %s as %s", u, who), w.clients[who].Get(u))
			}
		}
		// A raw, unescaped percent sign and NUL too.
		check("GET "+path+"?q=%", w.clients[who].Get(path+"?q=%"))
		check("GET "+path+"?q=%00", w.clients[who].Get(path+"?q=%00"))
	}

	today := time.Now().UTC().Format("2006-01-02")
	forms := []struct {
		who  string
		path string
		base url.Values
	}{
		{anon, "/login", url.Values{"email": {w.admin.Email}, "password": {"not the password"}, "next": {"/people"}}},
		{admin, "/people", url.Values{"name": {"Sweep Person"}, "email": {"sweep.person@example.com"}, "title": {"Engineer"},
			"role": {"employee"}, "time_zone": {"UTC"}, "manager_id": {itoa(w.manager.ID)}}},
		{admin, "/teams", url.Values{"name": {"Sweep team"}, "description": {"Sweeping"}}},
		{admin, "/teams/" + itoa(w.team) + "/members", url.Values{"person_id": {itoa(w.outsider.ID)}}},
		{admin, "/invitations", url.Values{"name": {"Sweep Invitee"}, "email": {"sweep.invitee@example.com"}, "role": {"employee"}, "time_zone": {"UTC"}}},
		{admin, "/kudos", url.Values{"to": {w.report.Name}, "did": {"Mapped the owners"}, "impact": {"We shipped"},
			"visibility": {"org"}, "team_id": {""}, "idem": {"sweep"}, "competencies": {"1"}}},
		{managerOwn, "/oneonones", url.Values{"report_id": {itoa(w.report.ID)}, "cadence": {"weekly"}, "interval_days": {"7"},
			"weekday": {"2"}, "start_time": {"10:00"}, "duration_minutes": {"30"}, "time_zone": {"UTC"}, "starts_on": {today}}},
		{managerOwn, fmt.Sprintf("/meetings/%d/reschedule", w.meeting), url.Values{"new_date": {today}, "new_time": {"10:00"}}},
		{managerOwn, fmt.Sprintf("/meetings/%d/actions", w.meeting), url.Values{"owner_id": {itoa(w.report.ID)}, "action_body": {"Write it"}, "due_on": {today}}},
		{managerOwn, fmt.Sprintf("/meetings/%d/pulse", w.meeting), url.Values{"pulse": {"3"}, "pulse_word": {"fine"}}},
		{admin, "/reviews", url.Values{"name": {"Sweep cycle"}, "period_start": {"2026-01-01"}, "period_end": {"2026-06-30"},
			"self_due": {"2026-07-10"}, "manager_due": {"2026-07-20"}, "scope": {"org"}, "team_id": {""}, "root_id": {""}}},
		{managerOwn, "/teams/" + itoa(w.team) + "/rituals", url.Values{"name": {"Sweep ritual"}, "cadence": {"weekly"}, "weekday": {"5"},
			"hour": {"15"}, "time_zone": {"UTC"}}},
		{managerOwn, "/teams/" + itoa(w.team) + "/retros", url.Values{"title": {"Sweep retro"}, "template": {"start_stop_continue"},
			"custom_columns": {""}, "votes_per_person": {"3"}, "max_votes_per_card": {"2"}, "timebox_minutes": {"10"}}},
		{admin, "/admin/webhooks", url.Values{"team_id": {itoa(w.team)}, "url": {"https://hooks.example.com/T/1"}}},
		{admin, "/questions", url.Values{"body": {"What went well?"}}},
		{admin, "/people/import/confirm", url.Values{"payload": {b64("name,email\nSweep Import,sweep.import@example.com\n")}}},
	}
	for _, f := range forms {
		c := w.clients[f.who]
		if f.who == anon {
			c = w.app.Client(t)
		}
		for field := range f.base {
			for _, v := range nastyValues {
				form := url.Values{}
				for k, vs := range f.base {
					form[k] = vs
				}
				form.Set(field, v)
				check(fmt.Sprintf("POST %s %s=%q as %s", f.path, field, trim(v), f.who), c.Post(f.path, form))
			}
		}
	}
	t.Logf("%d nasty requests in %s, none answered 5xx", n, time.Since(start).Round(time.Millisecond))
}

func trim(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
