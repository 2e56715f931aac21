package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rapport/internal/core"
	"rapport/internal/postgres"
	"rapport/internal/review"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// exportWorld is an organisation with a review cycle:
//
//	admin; leader ← manager ← {ana, ben}; boss ← cai; outsider
//
// The cycle holds ana, ben, cai, the manager and the outsider. Ana and Cai
// are in team Atlas.
type exportWorld struct {
	ta                                     *testapp.TestApp
	org, other                             int64
	admin, leader, manager, ana, ben, boss testfx.Person
	cai, outsider, otherAdmin              testfx.Person
	cycle, hidden, team                    int64
	entries                                int
	clients                                map[string]*testapp.Client
}

func newExportWorld(t *testing.T) *exportWorld {
	ta := testapp.Start(t, dsn, testapp.Options{})
	f := ta.F
	w := &exportWorld{ta: ta, clients: map[string]*testapp.Client{}}
	w.org = f.Org(t, "Export Co")
	w.other = f.Org(t, "Elsewhere")
	w.admin = f.Person(t, w.org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	w.leader = f.Person(t, w.org, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	w.manager = f.Person(t, w.org, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager, ManagerID: w.leader.ID})
	w.ana = f.Person(t, w.org, testfx.PersonOpts{Name: "Ana Ruiz", ManagerID: w.manager.ID})
	w.ben = f.Person(t, w.org, testfx.PersonOpts{Name: "=cmd|' /C calc'!A0", ManagerID: w.manager.ID})
	w.boss = f.Person(t, w.org, testfx.PersonOpts{Name: "Bo Boss", Role: core.RoleManager})
	w.cai = f.Person(t, w.org, testfx.PersonOpts{Name: "Zoë Łukasz", ManagerID: w.boss.ID})
	w.outsider = f.Person(t, w.org, testfx.PersonOpts{Name: "Otto Outsider"})
	w.otherAdmin = f.Person(t, w.other, testfx.PersonOpts{Name: "Oz Other", Role: core.RoleAdmin})
	w.team = f.Team(t, w.org, "Atlas", w.ana.ID, w.cai.ID)
	w.cycle = f.Cycle(t, w.org, testfx.CycleOpts{Name: "2026 H1"}, w.ana.ID, w.ben.ID, w.cai.ID, w.manager.ID, w.outsider.ID)
	w.hidden = f.Cycle(t, w.org, testfx.CycleOpts{Name: "Outsiders only"}, w.outsider.ID)
	w.entries = f.Count(t, `SELECT count(*) FROM framework_entries e JOIN review_cycles c ON c.framework_version_id = e.version_id WHERE c.id = $1`, w.cycle)

	// Ratings: Ana's review is finalised with both sides; the manager's own
	// review is a draft: their self-assessment is theirs alone, and the
	// leader's manager rating is hidden from them; Ben has submitted a
	// self-assessment with formula-looking text.
	comps := []int64{f.Competency(t, "partnerships"), f.Competency(t, "trust")}
	rate := func(person int64, self, mgr int, selfC, mgrC string) {
		for _, c := range comps {
			if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO review_ratings (cycle_id, org_id, person_id, competency_id, self_rating, self_comment, manager_rating, manager_comment)
				VALUES ($1, $2, $3, $4, nullif($5, 0), $6, nullif($7, 0), $8)`, w.cycle, w.org, person, c, self, selfC, mgr, mgrC); err != nil {
				t.Fatal(err)
			}
		}
	}
	rate(w.ana.ID, 3, 4, "Weekly with, every \"report\".\nAnd more.", "Never missed a 1:1.")
	rate(w.ben.ID, 2, 0, "+1 to the partner team", "")
	rate(w.manager.ID, 3, 2, "Kept the cadence.", "Draft: slipped in May.")
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE review_participants SET state = 'finalised' WHERE cycle_id = $1 AND person_id = $2`, w.cycle, w.ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.Pool.Exec(t.Context(), `UPDATE review_participants SET state = 'self_submitted' WHERE cycle_id = $1 AND person_id = $2`, w.cycle, w.ben.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []testfx.Person{w.admin, w.leader, w.manager, w.ana, w.boss, w.otherAdmin} {
		c := ta.Client(t)
		c.SignIn(p.Email, testfx.Password)
		w.clients[p.Name] = c
	}
	return w
}

// csvRecords downloads a CSV export and parses it.
func csvRecords(t *testing.T, c *testapp.Client, path string) [][]string {
	t.Helper()
	r := c.Get(path)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d", path, r.Status)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Fatalf("content disposition %q", cd)
	}
	body := strings.TrimPrefix(r.Body, "\ufeff")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return recs
}

// uiRows is what the review pages show the viewer: the cycle's visible
// participants and, for each, the ratings of their review page.
func (w *exportWorld) uiRows(t *testing.T, viewer testfx.Person, teamOnly bool) map[string][4]string {
	t.Helper()
	ctx := context.Background()
	a, err := w.ta.People.ActorFor(ctx, w.org, viewer.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := review.NewService(postgres.NewReviewStore(w.ta.Pool), core.SystemClock{})
	cv, err := svc.Cycle(ctx, a, w.cycle)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][4]string{}
	for _, p := range cv.Participants {
		if teamOnly && p.PersonID != w.ana.ID && p.PersonID != w.cai.ID {
			continue
		}
		v, err := svc.Review(ctx, a, w.cycle, p.PersonID)
		if err != nil {
			t.Fatalf("review of %s as %s: %v", p.PersonName, viewer.Name, err)
		}
		for _, e := range v.Framework.Entries {
			r := v.Ratings[e.CompetencyID]
			out[p.PersonName+" / "+e.Name] = [4]string{num(r.SelfRating), r.SelfComment, num(r.ManagerRating), r.ManagerComment}
		}
	}
	return out
}

func num(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// exportedRows keys the CSV rows like uiRows, undoing the neutralisation.
func exportedRows(t *testing.T, recs [][]string) map[string][4]string {
	t.Helper()
	out := map[string][4]string{}
	for _, r := range recs[1:] {
		un := func(s string) string {
			if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
				return s[1:]
			}
			return s
		}
		key := un(r[0]) + " / " + r[5]
		if _, dup := out[key]; dup {
			t.Fatalf("row %q exported twice", key)
		}
		out[key] = [4]string{r[6], un(r[7]), r[8], un(r[9])}
	}
	return out
}

func keys(m map[string][4]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestExportRowsAreExactlyTheReviewsTheViewerSees(t *testing.T) {
	w := newExportWorld(t)
	path := fmt.Sprintf("/exports/cycles/%d/csv", w.cycle)
	for _, c := range []struct {
		viewer testfx.Person
		people int
	}{
		{w.manager, 3}, // Ana and Ben (reviewer, tree) and their own review
		{w.leader, 3},  // the manager's tree: the manager, Ana, Ben
		{w.boss, 1},    // Cai
		{w.admin, 5},   // everyone
	} {
		recs := csvRecords(t, w.clients[c.viewer.Name], path)
		got := exportedRows(t, recs)
		want := w.uiRows(t, c.viewer, false)
		if len(got) != c.people*w.entries {
			t.Errorf("%s: %d rows, want %d people × %d competencies", c.viewer.Name, len(got), c.people, w.entries)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: export differs from the review pages\nexport: %v\npages:  %v", c.viewer.Name, keys(got), keys(want))
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %q export %q, page %q", c.viewer.Name, k, got[k], v)
				}
			}
		}
	}
	// The manager's own draft manager rating stays hidden from them, as on
	// their review page; the leader who wrote it sees it.
	mine := exportedRows(t, csvRecords(t, w.clients[w.manager.Name], path))
	if r := mine["Max Manager / Partnerships"]; r[2] != "" || r[3] != "" || r[0] != "3" {
		t.Errorf("the manager sees their own unsubmitted manager rating: %q", r)
	}
	lead := exportedRows(t, csvRecords(t, w.clients[w.leader.Name], path))
	if r := lead["Max Manager / Partnerships"]; r[2] != "2" || r[0] != "" {
		t.Errorf("the leader sees %q: want the rating they wrote and not the manager's draft self-assessment", r)
	}

	// One team within the cycle: the viewer's visible members of Atlas.
	team := exportedRows(t, csvRecords(t, w.clients[w.admin.Name], fmt.Sprintf("%s?team=%d", path, w.team)))
	if want := w.uiRows(t, w.admin, true); !reflect.DeepEqual(team, want) {
		t.Errorf("team export: %v, want %v", keys(team), keys(want))
	}
	team = exportedRows(t, csvRecords(t, w.clients[w.manager.Name], fmt.Sprintf("%s?team=%d", path, w.team)))
	if len(team) != w.entries {
		t.Errorf("the manager's Atlas export has %d rows, want Ana's %d", len(team), w.entries)
	}

	// Out of reach: a cycle with nobody the manager may see, another
	// organisation's admin, an unknown team, an employee.
	for _, c := range []struct {
		who, path string
		want      int
	}{
		{w.manager.Name, fmt.Sprintf("/exports/cycles/%d/csv", w.hidden), 404},
		{w.manager.Name, fmt.Sprintf("/exports/cycles/%d/xlsx", w.hidden), 404},
		{w.manager.Name, fmt.Sprintf("/exports/cycles/%d", w.hidden), 404},
		{w.otherAdmin.Name, path, 404},
		{w.otherAdmin.Name, fmt.Sprintf("/exports/cycles/%d/people/%d/packet.pdf", w.cycle, w.ana.ID), 404},
		{w.admin.Name, path + "?team=999999999", 404},
		{w.admin.Name, path + "?team=abc", 404},
		{w.ana.Name, path, 403},
		{w.manager.Name, fmt.Sprintf("/exports/cycles/%d/people/%d/packet", w.cycle, w.cai.ID), 404},
	} {
		if r := w.clients[c.who].Get(c.path); r.Status != c.want {
			t.Errorf("%s GET %s: %d, want %d", c.who, c.path, r.Status, c.want)
		}
	}
	if n := w.ta.F.Count(t, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action LIKE 'export.%'`, w.other); n != 0 {
		t.Errorf("refused exports wrote %d audit entries", n)
	}
}

func TestEveryExportIsInTheAuditLog(t *testing.T) {
	w := newExportWorld(t)
	c := w.clients[w.leader.Name]
	csvRecords(t, c, fmt.Sprintf("/exports/cycles/%d/csv?team=%d", w.cycle, w.team))
	if r := c.Get(fmt.Sprintf("/exports/cycles/%d/xlsx", w.cycle)); r.Status != 200 {
		t.Fatalf("xlsx: %d", r.Status)
	}
	if r := c.Get(fmt.Sprintf("/exports/cycles/%d/people/%d/packet", w.cycle, w.ana.ID)); r.Status != 200 {
		t.Fatalf("packet page: %d", r.Status)
	}
	r := c.Get(fmt.Sprintf("/exports/cycles/%d/people/%d/packet.pdf", w.cycle, w.ana.ID))
	if r.Status != 200 || !strings.HasPrefix(r.Body, "%PDF-") || r.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("packet pdf: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	rows, err := w.ta.Pool.Query(t.Context(), `SELECT actor_id, action, subject, detail->>'format', detail->>'scope', (detail->>'rows')::int, detail->>'cycle'
		FROM audit_log WHERE org_id = $1 AND action LIKE 'export.%' ORDER BY id`, w.org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var actor int64
		var action, subject, format, scope, cycle string
		var n int
		if err := rows.Scan(&actor, &action, &subject, &format, &scope, &n, &cycle); err != nil {
			t.Fatal(err)
		}
		if actor != w.leader.ID || cycle != "2026 H1" {
			t.Errorf("entry by %d for %q", actor, cycle)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %d", action, subject, format, scope, n))
	}
	e := w.entries
	want := []string{
		fmt.Sprintf("export.cycle cycle:%d csv team Atlas %d", w.cycle, e),
		fmt.Sprintf("export.cycle cycle:%d xlsx cycle %d", w.cycle, 3*e),
		fmt.Sprintf("export.packet person:%d html person Ana Ruiz %d", w.ana.ID, e),
		fmt.Sprintf("export.packet person:%d pdf person Ana Ruiz %d", w.ana.ID, e),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// And the admin finds them on the audit page.
	page := w.clients[w.admin.Name].Get("/admin/audit?action=export")
	if strings.Count(page.Body, "<code>export.") != 4 || !strings.Contains(page.Body, "format: xlsx") {
		t.Errorf("audit page does not list the four exports")
	}
}

// The XLSX export holds the same cells as the CSV export, read back by
// excelize and, when LibreOffice is installed, by LibreOffice.
func TestXLSXExportMatchesTheCSVExport(t *testing.T) {
	w := newExportWorld(t)
	c := w.clients[w.admin.Name]
	want := csvRecords(t, c, fmt.Sprintf("/exports/cycles/%d/csv", w.cycle))
	r := c.Get(fmt.Sprintf("/exports/cycles/%d/xlsx", w.cycle))
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	got, err := f.GetRows("Review")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	compareSheets(t, "excelize", got, want)

	if _, err := exec.LookPath("libreoffice"); err != nil {
		t.Skip("libreoffice is not on PATH: the LibreOffice round trip is not checked")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(in, []byte(r.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	// Its own profile directory, so it runs beside any other LibreOffice.
	cmd := exec.Command("libreoffice", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "export.csv"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no CSV: %v", err)
	}
	lo, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice's CSV does not parse: %v", err)
	}
	compareSheets(t, "LibreOffice", lo, want)
}

func compareSheets(t *testing.T, who string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", who, len(got), len(want))
	}
	for i := range want {
		g := got[i]
		for len(g) < len(want[i]) {
			g = append(g, "") // trailing empty cells are left out
		}
		if !reflect.DeepEqual(g, want[i]) {
			t.Fatalf("%s row %d:\n got %q\nwant %q", who, i, g, want[i])
		}
	}
}

// A selection's PDF packets come as one zip: one packet per review the
// viewer may see, each the same PDF as its own download, and the download
// is in the audit log.
func TestPacketsZipHoldsThePacketsTheViewerMaySee(t *testing.T) {
	w := newExportWorld(t)
	get := func(who, path string) map[string][]byte {
		t.Helper()
		r := w.clients[who].Get(path)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("%s as %s: %d %q", path, who, r.Status, r.Header.Get("Content-Type"))
		}
		zr, err := zip.NewReader(strings.NewReader(r.Body), int64(len(r.Body)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Errorf("%s in the zip is not a PDF", f.Name)
			}
			out[f.Name] = b
		}
		return out
	}
	path := fmt.Sprintf("/exports/cycles/%d/packets.zip", w.cycle)
	// The manager sees their reports' reviews and their own: three packets.
	mine := get(w.manager.Name, path)
	if len(mine) != 3 {
		t.Errorf("the manager's zip holds %d packets, want 3 (Ana, Ben and their own): %v", len(mine), zipNames(mine))
	}
	for name := range mine {
		if strings.Contains(name, "Outsider") || strings.Contains(name, "ukasz") {
			t.Errorf("the manager's zip holds %s, a review they may not see", name)
		}
	}
	// An admin, for one team: Ana and Zoë.
	team := get(w.admin.Name, fmt.Sprintf("%s?team=%d", path, w.team))
	if len(team) != 2 {
		t.Errorf("the team zip holds %d packets, want 2: %v", len(team), zipNames(team))
	}
	if n := w.ta.F.Count(t, `SELECT count(*) FROM audit_log WHERE org_id = $1 AND action = 'export.packets'`, w.org); n != 2 {
		t.Errorf("%d packet downloads in the audit log, want 2", n)
	}
	if r := w.clients[w.ana.Name].Get(path); r.Status != 403 {
		t.Errorf("an employee downloaded packets: %d", r.Status)
	}
}

func zipNames(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
