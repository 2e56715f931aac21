package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// addCompetency adds a competency as org A's admin and returns its id.
func (w *world) addCompetency(name, group string) int64 {
	w.t.Helper()
	r := w.clients[admin].Post("/framework/competencies", url.Values{"key": {fmt.Sprint("add-", testfx.Next())}, "new_name": {name},
		"new_group": {group}, "new_behaviour": {"Pairs with newer colleagues every week"}, "new_result": {"Faster onboarding"},
		"new_description": {"Helps others grow."}})
	if r.Status != http.StatusSeeOther {
		w.t.Fatalf("add %s: status %d", name, r.Status)
	}
	var id int64
	if err := w.app.Pool.QueryRow(context.Background(), "SELECT id FROM competencies WHERE org_id = $1 AND name = $2", w.orgA, name).Scan(&id); err != nil {
		w.t.Fatalf("added %s: %v", name, err)
	}
	return id
}

// versions counts an organisation's framework versions.
func (w *world) versions(org int64) int {
	return w.app.F.Count(w.t, "SELECT count(*) FROM framework_versions WHERE org_id = $1", org)
}

// kudoTagged posts a kudo from c to the person tagged with competency id.
func kudoTagged(c *testapp.Client, to testfx.Person, competency int64) testapp.Response {
	return c.Post("/kudos", url.Values{"to": {handle(to)}, "did": {"Walked the new hire through the release"},
		"impact": {"She shipped her first change on day two"}, "visibility": {"org"}, "competencies": {fmt.Sprint(competency)},
		"idem": {fmt.Sprint("k", testfx.Next())}})
}

// kudoFormOffers reports whether the kudos form offers a competency by id.
func kudoFormOffers(t *testing.T, c *testapp.Client, id int64) bool {
	t.Helper()
	r := c.Get("/kudos/new")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Find(fmt.Sprintf(`input[name="competencies"][value="%d"]`, id)).Length() == 1
}

// currentOrder lists the names of org's current active competencies in order.
func (w *world) currentOrder(org int64) []string {
	w.t.Helper()
	rows, err := w.app.Pool.Query(context.Background(), `SELECT e.name FROM framework_entries e
		WHERE e.version_id = (SELECT id FROM framework_versions WHERE org_id = $1 ORDER BY number DESC LIMIT 1) AND NOT e.retired
		ORDER BY e.position`, org)
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestAdminAddsReordersRetiresAndRestoresACompetency(t *testing.T) {
	w := newWorld(t)
	before := w.versions(w.orgA)

	// Added at the end of its group, as a new version, offered to tag.
	id := w.addCompetency("Mentoring", "leader")
	if n := w.versions(w.orgA); n != before+1 {
		t.Errorf("versions %d → %d after adding, want one more", before, n)
	}
	order := w.currentOrder(w.orgA)
	if i := indexOf(order, "Mentoring"); i != indexOf(order, "Strategic networking")+1 {
		t.Errorf("Mentoring is not right after the leader group's last competency: %v", order)
	}
	if !kudoFormOffers(t, w.clients[employee], id) {
		t.Errorf("the kudos form does not offer the added competency")
	}
	if r := w.clients[managerOwn].Get(fmt.Sprintf("/meetings/%d", w.meeting)); !strings.Contains(r.Body, fmt.Sprintf(`value="%d"`, id)) {
		t.Errorf("the observation form does not offer the added competency")
	}

	// Up one within its group: a version per move.
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/move", id), url.Values{"dir": {"up"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("move up: status %d", r.Status)
	}
	order = w.currentOrder(w.orgA)
	if indexOf(order, "Mentoring")+1 != indexOf(order, "Strategic networking") {
		t.Errorf("after moving up, Mentoring is not just before Strategic networking: %v", order)
	}
	if n := w.versions(w.orgA); n != before+2 {
		t.Errorf("versions %d → %d after a move, want two more", before, n)
	}

	// Tagged, then retired: no longer offered or accepted, the kudo keeps it.
	if r := kudoTagged(w.clients[employee], w.teammate, id); r.Status != http.StatusSeeOther {
		t.Fatalf("a kudo tagged Mentoring: status %d", r.Status)
	}
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", id), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("retire: status %d", r.Status)
	}
	if kudoFormOffers(t, w.clients[employee], id) {
		t.Errorf("the kudos form still offers a retired competency")
	}
	if r := w.clients[employee].Get("/kudos"); strings.Contains(r.Body, fmt.Sprintf(`<option value="%d"`, id)) {
		t.Errorf("the feed's filter still offers a retired competency")
	}
	if r := w.clients[employee].Get("/kudos"); !strings.Contains(r.Body, "Mentoring") {
		t.Errorf("the kudo lost its retired tag")
	}
	kudos := w.app.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", w.orgA)
	if r := kudoTagged(w.clients[employee], w.teammate, id); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose competencies from the list.") {
		t.Errorf("a new kudo tagged with a retired competency: status %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM kudos WHERE org_id = $1", w.orgA); n != kudos {
		t.Errorf("a refused kudo was stored")
	}
	if r := w.clients[employee].Get("/framework"); !strings.Contains(r.Body, `<h2 id="retired-h">Retired</h2>`) || !strings.Contains(r.Body, "Mentoring") {
		t.Errorf("the framework page does not list Mentoring as retired")
	}
	if r := w.clients[admin].Get("/framework/edit"); !strings.Contains(r.Body, "Restore Mentoring") {
		t.Errorf("the edit page does not offer to restore Mentoring")
	}

	// Restored with its wording.
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/restore", id), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("restore: status %d", r.Status)
	}
	if !kudoFormOffers(t, w.clients[employee], id) {
		t.Errorf("the kudos form does not offer the restored competency")
	}
	if r := w.clients[employee].Get("/framework"); !strings.Contains(r.Body, "Pairs with newer colleagues every week") {
		t.Errorf("the restored competency lost its wording")
	}
}

