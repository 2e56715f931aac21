package server_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// draftWorld is a cycle with unsubmitted drafts on both sides:
//
//	Ada (admin); Lena (leader) ← Max (manager) ← {Eva, Eli, Ivy}
//
// Lena reviews Max, Max reviews Eva, Eli and Ivy. Team Atlas is Max and Eva.
//
//	Max: self-assessment submitted (3); Lena's manager part a draft.
//	Eva: self-assessment submitted (3); Max's manager part a draft.
//	Eli: self-assessment a draft;       Max's manager part a draft.
//	Ivy: submitted on both sides (self 4, manager 3).
type draftWorld struct {
	ta                            *testapp.TestApp
	org, cycle, team              int64
	ada, lena, max, eva, eli, ivy testfx.Person
	comps                         []int64  // the cycle's competencies, in order
	names                         []string // their names
	labels                        map[int]string
	clients                       map[int64]*testapp.Client
}

// draft is one unsubmitted part of a review: "self" or "manager".
type draft struct {
	person testfx.Person
	side   string
}

func newDraftWorld(t *testing.T) *draftWorld {
	ta := testapp.Start(t, dsn, testapp.Options{Clock: core.FixedClock{T: time.Date(2026, 7, 5, 9, 0, 0, 0, time.UTC)}})
	f := ta.F
	w := &draftWorld{ta: ta, clients: map[int64]*testapp.Client{}, labels: map[int]string{}}
	w.org = f.Org(t, "Drafts Co")
	w.ada = f.Person(t, w.org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.lena = f.Person(t, w.org, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	w.max = f.Person(t, w.org, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: w.lena.ID})
	w.eva = f.Person(t, w.org, testfx.PersonOpts{Name: "Eva Employee", ManagerID: w.max.ID})
	w.eli = f.Person(t, w.org, testfx.PersonOpts{Name: "Eli Employee", ManagerID: w.max.ID})
	w.ivy = f.Person(t, w.org, testfx.PersonOpts{Name: "Ivy Employee", ManagerID: w.max.ID})
	w.team = f.Team(t, w.org, "Atlas", w.max.ID, w.eva.ID)
	w.cycle = f.Cycle(t, w.org, testfx.CycleOpts{Name: "2026 H1", CreatedBy: w.lena.ID}, w.max.ID, w.eva.ID, w.eli.ID, w.ivy.ID)

	ctx := context.Background()
	rows, err := ta.Pool.Query(ctx, `SELECT e.competency_id, e.name FROM framework_entries e JOIN review_cycles c ON c.framework_version_id = e.version_id
		WHERE c.id = $1 ORDER BY e.position, e.competency_id`, w.cycle)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		w.comps, w.names = append(w.comps, id), append(w.names, name)
	}
	rows.Close()
	rows, err = ta.Pool.Query(ctx, `SELECT s.value, s.label FROM framework_scale s JOIN review_cycles c ON c.framework_version_id = s.version_id WHERE c.id = $1`, w.cycle)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int16
		var label string
		if err := rows.Scan(&v, &label); err != nil {
			t.Fatal(err)
		}
		w.labels[int(v)] = label
	}
	rows.Close()

	for _, p := range []struct {
		who             testfx.Person
		self, manager   int
		selfC, managerC string
		state, summary  string
	}{
		{who: w.max, self: 3, selfC: "Max on himself", state: "self_submitted"},
		{who: w.eva, self: 3, selfC: "Eva on herself", state: "self_submitted"},
		{who: w.eli, state: "draft"},
		{who: w.ivy, self: 4, selfC: "Ivy on herself", manager: 3, managerC: "Max on Ivy", state: "manager_submitted", summary: "Ivy's summary"},
	} {
		for _, c := range w.comps {
			w.exec(t, `INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment, manager_rating, manager_comment)
				VALUES ($1, $2, $3, $4, nullif($5, 0), $6, nullif($7, 0), $8)`, w.cycle, w.org, p.who.ID, c, p.self, p.selfC, p.manager, p.managerC)
		}
		w.exec(t, `UPDATE review_participants SET state = $3::review_state, summary = $4,
			self_submitted_at = CASE WHEN $3::review_state <> 'draft' THEN now() END,
			manager_submitted_at = CASE WHEN $3::review_state = 'manager_submitted' THEN now() END
			WHERE cycle_id = $1 AND person_id = $2`, w.cycle, p.who.ID, p.state, p.summary)
	}
	for _, p := range []testfx.Person{w.ada, w.lena, w.max, w.eva, w.eli, w.ivy} {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		w.clients[p.ID] = c
	}
	w.setDrafts(t, w.allDrafts(), 2)
	return w
}

