package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rapport/internal/core"
	"rapport/internal/testfx"
)

func TestHomeBoundsOpenActionsOverdueFirstWithALinkToAll(t *testing.T) {
	p := newPair(t)
	// 44 open actions: 40 due later, then 4 overdue created last.
	for i := range 40 {
		p.ta.F.Action(t, p.org, p.meeting, p.mgr.ID, fmt.Sprintf("Later action %02d", i), time.Now().AddDate(0, 0, 10+i).Format("2006-01-02"), nil)
	}
	for i := range 4 {
		p.ta.F.Action(t, p.org, p.meeting, p.rep.ID, fmt.Sprintf("Overdue action %d", i), time.Now().AddDate(0, 0, -3-i).Format("2006-01-02"), nil)
	}
	// Others' reports add more people to the home page, not more actions.
	for range 7 {
		p.ta.F.Person(t, p.org, testfx.PersonOpts{ManagerID: p.mgr.ID, Role: core.RoleEmployee})
	}
	doc := parse(t, p.m.Get("/").Body)
	items := doc.Find(`section[aria-labelledby="acts-h"] .actions-list > li`)
	if items.Length() == 0 || items.Length() > 5 {
		t.Fatalf("home lists %d open actions, want 1 to 5", items.Length())
	}
	items.Slice(0, 4).Each(func(i int, li *goquery.Selection) {
		if !strings.Contains(li.Text(), "Overdue action") {
			t.Errorf("action %d on home is %q, want the overdue ones first", i+1, strings.TrimSpace(li.Find("a.text").Text()))
		}
	})
	link := doc.Find(`section[aria-labelledby="acts-h"] a[href="/actions"]`)
	if !strings.Contains(link.Text(), "44") {
		t.Fatalf("home has no link to all 44 open actions: %q", link.Text())
	}
	if n := doc.Find(`section[aria-labelledby="reports-h"] li`).Length(); n > 5 {
		t.Errorf("home lists %d direct reports, want at most 5", n)
	}

	all := parse(t, p.m.Get("/actions").Body)
	if n := all.Find(".actions-list > li").Length(); n != 44 {
		t.Fatalf("the full list shows %d open actions, want 44", n)
	}
	if first := all.Find(".actions-list > li").First().Text(); !strings.Contains(first, "Overdue action") {
		t.Errorf("the full list does not start with an overdue action: %q", first)
	}
}

func parse(t *testing.T, body string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
