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

// healthOrg is a small organisation for health check tests: a leader above
// a manager who runs the team Pulse with four members; an admin; a member
// of another team.
type healthOrg struct {
	ta                            *testapp.TestApp
	org, team, otherTeam          int64
	leader, manager, admin, other testfx.Person
	members                       []testfx.Person
	dims                          int
}

func newHealthOrg(t *testing.T, ta *testapp.TestApp, name string) *healthOrg {
	f := ta.F
	h := &healthOrg{ta: ta}
	h.org = f.Org(t, name)
	h.leader = f.Person(t, h.org, testfx.PersonOpts{Name: "Lia Leader", Role: core.RoleLeader})
	h.manager = f.Person(t, h.org, testfx.PersonOpts{Name: "Mika Manager", Role: core.RoleManager, ManagerID: h.leader.ID})
	h.admin = f.Person(t, h.org, testfx.PersonOpts{Name: "Adi Admin", Role: core.RoleAdmin})
	ids := []int64{h.manager.ID}
	for _, n := range []string{"Ana", "Ben", "Cleo", "Dev"} {
		p := f.Person(t, h.org, testfx.PersonOpts{Name: n + " Member", ManagerID: h.manager.ID})
		h.members = append(h.members, p)
		ids = append(ids, p.ID)
	}
	h.team = f.Team(t, h.org, "Pulse", ids...)
	h.other = f.Person(t, h.org, testfx.PersonOpts{Name: "Olu Other"})
	h.otherTeam = f.Team(t, h.org, "Elsewhere", h.other.ID)
	h.dims = f.Count(t, "SELECT count(*) FROM health_dimensions WHERE org_id = $1 AND NOT retired", h.org)
	return h
}

func (h *healthOrg) client(t *testing.T, p testfx.Person) *testapp.Client {
	c := h.ta.Client(t)
	c.SignIn(p.Email, testfx.Password)
	return c
}

// open opens a check through the app as the manager and returns its id.
func (h *healthOrg) open(t *testing.T, mgr *testapp.Client, title string) int64 {
	t.Helper()
	r := mgr.Post(fmt.Sprintf("/teams/%d/health", h.team), url.Values{"title": {title}, "days": {"7"}, "key": {core.NewFormKey()}})
	if r.Status != 303 {
		t.Fatalf("open a check: %d\n%s", r.Status, r.Body)
	}
	var id int64
	fmt.Sscanf(r.Location(), "/health/%d", &id)
	return id
}

// answer is a form rating every dimension `score` (position 1 gets first),
// with a trend and a comment.
func (h *healthOrg) answer(first, score int, trend, comment string) url.Values {
	v := url.Values{"comment": {comment}}
	for pos := 1; pos <= h.dims; pos++ {
		s := score
		if pos == 1 {
			s = first
		}
		v.Set(fmt.Sprintf("score_%d", pos), fmt.Sprint(s))
		v.Set(fmt.Sprintf("trend_%d", pos), trend)
	}
	return v
}

func mustStatus(t *testing.T, r testapp.Response, want int, what string) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.Status, want, r.Body)
	}
}

func (h *healthOrg) stored(t *testing.T, check int64) (responses, responders int) {
	return h.ta.F.Count(t, "SELECT count(*) FROM health_responses WHERE check_id = $1", check),
		h.ta.F.Count(t, "SELECT count(*) FROM health_responders WHERE check_id = $1", check)
}

