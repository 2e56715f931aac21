package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// A manager saves a set of talking points and starts a 1:1's agenda from
// it: its points are added once, as theirs, and a template is its owner's
// alone.
func TestAgendaTemplateStartsAnAgenda(t *testing.T) {
	p := newPair(t)
	// Bad input: kept, refused beside the field, nothing stored.
	bad := p.m.Post("/oneonones/templates", url.Values{"name": {"  "}, "items": {"\n\n"}})
	if bad.Status != 422 || !strings.Contains(bad.Body, "Give the template a name.") || !strings.Contains(bad.Body, "Write at least one talking point") {
		t.Fatalf("empty template: %d", bad.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM agenda_templates WHERE org_id = $1", p.org); n != 0 {
		t.Fatalf("%d templates after a refused form", n)
	}
	form := url.Values{"name": {"First 1:1"}, "items": {"What energises you at work?\n\nHow do you like feedback?\nwhat energises you at work?\n"}}
	if r := p.m.Post("/oneonones/templates", form); r.Status != 303 {
		t.Fatalf("save: %d", r.Status)
	}
	again := p.m.Post("/oneonones/templates", form)
	if again.Status != 422 || !strings.Contains(again.Body, "You already have a template called") {
		t.Errorf("the same name again: %d", again.Status)
	}
	var id int64
	var items []string
	if err := p.ta.Pool.QueryRow(t.Context(), "SELECT id, items FROM agenda_templates WHERE org_id = $1", p.org).Scan(&id, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("the template keeps %q, want the two points once each", items)
	}
	// A point already on the agenda is not added twice.
	p.ta.F.AgendaItem(t, p.org, p.meeting, p.mgr.ID, "How do you like feedback?")
	page := p.m.Get(p.path(""))
	if !strings.Contains(page.Body, "Add from a template") || !strings.Contains(page.Body, "First 1:1 (2 points)") {
		t.Fatal("the agenda does not offer the manager's template")
	}
	if r := p.m.Post(p.path("/agenda/template"), url.Values{"template_id": {fmt.Sprint(id)}}); r.Status != 303 {
		t.Fatalf("apply: %d", r.Status)
	}
	if n := p.ta.F.Count(t, "SELECT count(*) FROM agenda_items WHERE meeting_id = $1", p.meeting); n != 2 {
		t.Errorf("%d points after adding the template, want 2", n)
	}
	// The report sees no template to add and cannot use the manager's.
	if page := p.r.Get(p.path("")); strings.Contains(page.Body, "Add from a template") {
		t.Error("the report is offered the manager's template")
	}
	if r := p.r.Post(p.path("/agenda/template"), url.Values{"template_id": {fmt.Sprint(id)}}); r.Status != 422 {
		t.Errorf("the report applying the manager's template: %d, want 422", r.Status)
	}
	if r := p.r.Post(fmt.Sprintf("/oneonones/templates/%d/delete", id), nil); r.Status != 404 {
		t.Errorf("the report deleting the manager's template: %d, want 404", r.Status)
	}
	if r := p.m.Post(fmt.Sprintf("/oneonones/templates/%d/delete", id), nil); r.Status != 303 {
		t.Errorf("delete: %d", r.Status)
	}
}