func TestFrameworkChangesTheSameFormTwiceMakeOneVersion(t *testing.T) {
	w := newWorld(t)
	before := w.versions(w.orgA)
	form := url.Values{"key": {"same-form"}, "new_name": {"Mentoring"}, "new_group": {"leader"}, "new_behaviour": {"Pairs"}, "new_result": {"Onboarding"}}
	for range 2 {
		if r := w.clients[admin].Post("/framework/competencies", form); r.Status != http.StatusSeeOther {
			t.Fatalf("add: status %d", r.Status)
		}
	}
	if n := w.versions(w.orgA); n != before+1 {
		t.Errorf("versions %d → %d, want one more", before, n)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM competencies WHERE org_id = $1", w.orgA); n != 1 {
		t.Errorf("%d competencies added, want 1", n)
	}
}

func TestFrameworkChangesRefuseBadInputAndChangeNothing(t *testing.T) {
	w := newWorld(t)
	add := func(name, group string) testapp.Response {
		return w.clients[admin].Post("/framework/competencies", url.Values{"new_name": {name}, "new_group": {group},
			"new_behaviour": {"Kept when refused"}, "new_result": {"Faster onboarding"}})
	}
	for _, c := range []struct{ name, group, msg string }{
		{"", "leader", "Give the competency a name."},
		{"   ", "leader", "Give the competency a name."},
		{"tRUST", "leader", "Another competency already has this name."},
		{"Mentoring", "elsewhere", "Choose the group it belongs to."},
		{strings.Repeat("m", 101), "leader", "Keep the name under 100 characters."},
	} {
		before := w.versions(w.orgA)
		r := add(c.name, c.group)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%q: status %d, want 422", c.name, r.Status)
		}
		if !strings.Contains(r.Body, c.msg) || !strings.Contains(r.Body, "Kept when refused") {
			t.Errorf("%q: the refused form lacks its message or what was typed", c.name)
		}
		field := "new_name"
		if c.group == "elsewhere" {
			field = "new_group"
		}
		if !strings.Contains(r.Body, fmt.Sprintf(`id="f-%s-error"`, field)) {
			t.Errorf("%q: the message is not beside %s", c.name, field)
		}
		if n := w.versions(w.orgA); n != before {
			t.Errorf("%q: a refused add made a version", c.name)
		}
	}

	// A retired competency's name stays taken: restore it instead.
	trust := w.app.F.Competency(t, "trust")
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", trust), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("retire Trust: status %d", r.Status)
	}
	if r := add("Trust", "building-block"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "restore it instead") {
		t.Errorf("a retired competency's name: status %d", r.Status)
	}

	// Already at the top of its group; an unknown direction.
	rapport := w.app.F.Competency(t, "rapport")
	before := w.versions(w.orgA)
	r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/move", rapport), url.Values{"dir": {"up"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "It is already at the top of its group.") ||
		!strings.Contains(r.Body, fmt.Sprintf(`id="f-move_%d-error"`, rapport)) {
		t.Errorf("moving the first one up: status %d", r.Status)
	}
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/move", rapport), url.Values{"dir": {"sideways"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("moving sideways: status %d", r.Status)
	}
	// Retiring one already retired, restoring one active, an unknown id.
	for _, path := range []string{fmt.Sprintf("/framework/competencies/%d/retire", trust), fmt.Sprintf("/framework/competencies/%d/restore", rapport),
		"/framework/competencies/999999999/retire"} {
		if r := w.clients[admin].Post(path, nil); r.Status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, r.Status)
		}
	}
	if n := w.versions(w.orgA); n != before {
		t.Errorf("refused changes made versions: %d → %d", before, n)
	}

	// The last active competency stays.
	order := w.currentOrder(w.orgA)
	var last int64
	for i, name := range order {
		var id int64
		if err := w.app.Pool.QueryRow(context.Background(), "SELECT id FROM competencies WHERE name = $1 AND org_id IS NULL", name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if i == len(order)-1 {
			last = id
			break
		}
		if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", id), nil); r.Status != http.StatusSeeOther {
			t.Fatalf("retire %s: status %d", name, r.Status)
		}
	}
	before = w.versions(w.orgA)
	r = w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", last), nil)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The framework needs at least one competency") ||
		!strings.Contains(r.Body, fmt.Sprintf(`id="f-retire_%d-error"`, last)) {
		t.Errorf("retiring the last one: status %d", r.Status)
	}
	if n := w.versions(w.orgA); n != before {
		t.Errorf("retiring the last one made a version")
	}
}