// Below the threshold nothing made from the answers shows anywhere: not on
// the check, the team's page or the roll-up, for anyone; at the threshold
// the results appear, with averages worked out by hand.
func TestHealthResultsShowOnlyFromThreeAnswers(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Threshold Org")
	mgr, lead, adm := h.client(t, h.manager), h.client(t, h.leader), h.client(t, h.admin)
	ms := make([]*testapp.Client, len(h.members))
	for i, m := range h.members {
		ms[i] = h.client(t, m)
	}

	// Two answers: closed, but not enough.
	few := h.open(t, mgr, "Two answers")
	mustStatus(t, ms[0].Post(fmt.Sprintf("/health/%d/answers", few), h.answer(1, 2, "worse", "Deadlines slip quietly")), 303, "answer 1")
	mustStatus(t, ms[1].Post(fmt.Sprintf("/health/%d/answers", few), h.answer(2, 2, "worse", "")), 303, "answer 2")
	mustStatus(t, mgr.Post(fmt.Sprintf("/health/%d/close", few), nil), 303, "close")
	pages := func() map[string]testapp.Response {
		return map[string]testapp.Response{
			"manager's check":    mgr.Get(fmt.Sprintf("/health/%d", few)),
			"member's check":     ms[2].Get(fmt.Sprintf("/health/%d", few)),
			"leader's check":     lead.Get(fmt.Sprintf("/health/%d", few)),
			"admin's check":      adm.Get(fmt.Sprintf("/health/%d", few)),
			"team page":          mgr.Get(fmt.Sprintf("/teams/%d/health", h.team)),
			"leader's team page": lead.Get(fmt.Sprintf("/teams/%d/health", h.team)),
			"leader's roll-up":   lead.Get("/health/rollup"),
			"admin's roll-up":    adm.Get("/health/rollup"),
		}
	}
	for name, r := range pages() {
		mustStatus(t, r, 200, name)
		for _, leak := range []string{"radar-svg", "Deadlines slip", "health-trend", "num heat heat-", "1.5"} {
			if strings.Contains(r.Body, leak) {
				t.Errorf("%s shows results from 2 answers (%q)", name, leak)
			}
		}
	}
	if r := mgr.Get(fmt.Sprintf("/health/%d", few)); !strings.Contains(r.Body, "It needed 1 more answer") {
		t.Errorf("the check does not say how many more answers it needed:\n%s", r.Body)
	}
	if r := lead.Get("/health/rollup"); !strings.Contains(r.Body, "Not enough responses (2 of 3 needed)") {
		t.Errorf("the roll-up does not mark the team as not enough responses")
	}

	// Three answers: results, once closed. Position 1 gets 4, 5, 3 → 4.0;
	// the others 3, 4, 2 → 3.0.
	enough := h.open(t, mgr, "Three answers")
	mustStatus(t, ms[0].Post(fmt.Sprintf("/health/%d/answers", enough), h.answer(4, 3, "better", "Standups help")), 303, "answer 1")
	mustStatus(t, ms[1].Post(fmt.Sprintf("/health/%d/answers", enough), h.answer(5, 4, "same", "")), 303, "answer 2")
	mustStatus(t, ms[2].Post(fmt.Sprintf("/health/%d/answers", enough), h.answer(3, 2, "better", "More pairing please")), 303, "answer 3")
	if r := lead.Get(fmt.Sprintf("/health/%d", enough)); strings.Contains(r.Body, "radar-svg") || !strings.Contains(r.Body, "Enough people have answered") {
		t.Errorf("an open check shows results, or does not say when they come")
	}
	mustStatus(t, mgr.Post(fmt.Sprintf("/health/%d/close", enough), nil), 303, "close")
	for name, c := range map[string]*testapp.Client{"manager": mgr, "member": ms[3], "leader": lead, "admin": adm} {
		r := c.Get(fmt.Sprintf("/health/%d", enough))
		for _, want := range []string{"radar-svg", "<td class=\"num\">4.0</td>", "<td class=\"num\">3.0</td>", "Standups help", "More pairing please", "2 · 1 · 0"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("%s's results lack %q", name, want)
			}
		}
	}
	for _, c := range []*testapp.Client{lead, adm} {
		r := c.Get("/health/rollup")
		if !strings.Contains(r.Body, "num heat heat-4") || !strings.Contains(r.Body, ">Pulse<") {
			t.Errorf("the roll-up does not show the team's figures:\n%s", r.Body)
		}
	}
	if r := mgr.Get(fmt.Sprintf("/teams/%d/health", h.team)); !strings.Contains(r.Body, "health-trend") {
		t.Errorf("the team page has no trend")
	}

	// An admin raises the threshold to 4: the same check hides its results.
	mustStatus(t, adm.Post("/admin/health/threshold", url.Values{"min_responses": {"4"}}), 303, "threshold 4")
	for name, r := range map[string]testapp.Response{"check": lead.Get(fmt.Sprintf("/health/%d", enough)), "roll-up": lead.Get("/health/rollup")} {
		if strings.Contains(r.Body, "radar-svg") || strings.Contains(r.Body, "num heat heat-") || strings.Contains(r.Body, "Standups help") {
			t.Errorf("%s shows results under a threshold of 4", name)
		}
	}
	// Never below 3.
	r := adm.Post("/admin/health/threshold", url.Values{"min_responses": {"2"}})
	mustStatus(t, r, 422, "threshold 2")
	if !strings.Contains(r.Body, "Choose between 3 and 50") || !strings.Contains(r.Body, `value="2"`) {
		t.Errorf("a threshold of 2 is not refused next to the field, keeping what was typed")
	}
	if n := ta.F.Count(t, "SELECT min_responses FROM health_settings WHERE org_id = $1", h.org); n != 4 {
		t.Errorf("threshold is %d after a refused change", n)
	}
}