func (w *draftWorld) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.ta.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (w *draftWorld) allDrafts() []draft {
	return []draft{{w.max, "manager"}, {w.eva, "manager"}, {w.eli, "manager"}, {w.eli, "self"}}
}

// setDrafts gives every competency of the drafts rating v with a comment
// naming v (0: unrated, no comment), and a manager draft's summary too.
func (w *draftWorld) setDrafts(t *testing.T, ds []draft, v int) {
	t.Helper()
	comment := ""
	if v != 0 {
		comment = fmt.Sprintf("unsubmitted draft %d", v)
	}
	for _, d := range ds {
		w.exec(t, fmt.Sprintf(`UPDATE review_ratings SET %[1]s_rating = nullif($3, 0), %[1]s_comment = $4 WHERE cycle_id = $1 AND person_id = $2`, d.side),
			w.cycle, d.person.ID, v, comment)
		if d.side == "manager" {
			w.exec(t, `UPDATE review_participants SET summary = $3 WHERE cycle_id = $1 AND person_id = $2`, w.cycle, d.person.ID, comment)
		}
	}
}

// paths are every page, figure and export that reads ratings, as the
// viewer would open them.
func (w *draftWorld) paths() []string {
	c := fmt.Sprintf("/reviews/%d", w.cycle)
	e := fmt.Sprintf("/exports/cycles/%d", w.cycle)
	out := []string{"/", "/reviews", c, c + "?team=Atlas", c + "?sort=rating", c + "?sort=gap", c + "?sort=manager",
		fmt.Sprintf("%s?sort=rating&competency=%d", c, w.comps[0]), fmt.Sprintf("%s?sort=rating&competency=%d&team=Atlas", c, w.comps[1]),
		c + "?sort=gap&team=Atlas", e, fmt.Sprintf("%s?team=%d", e, w.team), e + "/csv", fmt.Sprintf("%s/csv?team=%d", e, w.team),
		e + "/xlsx", fmt.Sprintf("%s/xlsx?team=%d", e, w.team)}
	for _, p := range []testfx.Person{w.max, w.eva, w.eli, w.ivy} {
		out = append(out, fmt.Sprintf("%s/people/%d", c, p.ID), fmt.Sprintf("%s/people/%d/packet", e, p.ID),
			fmt.Sprintf("%s/people/%d/packet.pdf", e, p.ID))
	}
	return out
}

// snapshot is what the viewer gets for each path: the status and the body
// (a workbook as its cells).
func (w *draftWorld) snapshot(t *testing.T, viewer testfx.Person) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range w.paths() {
		r := w.clients[viewer.ID].Get(p)
		body := r.Body
		if r.Status == 200 && strings.Contains(p, "/xlsx") {
			f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			rows, err := f.GetRows("Review")
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			body = fmt.Sprint(rows)
		}
		if r.Status == 200 && strings.HasSuffix(p, ".pdf") {
			body = pdfText(t, r.Body)
		}
		out[p] = fmt.Sprintf("%d\n%s", r.Status, body)
	}
	return out
}

// firstDiff shows where two bodies first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	at := func(s string) string {
		from, to := max(0, i-120), min(len(s), i+120)
		return s[from:to]
	}
	return fmt.Sprintf("at byte %d:\n  …%s…\n  …%s…", i, at(a), at(b))
}

// pdfText is a PDF's page content streams: what it draws, without the
// embedded fonts, whose objects the PDF library orders differently from
// one run to the next.
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	var out []string
	for _, m := range pdfStream.FindAllStringSubmatch(pdf, -1) {
		zr, err := zlib.NewReader(strings.NewReader(m[1]))
		if err != nil {
			continue
		}
		b, err := io.ReadAll(zr)
		if err != nil && len(b) == 0 {
			continue
		}
		if bytes.Contains(b, []byte(" Tf")) {
			out = append(out, string(b))
		}
	}
	if len(out) == 0 {
		t.Fatal("no page content in the PDF")
	}
	return strings.Join(out, "\n")
}