func TestAnOldReviewKeepsItsWordingAndItsRetiredCompetency(t *testing.T) {
	w := newWorld(t)
	f := w.app.F
	old := f.Cycle(t, w.orgA, around(), w.report.ID)
	partners := f.Competency(t, "partnerships")
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", partners), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("retire Partnerships: status %d", r.Status)
	}
	added := w.addCompetency("Mentoring", "building-block")

	newer := f.Cycle(t, w.orgA, around(), w.report.ID)
	page := func(cycle int64) string {
		r := w.clients[employee].Get(fmt.Sprintf("/reviews/%d/people/%d", cycle, w.report.ID))
		if r.Status != http.StatusOK {
			t.Fatalf("review %d: status %d", cycle, r.Status)
		}
		return r.Body
	}
	field := func(id int64) string { return fmt.Sprintf(`name="rating_%d"`, id) }
	if body := page(old); !strings.Contains(body, field(partners)) || strings.Contains(body, field(added)) {
		t.Errorf("the old review does not keep its version: Partnerships %v, Mentoring %v",
			strings.Contains(body, field(partners)), strings.Contains(body, field(added)))
	}
	if body := page(newer); strings.Contains(body, field(partners)) || !strings.Contains(body, field(added)) {
		t.Errorf("a new review does not follow the current framework: Partnerships %v, Mentoring %v",
			strings.Contains(body, field(partners)), strings.Contains(body, field(added)))
	}
	// The exports of each cycle list the competencies of its version.
	for cycle, want := range map[int64]int{old: 10, newer: 10} {
		r := w.clients[admin].Get(fmt.Sprintf("/exports/cycles/%d/csv", cycle))
		if n := strings.Count(r.Body, "Remy Report"); n != want {
			t.Errorf("cycle %d's export has %d rows for the person, want %d", cycle, n, want)
		}
	}
	if r := w.clients[admin].Get(fmt.Sprintf("/exports/cycles/%d/csv", newer)); strings.Contains(r.Body, "Partnerships") || !strings.Contains(r.Body, "Mentoring") {
		t.Errorf("the new cycle's export does not follow its version")
	}
}