// Bad answers are refused with a message next to the field, keep what was
// typed and store nothing; so are a second answer, an answer to a closed
// check and answers from people not on the team.
func TestHealthAnswersRefuseBadInput(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Input Org")
	mgr, lead, other := h.client(t, h.manager), h.client(t, h.leader), h.client(t, h.other)
	ana := h.client(t, h.members[0])
	id := h.open(t, mgr, "Input check")
	path := fmt.Sprintf("/health/%d/answers", id)

	cases := []struct {
		name, field, value, msg string
	}{
		{"above the scale", "score_1", "6", "A rating is a whole number from 1 to 5."},
		{"below the scale", "score_2", "0", "A rating is a whole number from 1 to 5."},
		{"not a number", "score_1", "lots", "A rating is a whole number from 1 to 5."},
		{"missing rating", "score_3", "", "from 1 to 5."},
		{"unknown trend", "trend_1", "sideways", "Pick better, the same or worse."},
		{"comment too long", "comment", strings.Repeat("x", 1001), "Keep the comment under 1,000 characters."},
	}
	for _, c := range cases {
		form := h.answer(4, 3, "same", "Kept comment")
		form.Set(c.field, c.value)
		r := ana.Post(path, form)
		if r.Status != 422 {
			t.Errorf("%s: status %d", c.name, r.Status)
			continue
		}
		if !strings.Contains(r.Body, c.msg) || !strings.Contains(r.Body, `class="field-error" id="f-`+c.field+`-error"`) {
			t.Errorf("%s: no message next to the field:\n%s", c.name, r.Body)
		}
		if c.field != "comment" && (!strings.Contains(r.Body, "Kept comment") || !strings.Contains(r.Body, `name="score_4" value="3" checked`)) {
			t.Errorf("%s: the form does not keep what was typed", c.name)
		}
		if strings.Contains(r.Body, "goroutine") || strings.Contains(r.Body, "SQLSTATE") {
			t.Errorf("%s: internals shown", c.name)
		}
	}
	if a, b := h.stored(t, id); a != 0 || b != 0 {
		t.Fatalf("refused answers stored %d answers, %d responders", a, b)
	}

	mustStatus(t, ana.Post(path, h.answer(4, 3, "same", "")), 303, "a good answer")
	r := ana.Post(path, h.answer(1, 1, "worse", "again"))
	mustStatus(t, r, 409, "a second answer")
	if !strings.Contains(r.Body, "You have already answered this check") {
		t.Errorf("a second answer gets no message")
	}
	mustStatus(t, lead.Post(path, h.answer(4, 3, "same", "")), 403, "an answer from the leader above the team")
	mustStatus(t, other.Post(path, h.answer(4, 3, "same", "")), 404, "an answer from another team's member")
	if a, b := h.stored(t, id); a != 1 || b != 1 {
		t.Fatalf("after refused answers: %d answers, %d responders", a, b)
	}

	mustStatus(t, mgr.Post(fmt.Sprintf("/health/%d/close", id), nil), 303, "close")
	r = h.client(t, h.members[1]).Post(path, h.answer(4, 3, "same", ""))
	mustStatus(t, r, 409, "an answer to a closed check")
	if !strings.Contains(r.Body, "This check is closed") {
		t.Errorf("no message for a closed check")
	}
	if a, _ := h.stored(t, id); a != 1 {
		t.Errorf("a closed check took an answer")
	}

	// Opening: bad fields are refused; a double submit opens one check.
	r = mgr.Post(fmt.Sprintf("/teams/%d/health", h.team), url.Values{"title": {" "}, "days": {"0"}})
	mustStatus(t, r, 422, "a blank title")
	if !strings.Contains(r.Body, "Give the check a title") || !strings.Contains(r.Body, "between 1 and 60 days") || !strings.Contains(r.Body, `value="0"`) {
		t.Errorf("the open form's errors are not shown next to the fields")
	}
	key := core.NewFormKey()
	before := ta.F.Count(t, "SELECT count(*) FROM health_checks WHERE team_id = $1", h.team)
	for range 2 {
		mustStatus(t, mgr.Post(fmt.Sprintf("/teams/%d/health", h.team), url.Values{"title": {"Twice"}, "days": {"7"}, "key": {key}}), 303, "open")
	}
	if n := ta.F.Count(t, "SELECT count(*) FROM health_checks WHERE team_id = $1", h.team); n != before+1 {
		t.Errorf("a double submit opened %d checks", n-before)
	}
	mustStatus(t, ana.Post(fmt.Sprintf("/teams/%d/health", h.team), url.Values{"title": {"Mine"}, "days": {"7"}}), 403, "a member who does not run the team's checks")
}

