package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/server"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// TestAuditLogNamesWhatEntriesAreAbout: the About column names the people,
// teams, review cycles, retros and 1:1s an entry is about instead of showing
// ids, links the ones an admin can open, and finds all the names of a page
// at once: forty more entries about forty more people cost no more queries.
func TestAuditLogNamesWhatEntriesAreAbout(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{PlainHTTP: true, Config: func(c *server.Config) { c.TraceQueries = true }})
	f := ta.F
	org := f.Org(t, "About Co")
	adm := f.Person(t, org, testfx.PersonOpts{Name: "Ada Admin", Role: core.RoleAdmin})
	mgr := f.Person(t, org, testfx.PersonOpts{Name: "Max Manager", Role: core.RoleManager})
	pia := f.Person(t, org, testfx.PersonOpts{Name: "Pia Park", ManagerID: mgr.ID})
	team := f.Team(t, org, "Atlas", mgr.ID, pia.ID)
	cycle := f.Cycle(t, org, testfx.CycleOpts{Name: "2026 H1 reviews"}, pia.ID)
	retroID, _ := f.Retro(t, org, team, testfx.RetroOpts{Title: "Sprint 4 retro"})
	series := f.Series(t, org, mgr.ID, pia.ID, "2026-01-05")
	add := func(action, subject string) {
		t.Helper()
		if _, err := ta.Pool.Exec(t.Context(), `INSERT INTO audit_log (org_id, actor_id, action, subject) VALUES ($1, $2, $3, $4)`,
			org, adm.ID, action, subject); err != nil {
			t.Fatal(err)
		}
	}
	add("review.finalise", fmt.Sprintf("cycle:%d person:%d", cycle, pia.ID))
	add("team.member.add", fmt.Sprintf("team:%d person:%d", team, pia.ID))
	add("retro.create", fmt.Sprintf("retro:%d", retroID))
	add("oneonone.series.create", fmt.Sprintf("series:%d", series))
	c := ta.Client(t)
	c.SignIn(adm.Email, testfx.Password)

	r := c.Get("/admin/audit")
	if r.Status != 200 {
		t.Fatalf("audit page: %d", r.Status)
	}
	about := map[string]*goquery.Selection{}
	mustDoc(t, r.Body).Find("table.audit tbody tr").Each(func(_ int, s *goquery.Selection) {
		about[s.Find("td code").Text()] = s.Find("td[data-label=About]")
	})
	type link struct{ text, href string }
	for action, want := range map[string]struct {
		text  string
		links []link
	}{
		"review.finalise":        {"2026 H1 reviews · Pia Park", []link{{"2026 H1 reviews", fmt.Sprintf("/reviews/%d", cycle)}, {"Pia Park", fmt.Sprintf("/people/%d", pia.ID)}}},
		"team.member.add":        {"Atlas · Pia Park", []link{{"Atlas", fmt.Sprintf("/teams/%d", team)}, {"Pia Park", fmt.Sprintf("/people/%d", pia.ID)}}},
		"retro.create":           {"Atlas: Sprint 4 retro", nil},
		"oneonone.series.create": {"1:1 Max Manager ↔ Pia Park", nil},
	} {
		cell := about[action]
		if cell == nil {
			t.Errorf("no %s entry", action)
			continue
		}
		if got := strings.Join(strings.Fields(cell.Text()), " "); got != want.text {
			t.Errorf("%s is about %q, want %q", action, got, want.text)
		}
		var got []link
		cell.Find("a").Each(func(_ int, a *goquery.Selection) {
			h, _ := a.Attr("href")
			got = append(got, link{a.Text(), h})
		})
		if fmt.Sprint(got) != fmt.Sprint(want.links) {
			t.Errorf("%s links %v, want %v", action, got, want.links)
		}
	}
	before := r.Header.Get("X-Queries")
	for i := 0; i < 40; i++ {
		p := f.Person(t, org, testfx.PersonOpts{})
		add("person.update", fmt.Sprintf("person:%d", p.ID))
		add("team.member.add", fmt.Sprintf("team:%d person:%d", f.Team(t, org, fmt.Sprintf("Team %d", i)), p.ID))
	}
	r = c.Get("/admin/audit")
	if after := r.Header.Get("X-Queries"); after != before || before == "" {
		t.Errorf("the audit page ran %s statements with 4 entries and %s with 50", before, after)
	}
	if strings.Contains(mustDoc(t, r.Body).Find("table.audit").Text(), "person:") {
		t.Error("the audit page still shows raw person ids")
	}
}