var pdfStream = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)

// distText is the distribution chart's description for counts of manager
// ratings (the same on every competency).
func (w *draftWorld) distText(who string, counts map[int]int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Manager ratings for %s. ", who)
	for _, name := range w.names {
		var parts []string
		for v := 1; v <= 4; v++ {
			if counts[v] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[v], w.labels[v]))
			}
		}
		if len(parts) == 0 {
			parts = []string{"no ratings"}
		}
		fmt.Fprintf(&b, "%s: %s. ", name, strings.Join(parts, ", "))
	}
	return strings.TrimSpace(b.String())
}

// figures reads the distribution and the calibration row (manager average,
// self–manager gap) of each person from a cycle page.
func figures(t *testing.T, c *testapp.Client, path string) (dist string, cal map[string][2]string) {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d", path, r.Status)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	cal = map[string][2]string{}
	doc.Find("table.data tbody tr").Each(func(_ int, tr *goquery.Selection) {
		avg := tr.Find(`td[data-label="Manager average"]`)
		if avg.Length() == 0 {
			return
		}
		name := strings.TrimSpace(tr.Find("td a").First().Text())
		cal[name] = [2]string{strings.TrimSpace(avg.Text()), strings.TrimSpace(tr.Find(`td[data-label="Self–manager gap"]`).Text())}
	})
	return strings.TrimSpace(doc.Find("desc#dist-desc").Text()), cal
}

// exportedManagerRatings reads a viewer's CSV export: person → the manager
// ratings and comments of their rows, and the self ratings.
func (w *draftWorld) exported(t *testing.T, c *testapp.Client, query string) map[string][]string {
	t.Helper()
	recs := csvRecords(t, c, fmt.Sprintf("/exports/cycles/%d/csv%s", w.cycle, query))
	out := map[string][]string{}
	for _, r := range recs[1:] {
		out[r[0]] = append(out[r[0]], "self "+r[6]+" "+r[7]+" · manager "+r[8]+" "+r[9])
	}
	return out
}

func (w *draftWorld) submitManager(t *testing.T, reviewer, person testfx.Person, rating string) {
	t.Helper()
	form := url.Values{"submit": {"true"}, "summary": {"Submitted summary"}}
	for _, c := range w.comps {
		form.Set(fmt.Sprintf("rating_%d", c), rating)
		form.Set(fmt.Sprintf("comment_%d", c), "submitted "+rating)
	}
	r := w.clients[reviewer.ID].Post(fmt.Sprintf("/reviews/%d/people/%d/manager", w.cycle, person.ID), form)
	if r.Status != 303 {
		t.Fatalf("%s submitting %s's review: %d", reviewer.Name, person.Name, r.Status)
	}
}