// Renaming a dimension is a new version: a check opened before keeps the
// wording it asked, a new one asks the new wording; retired dimensions are
// not asked, and the set never drops below three.
func TestHealthDimensionsAreVersioned(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	h := newHealthOrg(t, ta, "Version Org")
	mgr, adm := h.client(t, h.manager), h.client(t, h.admin)
	old := h.open(t, mgr, "Before the rename")
	var trust, listening int64
	ta.Pool.QueryRow(t.Context(), "SELECT id FROM health_dimensions WHERE org_id = $1 AND name = 'Trust and safety'", h.org).Scan(&trust)
	ta.Pool.QueryRow(t.Context(), "SELECT id FROM health_dimensions WHERE org_id = $1 AND name = 'Listening'", h.org).Scan(&listening)

	mustStatus(t, adm.Post(fmt.Sprintf("/admin/health/dimensions/%d", trust), url.Values{"name": {"Speaking up"}, "description": {"Anyone can say no."}}), 303, "rename")
	r := adm.Post(fmt.Sprintf("/admin/health/dimensions/%d", listening), url.Values{"name": {"speaking up"}, "description": {"x"}})
	mustStatus(t, r, 422, "a duplicate name")
	if !strings.Contains(r.Body, "Another dimension already has this name.") || !strings.Contains(r.Body, `value="speaking up"`) {
		t.Errorf("a duplicate name is not refused next to the field")
	}
	mustStatus(t, adm.Post(fmt.Sprintf("/admin/health/dimensions/%d/retire", listening), url.Values{"retired": {"true"}}), 303, "retire")
	mustStatus(t, adm.Post("/admin/health/dimensions", url.Values{"name": {"Meetings"}, "description": {"Our meetings are worth the time."}}), 303, "add")
	r = adm.Post("/admin/health/dimensions", url.Values{"name": {""}})
	mustStatus(t, r, 422, "a blank name")
	if !strings.Contains(r.Body, "Give the dimension a name.") {
		t.Errorf("a blank name gets no message")
	}
	fresh := h.open(t, mgr, "After the rename")

	oldPage, newPage := mgr.Get(fmt.Sprintf("/health/%d", old)).Body, mgr.Get(fmt.Sprintf("/health/%d", fresh)).Body
	if !strings.Contains(oldPage, "<legend>Trust and safety</legend>") || !strings.Contains(oldPage, "<legend>Listening</legend>") || strings.Contains(oldPage, "Speaking up") {
		t.Errorf("the old check lost the wording it asked")
	}
	if !strings.Contains(newPage, "<legend>Speaking up</legend>") || strings.Contains(newPage, "<legend>Listening</legend>") || !strings.Contains(newPage, "<legend>Meetings</legend>") {
		t.Errorf("the new check does not ask the current dimensions")
	}
	if v := ta.F.Count(t, "SELECT version FROM health_dimensions WHERE id = $1", trust); v != 2 {
		t.Errorf("version %d after a rename", v)
	}
	// Each change is in the audit log, the refused ones not.
	for action, want := range map[string]int{"health.dimension.update": 1, "health.dimension.retire": 1, "health.dimension.add": 1} {
		if n := ta.F.Count(t, "SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = $2 AND actor_id = $3", h.org, action, h.admin.ID); n != want {
			t.Errorf("%d %s audit entries, want %d", n, action, want)
		}
	}
	// Retire until three are left; the fourth retirement is refused.
	rows, _ := ta.Pool.Query(t.Context(), "SELECT id FROM health_dimensions WHERE org_id = $1 AND NOT retired ORDER BY position", h.org)
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids[:len(ids)-3] {
		mustStatus(t, adm.Post(fmt.Sprintf("/admin/health/dimensions/%d/retire", id), url.Values{"retired": {"true"}}), 303, "retire")
	}
	r = adm.Post(fmt.Sprintf("/admin/health/dimensions/%d/retire", ids[len(ids)-1]), url.Values{"retired": {"true"}})
	mustStatus(t, r, 422, "retiring the third-last dimension")
	if !strings.Contains(r.Body, "Keep at least 3 dimensions") {
		t.Errorf("no message when retiring below three")
	}
}
