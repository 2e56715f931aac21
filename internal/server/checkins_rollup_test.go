package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/testapp"
	"rapport/internal/testfx"
)

// A leader over 53 managers sees them 50 to a page, the worst cadence
// first, and pages through with plain links that keep the period and the
// sort; a page past the last is an empty page, not an error.
func TestRollupPagesManagersWorstFirst(t *testing.T) {
	ta := testapp.Start(t, dsn, testapp.Options{})
	org := ta.F.Org(t, "Paged")
	leader := ta.F.Person(t, org, testfx.PersonOpts{Name: "Lena Leader", Role: core.RoleLeader})
	today := time.Now().UTC()
	start := today.AddDate(0, 0, -70).Format(time.DateOnly)
	// Manager i holds the last i%7 of their report's weekly 1:1s (out of
	// about ten in the last 70 days), so cadence kept falls with i%7.
	for i := range 53 {
		m := ta.F.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Manager %02d", i), Role: core.RoleManager, ManagerID: leader.ID})
		r := ta.F.Person(t, org, testfx.PersonOpts{Name: fmt.Sprintf("Report %02d", i), ManagerID: m.ID})
		s := ta.F.Series(t, org, m.ID, r.ID, start)
		for k := range i % 7 {
			ta.F.Meeting(t, org, s, today.AddDate(0, 0, -7*k-1).Format(time.RFC3339), "held")
		}
	}
	c := ta.Client(t)
	c.SignIn(leader.Email, testfx.Password)

	page := func(path string) (*goquery.Document, []string) {
		t.Helper()
		r := c.Get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		doc.Find("main table tbody tr th a").Each(func(_ int, a *goquery.Selection) { names = append(names, a.Text()) })
		return doc, names
	}
	doc, first := page("/checkins/managers?days=90&sort=adherence")
	if len(first) != 50 {
		t.Fatalf("page 1 lists %d managers, want 50", len(first))
	}
	// The worst first: everyone who held nothing, by name, then one held.
	if first[0] != "Manager 00" || first[1] != "Manager 07" || first[8] != "Manager 01" {
		t.Fatalf("page 1 starts %v", first[:9])
	}
	next, ok := doc.Find(`nav.pagination a[rel="next"]`).Attr("href")
	if !ok || next != "/checkins/managers?days=90&sort=adherence&page=2" {
		t.Fatalf("next link %q", next)
	}
	if doc.Find(`nav.pagination a[rel="prev"]`).Length() != 0 {
		t.Fatal("page 1 links to a previous page")
	}
	if txt := doc.Find("nav.pagination").Text(); !strings.Contains(txt, "1–50 of 53") {
		t.Fatalf("page 1 says %q", txt)
	}
	if txt := doc.Find("section.summary").Text(); !strings.Contains(txt, "53 managers") {
		t.Fatalf("the summary is not over all managers: %q", txt)
	}
	doc, second := page(next)
	if len(second) != 3 || second[2] != "Manager 48" {
		t.Fatalf("page 2 lists %v", second)
	}
	if prev, _ := doc.Find(`nav.pagination a[rel="prev"]`).Attr("href"); prev != "/checkins/managers?days=90&sort=adherence&page=1" {
		t.Fatalf("previous link %q", prev)
	}
	seen := map[string]bool{}
	for _, n := range append(first, second...) {
		if seen[n] {
			t.Fatalf("%s is on both pages", n)
		}
		seen[n] = true
	}
	doc, none := page("/checkins/managers?days=90&sort=adherence&page=9")
	if len(none) != 0 || !strings.Contains(doc.Text(), "No managers on this page") {
		t.Fatalf("a page past the last lists %v", none)
	}
}