func TestAnotherOrganisationNeverSeesOrTagsOurCompetency(t *testing.T) {
	w := newWorld(t)
	id := w.addCompetency("Mentoring in A", "leader")
	colleague := w.app.F.Person(t, w.orgB, testfx.PersonOpts{Name: "Bo B-Colleague"})
	b := w.clients[otherAdmin]
	for _, path := range []string{"/framework", "/framework/edit", "/kudos/new", "/kudos"} {
		if r := b.Get(path); strings.Contains(r.Body, "Mentoring in A") {
			t.Errorf("org B sees org A's competency on %s", path)
		}
	}
	if kudoFormOffers(t, b, id) {
		t.Errorf("org B's kudos form offers org A's competency")
	}
	// A forged tag: refused beside the field, nothing stored.
	r := kudoTagged(b, colleague, id)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose competencies from the list.") {
		t.Errorf("org B tags org A's competency: status %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM kudo_competencies WHERE competency_id = $1", id); n != 0 {
		t.Errorf("org A's competency was tagged %d times from org B", n)
	}
	// Org B's framework is its own: versions unchanged, A's id unknown.
	before := w.versions(w.orgB)
	for _, path := range []string{"/retire", "/restore", "/move"} {
		if r := b.Post(fmt.Sprintf("/framework/competencies/%d%s", id, path), url.Values{"dir": {"up"}}); r.Status != http.StatusNotFound {
			t.Errorf("org B %s org A's competency: status %d", path, r.Status)
		}
	}
	if n := w.versions(w.orgB); n != before {
		t.Errorf("org B's framework changed")
	}
	if order := w.currentOrder(w.orgB); indexOf(order, "Mentoring in A") >= 0 || len(order) != 10 {
		t.Errorf("org B's framework: %v", order)
	}
}

func TestEditingAKudoKeepsATagRetiredSince(t *testing.T) {
	w := newWorld(t)
	id := w.addCompetency("Mentoring", "leader")
	trust := w.app.F.Competency(t, "trust")
	form := url.Values{"to": {handle(w.teammate)}, "did": {"Walked the new hire through the release"},
		"impact": {"She shipped her first change on day two"}, "visibility": {"org"},
		"competencies": {fmt.Sprint(id), fmt.Sprint(trust)}, "idem": {fmt.Sprint("k", testfx.Next())}}
	if r := w.clients[employee].Post("/kudos", form); r.Status != http.StatusSeeOther {
		t.Fatalf("post: status %d", r.Status)
	}
	var kudo int64
	if err := w.app.Pool.QueryRow(context.Background(), "SELECT id FROM kudos WHERE org_id = $1 AND author_id = $2", w.orgA, w.report.ID).Scan(&kudo); err != nil {
		t.Fatal(err)
	}
	if r := w.clients[admin].Post(fmt.Sprintf("/framework/competencies/%d/retire", id), nil); r.Status != http.StatusSeeOther {
		t.Fatalf("retire: status %d", r.Status)
	}
	// The edit form offers Trust only; Mentoring can't be ticked any more.
	form.Set("did", "Walked the new hire through the whole release")
	form["competencies"] = []string{fmt.Sprint(trust)}
	if r := w.clients[employee].Post(fmt.Sprintf("/kudos/%d", kudo), form); r.Status != http.StatusSeeOther {
		t.Fatalf("edit: status %d", r.Status)
	}
	if n := w.app.F.Count(t, "SELECT count(*) FROM kudo_competencies WHERE kudo_id = $1 AND competency_id = ANY($2)", kudo, []int64{id, trust}); n != 2 {
		t.Errorf("after the edit the kudo has %d of its 2 tags (Mentoring retired, Trust)", n)
	}
}