// TestUnsubmittedDraftsChangeNothingTheirReadersMayNotSee proves that no
// page, figure or export lets a viewer recover a draft that is not theirs:
// every response is byte for byte the same whatever the drafts hold (rated
// 1, rated 4, or empty), and the figures shown are those of submitted parts
// only. Once submitted, the ratings appear.
func TestUnsubmittedDraftsChangeNothingTheirReadersMayNotSee(t *testing.T) {
	w := newDraftWorld(t)
	for _, c := range []struct {
		viewer testfx.Person
		hidden []draft // the drafts this viewer must not learn
	}{
		// The reviewed manager: their reviewer's draft, and a report's draft self-assessment.
		{w.max, []draft{{w.max, "manager"}, {w.eli, "self"}}},
		// Plain employees: their manager's draft of their review.
		{w.eva, []draft{{w.eva, "manager"}}},
		{w.eli, []draft{{w.eli, "manager"}}},
		// Above them: drafts written by others and a draft self-assessment.
		{w.lena, []draft{{w.eva, "manager"}, {w.eli, "manager"}, {w.eli, "self"}}},
		{w.ada, w.allDrafts()},
	} {
		t.Run(c.viewer.Name, func(t *testing.T) {
			defer w.setDrafts(t, c.hidden, 2)
			w.setDrafts(t, c.hidden, 1)
			ones := w.snapshot(t, c.viewer)
			for _, v := range []int{4, 0} {
				w.setDrafts(t, c.hidden, v)
				other := w.snapshot(t, c.viewer)
				for _, p := range w.paths() {
					if ones[p] != other[p] {
						t.Errorf("%s GET %s changes with drafts it may not see (rated 1 vs %d): %s", c.viewer.Name, p, v, firstDiff(ones[p], other[p]))
					}
				}
			}
		})
	}

	// The figures themselves, as the reviewed manager sees them with Lena's
	// draft of his review at 1 and Eli's draft self-assessment at 4: only
	// submitted parts and his own drafts of his reports (2) count.
	w.setDrafts(t, []draft{{w.max, "manager"}}, 1)
	w.setDrafts(t, []draft{{w.eli, "self"}}, 4)
	max := w.clients[w.max.ID]
	page := fmt.Sprintf("/reviews/%d", w.cycle)
	dist, cal := figures(t, max, page)
	if want := w.distText("everyone in the cycle", map[int]int{2: 2, 3: 1}); dist != want {
		t.Errorf("Max's distribution:\n got %s\nwant %s", dist, want)
	}
	want := map[string][2]string{"Max Manager": {"–", "–"}, "Eva Employee": {"2.0", "1.0"}, "Eli Employee": {"2.0", "–"}, "Ivy Employee": {"3.0", "1.0"}}
	for name, v := range want {
		if cal[name] != v {
			t.Errorf("Max's calibration row of %s: average, gap %q, want %q", name, cal[name], v)
		}
	}
	if dist, _ := figures(t, max, page+"?team=Atlas"); dist != w.distText("Atlas", map[int]int{2: 1}) {
		t.Errorf("Max's Atlas distribution: %s", dist)
	}
	for _, row := range w.exported(t, max, "")["Max Manager"] {
		if row != "self 3 Max on himself · manager  " {
			t.Errorf("Max's export of his own review: %q", row)
		}
	}

	// Lena submits Max's review and Max submits Eva's: now they count.
	w.submitManager(t, w.lena, w.max, "1")
	w.submitManager(t, w.max, w.eva, "4")
	dist, cal = figures(t, max, page)
	if want := w.distText("everyone in the cycle", map[int]int{1: 1, 2: 1, 3: 1, 4: 1}); dist != want {
		t.Errorf("Max's distribution after the submits:\n got %s\nwant %s", dist, want)
	}
	if cal["Max Manager"] != [2]string{"1.0", "2.0"} || cal["Eva Employee"] != [2]string{"4.0", "1.0"} {
		t.Errorf("Max's calibration after the submits: %q", cal)
	}
	if dist, _ := figures(t, max, page+"?team=Atlas"); dist != w.distText("Atlas", map[int]int{1: 1, 4: 1}) {
		t.Errorf("Max's Atlas distribution after the submits: %s", dist)
	}
	for _, row := range w.exported(t, max, "")["Max Manager"] {
		if row != "self 3 Max on himself · manager 1 submitted 1" {
			t.Errorf("Max's export of his own submitted review: %q", row)
		}
	}
	// Lena: Max's review (hers), Eva's now submitted, Ivy's; never Eli's draft.
	dist, cal = figures(t, w.clients[w.lena.ID], page)
	if want := w.distText("everyone in the cycle", map[int]int{1: 1, 3: 1, 4: 1}); dist != want {
		t.Errorf("Lena's distribution:\n got %s\nwant %s", dist, want)
	}
	if cal["Eli Employee"] != [2]string{"–", "–"} || cal["Eva Employee"] != [2]string{"4.0", "1.0"} {
		t.Errorf("Lena's calibration: %q", cal)
	}
	for _, row := range w.exported(t, w.clients[w.lena.ID], "")["Eli Employee"] {
		if row != "self   · manager  " {
			t.Errorf("Lena's export of Eli's drafts: %q", row)
		}
	}
	if r := w.clients[w.eva.ID].Get(fmt.Sprintf("%s/people/%d", page, w.eva.ID)); !strings.Contains(r.Body, "submitted 4") || !strings.Contains(r.Body, "Submitted summary") {
		t.Errorf("Eva does not see her submitted review")
	}
}
